//! The `bgp` topology built and running: the network, FRR as the router (bgpd + bfdd, ECMP,
//! passive towards the nodes), a fake TLS apiserver on each node (in this process, on a thread
//! in the node's namespace, all signed by one lab CA), the announcer stack on each node, and
//! the HTTPS probe in the client's namespace. The faults the scenario applies act here, and
//! the router's forwarding table is read back as the nodes it routes the VIP to.
//! Everything is removed on drop; a drop during a panic prints the logs first.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::announcers::{self, GOBGP_API_PORT};
use super::network::BgpNetwork;
use super::{
    BgpStack, CLUSTER_ASN, NODES, PORT, ROUTER, ROUTER_ASN, ROUTER_HOLD_SECONDS,
    ROUTER_KEEPALIVE_SECONDS, VIP, VIP_PREFIX,
};
use crate::apiserver::{self, LabCa};
use crate::https_probe::{self, Event, Outcome};
use crate::routers::frr::{FrrOptions, FrrRouter};
use crate::routers::gobgp::GOBGPD;
use crate::routers::{kernel_next_hops, wait_until, Neighbor, RouterConfig};
use crate::NetnsChild;

/// Events of the fake apiservers' watches, every this long.
const WATCH_EVERY: Duration = Duration::from_millis(250);
/// nftables table a node's backend loss lives in.
const NFT_TABLE: &str = "kglabbgp";

pub struct BgpStage {
    pub stack: BgpStack,
    // Processes, servers and the router stop before the network goes (declaration order).
    announcers: BTreeMap<&'static str, NetnsChild>,
    apiservers: BTreeMap<&'static str, apiserver::Handle>,
    router: FrrRouter,
    pub network: BgpNetwork,
    ca: Arc<LabCa>,
    dir: PathBuf,
    binary: PathBuf,
    keep_dir: bool,
    starts: u32,
}

impl BgpStage {
    /// Builds the network, starts FRR, the apiservers and the announcers; returns once the
    /// router routes the VIP to every node.
    pub fn build(binary: &Path, stack: BgpStack) -> io::Result<BgpStage> {
        crate::require_root()?;
        if stack == BgpStack::GobgpKubeVip && !Path::new(GOBGPD).exists() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                crate::routers::gobgp::NEED_GOBGP,
            ));
        }
        let network = BgpNetwork::build()?;
        let dir = std::env::temp_dir().join(format!("kubegate-lab-{}", network.segment.tag()));
        fs::create_dir_all(&dir)?;
        let ca = Arc::new(LabCa::new("kubernetes")?);
        ca.write_pem(&dir.join("ca.pem"))?;
        let neighbors = NODES
            .iter()
            .map(|(_, a)| Neighbor {
                address: IpAddr::V4(*a),
                asn: CLUSTER_ASN,
                password: None,
            })
            .collect();
        let mut router_config = RouterConfig::new(ROUTER_ASN, ROUTER, neighbors);
        router_config.hold_time = ROUTER_HOLD_SECONDS;
        router_config.keepalive = ROUTER_KEEPALIVE_SECONDS;
        // The same router for every stack: BFD on towards each node (a node that runs none
        // keeps its BGP session; FRR acts only on a BFD session that was up and went down).
        let router = FrrRouter::start(
            network.router()?,
            router_config,
            &FrrOptions {
                bfd: true,
                networks: Vec::new(),
            },
        )?;
        let mut stage = BgpStage {
            stack,
            announcers: BTreeMap::new(),
            apiservers: BTreeMap::new(),
            router,
            network,
            ca,
            dir,
            binary: binary.to_path_buf(),
            keep_dir: false,
            starts: 0,
        };
        if let BgpStack::Kubegate { bfd } = stack {
            let text = announcers::kubegate_config(&stage.ca_path(), bfd);
            fs::write(stage.config_path(), text)?;
        }
        for (node, _) in NODES {
            stage.start_apiserver(node)?;
        }
        for (node, _) in NODES {
            stage.start_announcer(node)?;
        }
        let all: Vec<&str> = NODES.iter().map(|n| n.0).collect();
        if stage.wait_routed(&all, Duration::from_secs(30))?.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "after 30 s the router routes {VIP_PREFIX} to {:?}, not every node\n{}",
                    stage.routed()?,
                    stage.logs()
                ),
            ));
        }
        Ok(stage)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn ca_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("cluster.yaml")
    }

    pub fn router(&self) -> &FrrRouter {
        &self.router
    }

    /// Keep the directory (config, CA, logs) after drop.
    pub fn keep_files(&mut self) {
        self.keep_dir = true;
    }

    fn address_of(node: &str) -> io::Result<Ipv4Addr> {
        NODES
            .iter()
            .find(|n| n.0 == node)
            .map(|n| n.1)
            .ok_or_else(|| io::Error::other(format!("no node {node:?} in the bgp topology")))
    }

    /// Starts (again) `node`'s fake apiserver, ready, on :6443: on the node's address for
    /// kubegate (its frontend holds VIP:6443), on every address for the reference (kube-vip
    /// sends the VIP's traffic straight to the apiserver).
    pub fn start_apiserver(&mut self, node: &'static str) -> io::Result<()> {
        let address = Self::address_of(node)?;
        let sans = [address.to_string(), VIP.to_string()];
        let mut options = apiserver::Options::new(
            &sans.iter().map(String::as_str).collect::<Vec<_>>(),
            Arc::new(AtomicBool::new(true)),
        );
        options.ca = Some(self.ca.clone());
        options.watch_every = WATCH_EVERY;
        let bind = match self.stack {
            BgpStack::Kubegate { .. } => address,
            BgpStack::GobgpKubeVip => Ipv4Addr::UNSPECIFIED,
        };
        let addr = SocketAddr::from((bind, PORT));
        let handle = self
            .network
            .node(node)?
            .enter(move || apiserver::serve_with(addr, options))??;
        self.apiservers.insert(node, handle);
        Ok(())
    }

    /// `node` loses its backends: its apiserver stops and nothing in its namespace reaches
    /// port 6443 elsewhere (refused at once, so its frontend's checks fail).
    pub fn lose_backends(&mut self, node: &str) -> io::Result<()> {
        if let Some(h) = self.apiservers.remove(node) {
            h.stop();
        }
        let script = format!(
            "add table inet {NFT_TABLE}\n\
             add chain inet {NFT_TABLE} out {{ type filter hook output priority 0; }}\n\
             add rule inet {NFT_TABLE} out tcp dport {PORT} reject with tcp reset\n"
        );
        self.nft(node, &script)
    }

    /// Undoes [`BgpStage::lose_backends`].
    pub fn restore_backends(&mut self, node: &'static str) -> io::Result<()> {
        self.nft(node, &format!("delete table inet {NFT_TABLE}\n"))?;
        self.start_apiserver(node)
    }

    fn nft(&self, node: &str, script: &str) -> io::Result<()> {
        let mut child = self
            .network
            .node(node)?
            .command("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        child
            .stdin
            .take()
            .ok_or_else(|| io::Error::other("nft's stdin"))?
            .write_all(script.as_bytes())?;
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "{node}: nft {script:?}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }

    /// Starts the announcer of the stack on `node`.
    pub fn start_announcer(&mut self, node: &'static str) -> io::Result<()> {
        self.starts += 1;
        let child = match self.stack {
            BgpStack::Kubegate { .. } => {
                let config = self.config_path().to_string_lossy().into_owned();
                let binary = self.binary.to_string_lossy().into_owned();
                let args = ["run", "--config", &config, "--node", node];
                self.spawn(node, "kubegate", &binary, &args)?
            }
            BgpStack::GobgpKubeVip => self.start_gobgp(node)?,
        };
        self.announcers.insert(node, child);
        Ok(())
    }

    /// gobgpd as kube-vip runs it: the VIP on `lo`, the /32 in the RIB once the API answers.
    fn start_gobgp(&mut self, node: &str) -> io::Result<NetnsChild> {
        let address = Self::address_of(node)?;
        let netns = self.network.node(node)?;
        let vip = format!("{VIP}/32");
        if !netns
            .ip(&["-4", "addr", "show", "dev", "lo"])?
            .contains(&vip)
        {
            netns.ip(&["addr", "add", &vip, "dev", "lo"])?;
        }
        let toml = self.dir.join(format!("{node}-gobgpd.toml"));
        fs::write(&toml, announcers::gobgp_config(address))?;
        let api = format!("127.0.0.1:{GOBGP_API_PORT}");
        let toml = toml.to_string_lossy().into_owned();
        let args = [
            "-f",
            &toml,
            "-t",
            "toml",
            "--api-hosts",
            &api,
            "--pprof-disable",
        ];
        let mut child = self.spawn(node, "gobgpd", GOBGPD, &args)?;
        let announce = announcers::gobgp_announce_args(address);
        wait_until(
            Duration::from_secs(5),
            "gobgpd takes the VIP's route",
            || {
                if let Some(status) = child.try_wait()? {
                    return Err(io::Error::other(format!(
                        "{node}: gobgpd exited ({status})"
                    )));
                }
                Ok(netns
                    .command("gobgp")
                    .args(&announce)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()?
                    .success()
                    .then_some(()))
            },
        )?;
        Ok(child)
    }

    fn spawn(
        &self,
        node: &str,
        what: &str,
        program: &str,
        args: &[&str],
    ) -> io::Result<NetnsChild> {
        let log = File::create(self.dir.join(format!("{node}-{what}.{}.log", self.starts)))?;
        let child = self
            .network
            .node(node)?
            .command(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        Ok(NetnsChild::from_child(child))
    }

    /// Sends `signal` (`TERM`, `KILL`) to `node`'s announcer.
    pub fn signal(&self, node: &str, signal: &str) -> io::Result<()> {
        self.announcers
            .get(node)
            .ok_or_else(|| io::Error::other(format!("no announcer runs on {node}")))?
            .signal(signal)
    }

    /// Whether `node`'s announcer still runs.
    pub fn runs(&mut self, node: &str) -> io::Result<bool> {
        match self.announcers.get_mut(node) {
            Some(child) => Ok(child.try_wait()?.is_none()),
            None => Ok(false),
        }
    }

    /// Waits up to `timeout` for `node`'s announcer to exit; forgets it once it has.
    pub fn wait_exit(&mut self, node: &str, timeout: Duration) -> io::Result<bool> {
        let Some(child) = self.announcers.get_mut(node) else {
            return Ok(true);
        };
        if child.wait_timeout(timeout)?.is_none() {
            return Ok(false);
        }
        self.announcers.remove(node);
        Ok(true)
    }

    /// The nodes the router's kernel routes the VIP to (its ECMP next hops), in node order.
    pub fn routed(&self) -> io::Result<Vec<&'static str>> {
        let hops = kernel_next_hops(self.network.router()?, VIP_PREFIX)?;
        Ok(NODES
            .iter()
            .filter(|(_, a)| hops.contains(&IpAddr::V4(*a)))
            .map(|(n, _)| *n)
            .collect())
    }

    /// Waits until the router routes the VIP to exactly `nodes`; how long that took, or
    /// `None` when it did not within `timeout`. Polls every 10 ms.
    pub fn wait_routed(&self, nodes: &[&str], timeout: Duration) -> io::Result<Option<Duration>> {
        let started = Instant::now();
        loop {
            let now = self.routed()?;
            if now.len() == nodes.len() && nodes.iter().all(|n| now.contains(n)) {
                return Ok(Some(started.elapsed()));
            }
            if started.elapsed() >= timeout {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Starts the HTTPS probe in the client's namespace for `duration`.
    pub fn start_probe(&self, duration: Duration) -> io::Result<BgpProbe> {
        let out_path = self
            .dir
            .join(format!("probe-{}.txt", self.starts_and_now()));
        let out = File::create(&out_path)?;
        let target = SocketAddr::from((VIP, PORT)).to_string();
        let child = self
            .network
            .client()
            .command(self.binary.to_str().unwrap_or("kubegate"))
            .args([
                "lab-https-probe",
                "--target",
                &target,
                "--ca",
                &self.ca_path().to_string_lossy(),
                "--duration-ms",
                &duration.as_millis().to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(Stdio::inherit())
            .spawn()?;
        Ok(BgpProbe {
            child: NetnsChild::from_child(child),
            out_path,
            duration,
        })
    }

    fn starts_and_now(&self) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!("{}-{nanos}", self.starts)
    }

    /// Everything the announcers and the router logged so far.
    pub fn logs(&self) -> String {
        let mut all = String::new();
        let mut paths: Vec<PathBuf> = fs::read_dir(&self.dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        paths.sort();
        for p in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "log"))
        {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            all.push_str(&format!("==== {name}\n"));
            all.push_str(&fs::read_to_string(p).unwrap_or_default());
        }
        all.push_str("==== router: show bgp summary\n");
        all.push_str(&self.router.vtysh("show bgp summary").unwrap_or_default());
        all
    }
}

impl Drop for BgpStage {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
        self.announcers.clear();
        self.apiservers.clear();
        if !self.keep_dir {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// A probe under way.
pub struct BgpProbe {
    child: NetnsChild,
    out_path: PathBuf,
    duration: Duration,
}

impl BgpProbe {
    /// Waits for the probe to end; its events and what they add up to.
    pub fn finish(mut self) -> io::Result<(Vec<Event>, Outcome)> {
        let text = crate::cluster::probe_output(&mut self.child, &self.out_path, self.duration)?;
        let events = https_probe::parse_events(&text);
        let outcome = https_probe::analyse(&events, self.duration.as_millis() as u64);
        Ok((events, outcome))
    }
}

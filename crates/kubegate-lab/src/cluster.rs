//! A lab cluster: a `Segment` of nodes and a client, a kubegate daemon and a stand-in TCP
//! service per node, one config file for all. Tests, benchmarks and `kubegate lab` drive
//! failures through it and read who holds the VIP. Everything is removed on drop; when the
//! drop happens during a panic the daemons' logs are printed first.

use std::fs::{self, File};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::keepalived::{self, KeepalivedPeer};
use super::service::{self, GapReport};
use super::{NetnsChild, Segment};

/// TCP port of the stand-in service on every node (below the ephemeral range).
pub const SERVICE_PORT: u16 = 8080;

/// One kubegate node of the lab.
struct LabNode {
    name: String,
    daemon: Option<NetnsChild>,
    _service: Option<NetnsChild>,
    restarts: u32,
}

pub struct Cluster {
    pub segment: Segment,
    dir: PathBuf,
    config: PathBuf,
    binary: PathBuf,
    nodes: Vec<LabNode>,
    keep_dir: bool,
}

impl Cluster {
    /// Builds `nodes` nodes (node1.. at 198.18.0.11..) and a client (198.18.0.100), writes
    /// `config_yaml`, starts the service on every node; daemons are started with `start`.
    pub fn new(binary: &Path, nodes: u8, config_yaml: &str) -> io::Result<Self> {
        super::require_root()?;
        let segment = Segment::with_nodes(nodes, true)?;
        for host in segment.hosts() {
            // Clients accept gratuitous ARP for entries they do not have yet, as hosts
            // on a real segment commonly do; existing entries are updated regardless.
            host.netns.sysctl("net.ipv4.conf.all.arp_accept", "1")?;
        }
        let dir = std::env::temp_dir().join(format!("kubegate-lab-{}", segment.tag()));
        fs::create_dir_all(&dir)?;
        let config = dir.join("cluster.yaml");
        fs::write(&config, config_yaml)?;
        let mut cluster = Cluster {
            segment,
            dir,
            config,
            binary: binary.to_path_buf(),
            nodes: Vec::new(),
            keep_dir: false,
        };
        for i in 1..=nodes {
            let name = format!("node{i}");
            let service = cluster.spawn_logged(
                &name,
                &format!("{name}-service"),
                &[
                    "lab-serve",
                    "--listen",
                    &format!("[::]:{SERVICE_PORT}"),
                    "--name",
                    &name,
                ],
            )?;
            cluster.nodes.push(LabNode {
                name,
                daemon: None,
                _service: Some(service),
                restarts: 0,
            });
        }
        Ok(cluster)
    }

    /// The directory with the config file and the daemons' logs.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// Keep the directory (config and logs) after drop.
    pub fn keep_files(&mut self) {
        self.keep_dir = true;
    }

    fn spawn_logged(&self, host: &str, log: &str, args: &[&str]) -> io::Result<NetnsChild> {
        let netns = self.segment.netns(host)?;
        let out = File::create(self.dir.join(format!("{log}.log")))?;
        let child = netns
            .command(self.binary.to_str().unwrap_or("kubegate"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        Ok(NetnsChild::from_child(child))
    }

    fn node_mut(&mut self, name: &str) -> io::Result<&mut LabNode> {
        self.nodes
            .iter_mut()
            .find(|n| n.name == name)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no node {name}")))
    }

    /// Starts (or restarts) the kubegate daemon of `node`.
    pub fn start(&mut self, node: &str) -> io::Result<()> {
        let config = self.config.to_string_lossy().into_owned();
        let binary = self.binary.clone();
        self.start_program(node, &binary, &["run", "--config", &config, "--node", node])
    }

    /// Runs another VRRP speaker as `node`'s daemon (keepalived, FRR …); `signal` and
    /// `wait_exit` then act on it.
    pub fn start_program(&mut self, node: &str, program: &Path, args: &[&str]) -> io::Result<()> {
        let restarts = self.node_mut(node)?.restarts;
        let log = if restarts == 0 {
            node.to_string()
        } else {
            format!("{node}.{restarts}")
        };
        let netns = self.segment.netns(node)?;
        let out = File::create(self.dir.join(format!("{log}.log")))?;
        let child = netns
            .command(program.to_str().unwrap_or_default())
            .args(args)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        let n = self.node_mut(node)?;
        n.daemon = Some(NetnsChild::from_child(child));
        n.restarts += 1;
        Ok(())
    }

    /// Runs real keepalived as `node`'s daemon with this instance.
    pub fn start_keepalived(&mut self, node: &str, peer: &KeepalivedPeer) -> io::Result<()> {
        let (program, args) = keepalived::command_line(peer, &self.dir, node)?;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.start_program(node, &program, &args)
    }

    pub fn start_all(&mut self) -> io::Result<()> {
        let names: Vec<String> = self.nodes.iter().map(|n| n.name.clone()).collect();
        for name in names {
            self.start(&name)?;
        }
        Ok(())
    }

    /// Sends a signal (`TERM`, `KILL` …) to the daemon of `node`.
    pub fn signal(&mut self, node: &str, signal: &str) -> io::Result<()> {
        match &self.node_mut(node)?.daemon {
            Some(d) => d.signal(signal),
            None => Err(io::Error::other(format!("{node}: daemon not running"))),
        }
    }

    /// The process id of `node`'s daemon while it runs (`ip netns exec` execs the program,
    /// so it is the program's own).
    pub fn daemon_pid(&self, node: &str) -> Option<u32> {
        self.nodes
            .iter()
            .find(|n| n.name == node)
            .and_then(|n| n.daemon.as_ref())
            .map(NetnsChild::id)
    }

    /// Waits for the daemon of `node` to exit; returns its exit code (None: killed by signal).
    pub fn wait_exit(&mut self, node: &str, timeout: Duration) -> io::Result<Option<i32>> {
        let n = self.node_mut(node)?;
        let Some(d) = n.daemon.as_mut() else {
            return Err(io::Error::other(format!("{node}: daemon not running")));
        };
        match d.wait_timeout(timeout)? {
            Some(status) => {
                n.daemon = None;
                Ok(status.code())
            }
            None => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{node}: daemon still running after {timeout:?}"),
            )),
        }
    }

    /// Nodes whose `eth0` carries `vip` now.
    pub fn holders(&self, vip: Ipv4Addr) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        for n in &self.nodes {
            if self.segment.addresses_of(&n.name)?.contains(&vip) {
                out.push(n.name.clone());
            }
        }
        Ok(out)
    }

    /// Waits until `vip` is held by exactly one node, and it is `expected` when given.
    pub fn wait_single_holder(
        &self,
        vip: Ipv4Addr,
        expected: Option<&str>,
        timeout: Duration,
    ) -> io::Result<String> {
        let until = Instant::now() + timeout;
        loop {
            let holders = self.holders(vip)?;
            if holders.len() == 1 && expected.is_none_or(|e| holders[0] == e) {
                return Ok(holders[0].clone());
            }
            if Instant::now() >= until {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "after {timeout:?} {vip} is held by {holders:?}, expected exactly {}",
                        expected.unwrap_or("one node")
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the probing client: connects to `vip` every `period` for `duration`.
    pub fn start_probe(
        &self,
        vip: Ipv4Addr,
        period: Duration,
        duration: Duration,
    ) -> io::Result<Probe> {
        let netns = self.segment.netns("client")?;
        let out_path = self.dir.join(format!("probe-{}.txt", unique_counter()));
        let out = File::create(&out_path)?;
        let child = netns
            .command(self.binary.to_str().unwrap_or("kubegate"))
            .args([
                "lab-probe",
                "--target",
                &SocketAddr::from((vip, SERVICE_PORT)).to_string(),
                "--period-ms",
                &period.as_millis().to_string(),
                "--duration-ms",
                &duration.as_millis().to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(Stdio::inherit())
            .spawn()?;
        Ok(Probe {
            child: NetnsChild::from_child(child),
            out_path,
            duration,
        })
    }

    /// Everything the daemons logged so far, node by node.
    pub fn logs(&self) -> String {
        let mut all = String::new();
        if let Ok(entries) = fs::read_dir(&self.dir) {
            let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for p in paths
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "log"))
            {
                all.push_str(&format!(
                    "==== {}\n",
                    p.file_name().unwrap_or_default().to_string_lossy()
                ));
                all.push_str(&fs::read_to_string(p).unwrap_or_default());
            }
        }
        all
    }

    /// Makes `node`'s service refuse connections from the node itself (`refuse`: a TCP reset,
    /// as a dead backend does) or take them again. The node's frontend checks and its clients
    /// then see a dead backend; nothing else changes.
    pub fn refuse_service(&self, node: &str, refuse: bool) -> io::Result<()> {
        let script = if refuse {
            format!(
                "table inet kgservice {{}}\ndelete table inet kgservice\n\
                 table inet kgservice {{\n  chain out {{\n    \
                 type filter hook output priority 0;\n    \
                 tcp dport {SERVICE_PORT} reject with tcp reset\n  }}\n}}\n"
            )
        } else {
            "table inet kgservice {}\ndelete table inet kgservice\n".to_string()
        };
        self.segment.netns(node)?.nft(&script)
    }

    /// The command that runs the kubegate binary inside `node`'s namespace.
    pub fn command_in(&self, node: &str) -> io::Result<Command> {
        Ok(self
            .segment
            .netns(node)?
            .command(self.binary.to_str().unwrap_or("kubegate")))
    }
}

fn unique_counter() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
        for n in &mut self.nodes {
            n.daemon = None;
            n._service = None;
        }
        if !self.keep_dir {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// A running probe; `finish` waits for it and analyses what it saw.
pub struct Probe {
    child: NetnsChild,
    out_path: PathBuf,
    duration: Duration,
}

impl Probe {
    /// What the probe has written so far (it writes each attempt as it is made).
    pub fn so_far(&self) -> GapReport {
        service::analyse_output(&fs::read_to_string(&self.out_path).unwrap_or_default())
    }

    /// Waits (at most `timeout`) until the probe has had `n` answers, the last one from
    /// `node`; the error says what the probe saw.
    pub fn wait_answered(&self, node: &str, n: usize, timeout: Duration) -> Result<(), String> {
        let until = Instant::now() + timeout;
        loop {
            let seen = self.so_far();
            if seen.succeeded >= n && seen.answered_by.last().map(String::as_str) == Some(node) {
                return Ok(());
            }
            if Instant::now() >= until {
                return Err(format!(
                    "the probe did not have {n} answers, the last from {node}, within \
                     {timeout:?}; it saw {seen:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn finish(mut self) -> io::Result<GapReport> {
        let text = probe_output(&mut self.child, &self.out_path, self.duration)?;
        Ok(service::analyse_output(&text))
    }
}

/// Waits for a probe process that runs for `duration`, then reads (and removes) what it wrote.
pub(crate) fn probe_output(
    child: &mut NetnsChild,
    out_path: &std::path::Path,
    duration: Duration,
) -> io::Result<String> {
    let status = child.wait_timeout(duration + Duration::from_secs(10))?;
    if status.is_none_or(|s| !s.success()) {
        return Err(io::Error::other(format!(
            "the probe did not finish cleanly: {status:?}"
        )));
    }
    let text = fs::read_to_string(out_path)?;
    let _ = fs::remove_file(out_path);
    Ok(text)
}

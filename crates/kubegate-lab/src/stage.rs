//! One topology built and running: the segment, a fake apiserver per apiserver host (in this
//! process, on a thread inside the host's namespace, all signed by one lab CA), the balancer
//! stack on each balancer host (kubegate, or keepalived + haproxy side by side), and the
//! HTTPS probe started in the client's namespace. The faults the scenario applies act here.
//! Everything is removed on drop; a drop during a panic prints the daemons' logs first.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::apiserver::{self, LabCa};
use super::https_probe::{self, Outcome};
use super::topologies::{Layout, Topology, APISERVER_PORT, CLIENT};
use super::{compare, NetnsChild, Segment};

/// What answers on the balancer hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    Kubegate,
    /// keepalived (VRRPv2, 1 s adverts) and haproxy, configured as in the field.
    KeepalivedHaproxy,
}

impl Stack {
    pub fn label(self) -> &'static str {
        match self {
            Stack::Kubegate => "kubegate",
            Stack::KeepalivedHaproxy => "keepalived + haproxy",
        }
    }
}

/// Events of the fake apiservers' watches, every this long.
const WATCH_EVERY: Duration = Duration::from_millis(250);
/// The signal number of SIGHUP (Linux).
const SIGHUP: u32 = 1;

pub struct Stage {
    pub layout: Layout,
    pub stack: Stack,
    // Processes and servers drop before the segment (declaration order).
    daemons: BTreeMap<&'static str, Vec<NetnsChild>>,
    apiservers: BTreeMap<&'static str, apiserver::Handle>,
    pub segment: Segment,
    ca: Arc<LabCa>,
    dir: PathBuf,
    binary: PathBuf,
    keep_dir: bool,
    restarts: u32,
}

impl Stage {
    /// Builds the segment, starts the apiservers and the balancer stack; returns once every
    /// VIP has its preferred holder (or after `settle` when there is none).
    pub fn build(binary: &Path, topology: Topology, stack: Stack) -> io::Result<Stage> {
        super::require_root()?;
        // Namespaces left by a lab whose process was killed (never those of a live one).
        for name in super::netns::remove_stale().unwrap_or_default() {
            eprintln!("lab: removed {name}, left behind by an earlier run");
        }
        let layout = Layout::of(topology);
        let hosts: Vec<(&str, Ipv4Addr)> = layout.hosts.iter().copied().chain([CLIENT]).collect();
        let segment = Segment::new(&hosts)?;
        for host in segment.hosts() {
            // Hosts accept gratuitous ARP for entries they do not have yet, as is common.
            host.netns.sysctl("net.ipv4.conf.all.arp_accept", "1")?;
        }
        let dir = std::env::temp_dir().join(format!("kubegate-lab-{}", segment.tag()));
        fs::create_dir_all(&dir)?;
        let ca = Arc::new(LabCa::new("kubernetes")?);
        ca.write_pem(&dir.join("ca.pem"))?;
        let mut stage = Stage {
            layout,
            stack,
            daemons: BTreeMap::new(),
            apiservers: BTreeMap::new(),
            segment,
            ca,
            dir,
            binary: binary.to_path_buf(),
            keep_dir: false,
            restarts: 0,
        };
        write_token(&stage.dir.join(super::topologies::TOKEN_FILE))?;
        let config = stage.layout.kubegate_config(&stage.ca_path(), &[]);
        fs::write(stage.config_path(), config)?;
        for api in stage.layout.apiservers.clone() {
            stage.start_apiserver(api)?;
        }
        for host in stage.layout.balancers.clone() {
            stage.start_balancer(host)?;
        }
        stage.wait_preferred(Duration::from_secs(20))?;
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

    /// Keep the directory (config, CA, logs) after drop.
    pub fn keep_files(&mut self) {
        self.keep_dir = true;
    }

    /// Starts (again) the fake apiserver of `host`, ready, on :6443 in its namespace.
    pub fn start_apiserver(&mut self, host: &'static str) -> io::Result<()> {
        let mut options = apiserver::Options::new(
            &self
                .layout
                .sans(host)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            Arc::new(AtomicBool::new(true)),
        );
        options.ca = Some(self.ca.clone());
        options.watch_every = WATCH_EVERY;
        let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, APISERVER_PORT));
        let handle = self
            .segment
            .netns(host)?
            .enter(move || apiserver::serve_with(addr, options))??;
        self.apiservers.insert(host, handle);
        Ok(())
    }

    /// Flips `/readyz` of `host`'s apiserver.
    pub fn set_ready(&self, host: &str, ready: bool) -> io::Result<()> {
        match self.apiservers.get(host) {
            Some(h) => {
                h.set_ready(ready);
                Ok(())
            }
            None => Err(io::Error::other(format!("no apiserver runs on {host}"))),
        }
    }

    /// Stops `host`'s apiserver, closing its connections (and watches).
    pub fn stop_apiserver(&mut self, host: &str) {
        if let Some(h) = self.apiservers.remove(host) {
            h.stop();
        }
    }

    /// Starts the balancer stack on `host`; kubegate, once it handles signals.
    pub fn start_balancer(&mut self, host: &'static str) -> io::Result<()> {
        self.restarts += 1;
        let children = match self.stack {
            Stack::Kubegate => {
                let config = self.config_path().to_string_lossy().into_owned();
                let mut args = vec!["run", "--config", &config, "--log-format", "none"];
                if !self.layout.vips.is_empty() {
                    args.extend(["--node", host]);
                }
                let binary = self.binary.to_string_lossy().into_owned();
                let daemon = self.spawn(host, "kubegate", &binary, &args)?;
                // As systemd, which sends no reload before the start: until kubegate has its
                // handlers, a SIGHUP (a reload of the campaign) would end it.
                daemon.wait_catching(SIGHUP, Duration::from_secs(5));
                vec![daemon]
            }
            Stack::KeepalivedHaproxy => {
                // haproxy binds the VIP on the host that does not hold it (this namespace only).
                self.segment
                    .netns(host)?
                    .sysctl("net.ipv4.ip_nonlocal_bind", "1")?;
                let (haproxy, keepalived) = compare::write_configs(&self.layout, host, &self.dir)?;
                let mut out = vec![self.spawn(host, "haproxy", "haproxy", &haproxy)?];
                // keepalived starts once haproxy listens (its check runs every 10 s on a pair).
                self.wait_listening(host, self.layout.frontend_port, Duration::from_secs(5))?;
                if let Some(args) = keepalived {
                    out.push(self.spawn(host, "keepalived", "keepalived", &args)?);
                }
                out
            }
        };
        self.daemons.insert(host, children);
        Ok(())
    }

    fn spawn<S: AsRef<str>>(
        &self,
        host: &str,
        what: &str,
        program: &str,
        args: &[S],
    ) -> io::Result<NetnsChild> {
        let log = File::create(
            self.dir
                .join(format!("{host}-{what}.{}.log", self.restarts)),
        )?;
        let child = self
            .segment
            .netns(host)?
            .command(program)
            .args(args.iter().map(AsRef::as_ref))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        Ok(NetnsChild::from_child(child))
    }

    /// Waits until something in `host`'s namespace listens on TCP `port`.
    fn wait_listening(&self, host: &str, port: u16, timeout: Duration) -> io::Result<()> {
        let until = Instant::now() + timeout;
        let needle = format!(":{port} ");
        loop {
            let out = self.segment.netns(host)?.run("ss", &["-Hltn"])?;
            if out.contains(&needle) {
                return Ok(());
            }
            if Instant::now() >= until {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{host}: nothing listens on port {port} after {timeout:?}\n{}",
                        self.logs()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends `signal` to the balancer stack of `host` (every process of it, in start order:
    /// for keepalived + haproxy, as `systemctl stop keepalived haproxy` would).
    pub fn signal_balancer(&self, host: &str, signal: &str) -> io::Result<()> {
        let children = self
            .daemons
            .get(host)
            .ok_or_else(|| io::Error::other(format!("no balancer runs on {host}")))?;
        for child in children.iter().rev() {
            child.signal(signal)?;
        }
        Ok(())
    }

    /// Waits up to `timeout` for the balancer stack of `host` to exit after a signal.
    pub fn wait_balancer_exit(&mut self, host: &str, timeout: Duration) -> io::Result<bool> {
        let Some(children) = self.daemons.get_mut(host) else {
            return Ok(true);
        };
        let until = Instant::now() + timeout;
        for child in children.iter_mut() {
            let left = until.saturating_duration_since(Instant::now());
            if child.wait_timeout(left)?.is_none() {
                return Ok(false);
            }
        }
        self.daemons.remove(host);
        Ok(true)
    }

    /// The process id of each running balancer stack's first process (kubegate, or haproxy).
    pub fn pids(&self) -> Vec<(&'static str, u32)> {
        self.daemons
            .iter()
            .filter_map(|(h, children)| Some((*h, children.first()?.id())))
            .collect()
    }

    /// Whether `host`'s balancer stack runs (started, not yet seen to exit).
    pub fn runs(&self, host: &str) -> bool {
        self.daemons.contains_key(host)
    }

    /// Sends `signal` to every running balancer stack.
    pub fn signal_all(&self, signal: &str) -> io::Result<()> {
        for host in self.daemons.keys() {
            self.signal_balancer(host, signal)?;
        }
        Ok(())
    }

    /// The balancer stacks whose processes have exited since the last call, with how (they
    /// are no longer running: a `start_balancer` starts them again).
    pub fn reap(&mut self) -> io::Result<Vec<(&'static str, String)>> {
        let mut out = Vec::new();
        for (host, children) in &mut self.daemons {
            for child in children.iter_mut() {
                if let Some(status) = child.try_wait()? {
                    out.push((*host, status.to_string()));
                    break;
                }
            }
        }
        for (host, _) in &out {
            self.daemons.remove(host);
        }
        Ok(out)
    }

    /// Runs `kubegate ARGS --config FILE` in `host`'s namespace (the operator's commands);
    /// its output, or why it failed.
    pub fn kubegate_cli(&self, host: &str, args: &[&str]) -> io::Result<String> {
        let config = self.config_path().to_string_lossy().into_owned();
        let out = self
            .segment
            .netns(host)?
            .command(self.binary.to_str().unwrap_or("kubegate"))
            .args(args)
            .args(["--config", &config])
            .stdin(Stdio::null())
            .output()?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(io::Error::other(format!(
                "{host}: kubegate {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// The hosts whose `eth0` holds each VIP, in the layout's VIP order.
    pub fn holders(&self) -> io::Result<Vec<Vec<&'static str>>> {
        let mut per_host = Vec::new();
        for host in &self.layout.balancers {
            per_host.push((*host, self.segment.addresses_of(host)?));
        }
        Ok(self
            .layout
            .vips
            .iter()
            .map(|v| {
                per_host
                    .iter()
                    .filter(|(_, addrs)| addrs.contains(&v.address))
                    .map(|(h, _)| *h)
                    .collect()
            })
            .collect())
    }

    /// Waits until the VIPs are held as `expected` says (one list of hosts per VIP).
    pub fn wait_holders(&self, expected: &[Vec<&str>], timeout: Duration) -> io::Result<bool> {
        let until = Instant::now() + timeout;
        loop {
            let now = self.holders()?;
            if now.iter().zip(expected).all(|(n, e)| {
                let mut n = n.clone();
                let mut e = e.clone();
                n.sort_unstable();
                e.sort_unstable();
                n == e
            }) {
                return Ok(true);
            }
            if Instant::now() >= until {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for every VIP to sit on its preferred holder alone.
    pub fn wait_preferred(&self, timeout: Duration) -> io::Result<()> {
        let expected: Vec<Vec<&str>> = self
            .layout
            .vips
            .iter()
            .map(|v| vec![v.by_priority[0]])
            .collect();
        if self.wait_holders(&expected, timeout)? {
            // Let the balancers' checks see every backend ready before measuring.
            std::thread::sleep(Duration::from_millis(1500));
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "after {timeout:?} the VIPs are held by {:?}, expected {expected:?}\n{}",
                self.holders()?,
                self.logs()
            ),
        ))
    }

    /// Starts the HTTPS probe in the client's namespace for `duration`.
    pub fn start_probe(&self, duration: Duration) -> io::Result<RunningProbe> {
        let out_path = self.dir.join(format!("probe-{}.txt", probe_counter()));
        let out = File::create(&out_path)?;
        let target = self.layout.target.to_string();
        let child = self
            .segment
            .netns(CLIENT.0)?
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
        Ok(RunningProbe {
            child: NetnsChild::from_child(child),
            out_path,
            duration,
        })
    }

    /// Everything the balancers logged so far.
    pub fn logs(&self) -> String {
        let mut all = String::new();
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return all;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "log"))
        {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            all.push_str(&format!("==== {name}\n"));
            all.push_str(&fs::read_to_string(p).unwrap_or_default());
        }
        all
    }
}

/// A fresh operator token, readable by its owner only.
fn write_token(path: &Path) -> io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt;
    let mut random = [0u8; 24];
    io::Read::read_exact(&mut File::open("/dev/urandom")?, &mut random)?;
    let token: String = random.iter().map(|b| format!("{b:02x}")).collect();
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(token.as_bytes())
}

fn probe_counter() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

impl Drop for Stage {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
        self.daemons.clear();
        self.apiservers.clear();
        if !self.keep_dir {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// A probe under way; `finish` waits for it and sums up what it saw.
pub struct RunningProbe {
    child: NetnsChild,
    out_path: PathBuf,
    duration: Duration,
}

impl RunningProbe {
    pub fn finish(self) -> io::Result<Outcome> {
        Ok(self.finish_events()?.1)
    }

    /// `finish`, with the events themselves (for judging an outage).
    pub fn finish_events(mut self) -> io::Result<(Vec<https_probe::Event>, Outcome)> {
        let text = super::cluster::probe_output(&mut self.child, &self.out_path, self.duration)?;
        let events = https_probe::parse_events(&text);
        let outcome = https_probe::analyse(&events, self.duration.as_millis() as u64);
        Ok((events, outcome))
    }
}

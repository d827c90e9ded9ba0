//! `kubegate doctor`: preflight checks before the daemon runs. Each check is a small I/O adapter
//! in a file of its own that turns what it sees into [`Finding`]s (ok / warn / fail, what was
//! found, what to do); `finding.rs` holds the report and its rendering. `run` runs them all in
//! order: identity, capabilities, interfaces, VRIDs on the segment, ports, certificates, each
//! frontend's health check against each of its backends, and in BGP mode the router ids and
//! an OPEN exchange with every peer of this node (`bgp_*.rs`).

pub mod bgp_judge;
pub mod bgp_open;
pub(crate) mod bgp_peers;
pub mod bgp_probe;
pub(crate) mod caps;
pub(crate) mod finding;
pub(crate) mod health;
pub(crate) mod interface;
pub(crate) mod ports;
pub mod sans;
pub(crate) mod tls;
pub mod vrid;

use std::net::SocketAddr;
use std::time::Duration;

pub use finding::{Finding, Report, Severity};

use kubegate_config::local_addrs::LocalAddr;
use kubegate_config::model::{ClusterConfig, Node};

/// How `kubegate doctor` runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// More apiservers whose certificates to check (`--apiserver ADDR:PORT`).
    pub extra_apiservers: Vec<SocketAddr>,
    /// Longest listening time for adverts (`--listen`; default 10 s).
    pub listen_cap: Duration,
    /// Bound on connecting to one apiserver and on its handshake.
    pub connect_timeout: Duration,
    /// Bound on connecting to one BGP peer, and again on its answer to our OPEN.
    pub bgp_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            extra_apiservers: Vec::new(),
            listen_cap: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            bgp_timeout: Duration::from_secs(3),
        }
    }
}

/// Runs every check. `me` is this node (`Err` says why it is unknown: the node-specific checks
/// are then skipped); `local` the addresses of this machine.
pub fn run(
    cfg: &ClusterConfig,
    me: Result<Option<&Node>, String>,
    local: &[LocalAddr],
    options: &Options,
) -> Report {
    let mut report = Report::default();
    let me = match me {
        Ok(me) => me,
        Err(why) => {
            report.findings.push(Finding::fail(
                "node",
                why,
                "run doctor on a node of the file, or pass --node NAME",
            ));
            None
        }
    };
    report.node = me.map(|n| n.name.clone());
    report.findings.extend(capabilities(cfg));
    // The certificates are fetched and the backends probed while the VIPs' segments are
    // listened to; the findings keep their order.
    let (certificates, health, bgp) = std::thread::scope(|scope| {
        let certificates =
            scope.spawn(|| sans::check(cfg, &options.extra_apiservers, options.connect_timeout));
        let health = scope.spawn(|| health::check(cfg));
        let bgp = scope.spawn(|| bgp_peers::check(cfg, me, options.bgp_timeout));
        if let Some(me) = me {
            report.findings.extend(vips(cfg, me, local, options));
        }
        report.findings.extend(ports::check(cfg));
        (certificates.join(), health.join(), bgp.join())
    });
    match certificates {
        Ok(found) => report.findings.extend(found),
        Err(_) => report.findings.push(Finding::warn(
            "certificates",
            "the certificate check failed unexpectedly",
            "run doctor again; report it if it persists",
        )),
    }
    match health {
        Ok(found) => report.findings.extend(found),
        Err(_) => report.findings.push(Finding::warn(
            "health checks",
            "the health checks failed unexpectedly",
            "run doctor again; report it if it persists",
        )),
    }
    match bgp {
        Ok(found) => report.findings.extend(found),
        Err(_) => report.findings.push(Finding::warn(
            "bgp",
            "the BGP checks failed unexpectedly",
            "run doctor again; report it if it persists",
        )),
    }
    report
}

fn capabilities(cfg: &ClusterConfig) -> Vec<Finding> {
    let mut low: Vec<u16> = ports::binds(cfg)
        .iter()
        .map(|(a, _)| a.port())
        .filter(|p| *p < 1024)
        .collect();
    low.sort_unstable();
    low.dedup();
    match std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| caps::parse_cap_eff(&s))
    {
        Some(set) => caps::findings(set, &low),
        None => vec![Finding::warn(
            "capabilities",
            "cannot read CapEff from /proc/self/status",
            "check by hand that kubegate runs with CAP_NET_ADMIN and CAP_NET_RAW",
        )],
    }
}

/// Interface and subnet of every VIP, then one listening period for all of them.
fn vips(cfg: &ClusterConfig, me: &Node, local: &[LocalAddr], options: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut listen_for = Vec::new();
    for vip in &cfg.vips {
        let (found, ear) = interface::judge(vip, me, local, kubegate_sys::interface::is_up);
        out.extend(found);
        if let Some(ear) = ear {
            listen_for.push((vip, ear));
        }
    }
    if listen_for.is_empty() {
        return out;
    }
    let time = listen_for
        .iter()
        .map(|(vip, _)| vrid::listen_time(vip.vrrp.advert_interval, options.listen_cap))
        .max()
        .unwrap_or_default();
    let mut ears: Vec<vrid::Ear> = listen_for.iter().map(|(_, e)| e.clone()).collect();
    ears.sort();
    ears.dedup_by(|a, b| a.interface == b.interface && a.source.is_ipv4() == b.source.is_ipv4());
    let (heard, errors) = vrid::listen(&ears, time);
    for (vip, ear) in &listen_for {
        let failed = errors.iter().find(|(e, _)| {
            e.interface == ear.interface && e.source.is_ipv4() == ear.source.is_ipv4()
        });
        if let Some((_, e)) = failed {
            out.push(Finding::warn(
                format!("vrid {} on {}", vip.vrrp.vrid, ear.interface),
                format!("cannot listen for VRRP adverts: {e}"),
                "run doctor as root (or with CAP_NET_RAW) to check that the VRID is free",
            ));
            continue;
        }
        out.extend(vrid::judge(cfg, vip, &ear.interface, &heard, time));
    }
    out
}

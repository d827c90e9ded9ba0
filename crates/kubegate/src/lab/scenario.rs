//! `kubegate lab`: three kubegate nodes and a client in network namespaces; cuts the master's
//! link, restores it, then stops the master with SIGTERM, measuring what a client connecting
//! every 20 ms saw each time. Prints a table; exit status 0 only when every bound is met.

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result};

use super::service::GapReport;
use super::Cluster;

pub const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);

/// The lab's cluster file: the product's defaults (VRRPv3, 200 ms adverts, unicast, preempt).
pub fn default_config() -> String {
    "nodes:
  - { name: node1, address: 198.18.0.11 }
  - { name: node2, address: 198.18.0.12 }
  - { name: node3, address: 198.18.0.13 }
vips:
  - name: api
    address: 198.18.0.50/24
    vrrp:
      vrid: 51
"
    .to_string()
}

/// One measured step of the scenario.
pub struct Step {
    pub what: &'static str,
    pub holder: String,
    pub report: GapReport,
    /// The bound on the longest gap, and whether failed connections are allowed.
    pub max_gap_ms: u64,
    pub failures_allowed: bool,
}

impl Step {
    pub fn ok(&self) -> bool {
        self.report.longest_gap_ms <= self.max_gap_ms
            && (self.failures_allowed || self.report.failed == 0)
    }
}

const PERIOD: Duration = Duration::from_millis(20);

fn measured(
    cluster: &mut Cluster,
    what: &'static str,
    expect: &str,
    act: impl FnOnce(&mut Cluster) -> Result<()>,
) -> Result<(String, GapReport)> {
    let probe = cluster.start_probe(VIP, PERIOD, Duration::from_secs(4))?;
    thread::sleep(Duration::from_millis(1000));
    act(cluster).with_context(|| what.to_string())?;
    let holder = cluster
        .wait_single_holder(VIP, Some(expect), Duration::from_secs(3))
        .with_context(|| what.to_string())?;
    let report = probe.finish()?;
    Ok((holder, report))
}

/// Runs the scenario and prints the table.
pub fn run_default(binary: &Path, keep: bool) -> Result<ExitCode> {
    let mut cluster = Cluster::new(binary, 3, &default_config())
        .context("building the lab (needs root, iproute2 and nftables)")?;
    cluster.start_all()?;
    let first = cluster.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))?;
    println!("lab: 3 nodes on 198.18.0.0/24, VIP {VIP} held by {first} (priority 150)");
    let mut steps = Vec::new();

    let (holder, report) = measured(&mut cluster, "master link down", "node2", |c| {
        c.segment.cut_carrier("node1")?;
        Ok(())
    })?;
    steps.push(Step {
        what: "node1 loses its link",
        holder,
        report,
        max_gap_ms: 1000,
        failures_allowed: true,
    });

    let (holder, report) = measured(&mut cluster, "link restored", "node1", |c| {
        c.segment.restore_carrier("node1")?;
        Ok(())
    })?;
    steps.push(Step {
        what: "node1's link returns (preempt)",
        holder,
        report,
        max_gap_ms: 1000,
        failures_allowed: true,
    });

    let (holder, report) = measured(&mut cluster, "SIGTERM", "node2", |c| {
        c.signal("node1", "TERM")?;
        Ok(())
    })?;
    let code = cluster.wait_exit("node1", Duration::from_secs(5))?;
    steps.push(Step {
        what: "node1 stopped with SIGTERM",
        holder,
        report,
        max_gap_ms: 100,
        failures_allowed: false,
    });

    println!();
    println!(
        "{:<34} {:<8} {:>12} {:>8} {:>7}",
        "event", "VIP on", "longest gap", "failed", "result"
    );
    for s in &steps {
        println!(
            "{:<34} {:<8} {:>9} ms {:>8} {:>7}",
            s.what,
            s.holder,
            s.report.longest_gap_ms,
            s.report.failed,
            if s.ok() { "ok" } else { "MISSED" }
        );
    }
    println!("node1 exited with status {code:?} after handing over");
    println!("(a client connects every {} ms; bounds: link loss < 1 s, SIGTERM: no failed connection and < 100 ms)", PERIOD.as_millis());
    let all_ok = steps.iter().all(Step::ok) && code == Some(0);

    if keep {
        cluster.start("node1")?;
        cluster.keep_files();
        println!(
            "\nlab kept running; namespaces: {}",
            cluster.segment.namespace_names().join(" ")
        );
        println!("config and logs: {}", cluster.dir().display());
        println!("Ctrl-C removes it.");
        let mut signals = signal_hook::iterator::Signals::new([
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
        ])?;
        signals.forever().next();
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

//! `kubegate lab`: builds a topology in network namespaces (fake apiservers with TLS, the
//! balancer hosts, a client requesting `/version` every 20 ms through the control-plane
//! address and holding a watch), runs its scenario and prints the table. Exit status 0 only
//! when every step met its bound. `--compare keepalived-haproxy` runs the same scenario a
//! second time with keepalived + haproxy on the balancer hosts and prints both side by side
//! (the exit status still judges kubegate only). `--keep` leaves the lab up.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use super::stage::{Stack, Stage};
use super::steps::{self, Row};
use super::topologies::{Topology, CLIENT};

/// A line of the report on stdout; a reader that went away (`kubegate lab | head`) is no
/// reason to stop the scenario or skip its clean-up, so write errors are dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// What `kubegate lab` was asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub topology: Topology,
    pub keep: bool,
    pub compare: Option<Stack>,
}

/// Runs the scenario (and the comparison) and prints the tables.
pub fn run(binary: &Path, request: &Request) -> Result<ExitCode> {
    let topology = request.topology;
    if topology == Topology::Bgp {
        bail!("the bgp topology runs through bgp_lab::scenario::run");
    }
    if request.compare.is_some() && topology == Topology::NodeLocal {
        bail!("--compare needs a topology with a VIP (stacked, lb-pair, master-master)");
    }
    // The partition step needs nft: install it (and iproute2) before building anything, or
    // say what is missing, not minutes later.
    super::require_root()
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => Err(e),
            _ => Ok(()),
        })
        .context("kubegate lab")?;
    super::host_tools::ensure().context("kubegate lab")?;
    super::netns::run(std::process::Command::new("nft").arg("--version"))
        .context("the lab cuts the network with nftables: apt-get install nftables")?;
    let mut stage = Stage::build(binary, topology, Stack::Kubegate)
        .context("building the lab (needs root, iproute2 and nftables)")?;
    say!(
        "lab: topology {} ({}), client dials https://{}",
        topology.name(),
        topology.setup(),
        stage.layout.target
    );
    let plan = steps::plan(&stage.layout);
    let started = std::time::Instant::now();
    let rows = steps::run(&mut stage, &plan).context("running the scenario")?;
    say!("\n{}", table(Stack::Kubegate, &rows));
    say!("(scenario: {:.0} s)", started.elapsed().as_secs_f64());
    let all_ok = rows.iter().all(Row::ok);
    for row in rows.iter().filter(|r| !r.ok()) {
        if let Some(e) = &row.outcome.first_error {
            say!(
                "{}: first failure: {e} (the fault came at 1000 ms)",
                row.name
            );
        }
    }

    if let Some(other) = request.compare {
        // One lab at a time: the machine's two cores time the failovers.
        drop(stage);
        let mut theirs = Stage::build(binary, topology, other)
            .with_context(|| format!("building the lab with {}", other.label()))?;
        let their_rows = steps::run(&mut theirs, &plan)
            .with_context(|| format!("running the scenario with {}", other.label()))?;
        say!("{}", table(other, &their_rows));
        say!("{}", side_by_side(other, &rows, &their_rows));
        return Ok(exit(all_ok));
    }

    if request.keep {
        keep(stage)?;
    }
    Ok(exit(all_ok))
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The table of one run.
pub fn table(stack: Stack, rows: &[Row]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{}:", stack.label());
    let _ = writeln!(
        t,
        "{:<38} {:<30} {:>11} {:>6} {:>7} {:>5} {:<26} result",
        "step", "VIP before -> after", "longest gap", "failed", "retried", "cuts", "bound"
    );
    for r in rows {
        let _ = writeln!(
            t,
            "{:<38} {:<30} {:>8} ms {:>6} {:>7} {:>5} {:<26} {}",
            r.name,
            format!("{} -> {}", r.before, r.after),
            r.outcome.longest_gap_ms,
            r.outcome.failed,
            r.outcome.retried,
            r.outcome.watches_cut,
            r.bound.describe(),
            if r.ok() {
                "ok"
            } else if !r.holders_ok {
                "MISSED (VIP)"
            } else {
                "MISSED"
            }
        );
    }
    for r in rows {
        if let (Some(o), Some(b)) = (r.outage, r.bound.outage) {
            let ms = |v: Option<u64>| v.map_or("none".to_string(), |v| format!("{v} ms"));
            let _ = writeln!(
                t,
                "{}: slowest refused request {} (bound {} ms), service back {} after the first \
                 apiserver returned (bound {} ms: rise × interval + margin)",
                r.name,
                ms(o.slowest_refusal_ms),
                b.refuse_ms,
                ms(o.resumed_ms),
                b.resume_ms
            );
        }
    }
    let _ = write!(
        t,
        "(requests: GET /version every 20 ms, each on a new TLS connection, 2 s timeout, \
         sent once more after a reset as client-go does (retried); cuts: times the one watch \
         the client holds was cut)"
    );
    t
}

/// The two runs step by step: gaps and their ratio, failed requests, cuts.
pub fn side_by_side(other: Stack, ours: &[Row], theirs: &[Row]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "\nside by side (kubegate | {}):", other.label());
    let _ = writeln!(
        t,
        "{:<38} {:>17} {:>7} {:>13} {:>9}",
        "step", "longest gap ms", "ratio", "failed", "cuts"
    );
    for (a, b) in ours.iter().zip(theirs) {
        let ratio = if b.outcome.longest_gap_ms == 0 {
            "-".to_string()
        } else {
            format!(
                "{:.2}",
                a.outcome.longest_gap_ms as f64 / b.outcome.longest_gap_ms as f64
            )
        };
        let _ = writeln!(
            t,
            "{:<38} {:>7} | {:>7} {:>7} {:>5} | {:>5} {:>3} | {:>3}",
            a.name,
            a.outcome.longest_gap_ms,
            b.outcome.longest_gap_ms,
            ratio,
            a.outcome.failed,
            b.outcome.failed,
            a.outcome.watches_cut,
            b.outcome.watches_cut
        );
    }
    let _ = write!(
        t,
        "(ratio: kubegate's longest gap over {}'s; below 1: kubegate's client waited less)",
        other.label()
    );
    t
}

/// `--keep`: leave the lab up until Ctrl-C and say how to reach it.
fn keep(mut stage: Stage) -> Result<()> {
    stage.keep_files();
    let client = stage.segment.netns(CLIENT.0)?.name().to_owned();
    say!(
        "\nlab kept running. Namespaces: {}",
        stage.segment.namespace_names().join(" ")
    );
    say!("config, CA and logs: {}", stage.dir().display());
    say!(
        "from the client: ip netns exec {client} curl --cacert {} https://{}/version",
        stage.ca_path().display(),
        stage.layout.target
    );
    let exe = std::env::current_exe()?;
    for host in &stage.layout.balancers {
        let ns = stage.segment.netns(host)?.name().to_owned();
        say!(
            "{host}: ip netns exec {ns} {} status   (the page: ip netns exec {ns} curl -s \
             http://127.0.0.1:9099/)",
            exe.display()
        );
    }
    say!("Ctrl-C removes it.");
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])?;
    signals.forever().next();
    Ok(())
}

//! `kubegate lab --topology bgp`: builds the topology, runs the scenario with kubegate on the
//! nodes and prints each step as it ends; `--compare gobgp` runs it again with the reference
//! (GoBGP as kube-vip documents it) and prints both side by side. Exit status 0 only when
//! every kubegate step met its bound. `--keep` leaves the lab up.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::report;
use super::stage::BgpStage;
use super::steps::{self, Row};
use super::{BgpStack, PORT, VIP, VIP_PREFIX};

/// What was asked for.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub keep: bool,
    pub compare: bool,
    /// BFD on the peer (`false`: the same file with `bfd: false`).
    pub bfd: bool,
}

/// A line on stdout; a reader that went away is no reason to skip the clean-up.
fn say(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// Runs the scenario (and the comparison) and prints the tables.
pub fn run(binary: &Path, request: Request) -> Result<ExitCode> {
    crate::host_tools::ensure().context("kubegate lab")?;
    crate::netns::run(std::process::Command::new("nft").arg("--version"))
        .context("the lab cuts a node off its backends with nftables: apt-get install nftables")?;
    let ours = BgpStack::Kubegate { bfd: request.bfd };
    let mut stage = BgpStage::build(binary, ours)
        .context("building the bgp lab (needs root, iproute2, nftables and FRR)")?;
    say(&format!(
        "lab: topology bgp (S7: three nodes announce {VIP_PREFIX} to an FRR router, ECMP), \
         client behind the router dials https://{VIP}:{PORT}"
    ));
    let rows = run_stack(&mut stage, true)?;
    let all_ok = rows.iter().all(Row::ok);
    if !all_ok {
        say(&format!(
            "\nwhat the nodes said about BGP and BFD:\n{}",
            session_lines(&stage.logs())
        ));
    }
    if request.compare {
        drop(stage);
        let other = BgpStack::GobgpKubeVip;
        let mut theirs = BgpStage::build(binary, other)
            .with_context(|| format!("building the lab with {}", other.label()))?;
        let their_rows = run_stack(&mut theirs, false)?;
        say(&report::side_by_side(other, &rows, &their_rows));
    } else if request.keep {
        keep(stage)?;
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_stack(stage: &mut BgpStage, judged: bool) -> Result<Vec<Row>> {
    say(&format!("\n{}", report::header(stage.stack)));
    let plan = steps::plan(stage.stack);
    let started = std::time::Instant::now();
    let rows = steps::run(stage, &plan, &mut |row| say(&report::line(row, judged)))
        .with_context(|| format!("running the scenario with {}", stage.stack.label()))?;
    say(report::footer());
    say(&format!(
        "(scenario: {:.0} s)",
        started.elapsed().as_secs_f64()
    ));
    Ok(rows)
}

/// The lines of the logs about sessions and announcements (for a missed bound).
fn session_lines(logs: &str) -> String {
    logs.lines()
        .filter(|l| {
            l.starts_with("====")
                || ["BGP", "BFD", "bfd:", "bgp vip"]
                    .iter()
                    .any(|w| l.contains(w))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `--keep`: leave the lab up until Ctrl-C and say how to reach it.
fn keep(mut stage: BgpStage) -> Result<()> {
    stage.keep_files();
    say(&format!(
        "\nlab kept running. Namespaces: {}",
        stage.network.namespace_names().join(" ")
    ));
    say(&format!("config, CA and logs: {}", stage.dir().display()));
    say(&format!(
        "from the client: ip netns exec {} curl --cacert {} https://{VIP}:{PORT}/version",
        stage.network.client().name(),
        stage.ca_path().display()
    ));
    say(&format!(
        "the router: ip netns exec {} ip route show {VIP_PREFIX}",
        stage.network.router()?.name()
    ));
    say("Ctrl-C removes it.");
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])?;
    signals.forever().next();
    Ok(())
}

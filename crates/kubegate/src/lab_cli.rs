//! The `lab` subcommands (`kubegate lab` and the hidden helpers the lab runs inside its
//! namespaces); compiled only with the `lab` feature (on by default, off in packages and the
//! image).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

/// `kubegate lab`.
pub fn lab(
    topology: &str,
    keep: bool,
    compare: Option<&str>,
    bfd: bool,
    binary: Option<PathBuf>,
) -> Result<ExitCode> {
    use kubegate_lab::topologies::Topology;
    let binary = match binary {
        Some(b) => b,
        None => std::env::current_exe()?,
    };
    let topology = Topology::parse(topology)
        .ok_or_else(|| anyhow::anyhow!("unknown topology {topology:?}"))?;
    let bgp = topology == Topology::Bgp;
    match compare {
        Some(reference) if bgp != (reference == "gobgp") => anyhow::bail!(
            "--compare {reference} does not fit topology {}: bgp compares with gobgp, the \
             others with keepalived-haproxy",
            topology.name()
        ),
        _ => {}
    }
    if !bfd && !bgp {
        anyhow::bail!("--no-bfd is for the bgp topology");
    }
    if bgp {
        let request = kubegate_lab::bgp_lab::scenario::Request {
            keep,
            compare: compare.is_some(),
            bfd,
        };
        return kubegate_lab::bgp_lab::scenario::run(&binary, request);
    }
    let request = kubegate_lab::scenario::Request {
        topology,
        keep,
        compare: compare
            .is_some()
            .then_some(kubegate_lab::stage::Stack::KeepalivedHaproxy),
    };
    kubegate_lab::scenario::run(&binary, &request)
}

/// What `kubegate lab --chaos` was asked.
pub struct ChaosRequest {
    /// `None`: the schedule's, else stacked.
    pub topology: Option<String>,
    pub seed: Option<u64>,
    pub minutes: f64,
    pub schedule: Option<PathBuf>,
    pub compare: bool,
    pub keep: bool,
    pub binary: Option<PathBuf>,
    /// The soak's steady churn instead of a random schedule, with the daemons' memory, files
    /// and threads sampled.
    pub soak: bool,
}

/// `kubegate lab --chaos`: draws (or reads) a schedule, runs it on kubegate (and, compared,
/// on keepalived + haproxy), prints each fault as it happens and the report; exit 1 when
/// kubegate broke a promise.
pub fn lab_chaos(r: &ChaosRequest) -> Result<ExitCode> {
    use kubegate_lab::chaos::{run, schedule::Schedule};
    use kubegate_lab::stage::Stack;
    use kubegate_lab::topologies::{Layout, Topology};
    let binary = match &r.binary {
        Some(b) => b.clone(),
        None => std::env::current_exe()?,
    };
    let file = match &r.schedule {
        Some(path) => Some((
            path,
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        )),
        None => None,
    };
    let written = file.as_ref().and_then(|(_, text)| written_topology(text));
    let name = match (&r.topology, written) {
        (Some(asked), Some(drawn)) if asked != drawn => anyhow::bail!(
            "the schedule was drawn for topology {drawn}, not {asked}: leave --topology out or \
             pass --topology {drawn}"
        ),
        (Some(asked), _) => asked.clone(),
        (None, Some(drawn)) => drawn.to_string(),
        (None, None) => "stacked".to_string(),
    };
    let topology =
        Topology::parse(&name).ok_or_else(|| anyhow::anyhow!("unknown topology {name:?}"))?;
    if topology == Topology::Bgp {
        anyhow::bail!("chaos campaigns run on the VRRP and node-local topologies, not bgp");
    }
    // The incumbent has no reloads, drains or handovers to drive: a compared campaign draws
    // none, so both stacks meet the same schedule.
    let cast = run::cast_of(
        &Layout::of(topology),
        if r.compare {
            Stack::KeepalivedHaproxy
        } else {
            Stack::Kubegate
        },
    );
    let (schedule, replay) = match &file {
        None if r.soak => {
            let length = campaign_length(r.minutes)?;
            let s = kubegate_lab::chaos::schedule::soak(&cast, length);
            let replay = format!(
                "kubegate lab --chaos --soak --topology {name} --minutes {}",
                r.minutes
            );
            (s, replay)
        }
        Some((path, text)) => {
            let s =
                Schedule::parse(text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            (
                s,
                format!(
                    "kubegate lab --chaos --topology {name} --schedule {}",
                    path.display()
                ),
            )
        }
        None => {
            let length = campaign_length(r.minutes)?;
            let seed = r.seed.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
            let s = kubegate_lab::chaos::schedule::generate(seed, &cast, length);
            let compare = if r.compare {
                " --compare keepalived-haproxy"
            } else {
                ""
            };
            (
                s,
                format!(
                    "kubegate lab --chaos --topology {name} --seed {seed} --minutes {}{compare}",
                    r.minutes
                ),
            )
        }
    };
    schedule
        .fits(&cast)
        .map_err(|e| anyhow::anyhow!("the schedule does not fit topology {name}: {e}"))?;
    let mut out = String::new();
    out.push_str(&format!(
        "chaos on {}: {} faults over {:.0} s\n# topology {}\n{}",
        topology.name(),
        schedule.events.len(),
        schedule.length().as_secs_f64(),
        topology.name(),
        schedule.to_text()
    ));
    crate::out::print(&out)?;
    let mut stacks = vec![Stack::Kubegate];
    if r.compare {
        stacks.push(Stack::KeepalivedHaproxy);
    }
    let mut broken = false;
    let mut reports = String::new();
    let mut verdicts = Vec::new();
    for stack in stacks {
        let options = run::Options {
            topology,
            stack,
            schedule: schedule.clone(),
            keep: r.keep,
            resources: r.soak,
        };
        crate::out::print(&format!("\n{} on {}:\n", stack.label(), topology.name()))?;
        let outcome = run::run(&binary, &options, &mut |line| {
            let _ = crate::out::print(&format!(
                "{line}
"
            ));
        })?;
        if stack == Stack::Kubegate && !outcome.verdict.violations.is_empty() {
            broken = true;
        }
        reports.push_str(&run::report(&options, &outcome, &replay));
        verdicts.push(outcome.verdict);
    }
    if let [ours, theirs] = verdicts.as_slice() {
        reports.push_str(&run::side_by_side(ours, theirs));
    }
    crate::out::print(&reports)?;
    Ok(if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The topology a schedule file says it was drawn for (`# topology NAME`).
fn written_topology(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("# topology "))
        .map(str::trim)
}

/// `--minutes` as a length: more than 0, at most a day.
fn campaign_length(minutes: f64) -> Result<std::time::Duration> {
    if !(minutes > 0.0 && minutes <= 24.0 * 60.0) {
        anyhow::bail!(
            "--minutes {minutes} is not a campaign length; use more than 0, at most a day"
        );
    }
    Ok(std::time::Duration::from_secs_f64(minutes * 60.0))
}

/// `kubegate lab-https-probe` (hidden): one event a line on stdout.
pub fn lab_https_probe(
    target: std::net::SocketAddr,
    ca: &std::path::Path,
    period_ms: u64,
    duration_ms: u64,
    timeout_ms: u64,
) -> Result<ExitCode> {
    use kubegate_lab::https_probe;
    use std::time::Duration;
    let options = https_probe::Options {
        target,
        server_name: target.ip(),
        period: Duration::from_millis(period_ms.max(1)),
        duration: Duration::from_millis(duration_ms),
        timeout: Duration::from_millis(timeout_ms),
        watch: true,
    };
    let events = https_probe::run(&options, ca)?;
    crate::out::print(&https_probe::format_events(&events))?;
    Ok(ExitCode::SUCCESS)
}

/// `kubegate lab-bench failover` (hidden).
pub fn lab_bench_failover(
    options: kubegate_lab::bench::Options,
    binary: Option<PathBuf>,
) -> Result<ExitCode> {
    let binary = match binary {
        Some(b) => b,
        None => std::env::current_exe()?,
    };
    kubegate_lab::bench::failover(&binary, &options)
}

/// `kubegate lab-serve` (hidden).
pub fn lab_serve(listen: std::net::SocketAddr, name: &str) -> Result<ExitCode> {
    kubegate_lab::service::serve(listen, name)?;
    Ok(ExitCode::SUCCESS)
}

/// `kubegate lab-probe` (hidden): samples on stdout.
pub fn lab_probe(
    target: std::net::SocketAddr,
    period_ms: u64,
    duration_ms: u64,
    timeout_ms: u64,
) -> Result<ExitCode> {
    use kubegate_lab::service;
    use std::io::Write as _;
    use std::time::Duration;
    // One line per attempt as it is made, so a test can read how far the probe has come.
    let mut out = std::io::stdout().lock();
    out.write_all(service::format_start(std::time::SystemTime::now()).as_bytes())?;
    out.flush()?;
    service::probe_each(
        target,
        Duration::from_millis(period_ms),
        Duration::from_millis(duration_ms),
        Duration::from_millis(timeout_ms),
        |sample| {
            let _ = out.write_all(service::format_samples(&[sample]).as_bytes());
            let _ = out.flush();
        },
    );
    Ok(ExitCode::SUCCESS)
}

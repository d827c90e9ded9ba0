//! The `lab` subcommands (`kubegate lab` and the hidden helpers the lab runs inside its
//! namespaces); compiled only with the `lab` feature (on by default, off in packages and the
//! image).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

/// `kubegate lab`.
pub fn lab(topology: &str, keep: bool, compare: bool, binary: Option<PathBuf>) -> Result<ExitCode> {
    use kubegate_lab::topologies::Topology;
    let binary = match binary {
        Some(b) => b,
        None => std::env::current_exe()?,
    };
    let topology = Topology::parse(topology)
        .ok_or_else(|| anyhow::anyhow!("unknown topology {topology:?}"))?;
    let request = kubegate_lab::scenario::Request {
        topology,
        keep,
        compare: compare.then_some(kubegate_lab::stage::Stack::KeepalivedHaproxy),
    };
    kubegate_lab::scenario::run(&binary, &request)
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

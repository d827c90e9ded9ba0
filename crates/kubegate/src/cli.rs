//! The subcommands' bodies, kept out of `main.rs` so tests can call them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Result};

use crate::config::local_addrs::{local_addresses, LocalAddr};
use crate::config::{self, model::ClusterConfig, model::Node};

/// The file, this node (`None` for a file without VIPs that needs no identity) and the
/// local addresses.
fn load_and_identify(
    path: &Path,
    node: Option<&str>,
) -> Result<(ClusterConfig, Option<Node>, Vec<LocalAddr>)> {
    let cluster = config::load(path).map_err(|e| anyhow!("{e}"))?;
    let local = local_addresses().map_err(|e| anyhow!("listing local addresses: {e}"))?;
    let me = config::identity::resolve_if_needed(&cluster, node, &config::local_addrs::ips(&local))
        .map_err(|e| anyhow!("{e}"))?
        .cloned();
    Ok((cluster, me, local))
}

/// `kubegate run`.
pub fn run(
    path: &Path,
    node: Option<&str>,
    balancer: crate::balancer::runtime::RuntimeOptions,
) -> Result<ExitCode> {
    let (cluster, me, _) = load_and_identify(path, node)?;
    let options = crate::daemon::RunOptions {
        config_path: path.to_path_buf(),
        balancer,
    };
    crate::daemon::run(cluster, me, options)?;
    Ok(ExitCode::SUCCESS)
}

/// `kubegate check`: exit 0 with the plan, or non-zero with every error located.
pub fn check(path: &Path, node: Option<&str>) -> Result<ExitCode> {
    let (cluster, me, local) = load_and_identify(path, node)?;
    print!("{}", crate::plan::report(&cluster, me.as_ref(), &local));
    Ok(ExitCode::SUCCESS)
}

/// `kubegate manifest`: the file on stdout, warnings on stderr; the config is validated first
/// and its errors located as `kubegate check` does.
pub fn manifest(
    kind: crate::manifest::Kind,
    path: &Path,
    image: Option<String>,
    node_path: Option<PathBuf>,
) -> Result<ExitCode> {
    let cluster = config::load(path).map_err(|e| anyhow!("{e}"))?;
    let config_path = match node_path {
        Some(p) => p,
        None => std::path::absolute(path)?,
    };
    let mut options = crate::manifest::Options::new(config_path);
    if let Some(image) = image {
        options.image = image;
    }
    let text = crate::manifest::render(kind, &cluster, &options)?;
    for warning in crate::manifest::warnings(kind, &cluster) {
        eprintln!("kubegate: warning: {warning}");
    }
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// `kubegate lab`.
pub fn lab(topology: &str, keep: bool, compare: bool, binary: Option<PathBuf>) -> Result<ExitCode> {
    use crate::lab::topologies::Topology;
    let binary = match binary {
        Some(b) => b,
        None => std::env::current_exe()?,
    };
    let topology = Topology::parse(topology)
        .ok_or_else(|| anyhow::anyhow!("unknown topology {topology:?}"))?;
    let request = crate::lab::scenario::Request {
        topology,
        keep,
        compare: compare.then_some(crate::lab::stage::Stack::KeepalivedHaproxy),
    };
    crate::lab::scenario::run(&binary, &request)
}

/// `kubegate lab-https-probe` (hidden): one event a line on stdout.
pub fn lab_https_probe(
    target: std::net::SocketAddr,
    ca: &std::path::Path,
    period_ms: u64,
    duration_ms: u64,
    timeout_ms: u64,
) -> Result<ExitCode> {
    use crate::lab::https_probe;
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
    print!("{}", https_probe::format_events(&events));
    Ok(ExitCode::SUCCESS)
}

/// `kubegate lab-bench failover` (hidden).
pub fn lab_bench_failover(
    options: crate::lab::bench::Options,
    binary: Option<PathBuf>,
) -> Result<ExitCode> {
    let binary = match binary {
        Some(b) => b,
        None => std::env::current_exe()?,
    };
    crate::lab::bench::failover(&binary, &options)
}

/// `kubegate lab-serve` (hidden).
pub fn lab_serve(listen: std::net::SocketAddr, name: &str) -> Result<ExitCode> {
    crate::lab::service::serve(listen, name)?;
    Ok(ExitCode::SUCCESS)
}

/// `kubegate lab-probe` (hidden): samples on stdout.
pub fn lab_probe(
    target: std::net::SocketAddr,
    period_ms: u64,
    duration_ms: u64,
    timeout_ms: u64,
) -> Result<ExitCode> {
    use std::time::Duration;
    let samples = crate::lab::service::probe(
        target,
        Duration::from_millis(period_ms),
        Duration::from_millis(duration_ms),
        Duration::from_millis(timeout_ms),
    );
    print!("{}", crate::lab::service::format_samples(&samples));
    Ok(ExitCode::SUCCESS)
}

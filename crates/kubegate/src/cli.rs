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

/// `kubegate doctor`: every finding on stdout (text or JSON); exit non-zero when one fails. A
/// machine that is none of the nodes is a finding, not an error: the other checks still run.
pub fn doctor(
    path: &Path,
    node: Option<&str>,
    options: &crate::doctor::Options,
    json: bool,
) -> Result<ExitCode> {
    let cluster = config::load(path).map_err(|e| anyhow!("{e}"))?;
    let local = local_addresses().map_err(|e| anyhow!("listing local addresses: {e}"))?;
    let me = config::identity::resolve_if_needed(&cluster, node, &config::local_addrs::ips(&local))
        .map_err(|e| e.to_string());
    let report = crate::doctor::run(&cluster, me, &local, options);
    if json {
        print!("{}", report.render_json());
    } else {
        print!("{}", report.render_text());
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
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
pub fn lab(keep: bool, binary: Option<PathBuf>) -> Result<ExitCode> {
    let binary = match binary {
        Some(b) => b,
        None => std::env::current_exe()?,
    };
    crate::lab::scenario::run_default(&binary, keep)
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

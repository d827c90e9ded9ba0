//! The balancer alone, without VIPs or health checks (passive checks only): for `kubegate
//! run` on a node-local balancer and for benchmarks. Blocks until SIGTERM or SIGINT, then
//! drains for the longest `timeouts.drain` of the frontends.

use std::io;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::logsink::LogFormat;
use super::runtime::{Balancer, RuntimeOptions};
use super::shared::FrontendState;
use kubegate_config::model::Frontend;

/// Serve `frontends` with `workers` threads until SIGTERM/SIGINT.
pub fn run_frontends(frontends: Vec<Frontend>, workers: usize, log: LogFormat) -> io::Result<()> {
    let drain = frontends
        .iter()
        .map(|f| f.timeouts.drain)
        .max()
        .unwrap_or_default();
    if let Err(e) = kubegate_sys::raise_fd_limit() {
        crate::say!("cannot raise the open-file limit: {e}");
    }
    let states = frontends.iter().map(FrontendState::new).collect();
    let mut signals = Signals::new([SIGTERM, SIGINT])?;
    let balancer = Balancer::start(
        states,
        RuntimeOptions {
            workers,
            log,
            hook: None,
        },
    )?;
    for f in balancer.frontends() {
        crate::say!(
            "frontend {} listening on {}",
            f.name,
            balancer
                .local_addr(&f.name)
                .map_or_else(|| "?".into(), |a| a.to_string())
        );
    }
    let _ = signals.forever().next();
    crate::say!("stopping: draining connections for at most {drain:?}");
    balancer.shutdown(drain);
    Ok(())
}

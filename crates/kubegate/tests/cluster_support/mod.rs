//! What the daemons of a lab cluster say about themselves: each node's `kubegate status
//! --json` (its admin endpoint, 127.0.0.1:9099 by default, in its own namespace), and bounded
//! waits on it that say what they waited for and what they saw.
#![allow(dead_code)] // each test crate uses a different part

use std::thread;
use std::time::{Duration, Instant};

use kubegate::admin::snapshot::Status;
use kubegate_lab::Cluster;

/// `kubegate status --json` run in `node`'s namespace.
pub fn status_of(c: &Cluster, node: &str) -> Result<Status, String> {
    let out = c
        .command_in(node)
        .map_err(|e| format!("{node}: {e}"))?
        .args(["status", "--json", "--config"])
        .arg(c.config_path())
        .output()
        .map_err(|e| format!("{node}: kubegate status: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{node}: kubegate status: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{node}: not a status: {e}"))
}

/// Polls every node's status until `pred` holds for all of them together (at most
/// `timeout`); their statuses. Panics with what it waited for and what it saw last.
pub fn wait_statuses(
    c: &Cluster,
    nodes: &[&str],
    what: &str,
    timeout: Duration,
    pred: impl Fn(&[Status]) -> bool,
) -> Vec<Status> {
    let until = Instant::now() + timeout;
    loop {
        let seen: Result<Vec<Status>, String> = nodes.iter().map(|n| status_of(c, n)).collect();
        match &seen {
            Ok(all) if pred(all) => return seen.unwrap(),
            _ if Instant::now() >= until => {
                panic!("waited {timeout:?} for {what}; last seen: {seen:#?}")
            }
            _ => thread::sleep(Duration::from_millis(50)),
        }
    }
}

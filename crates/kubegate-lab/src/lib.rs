//! The network-namespace lab shared by the tests, the benchmarks and `kubegate lab`: named
//! namespaces with drop guards and an Ethernet segment of hosts on a bridge; `apiserver`, a
//! fake kube-apiserver with TLS and `/readyz`.
#![forbid(unsafe_code)]

pub mod apiserver;
pub mod bench;
pub mod bfd_peers;
pub mod bgp_lab;
pub mod chaos;
pub mod cluster;
pub mod compare;
pub mod frr;
pub mod host_tools;
pub mod https_probe;
pub mod keepalived;
pub mod netns;
pub mod routers;
pub mod scenario;
pub mod service;
pub mod stage;
pub mod steps;
pub mod topologies;
pub mod topology;

use std::io;

pub use cluster::Cluster;
pub use netns::{Netns, NetnsChild};
pub use topology::{Host, Segment};

const CAP_NET_ADMIN: u32 = 12;
const CAP_NET_RAW: u32 = 13;

/// The message every privileged lab user fails with when it cannot run.
pub const NEED_ROOT: &str = "these tests need root with CAP_NET_ADMIN and CAP_NET_RAW to create \
                             network namespaces: run as root";

/// Fails with [`NEED_ROOT`] unless this process may create namespaces and raw sockets, and
/// with a clear message when the `ip` command (iproute2) is missing.
pub fn require_root() -> io::Result<()> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::trim)
            .map(str::to_owned)
    };
    let uid_is_root = field("Uid:").and_then(|v| v.split_whitespace().nth(1).map(|e| e == "0"));
    let caps = field("CapEff:")
        .and_then(|v| u64::from_str_radix(&v, 16).ok())
        .unwrap_or(0);
    let has = |cap: u32| caps & (1 << cap) != 0;
    if uid_is_root != Some(true) || !has(CAP_NET_ADMIN) || !has(CAP_NET_RAW) {
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, NEED_ROOT));
    }
    netns::run(std::process::Command::new("ip").arg("-V")).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("the lab needs the `ip` command (iproute2): {e}"),
        )
    })?;
    Ok(())
}

/// Lab tests in one test binary take turns: two cores cannot time failovers of several labs
/// at once. Hold the guard for the whole test.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

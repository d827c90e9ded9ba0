//! Shared by the `sys_*` integration tests: a root check that fails loudly, a segment builder,
//! polling helpers and the check that a test left no namespace behind.
#![allow(dead_code)]

use std::net::Ipv6Addr;
use std::time::{Duration, Instant};

use kubegate_lab::{self as lab, netns, Segment};

/// A segment of `nodes` nodes (and a client); fails the test with the lab's message without root.
pub fn segment(nodes: u8, client: bool) -> Segment {
    if let Err(e) = lab::require_root() {
        panic!("{e}");
    }
    Segment::with_nodes(nodes, client).unwrap_or_else(|e| panic!("cannot build the lab: {e}"))
}

/// Drops the segment and asserts none of its namespaces is left.
pub fn tear_down(segment: Segment) {
    let names = segment.namespace_names();
    drop(segment);
    let left = netns::list().expect("ip netns list");
    let stale: Vec<_> = names.iter().filter(|n| left.contains(n)).collect();
    assert!(stale.is_empty(), "namespaces left behind: {stale:?}");
}

/// Polls `f` every 20 ms until it returns `Some` or `timeout` passes.
pub fn eventually<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The link-local address of `eth0` in `host`, read with `ip`.
pub fn link_local(segment: &Segment, host: &str) -> Ipv6Addr {
    let out = segment
        .netns(host)
        .unwrap()
        .ip(&["-o", "-6", "addr", "show", "dev", "eth0", "scope", "link"])
        .unwrap();
    out.split_whitespace()
        .skip_while(|w| *w != "inet6")
        .nth(1)
        .and_then(|a| a.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no link-local address on {host}: {out}"))
}

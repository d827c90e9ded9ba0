//! The lab itself: partitions cut exactly one pair of hosts, carrier cuts, processes in
//! namespaces, and clean-up of namespaces left by dead runs.

mod sys_support;

use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::Duration;

use kubegate_lab::{self as lab, netns, Netns};
use sys_support::{eventually, segment, tear_down};

#[test]
fn partition_cuts_one_pair_both_ways_and_heal_restores_it() {
    let mut lab = segment(3, false);
    let addr = |h: &str| IpAddr::V4(lab.host(h).unwrap().address);
    let (n1, n2, n3) = (addr("node1"), addr("node2"), addr("node3"));
    assert!(
        lab.ping("node1", n2).unwrap(),
        "node1 reaches node2 before the partition"
    );

    lab.partition("node1", "node2").unwrap();
    assert!(!lab.ping("node1", n2).unwrap(), "node1 → node2 must be cut");
    assert!(!lab.ping("node2", n1).unwrap(), "node2 → node1 must be cut");
    assert!(lab.ping("node1", n3).unwrap(), "node1 still reaches node3");
    assert!(lab.ping("node3", n2).unwrap(), "node3 still reaches node2");

    lab.heal("node2", "node1").unwrap();
    assert!(lab.ping("node1", n2).unwrap(), "healed");
    assert!(lab.ping("node2", n1).unwrap(), "healed");
    assert!(lab.partition("node1", "nobody").is_err());
    tear_down(lab);
}

#[test]
fn carrier_cut_stops_traffic_and_addresses_are_listed() {
    let lab = segment(1, true);
    let node = IpAddr::V4(lab.host("node1").unwrap().address);
    assert_eq!(
        lab.addresses_of("node1").unwrap(),
        [Ipv4Addr::new(198, 18, 0, 11)]
    );
    assert_eq!(
        lab.host("client").unwrap().address.to_string(),
        "198.18.0.100"
    );
    assert!(lab.ping("client", node).unwrap());
    lab.cut_carrier("node1").unwrap();
    let shown = lab
        .netns("node1")
        .unwrap()
        .ip(&["link", "show", "dev", "eth0"])
        .unwrap();
    assert!(
        shown.contains("NO-CARRIER") && shown.contains(",UP"),
        "{shown}"
    );
    assert!(!lab.ping("client", node).unwrap());
    lab.restore_carrier("node1").unwrap();
    assert!(lab.ping("client", node).unwrap());
    tear_down(lab);
}

/// Waits (at most 2 s) until `ip netns pids` lists `pid` in namespace `name`: `ip netns exec`
/// enters the namespace just after it starts.
fn wait_until_in_namespace(pid: u32, name: &str) {
    let pid = pid.to_string();
    let listed = eventually(Duration::from_secs(2), || {
        let out = Command::new("ip")
            .args(["netns", "pids", name])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&out.stdout).into_owned();
        out.split_whitespace().any(|p| p == pid).then_some(out)
    });
    assert!(listed.is_some(), "pid {pid} never listed in {name}");
}

#[test]
fn spawned_processes_die_with_their_guard_and_namespace() {
    lab::require_root().unwrap_or_else(|e| panic!("{e}"));
    let ns = Netns::create(&format!("{}-solo", netns::unique_tag())).unwrap();
    let name = ns.name().to_owned();
    let mut child = ns.spawn("sleep", &["60"]).unwrap();
    assert!(child.try_wait().unwrap().is_none());
    // `ip netns exec` enters the namespace just after it starts: wait until it has.
    wait_until_in_namespace(child.id(), &name);
    // A second process is left without a guard: dropping the namespace kills it (once it
    // has entered the namespace, as above; before that it is no process of the namespace).
    let mut orphan = ns.command("sleep").arg("60").spawn().unwrap();
    wait_until_in_namespace(orphan.id(), &name);
    drop(child);
    drop(ns);
    assert!(!netns::list().unwrap().contains(&name));
    let status = eventually(Duration::from_secs(2), || orphan.try_wait().unwrap());
    let status = status.expect("the process left in the namespace was killed");
    assert_eq!(status.signal(), Some(libc::SIGKILL), "{status:?}");
}

#[test]
fn stale_namespaces_of_dead_runs_are_removed_and_live_ones_kept() {
    lab::require_root().unwrap_or_else(|e| panic!("{e}"));
    let live = Netns::create(&format!("{}-live", netns::unique_tag())).unwrap();
    // "kg" + 4194304 (PID_MAX_LIMIT) in base 36 + counter: pids are below it, so it is dead.
    let dead = "kg2hwcg00-dead";
    let status = Command::new("ip")
        .args(["netns", "add", dead])
        .status()
        .unwrap();
    assert!(status.success());
    let removed = netns::remove_stale().unwrap();
    let now = netns::list().unwrap();
    assert!(removed.iter().any(|n| n == dead), "{removed:?}");
    assert!(!now.iter().any(|n| n == dead));
    assert!(
        now.iter().any(|n| n == live.name()),
        "a live namespace was removed"
    );
    assert!(
        Netns::create("notours").is_err(),
        "names must carry the prefix"
    );
}

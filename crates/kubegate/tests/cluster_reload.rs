//! Reloads change VIPs without a restart, on a live three-node lab with the real binary: a
//! VIP added comes up on the node with the highest priority and leaves the other VIP alone;
//! a VIP removed from one node's file is handed over with no failed client connection; a
//! lower priority on the master moves the VIP by preemption and raising it brings it back.
//! Every node runs the same file; the test rewrites it and sends SIGHUP.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use kubegate::admin::snapshot::Status;
use kubegate_lab::{self as lab, Cluster};

mod cluster_support;

const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);
const VIP2: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 60);
const ALL: [&str; 3] = ["node1", "node2", "node3"];

const NODES: &str = "nodes:
  - { name: node1, address: 198.18.0.11 }
  - { name: node2, address: 198.18.0.12 }
  - { name: node3, address: 198.18.0.13 }
vips:
";

fn api(priorities: &str) -> String {
    format!(
        "  - name: api
    address: 198.18.0.50/24
    vrrp: {{ vrid: 51, advert_interval: 100ms, priority: {{ {priorities} }} }}
"
    )
}

const INGRESS: &str = "  - name: ingress
    address: 198.18.0.60/24
    vrrp: { vrid: 61, advert_interval: 100ms, priority: { node1: 50, node2: 150, node3: 100 } }
";

fn start(yaml: &str) -> Cluster {
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 3, yaml).expect("building the lab");
    c.start_all().expect("starting kubegate");
    c
}

/// Writes the file every node reads, then sends SIGHUP to `nodes`.
fn reload(c: &mut Cluster, yaml: &str, nodes: &[&str]) {
    std::fs::write(c.config_path(), yaml).expect("rewriting the config file");
    for n in nodes {
        c.signal(n, "HUP").expect("sending SIGHUP");
    }
}

/// Waits until every node in `nodes` has accepted a reload whose summary contains `says`.
fn wait_reloaded(c: &Cluster, nodes: &[&str], says: &str) -> Vec<Status> {
    cluster_support::wait_statuses(
        c,
        nodes,
        &format!("a reload accepted saying {says:?}"),
        Duration::from_secs(5),
        |all| {
            all.iter().all(|s| {
                s.events
                    .iter()
                    .any(|e| e.subject == "reload" && e.message.contains(says))
            })
        },
    )
}

/// `vip`'s state changes so far on each node.
fn transitions(all: &[Status], vip: &str) -> Vec<u64> {
    all.iter()
        .map(|s| {
            s.vips
                .iter()
                .find(|v| v.name == vip)
                .unwrap_or_else(|| panic!("no VIP {vip} in the status: {s:?}"))
                .transitions
        })
        .collect()
}

#[test]
fn a_vip_added_by_reload_comes_up_on_the_right_node_and_leaves_the_other_alone() {
    let _turn = lab::serial();
    let first = format!("{NODES}{}", api("node1: 150, node2: 100, node3: 50"));
    let mut c = start(&first);
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    // Settled: node1 master, the others backup.
    let before =
        cluster_support::wait_statuses(&c, &ALL, "api settled", Duration::from_secs(5), |all| {
            all.iter()
                .all(|s| s.vips.len() == 1 && s.vips[0].master.is_some())
        });
    let api_before = transitions(&before, "api");

    reload(&mut c, &format!("{first}{INGRESS}"), &ALL);
    let after = wait_reloaded(&c, &ALL, "vip ingress added (started)");
    // node2 has the highest priority for ingress (150).
    c.wait_single_holder(VIP2, Some("node2"), Duration::from_secs(5))
        .unwrap();
    assert_eq!(
        c.holders(VIP).unwrap(),
        ["node1"],
        "api stays on node1 through the reload"
    );
    let api_after = transitions(&after, "api");
    assert_eq!(
        api_after, api_before,
        "the reload did not touch api: no state change on any node"
    );
}

#[test]
fn a_vip_removed_from_a_nodes_file_is_handed_over_without_a_failed_connection() {
    let _turn = lab::serial();
    let first = format!(
        "{NODES}{}{INGRESS}",
        api("node1: 150, node2: 100, node3: 50")
    );
    let mut c = start(&first);
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    c.wait_single_holder(VIP2, Some("node2"), Duration::from_secs(5))
        .unwrap();
    let probe = c
        .start_probe(VIP, Duration::from_millis(20), Duration::from_secs(3))
        .unwrap();
    probe
        .wait_answered("node1", 10, Duration::from_secs(2))
        .unwrap_or_else(|e| panic!("before the reload: {e}"));
    // A rolling change: node1 reads the file without api first; node2 and node3 still run it.
    reload(&mut c, &format!("{NODES}{INGRESS}"), &["node1"]);
    c.wait_single_holder(VIP, Some("node2"), Duration::from_secs(3))
        .unwrap();
    let report = probe.finish().unwrap();
    // As a planned stop (cluster_failover.rs): priority 0, the VIP kept until node2 is heard,
    // then the linger; a connection in its handshake at node2's gratuitous ARP may be reset
    // and tried again.
    assert!(
        report.failed == 0 && report.retried <= 1,
        "handing api over by reload failed connections: {report:?}"
    );
    assert_eq!(report.answered_by, vec!["node1", "node2"]);
    let seen = wait_reloaded(
        &c,
        &["node1"],
        "vip api removed (handed over, then stopped)",
    );
    cluster_support::wait_statuses(
        &c,
        &["node1"],
        "api gone from node1's status once its thread ended",
        Duration::from_secs(5),
        |all| all[0].vips.iter().all(|v| v.name != "api"),
    );
    assert_eq!(
        c.holders(VIP2).unwrap(),
        ["node2"],
        "ingress is not disturbed; node1 status was {:?}",
        seen[0].vips
    );
}

#[test]
fn lowering_the_masters_priority_moves_the_vip_and_raising_it_brings_it_back() {
    let _turn = lab::serial();
    let first = format!("{NODES}{}", api("node1: 150, node2: 100, node3: 50"));
    let mut c = start(&first);
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    let lower = format!("{NODES}{}", api("node1: 80, node2: 100, node3: 50"));
    reload(&mut c, &lower, &ALL);
    wait_reloaded(&c, &ALL, "fingerprint");
    c.wait_single_holder(VIP, Some("node2"), Duration::from_secs(3))
        .unwrap();
    let seen = wait_reloaded(&c, &["node1"], "vip api: priority changed (applied live)");
    assert_eq!(seen[0].vips[0].base_priority, 80);
    reload(&mut c, &first, &ALL);
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(3))
        .unwrap();
    let back = cluster_support::wait_statuses(
        &c,
        &["node1"],
        "node1 master at 150 again",
        Duration::from_secs(3),
        |all| all[0].vips[0].priority == 150 && all[0].vips[0].base_priority == 150,
    );
    assert!(
        back[0]
            .events
            .iter()
            .any(|e| e.subject == "api" && e.message.contains("outranked by 198.18.0.12")),
        "node1 stepped down because node2 outranked it: {:?}",
        back[0].events
    );
}

#[test]
fn a_changed_vrid_is_applied_as_handover_then_start_and_said_so() {
    let _turn = lab::serial();
    let first = format!("{NODES}{}", api("node1: 150, node2: 100, node3: 50"));
    let mut c = start(&first);
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    let probe = c
        .start_probe(VIP, Duration::from_millis(20), Duration::from_secs(4))
        .unwrap();
    probe
        .wait_answered("node1", 10, Duration::from_secs(2))
        .unwrap_or_else(|e| panic!("before the reload: {e}"));
    // Every node moves to VRID 52: each VIP thread is handed over and started again (a VRID
    // cannot change under a running router).
    reload(&mut c, &first.replace("vrid: 51", "vrid: 52"), &ALL);
    let seen = wait_reloaded(
        &c,
        &ALL,
        "vip api: vrid changed (handed over, then started again)",
    );
    cluster_support::wait_statuses(
        &c,
        &ALL,
        "api running on VRID 52 everywhere, node1 master",
        Duration::from_secs(5),
        |all| {
            all.iter()
                .all(|s| s.vips.len() == 1 && s.vips[0].vrid == 52)
                && all[0].vips[0].master.as_deref() == Some("198.18.0.11")
        },
    );
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    let report = probe.finish().unwrap();
    // While node1's old router hands over on VRID 51, nobody answers there any more: node2,
    // first on VRID 52, takes the VIP after its Master_Down_Interval, and node1 takes it back
    // by preemption once it runs on 52. The handovers fail no connection.
    assert!(
        report.failed == 0 && report.retried <= 2 && report.succeeded > 0,
        "the VRID change failed connections: {report:?}; statuses {seen:?}"
    );
}

/// `api` with a check that fails on node1 only (its address is on its `eth0`), weight −60.
fn api_checked(priorities: &str) -> String {
    format!(
        "{}    track:
      - script: \"! ip -o -4 addr show dev eth0 | grep -q ' 198.18.0.11/'\"
        interval: 100ms
        weight: -60
",
        api(priorities)
    )
}

#[test]
fn a_reload_that_restarts_the_trackers_keeps_a_failing_check_failed() {
    let _turn = lab::serial();
    let mut c = start(&format!(
        "{NODES}{}",
        api_checked("node1: 150, node2: 100, node3: 50")
    ));
    // node1's check fails: 150 − 60 = 90, below node2's 100.
    c.wait_single_holder(VIP, Some("node2"), Duration::from_secs(5))
        .unwrap();
    // A new priority for node1 restarts its trackers. Started healthy they would put it at
    // 140, above node2, and the VIP would move to node1 and back when the check failed again.
    reload(
        &mut c,
        &format!(
            "{NODES}{}",
            api_checked("node1: 140, node2: 100, node3: 50")
        ),
        &ALL,
    );
    let seen = wait_reloaded(&c, &["node1"], "vip api: priority changed (applied live)");
    let until = std::time::Instant::now() + Duration::from_millis(1500);
    while std::time::Instant::now() < until {
        assert_eq!(
            c.holders(VIP).unwrap(),
            vec!["node2"],
            "the VIP should stay on node2 while node1's check keeps failing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let after = cluster_support::status_of(&c, "node1").unwrap();
    assert_eq!(
        (after.vips[0].base_priority, after.vips[0].priority),
        (140, 80),
        "node1 at 140 − 60"
    );
    assert_eq!(
        transitions(&seen, "api"),
        transitions(std::slice::from_ref(&after), "api"),
        "node1's VIP did not change state after the reload"
    );
}

//! Three kubegate nodes in network namespaces: the VIP moves when the master loses its link,
//! is killed or is stopped, exactly one node holds it afterwards, preempt and nopreempt behave
//! as keepalived's do, and a healed partition leaves one master that clients reach.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, Instant};

use kubegate_lab::{self as lab, Cluster};

const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);

fn config(extra_vrrp: &str) -> String {
    format!(
        "nodes:
  - {{ name: node1, address: 198.18.0.11 }}
  - {{ name: node2, address: 198.18.0.12 }}
  - {{ name: node3, address: 198.18.0.13 }}
vips:
  - name: api
    address: 198.18.0.50/24
    vrrp:
      vrid: 51
      advert_interval: 100ms
{extra_vrrp}"
    )
}

fn cluster(extra_vrrp: &str) -> Cluster {
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 3, &config(extra_vrrp)).expect("building the lab");
    c.start_all().expect("starting kubegate on every node");
    c
}

/// Master_Down_Interval at 100 ms for priority 100 is 339 ms; allow for a loaded 2-core
/// machine, but stay well under what a broken failover would take.
const TAKEOVER: Duration = Duration::from_secs(2);

/// Samples the holders for `period` and fails if two nodes ever hold the VIP at once.
fn assert_never_two_holders(c: &Cluster, period: Duration) {
    let until = Instant::now() + period;
    while Instant::now() < until {
        let holders = c.holders(VIP).unwrap();
        assert!(holders.len() <= 1, "split brain: {holders:?} hold {VIP}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A client connection to the service on the VIP is answered by `node`.
fn assert_client_reaches(c: &Cluster, node: &str) {
    let report = c
        .start_probe(VIP, Duration::from_millis(20), Duration::from_millis(300))
        .unwrap()
        .finish()
        .unwrap();
    assert!(
        report.answered_by.last().map(String::as_str) == Some(node) && report.succeeded > 0,
        "client expected {node} behind {VIP}, saw {report:?}"
    );
}

/// Probes until a client connection to the service on the VIP is answered by `node` (at most
/// `timeout`).
fn wait_client_reaches(c: &Cluster, node: &str, timeout: Duration) {
    let until = Instant::now() + timeout;
    loop {
        let report = c
            .start_probe(VIP, Duration::from_millis(20), Duration::from_millis(100))
            .unwrap()
            .finish()
            .unwrap();
        if report.answered_by.last().map(String::as_str) == Some(node) {
            return;
        }
        assert!(
            Instant::now() < until,
            "waited {timeout:?} for the client to reach {node} behind {VIP}; last probe: {report:?}"
        );
    }
}

#[test]
fn master_link_loss_moves_the_vip_and_preempt_takes_it_back() {
    let _turn = lab::serial();
    let c = cluster("");
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    assert_client_reaches(&c, "node1");

    let cut = Instant::now();
    c.segment.cut_carrier("node1").unwrap();
    c.wait_single_holder(VIP, Some("node2"), TAKEOVER).unwrap();
    let took = cut.elapsed();
    assert_client_reaches(&c, "node2");
    assert_never_two_holders(&c, Duration::from_millis(500));

    // node1's link returns: with preempt (the default) it takes the VIP back.
    c.segment.restore_carrier("node1").unwrap();
    c.wait_single_holder(VIP, Some("node1"), TAKEOVER).unwrap();
    assert_client_reaches(&c, "node1");
    assert_never_two_holders(&c, Duration::from_millis(500));
    eprintln!("takeover after link loss: {took:?}");
}

#[test]
fn sigkill_moves_the_vip_and_a_restart_cleans_up_the_leftover() {
    let _turn = lab::serial();
    let mut c = cluster("");
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();

    c.signal("node1", "KILL").unwrap();
    assert_eq!(c.wait_exit("node1", Duration::from_secs(2)).unwrap(), None);
    // A killed daemon cannot remove its address: node1 keeps a stale copy, node2 takes over
    // and its gratuitous ARP moves the client.
    let until = Instant::now() + TAKEOVER;
    while !c.holders(VIP).unwrap().contains(&"node2".to_string()) {
        assert!(
            Instant::now() < until,
            "node2 did not take over: {:?}",
            c.holders(VIP)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(c.holders(VIP).unwrap(), vec!["node1", "node2"]);
    assert_client_reaches(&c, "node2");

    // Restarted, node1 first removes the leftover, then takes the VIP back (preempt).
    c.start("node1").unwrap();
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    assert_never_two_holders(&c, Duration::from_millis(500));
    assert_client_reaches(&c, "node1");
}

#[test]
fn sigterm_hands_over_without_a_failed_connection() {
    let _turn = lab::serial();
    let mut c = cluster("");
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    let probe = c
        .start_probe(VIP, Duration::from_millis(20), Duration::from_secs(3))
        .unwrap();
    probe
        .wait_answered("node1", 10, Duration::from_secs(2))
        .unwrap_or_else(|e| panic!("before stopping node1: {e}"));
    c.signal("node1", "TERM").unwrap();
    assert_eq!(
        c.wait_exit("node1", Duration::from_secs(5)).unwrap(),
        Some(0)
    );
    c.wait_single_holder(VIP, Some("node2"), TAKEOVER).unwrap();
    let report = probe.finish().unwrap();
    // A connection in its handshake when node2's gratuitous ARP arrives is reset by node2
    // and tried again (as client-go does): at most one attempt can be in that instant.
    assert!(
        report.failed == 0 && report.retried <= 1,
        "planned handover failed connections: {report:?}"
    );
    assert!(report.longest_gap_ms < 100, "{report:?}");
    assert_eq!(report.answered_by, vec!["node1", "node2"]);
    // node3 never took part: exactly one holder, node2.
    assert_never_two_holders(&c, Duration::from_millis(300));
}

#[test]
fn nopreempt_leaves_the_vip_where_it_is() {
    let _turn = lab::serial();
    let c = cluster("      preempt: false\n");
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    c.segment.cut_carrier("node1").unwrap();
    c.wait_single_holder(VIP, Some("node2"), TAKEOVER).unwrap();
    c.segment.restore_carrier("node1").unwrap();
    // As keepalived's nopreempt: node1 (150) returns as backup; node2 (100) keeps the VIP.
    assert_never_two_holders(&c, Duration::from_secs(2));
    assert_eq!(c.holders(VIP).unwrap(), vec!["node2"]);
    assert_client_reaches(&c, "node2");
}

#[test]
fn healed_partition_leaves_one_master_that_clients_reach() {
    let _turn = lab::serial();
    let mut c = cluster("");
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    // Cut node1 from node2 and node3 both ways; the client still sees everyone.
    c.segment.partition("node1", "node2").unwrap();
    c.segment.partition("node1", "node3").unwrap();
    let until = Instant::now() + TAKEOVER;
    loop {
        let holders = c.holders(VIP).unwrap();
        if holders == ["node1", "node2"] {
            break;
        }
        assert!(
            Instant::now() < until,
            "expected split brain node1+node2, got {holders:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The client learns node2's MAC (node2 announced last), so healing must move it back.
    wait_client_reaches(&c, "node2", TAKEOVER);

    c.segment.heal("node1", "node2").unwrap();
    c.segment.heal("node1", "node3").unwrap();
    c.wait_single_holder(VIP, Some("node1"), TAKEOVER).unwrap();
    assert_never_two_holders(&c, Duration::from_millis(500));
    // node1 announced again, so the client that had node2's MAC now reaches node1.
    assert_client_reaches(&c, "node1");
}

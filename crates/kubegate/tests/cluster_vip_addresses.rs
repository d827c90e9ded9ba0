//! A VIP with two addresses (`addresses:`, keepalived's `virtual_ipaddress` list) on three
//! kubegate nodes in network namespaces: both addresses move with the master on link loss and
//! back on preemption, always held by exactly one node, and clients reach the holder on each.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, Instant};

use kubegate_lab::{self as lab, Cluster};

const FIRST: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);
const SECOND: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 60);

const CONFIG: &str = "nodes:
  - { name: node1, address: 198.18.0.11 }
  - { name: node2, address: 198.18.0.12 }
  - { name: node3, address: 198.18.0.13 }
vips:
  - name: api
    addresses: [198.18.0.50/24, 198.18.0.60/24]
    vrrp:
      vrid: 51
      advert_interval: 100ms
";

/// Master_Down_Interval at 100 ms is under 0.4 s; allow for a loaded 2-core machine.
const TAKEOVER: Duration = Duration::from_secs(2);

/// Waits until both addresses are held by `node` alone; fails with who holds what.
fn wait_both_held_by(c: &Cluster, node: &str, timeout: Duration) {
    let until = Instant::now() + timeout;
    loop {
        let first = c.holders(FIRST).unwrap();
        let second = c.holders(SECOND).unwrap();
        if first == [node] && second == [node] {
            return;
        }
        assert!(
            Instant::now() < until,
            "expected {node} alone to hold {FIRST} and {SECOND} within {timeout:?}; {FIRST} is \
             held by {first:?}, {SECOND} by {second:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// For `period`: the two addresses are never held by two nodes, nor apart.
fn assert_together_on_one_node(c: &Cluster, period: Duration) {
    let until = Instant::now() + period;
    while Instant::now() < until {
        let first = c.holders(FIRST).unwrap();
        let second = c.holders(SECOND).unwrap();
        assert!(
            first.len() <= 1 && first == second,
            "both addresses should be on one node: {FIRST} on {first:?}, {SECOND} on {second:?}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A client connection to `address` is answered by `node`.
fn assert_client_reaches(c: &Cluster, address: Ipv4Addr, node: &str) {
    let report = c
        .start_probe(
            address,
            Duration::from_millis(20),
            Duration::from_millis(300),
        )
        .unwrap()
        .finish()
        .unwrap();
    assert!(
        report.answered_by.last().map(String::as_str) == Some(node) && report.succeeded > 0,
        "client expected {node} behind {address}, saw {report:?}"
    );
}

#[test]
fn both_addresses_move_with_the_master_on_link_loss_held_by_exactly_one_node() {
    let _turn = lab::serial();
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 3, CONFIG).expect("building the lab");
    c.start_all().expect("starting kubegate on every node");
    wait_both_held_by(&c, "node1", Duration::from_secs(5));
    assert_client_reaches(&c, FIRST, "node1");
    assert_client_reaches(&c, SECOND, "node1");

    c.segment.cut_carrier("node1").unwrap();
    wait_both_held_by(&c, "node2", TAKEOVER);
    assert_together_on_one_node(&c, Duration::from_millis(500));
    assert_client_reaches(&c, FIRST, "node2");
    assert_client_reaches(&c, SECOND, "node2");

    // node1's link returns: preempt (the default) brings both addresses back together.
    c.segment.restore_carrier("node1").unwrap();
    wait_both_held_by(&c, "node1", TAKEOVER);
    assert_together_on_one_node(&c, Duration::from_millis(500));
    assert_client_reaches(&c, SECOND, "node1");
}

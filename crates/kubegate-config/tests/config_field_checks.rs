//! What `kubegate check` tells from the file alone before a node runs it: a frontend that
//! would take the port of its own backend on a node (wildcards included) is refused; a VIP no
//! node's subnet holds, a VIP with a single node and a check timeout not shorter than its
//! interval are warned about; range errors are worded for people, not in Rust syntax.

use std::path::Path;

use kubegate_config::model::ClusterConfig;
use kubegate_config::plan::{explain, explain_frontends};
use kubegate_config::{self as config};

fn parse(text: &str) -> ClusterConfig {
    config::parse_str(text, Path::new("cluster.yaml")).unwrap_or_else(|e| panic!("{e}"))
}

/// All messages for `text`, one per line (the file must be invalid).
fn errors(text: &str) -> String {
    match config::parse_str(text, Path::new("cluster.yaml")) {
        Ok(cfg) => panic!("expected errors, got {cfg:?}"),
        Err(e) => e.to_string(),
    }
}

fn warnings(lines: Vec<String>) -> Vec<String> {
    lines
        .into_iter()
        .filter(|l| l.starts_with("warning"))
        .collect()
}

/// Two masters (lines 1–3) and VIP api 10.0.0.50/24 (lines 4–5), `frontends:` at line 6 and
/// `body` from line 7.
fn stacked(body: &str) -> String {
    format!(
        "nodes:
  - {{ name: master1, address: 10.0.0.51 }}
  - {{ name: master2, address: 10.0.0.52 }}
vips:
  - {{ name: api, address: 10.0.0.50/24, vrrp: {{ vrid: 51 }} }}
frontends:
{body}"
    )
}

const WHAT_TO_DO: &str = "the frontend and that server cannot both have the port (kubegate \
    fails with \"Address already in use\", or, started first, takes the port from the server on \
    every boot); listen on another port, like";

#[test]
fn a_wildcard_bind_on_a_node_backend_s_port_is_refused() {
    let text = stacked(
        "  - name: api
    bind: 0.0.0.0:6443
    backends: [10.0.0.99:6443, 10.0.0.52:6443]
  - name: six
    bind: '[::]:7443'
    backends: [10.0.0.51:7443]
",
    );
    assert_eq!(
        errors(&text),
        format!(
            "cluster.yaml:8:11: frontends[0].bind: 0.0.0.0:6443 takes port 6443 on every address, \
             also node master2's address 10.0.0.52:6443, where its backend at line 9 listens: \
             {WHAT_TO_DO} 0.0.0.0:9443 (kubeadm's stacked masters use 9443, other guides 8443), \
             or bind the VIP's address if the server listens on its own address only\n\
             cluster.yaml:11:11: frontends[1].bind: [::]:7443 takes port 7443 on every address, \
             also node master1's address 10.0.0.51:7443, where its backend at line 12 listens: \
             {WHAT_TO_DO} [::]:9443 (kubeadm's stacked masters use 9443, other guides 8443), or \
             bind the VIP's address if the server listens on its own address only"
        )
    );
}

#[test]
fn a_wildcard_bind_on_a_loopback_backend_s_port_is_refused_without_nodes() {
    let text = "frontends:
  - name: local
    bind: 0.0.0.0:6443
    backends: [127.0.0.1:6443]
";
    assert_eq!(
        errors(text),
        format!(
            "cluster.yaml:3:11: frontends[0].bind: 0.0.0.0:6443 takes port 6443 on every address, \
             also 127.0.0.1:6443 on every node, where its backend at line 4 listens: \
             {WHAT_TO_DO} 0.0.0.0:9443 (kubeadm's stacked masters use 9443, other guides 8443), \
             or bind the VIP's address if the server listens on its own address only"
        )
    );
    // The same loopback address and port is the frontend itself: a loop.
    let looped = "frontends:
  - { name: local, bind: 127.0.0.1:6443, backends: [127.0.0.1:6443] }
";
    assert_eq!(
        errors(looped),
        "cluster.yaml:2:26: frontends[0].bind: 127.0.0.1:6443 is also its backend at line 2: \
         the frontend would forward connections to itself; listen on another port"
    );
}

#[test]
fn binds_that_do_not_overlap_a_node_backend_pass() {
    // Another port (kubeadm's 9443), backends on other machines (an LB pair), an IPv6
    // loopback backend behind an IPv4 wildcard, a node-local balancer on 127.0.0.1.
    let cfg = parse(&stacked(
        "  - { name: stacked, bind: 0.0.0.0:9443, backends: [10.0.0.51:6443, 10.0.0.52:6443] }
  - { name: pair, bind: 0.0.0.0:6443, backends: [10.0.0.61:6443, 10.0.0.62:6443] }
  - { name: v6, bind: 0.0.0.0:7000, backends: ['[::1]:7000'] }
  - { name: local, bind: 127.0.0.1:8000, backends: [10.0.0.51:8000] }
",
    ));
    assert_eq!(cfg.frontends.len(), 4);
}

#[test]
fn a_vip_outside_every_node_s_subnet_is_warned_about() {
    let cfg = parse(
        "nodes:
  - { name: master1, address: 10.0.0.51 }
  - { name: master2, address: 10.0.0.52 }
vips:
  - { name: api, address: 10.0.1.50/24, vrrp: { vrid: 51 } }
  - { name: host, address: 10.0.1.60/32, vrrp: { vrid: 52 } }
  - { name: near, address: 10.0.0.70/24, vrrp: { vrid: 53 } }
  - { name: more, addresses: [10.0.0.80/24, 10.0.2.80/24], vrrp: { vrid: 54 } }
",
    );
    assert_eq!(
        warnings(explain(&cfg, cfg.node("master2").unwrap())),
        [
            "warning: VIP api 10.0.1.50/24 is outside the subnet of every node: 10.0.1.0/24 holds \
          none of 10.0.0.51 and 10.0.0.52; hosts on the nodes' segment will not reach it without \
          a route. Check the address and its prefix length.",
            "warning: VIP more 10.0.2.80/24 is outside the subnet of every node: 10.0.2.0/24 \
          holds none of 10.0.0.51 and 10.0.0.52; hosts on the nodes' segment will not reach it \
          without a route. Check the address and its prefix length."
        ],
        "a /32 says nothing about the segment, 10.0.0.70/24 holds the nodes, and every address \
         of a VIP is looked at"
    );
}

#[test]
fn a_vip_with_a_single_node_is_warned_about() {
    let cfg = parse(
        "nodes:
  - { name: lonely, address: 10.0.0.51 }
vips:
  - { name: api, address: 10.0.0.50/24, vrrp: { vrid: 51, transport: multicast } }
",
    );
    assert_eq!(
        warnings(explain(&cfg, cfg.node("lonely").unwrap())),
        [
            "warning: VIP api has a single node (lonely): no other node of this file can take it \
          over, so unless another VRRP router on the segment (keepalived) shares VRID 51, there \
          is no failover; list every node that runs kubegate under `nodes:`."
        ]
    );
}

#[test]
fn a_check_timeout_not_shorter_than_its_interval_is_warned_about() {
    let cfg = parse(&stacked(
        "  - { name: equal, bind: 10.0.0.50:9443, backends: [10.0.0.51:6443], check: { https: /readyz, interval: 2s, timeout: 2s } }
  - { name: longer, bind: 10.0.0.50:9444, backends: [10.0.0.51:6443], check: { https: /readyz, interval: 1s, timeout: 3s } }
  - { name: fine, bind: 10.0.0.50:9445, backends: [10.0.0.51:6443], check: { https: /readyz, interval: 2s, timeout: 1s } }
",
    ));
    let says = |name: &str, timeout: &str, interval: &str| {
        format!(
            "warning: frontend {name} waits up to {timeout} for a check answer but checks every \
             {interval}: each check waits out its timeout before the next starts, so a backend \
             that stops answering is checked once per timeout, not per interval, and marked down \
             later than planned; make `check.timeout` shorter than `check.interval`, like \
             {{ interval: 2s, timeout: 1s }}."
        )
    };
    assert_eq!(
        warnings(explain_frontends(&cfg)),
        [says("equal", "2 s", "2 s"), says("longer", "3 s", "1 s")]
    );
}

#[test]
fn range_errors_are_worded_for_people() {
    let text = "nodes:
  - { name: master1, address: 10.0.0.51 }
  - { name: master2, address: 10.0.0.52 }
vips:
  - name: api
    address: 10.0.0.50/40
    vrrp: { vrid: 0, version: 2, advert_interval: 300s, priority: { master1: 255 } }
    track:
      - { script: /bin/true, weight: 300, rise: 0 }
  - { name: bare, address: 10.0.0.60/24 }
frontends:
  - name: web
    bind: 10.0.0.50:8443
    backends: [{ address: 10.0.0.51:6443, weight: 0 }]
    retries: 11
    check: { https: /readyz, statuses: [99] }
";
    let e = errors(text);
    for expected in [
        "prefix length 40 is out of range; use 0 to 32",
        "vips[0].vrrp.vrid: 0 is out of range; use 1 to 255",
        "use 1 to 254",
        "vips[0].track[0].weight: 300 is out of range; use -253 to 253",
        "vips[1]: missing key 'vrrp'; it needs at least `vrid:`, a number from 1 to 255",
        "frontends[0].backends[0].weight: 0 is out of range; use 1 to 256",
        "frontends[0].retries: 11 is out of range; use 0 to 10",
        "frontends[0].check.statuses[0]: 99 is out of range; use 100 to 599",
    ] {
        assert!(e.contains(expected), "expected {expected:?} in:\n{e}");
    }
    for rust in ["..=", "..", "Some(", "None", "{ ", "[\""] {
        assert!(!e.contains(rust), "Rust syntax {rust:?} in:\n{e}");
    }
}

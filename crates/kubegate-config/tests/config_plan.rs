//! The plain-words plan of `kubegate check`, for the three-master setups of the field (the
//! keepalived preempt / nopreempt configs translated in `examples/`).

mod support;

use std::path::Path;

use kubegate_config::local_addrs::LocalAddr;
use kubegate_config::plan::{check_report, explain};
use kubegate_config::{self as config, model::ClusterConfig};

fn example(name: &str) -> ClusterConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    support::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn plan_for(cfg: &ClusterConfig, node: &str) -> Vec<String> {
    explain(cfg, cfg.node(node).unwrap())
}

const CHECK: &str = "`killall -0 kube-apiserver`";

#[test]
fn three_masters_preempt() {
    let cfg = example("three-masters.yaml");
    let header = |peers: &str| {
        format!("VIP api 10.0.0.50/24: VRRPv2, VRID 251, adverts every 1 s, unicast to {peers}.")
    };
    assert_eq!(
        plan_for(&cfg, "master1"),
        [
            header("master2 (10.0.0.52) and master3 (10.0.0.53)"),
            "master1 holds 10.0.0.50/24 on the interface that carries 10.0.0.51 with priority 100 \
             (highest): it becomes master when it starts and takes the VIP back when it returns \
             (preempt)."
                .into(),
            format!(
                "if {CHECK} fails, master1's priority drops by 20 to 80: below master2 (99), so \
                 master2 takes the VIP over (it preempts); master1 takes it back when the check \
                 passes again."
            ),
        ]
    );
    // v2: Skew = (256 − 99) / 256 s = 0.613 s; Master_Down = 3 s + skew = 3.613 s.
    assert_eq!(
        plan_for(&cfg, "master2"),
        [
            header("master1 (10.0.0.51) and master3 (10.0.0.53)"),
            "master2 is backup with priority 99; it takes over within 3.7 s when master1 stops \
             advertising (3 × 1 s + skew), or within 0.7 s after a clean stop (priority 0, RFC \
             3768 §6.4.2)."
                .into(),
            "When master1 returns, it takes the VIP back from master2 (preempt).".into(),
            format!(
                "if {CHECK} fails on master2, master2's priority drops by 20 to 79: below master3 \
                 (98), so master3 is ahead of master2 instead."
            ),
        ]
    );
    let m3 = plan_for(&cfg, "master3");
    assert_eq!(
        m3[1],
        "master3 is backup with priority 98; it takes over within 3.7 s when master1 and master2 \
         are both gone (3 × 1 s + skew), or within 0.7 s after a clean stop (priority 0, RFC 3768 \
         §6.4.2)."
    );
    assert_eq!(
        m3[3],
        format!(
            "if {CHECK} fails on master3, master3's priority drops by 20 to 78; master3 is last in \
             line either way."
        )
    );
    assert!(m3.iter().all(|l| !l.starts_with("warning")), "{m3:#?}");
}

#[test]
fn three_masters_nopreempt() {
    let cfg = example("three-masters-nopreempt.yaml");
    let warning = format!(
        "warning: with preempt off, the weight -20 of {CHECK} never moves the VIP while its holder \
         runs (the others do not take over from a lower-priority master); use weight 0 to give \
         the VIP up when the check fails."
    );
    let m1 = plan_for(&cfg, "master1");
    assert_eq!(
        m1[1..],
        [
            "master1 has the highest priority (100) for 10.0.0.50/24 on the interface that \
             carries 10.0.0.51, but preempt is off: it becomes master when it starts only if no \
             other node holds the VIP."
                .to_string(),
            "nopreempt: whoever holds the VIP keeps it; master1 does not take it back when it \
             returns."
                .into(),
            format!(
                "if {CHECK} fails, master1's priority drops by 20 to 80: below master2 (99), but \
                 with preempt off nobody takes the VIP over while master1 runs."
            ),
            warning.clone(),
        ]
    );
    let m2 = plan_for(&cfg, "master2");
    assert_eq!(
        m2[2],
        "nopreempt: once master2 holds the VIP it keeps it, also when master1 returns."
    );
    assert_eq!(m2.last(), Some(&warning), "every node warns");
}

#[test]
fn weights_that_cannot_move_the_vip_are_flagged() {
    let cfg = example("vip-v3-fast.yaml");
    let m1 = plan_for(&cfg, "master1");
    assert_eq!(
        m1[2],
        "if the TCP check of 127.0.0.1:6443 fails 2 times in a row, master1 goes to FAULT and \
         gives the VIP up (weight 0); it is back in line after its first success."
    );
    assert_eq!(
        m1[3],
        "if `/usr/local/bin/extra-check` fails, master1's priority drops by 20 to 130: still \
         above master2 (100), so the VIP stays."
    );
    assert_eq!(
        m1[4],
        "if frontend api has no ready backend, master1's priority drops by 122 to 28: below \
         master2 (100), so master2 takes the VIP over (it preempts); master1 takes it back when \
         a backend is ready again. The weight -122 is the default for a frontend tracker (any \
         node with a ready backend outranks any node without one); when no node has a ready \
         backend behind api, the VIP stays on master1 (28) and its balancer refuses new \
         connections at once (TCP RST) instead of leaving clients to time out."
    );
    assert_eq!(
        m1[5],
        "warning: the weight -20 of `/usr/local/bin/extra-check` cannot move the VIP: master1 \
         still counts 130 against master2's 100; use a weight of at least -51, or weight 0 to give \
         the VIP up when the check fails."
    );
    // v3: Skew = (256 − 100) × 200 ms / 256 = 121.9 ms; Master_Down = 721.9 ms.
    assert_eq!(
        plan_for(&cfg, "master2")[1],
        "master2 is backup with priority 100; it takes over within 0.8 s when master1 stops \
         advertising (3 × 200 ms + skew), or within 0.2 s after a clean stop (priority 0, RFC \
         5798 §6.4.2)."
    );
}

#[test]
fn positive_weights_count_against_the_raised_others() {
    let text = "nodes:
  - { name: a, address: 10.0.0.1 }
  - { name: b, address: 10.0.0.2 }
vips:
  - name: api
    address: 10.0.0.50/24
    vrrp: { vrid: 1, priority: { a: 110, b: 100 } }
    track:
      - { script: /bin/check, weight: 20 }
";
    let cfg = config::parse_str(text, Path::new("c.yaml")).unwrap();
    let a = plan_for(&cfg, "a");
    assert_eq!(
        a[2],
        "if `/bin/check` fails, a loses the +20 the others keep and counts 110 against their \
         raised priorities: below b (120), so b takes the VIP over (it preempts); a takes it back \
         when the check passes again."
    );
    assert!(a.iter().all(|l| !l.starts_with("warning")), "{a:#?}");
}

#[test]
fn equal_priorities_are_explained_by_address() {
    let text = "nodes:
  - { name: a, address: 10.0.0.1 }
  - { name: b, address: 10.0.0.2 }
vips:
  - { name: api, address: 10.0.0.50, vrrp: { vrid: 1, priority: { a: 100, b: 100 } } }
";
    let cfg = config::parse_str(text, Path::new("c.yaml")).unwrap();
    let b = plan_for(&cfg, "b");
    assert!(b[1].starts_with("b holds 10.0.0.50/32"), "{b:#?}");
    assert_eq!(
        b[2],
        "b and a have the same priority 100: the higher address (10.0.0.2) wins (RFC 5798 §6.4.3)."
    );
}

#[test]
fn check_report_names_the_interface_and_flags_a_foreign_subnet() {
    let cfg = example("vip-v3-fast.yaml");
    let me = cfg.node("master1").unwrap();
    let local = |prefix_len| {
        vec![LocalAddr {
            interface: "eth0".into(),
            address: "10.0.0.51".parse().unwrap(),
            prefix_len,
        }]
    };
    let report = check_report(&cfg, me, &local(24));
    let mut lines = report.lines();
    assert!(lines
        .next()
        .unwrap()
        .ends_with("vip-v3-fast.yaml: OK (3 nodes, 1 VIP, 1 frontend)"));
    assert_eq!(lines.next(), Some("this node: master1 (10.0.0.51)"));
    assert!(report.contains("master1 holds 10.0.0.50/24 on eth0 with priority 150 (highest)"));
    assert!(!report.contains("outside the subnet"), "{report}");

    let report = check_report(&cfg, me, &local(32));
    assert!(
        report.contains(
            "warning: VIP api 10.0.0.50 is outside the subnet of eth0 (10.0.0.51/32); hosts on \
             that segment will not reach it without a route"
        ),
        "{report}"
    );
}

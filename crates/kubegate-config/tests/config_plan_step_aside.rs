//! `kubegate check` on what a frontend tracker does when no node has a ready backend: the
//! default (step-aside) weight keeps the VIP on one node, an explicit weight 0 leaves nobody
//! holding it, nopreempt steps aside too (with the floor that tells who did); and the
//! master-master warning for two VIPs that track one frontend while they carry another (as
//! `kubegate import` writes for the keepalived + haproxy pair with ingress 80/443).

use std::path::Path;

use kubegate_config::model::ClusterConfig;
use kubegate_config::plan::explain;

fn parse(text: &str) -> ClusterConfig {
    kubegate_config::parse_str(text, Path::new("cluster.yaml")).unwrap_or_else(|e| panic!("{e}"))
}

fn plan(text: &str, node: &str) -> Vec<String> {
    let cfg = parse(text);
    explain(&cfg, cfg.node(node).unwrap())
}

const THREE: &str = "nodes:
  - { name: m1, address: 10.0.0.51 }
  - { name: m2, address: 10.0.0.52 }
  - { name: m3, address: 10.0.0.53 }
frontends:
  - { name: api, bind: 10.0.0.50:8443, backends: [10.0.0.51:6443], check: { https: /readyz } }
vips:
  - name: api
    address: 10.0.0.50/24
";

fn line<'a>(plan: &'a [String], start: &str) -> &'a str {
    plan.iter()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("expected a line starting {start:?} in {plan:#?}"))
}

#[test]
fn default_weight_steps_aside_and_keeps_the_vip_when_nobody_is_ready() {
    let text = format!("{THREE}    vrrp: {{ vrid: 51 }}\n    track: [ {{ frontend: api }} ]\n");
    let m1 = plan(&text, "m1");
    assert_eq!(
        line(&m1, "if frontend api"),
        "if frontend api has no ready backend, m1's priority drops by 102 to 48: below m2 (100), \
         so m2 takes the VIP over (it preempts); m1 takes it back when a backend is ready again. \
         The weight -102 is the default for a frontend tracker (any node with a ready backend \
         outranks any node without one); when no node has a ready backend behind api, the VIP \
         stays on m1 (48) and its balancer refuses new connections at once (TCP RST) instead of \
         leaving clients to time out."
    );
    assert!(
        !m1.iter().any(|l| l.starts_with("warning")),
        "no warning expected: {m1:#?}"
    );
    let m3 = plan(&text, "m3");
    assert!(
        line(&m3, "if frontend api").starts_with(
            "if frontend api has no ready backend on m3, m3's priority drops by 102 to 1"
        ),
        "{m3:#?}"
    );
}

#[test]
fn explicit_weight_zero_is_fault_and_says_nobody_holds_the_vip() {
    let text =
        format!("{THREE}    vrrp: {{ vrid: 51 }}\n    track: [ {{ frontend: api, weight: 0 }} ]\n");
    assert_eq!(
        line(&plan(&text, "m1"), "if frontend api"),
        "if frontend api has no ready backend, m1 goes to FAULT and gives the VIP up (weight 0); \
         it is back in line as soon as a backend is ready again. When no node has a ready backend \
         behind api, every node is in FAULT and nobody holds the VIP: clients wait for their own \
         timeout. Leave `weight` out to keep the VIP on one node, whose balancer then refuses \
         connections at once."
    );
}

#[test]
fn nopreempt_steps_aside_too_and_the_floor_tells_who_stepped_aside() {
    // Preempt off: the default weight still applies; a healthy backup takes the VIP from a
    // master that stepped aside (the router's floor), nobody takes it back.
    let text = format!(
        "{THREE}    vrrp: {{ vrid: 51, preempt: false }}\n    track: [ {{ frontend: api }} ]\n"
    );
    let cfg = parse(&text);
    assert_eq!(cfg.vips[0].track[0].weight, -102);
    // Healthy nodes count 50..=150, those without a ready backend at most 150 − 102 = 48.
    assert_eq!(cfg.vips[0].step_aside_floor(), Some(50));
    let m1 = plan(&text, "m1");
    assert_eq!(
        line(&m1, "if frontend api"),
        "if frontend api has no ready backend, m1's priority drops by 102 to 48: below m2 (100), \
         so m2 takes the VIP over although preempt is off (a node that stepped aside gives way \
         to one with a ready backend); m1 does not take it back when a backend is ready again. \
         The weight -102 is the default for a frontend tracker (any node with a ready backend \
         outranks any node without one); when no node has a ready backend behind api, the VIP \
         stays on the node that holds it and its balancer refuses new connections at once (TCP \
         RST) instead of leaving clients to time out."
    );
    assert!(
        !m1.iter().any(|l| l.starts_with("warning")),
        "no warning expected: {m1:#?}"
    );
}

#[test]
fn the_floor_allows_for_the_other_trackers_negative_weights() {
    let text = format!(
        "{THREE}    vrrp: {{ vrid: 51, preempt: false, priority: {{ m1: 150, m2: 120, m3: 100 }} }}
    track:
      - {{ frontend: api }}
      - {{ tcp: 127.0.0.1:10250, weight: -10 }}
      - {{ interface: eth1, weight: 5 }}
"
    );
    let cfg = parse(&text);
    // 150 − 100 + 2 + (10 + 5): every node without a ready backend is below 100 − 10 − 1.
    assert_eq!(cfg.vips[0].track[0].weight, -67);
    assert_eq!(cfg.vips[0].step_aside_floor(), Some(90));
    let explicit = text.replace("{ frontend: api }", "{ frontend: api, weight: -67 }");
    assert_eq!(parse(&explicit).vips[0].step_aside_floor(), None);
}

#[test]
fn a_clamped_step_aside_weight_is_flagged() {
    // m3 without a ready backend: 254 − 253 = 1, level with m1's own 1, and m3's higher
    // address wins the tie (RFC 5798 §6.4.3): the address decides, not the health.
    let text = format!(
        "{THREE}    vrrp: {{ vrid: 51, priority: {{ m1: 1, m2: 100, m3: 254 }} }}\n    track: [ {{ frontend: api }} ]\n"
    );
    let m1 = plan(&text, "m1");
    assert_eq!(
        line(&m1, "warning: frontend api"),
        "warning: frontend api's default weight -253 cannot put every node without a ready \
         backend below every node with one: m3 without one counts 1, m1 with one 1 (priorities \
         are clamped to 1..254); give every node a priority of at least 2 and keep them within \
         253 of each other."
    );
}

/// The shape `kubegate import` gives the keepalived master-master pair with haproxy's
/// `listen k8s443` / `listen k8s80` on 0.0.0.0: both VIPs track k8s443.
fn master_master(weight: &str) -> String {
    format!(
        "nodes:
  - {{ name: lb1, address: 192.168.1.21 }}
  - {{ name: lb2, address: 192.168.1.22 }}
vips:
  - name: VI_1
    address: 192.168.1.10
    vrrp: {{ vrid: 51, priority: {{ lb1: 100, lb2: 50 }} }}
    track: [ {{ frontend: k8s443{weight} }} ]
  - name: VI_2
    address: 192.168.1.12
    vrrp: {{ vrid: 61, priority: {{ lb1: 50, lb2: 100 }} }}
    track: [ {{ frontend: k8s443{weight} }} ]
frontends:
  - {{ name: k8s443, bind: 0.0.0.0:443, backends: [192.168.1.31:443] }}
  - {{ name: k8s80, bind: 0.0.0.0:80, backends: [192.168.1.31:80] }}
"
    )
}

#[test]
fn master_master_tracking_one_of_two_frontends_is_flagged() {
    let fix = "Write instead, under each of VI_1 and VI_2: `- frontend: k8s443` and \
               `- frontend: k8s80`, without `weight` (a frontend without a ready backend then \
               lowers the node's priority; none puts a VIP in FAULT, so one port stays up while \
               another is down).";
    let fault = plan(&master_master(", weight: 0"), "lb1");
    assert_eq!(
        line(&fault, "warning: VIPs"),
        format!(
            "warning: VIPs VI_1 and VI_2 (master-master: each preferred on a different node) all \
             track frontend k8s443 but also carry k8s80 (port 80): with weight 0, when k8s443 has \
             no ready backend the VIPs go to FAULT and take k8s80 (port 80) with them, although \
             their backends may be up. {fix}"
        )
    );
    let default = plan(&master_master(""), "lb2");
    assert_eq!(
        line(&default, "warning: VIPs"),
        format!(
            "warning: VIPs VI_1 and VI_2 (master-master: each preferred on a different node) all \
             track frontend k8s443 but also carry k8s80 (port 80): the VIPs follow the health of \
             k8s443 (port 443) alone, and a node where k8s80 has no ready backend keeps its VIP. \
             {fix}"
        )
    );
    // Written as the warning says: no warning.
    let fixed = master_master("").replace(
        "track: [ { frontend: k8s443 } ]",
        "track: [ { frontend: k8s443 }, { frontend: k8s80 } ]",
    );
    let ok = plan(&fixed, "lb1");
    assert!(
        !ok.iter().any(|l| l.starts_with("warning: VIPs")),
        "expected no master-master warning once both frontends are tracked: {ok:#?}"
    );
}

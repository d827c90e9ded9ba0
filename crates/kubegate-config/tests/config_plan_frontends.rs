//! The plain-words plan for frontends: where each listens, how it spreads and checks, its
//! settings, and the warnings (TCP-only checks of apiservers, short idle timeouts, a listener on
//! the apiserver's port); the report of a file without VIPs.

mod support;

use std::path::Path;

use kubegate_config::plan::{explain, explain_frontends, report};
use kubegate_config::{self as config, model::ClusterConfig};

fn example(name: &str) -> ClusterConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    support::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn parse(text: &str) -> ClusterConfig {
    config::parse_str(text, Path::new("cluster.yaml")).unwrap_or_else(|e| panic!("{e}"))
}

/// The plan of a file holding only `frontends:` with this one entry (indented as a list item).
fn plan_of(frontend: &str) -> Vec<String> {
    explain_frontends(&parse(&format!("frontends:\n{frontend}")))
}

const DEFAULT_SETTINGS: &str = "a failed connect is retried on up to 2 other backends; connects \
                                time out after 3 s, idle connections close after 1 h, a silent \
                                peer is dropped after 30 s";

#[test]
fn the_design_example_on_a_vip() {
    let cfg = example("vip-v3-fast.yaml");
    let plan = explain(&cfg, cfg.node("master2").unwrap());
    assert_eq!(
        plan[plan.len() - 2..],
        [
            "frontend api listens on 10.0.0.50:8443 (VIP api's address: bound before this node \
             holds it) and spreads connections round-robin over 3 backends, checked by HTTPS GET \
             /readyz every 2 s (down after 2 failures, up after 2 successes)."
                .to_string(),
            format!(
                "frontend api: {DEFAULT_SETTINGS}; checks do not verify the backends' \
                 certificates (no ca_file); on stop, connections get 30 s to finish."
            ),
        ]
    );
}

/// Setup S2: no nodes, so no identity; the report says so and explains the frontend.
#[test]
fn a_node_local_report_needs_no_node() {
    let cfg = example("node-local.yaml");
    let text = report(&cfg, None, &[]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].ends_with("node-local.yaml: OK (1 frontend)"),
        "{text}"
    );
    assert_eq!(
        lines[1..],
        [
            "this node: not identified (no VIPs; the frontends are the same on every node)",
            "frontend apiserver listens on 127.0.0.1:6443 (loopback: for clients on this node \
             only) and spreads connections round-robin over 3 backends, checked by HTTPS GET \
             /readyz every 2 s (down after 2 failures, up after 2 successes).",
            &format!(
                "frontend apiserver: {DEFAULT_SETTINGS}; checks do not verify the backends' \
                 certificates (no ca_file); on stop, connections get 30 s to finish."
            ),
            "admin endpoint: http://127.0.0.1:9099/ (status page, /api/v1/status, /metrics); \
             read-only, no token_file so `kubegate backend` and `kubegate handover` are refused",
        ]
    );
}

#[test]
fn the_lb_pair_with_ingress() {
    let cfg = example("lb-pair-with-ingress.yaml");
    let lb2 = explain(&cfg, cfg.node("lb2").unwrap());
    assert!(
        lb2.contains(
            &"frontend ingress-https listens on 10.0.0.40:443 (VIP front's address: bound before \
              this node holds it) and spreads connections round-robin over 2 backends, checked \
              by a TCP connect every 2 s (down after 5 failures, up after 2 successes)."
                .to_string()
        ),
        "{lb2:#?}"
    );
    assert!(
        lb2.contains(&format!(
            "frontend ingress-https: {DEFAULT_SETTINGS}; sessions on a backend that goes down are \
             closed; on stop, connections get 30 s to finish."
        )),
        "{lb2:#?}"
    );
    assert!(lb2.iter().all(|l| !l.starts_with("warning")), "{lb2:#?}");
    let report = report(&cfg, cfg.node("lb1"), &[]);
    assert!(
        report
            .lines()
            .next()
            .unwrap()
            .ends_with("OK (2 nodes, 1 VIP, 3 frontends)"),
        "{report}"
    );
}

#[test]
fn tcp_checks_of_apiservers_and_short_idle_timeouts_are_flagged() {
    let plan = plan_of(
        "  - name: api
    bind: 127.0.0.1:6443
    backends: [10.0.0.51:6443, 10.0.0.52:6443]
    timeouts: { idle: 30s }
",
    );
    assert_eq!(
        plan,
        [
            "frontend api listens on 127.0.0.1:6443 (loopback: for clients on this node only) and \
             spreads connections round-robin over 2 backends, checked by a TCP connect every 2 s \
             (down after 2 failures, up after 2 successes)."
                .to_string(),
            "frontend api: a failed connect is retried on up to 2 other backends; connects time \
             out after 3 s, idle connections close after 30 s, a silent peer is dropped after 30 \
             s; on stop, connections get 30 s to finish."
                .into(),
            "warning: frontend api checks its apiserver backends (port 6443) by TCP connect only: \
             an apiserver that accepts connections but is not ready still gets traffic; use \
             `check: { https: /readyz }`."
                .into(),
            "warning: frontend api closes idle connections after 30 s: `kubectl logs -f`, `exec` \
             and watches that stay quiet longer get cut; use `timeouts: { idle: 1h }` (the \
             default) for the apiserver."
                .into(),
        ]
    );
    // Five minutes is long enough; other ports are not taken for apiservers.
    let plan = plan_of(
        "  - { name: web, bind: 127.0.0.1:80, backends: [10.0.0.61:80], timeouts: { idle: 5m } }\n",
    );
    assert!(plan.iter().all(|l| !l.starts_with("warning")), "{plan:#?}");
    assert!(
        plan[1].contains("idle connections close after 5 min"),
        "{plan:#?}"
    );
}

#[test]
fn a_listener_on_the_apiserver_port_of_stacked_masters_is_flagged() {
    let cfg = parse(
        "nodes:
  - { name: master1, address: 10.0.0.51 }
  - { name: master2, address: 10.0.0.52 }
vips:
  - { name: api, address: 10.0.0.50/24, vrrp: { vrid: 51 } }
frontends:
  - name: on-vip
    bind: 10.0.0.50:6443
    backends: [10.0.0.51:6443, 10.0.0.52:6443]
    check: { https: /readyz }
  - name: fine
    bind: 10.0.0.50:9443
    backends: [10.0.0.51:6443, 10.0.0.52:6443]
    check: { https: /readyz }
",
    );
    let warnings: Vec<String> = explain_frontends(&cfg)
        .into_iter()
        .filter(|l| l.starts_with("warning"))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: frontend on-vip listens on port 6443 of VIP api's address, and its backends \
             on master1 and master2 use port 6443 too: where the apiserver runs beside kubegate \
             it usually holds that port on all addresses, so the frontend cannot bind it; listen \
             on another port, like 9443.",
        ]
    );
}

#[test]
fn balance_kinds_weights_and_statuses() {
    let backends = "backends: [{ address: 10.0.0.61:80, weight: 3 }, 10.0.0.62:80]";
    for (balance, words) in [
        (
            "least-conn",
            "sends each connection to the least busy of 2 backends (weights 3, 1) (least-conn)",
        ),
        (
            "random-two",
            "sends each connection to the less busy of two random picks among 2 backends \
             (weights 3, 1) (random-two)",
        ),
        (
            "source-hash",
            "sends each client address to the same one of 2 backends (weights 3, 1) \
             (source-hash)",
        ),
        (
            "round-robin",
            "spreads connections round-robin over 2 backends (weights 3, 1)",
        ),
    ] {
        let plan = plan_of(&format!(
            "  - {{ name: web, bind: 10.0.0.40:80, {backends}, balance: {balance}, check: {{ http: /healthz, statuses: [200, 401, 403], fall: 1, rise: 1 }} }}\n"
        ));
        assert_eq!(
            plan[0],
            format!(
                "frontend web listens on 10.0.0.40:80 and {words}, checked by HTTP GET /healthz \
                 answering 200, 401 or 403 every 2 s (down after 1 failure, up after 1 success)."
            )
        );
    }
    let single = plan_of("  - { name: one, bind: '[::]:80', backends: ['[fd00::61]:80'] }\n");
    assert_eq!(
        single[0],
        "frontend one listens on [::]:80 (every address of this node) and forwards connections to \
         [fd00::61]:80, checked by a TCP connect every 2 s (down after 2 failures, up after 2 \
         successes)."
    );
}

#[test]
fn every_setting_is_spelled_out() {
    let plan = plan_of(
        "  - name: api
    bind: 127.0.0.1:6443
    backends: [10.0.0.51:6443]
    check: { https: /readyz, ca_file: /etc/k/ca.crt, client_cert: /etc/k/c.crt, client_key: /etc/k/c.key }
    timeouts: { connect: 500ms, idle: 1h30m, dead_peer: 1m, drain: 1m30s }
    max_connections: 5000
    proxy_protocol: true
    retries: 1
    slowstart: 10s
",
    );
    assert_eq!(
        plan[1],
        "frontend api: a failed connect is retried on 1 other backend; connects time out after \
         500 ms, idle connections close after 1 h 30 min, a silent peer is dropped after 1 min; \
         at most 5000 client connections at once; backends get a PROXY protocol v2 header; a \
         backend that comes up gets its full share of new connections over 10 s; checks verify \
         certificates against /etc/k/ca.crt; checks present the client certificate \
         /etc/k/c.crt; on stop, connections get 1 min 30 s to finish."
    );
    assert_eq!(plan.len(), 2, "no warnings: {plan:#?}");
    let plan =
        plan_of("  - { name: a, bind: 127.0.0.1:80, backends: [10.0.0.61:80], retries: 0 }\n");
    assert!(
        plan[1].starts_with("frontend a: a failed connect is not retried; "),
        "{plan:#?}"
    );
}

#[test]
fn a_frontend_tracker_with_a_weight() {
    let cfg = parse(
        "nodes:
  - { name: a, address: 10.0.0.1 }
  - { name: b, address: 10.0.0.2 }
vips:
  - name: api
    address: 10.0.0.50/24
    vrrp: { vrid: 1, priority: { a: 110, b: 100 } }
    track:
      - { frontend: lb, weight: -20 }
frontends:
  - { name: lb, bind: 10.0.0.50:8443, backends: [10.0.0.1:6443, 10.0.0.2:6443], check: { https: /readyz } }
",
    );
    let a = explain(&cfg, cfg.node("a").unwrap());
    assert_eq!(
        a[2],
        "if frontend lb has no ready backend, a's priority drops by 20 to 90: below b (100), so b \
         takes the VIP over (it preempts); a takes it back when a backend is ready again. When \
         no node has a ready backend behind lb, the VIP stays on a (90) and its balancer refuses \
         new connections at once (TCP RST) instead of leaving clients to time out."
    );
}

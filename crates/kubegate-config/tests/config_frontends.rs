//! `frontends:` into the model: each way of writing backends and checks, the defaults, a file
//! with frontends only (a node-local balancer), and `track: - frontend: NAME`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kubegate_config::identity::{resolve_if_needed, IdentityError};
use kubegate_config::{self as config, model::*};

fn parse(text: &str) -> ClusterConfig {
    config::parse_str(text, Path::new("cluster.yaml")).unwrap_or_else(|e| panic!("{e}"))
}

/// One frontend, given as the lines after `- name: api` (indented by four spaces), in a file
/// without VIPs or nodes.
fn one(rest: &str) -> Frontend {
    parse(&format!("frontends:\n  - name: api\n{rest}"))
        .frontends
        .remove(0)
}

fn backend(a: &str, weight: u32) -> Backend {
    Backend {
        address: a.parse().unwrap(),
        weight,
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn a_short_list_gets_every_default() {
    let f = one("    bind: 127.0.0.1:6443\n    backends: [10.0.0.51:6443, 10.0.0.52:6443]\n");
    assert_eq!(
        f,
        Frontend {
            name: "api".into(),
            bind: "127.0.0.1:6443".parse().unwrap(),
            backends: vec![backend("10.0.0.51:6443", 1), backend("10.0.0.52:6443", 1)],
            balance: Balance::RoundRobin,
            check: HealthCheck {
                kind: CheckKind::Tcp,
                interval: Duration::from_secs(2),
                timeout: Duration::from_secs(1),
                rise: 2,
                fall: 2,
            },
            timeouts: Timeouts {
                connect: Duration::from_secs(3),
                idle: Duration::from_secs(3600),
                dead_peer: Duration::from_secs(30),
                keepalive: Duration::from_secs(60),
                drain: Duration::from_secs(30),
            },
            max_connections: None,
            proxy_protocol: false,
            retries: 2,
            shutdown_sessions_on_down: false,
            slowstart: None,
        }
    );
    assert_eq!(f.check, HealthCheck::default());
    assert_eq!(f.timeouts, Timeouts::default());
}

#[test]
fn weighted_items_mix_with_plain_addresses() {
    let f = one("    bind: '[::]:8443'
    backends:
      - { address: 10.0.0.51:6443, weight: 3 }
      - 10.0.0.52:6443
      - { address: '[fd00::53]:6443' }
      - { address: 10.0.0.54:6443, weight: 256 }
");
    assert_eq!(f.bind, "[::]:8443".parse().unwrap());
    assert_eq!(
        f.backends,
        vec![
            backend("10.0.0.51:6443", 3),
            backend("10.0.0.52:6443", 1),
            backend("[fd00::53]:6443", 1),
            backend("10.0.0.54:6443", 256),
        ]
    );
}

#[test]
fn tcp_check_with_its_timing() {
    let f = one("    bind: 127.0.0.1:6443
    backends: [10.0.0.51:6443]
    check: { tcp: true, interval: 500ms, timeout: 250ms, rise: 1, fall: 3 }
");
    assert_eq!(
        f.check,
        HealthCheck {
            kind: CheckKind::Tcp,
            interval: Duration::from_millis(500),
            timeout: Duration::from_millis(250),
            rise: 1,
            fall: 3,
        }
    );
}

#[test]
fn http_check_with_statuses_and_no_tls() {
    let f = one("    bind: 127.0.0.1:8080
    backends: [10.0.0.61:80]
    check: { http: /healthz?verbose=1, statuses: [200, 204, 200] }
");
    assert_eq!(
        f.check.kind,
        CheckKind::Http {
            path: "/healthz?verbose=1".into(),
            statuses: vec![200, 204],
            tls: None,
        }
    );
    assert_eq!(f.check.interval, Duration::from_secs(2));
}

#[test]
fn https_check_with_every_tls_option() {
    let f = one("    bind: 127.0.0.1:6443
    backends: [10.0.0.51:6443]
    check:
      https: /readyz
      statuses: [200, 401, 403]
      ca_file: /etc/kubernetes/pki/ca.crt
      client_cert: /etc/kubegate/check.crt
      client_key: /etc/kubegate/check.key
      server_name: kubernetes.default.svc
");
    assert_eq!(
        f.check.kind,
        CheckKind::Http {
            path: "/readyz".into(),
            statuses: vec![200, 401, 403],
            tls: Some(CheckTls {
                ca_file: Some(PathBuf::from("/etc/kubernetes/pki/ca.crt")),
                client_cert: Some(PathBuf::from("/etc/kubegate/check.crt")),
                client_key: Some(PathBuf::from("/etc/kubegate/check.key")),
                server_name: Some("kubernetes.default.svc".into()),
            }),
        }
    );
}

#[test]
fn every_other_key() {
    let f = one("    bind: 10.0.0.40:443
    backends: [10.0.0.61:443]
    balance: source-hash
    timeouts: { connect: 500ms, idle: 10m, dead_peer: 1m, keepalive: 2h, drain: 0.5s }
    max_connections: 10000
    proxy_protocol: true
    retries: 0
    on_down: shutdown-sessions
    slowstart: 10s
");
    assert_eq!(f.balance, Balance::SourceHash);
    assert_eq!(
        f.timeouts,
        Timeouts {
            connect: Duration::from_millis(500),
            idle: Duration::from_secs(600),
            dead_peer: Duration::from_secs(60),
            keepalive: Duration::from_secs(7200),
            drain: Duration::from_millis(500),
        }
    );
    assert_eq!(f.max_connections, Some(10_000));
    assert!(f.proxy_protocol);
    assert_eq!(f.retries, 0);
    assert!(f.shutdown_sessions_on_down);
    assert_eq!(f.slowstart, Some(Duration::from_secs(10)));

    let base = "    bind: 127.0.0.1:6443\n    backends: [10.0.0.51:6443]\n";
    for (word, balance) in [
        ("round-robin", Balance::RoundRobin),
        ("least-conn", Balance::LeastConn),
        ("random-two", Balance::RandomTwo),
        ("source-hash", Balance::SourceHash),
    ] {
        assert_eq!(
            one(&format!("{base}    balance: {word}\n")).balance,
            balance
        );
    }
    let f = one(&format!("{base}    on_down: keep\n    slowstart: 0s\n"));
    assert!(!f.shutdown_sessions_on_down);
    assert_eq!(f.slowstart, None, "0s turns slowstart off");
}

/// Setup S2: the same file on every worker; no nodes, no VIPs, no identity needed.
#[test]
fn a_node_local_balancer_needs_no_nodes() {
    let cfg = parse(
        "frontends:
  - name: apiserver
    bind: 127.0.0.1:6443
    backends: [10.0.0.51:6443, 10.0.0.52:6443, 10.0.0.53:6443]
    check: { https: /readyz }
",
    );
    assert!(cfg.nodes.is_empty() && cfg.vips.is_empty());
    assert_eq!(cfg.frontends.len(), 1);
    assert_eq!(cfg.frontend("apiserver").unwrap().backends.len(), 3);
    assert!(!cfg.needs_identity());
    assert_eq!(resolve_if_needed(&cfg, None, &[ip("10.0.0.7")]), Ok(None));
    let e = resolve_if_needed(&cfg, Some("worker1"), &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--node worker1: the config lists no nodes (a file without VIPs needs none); leave out \
         --node or add the node under `nodes:`"
    );
}

#[test]
fn identity_without_vips_is_optional_but_found_when_listed() {
    let cfg = parse(
        "nodes:
  - { name: w1, address: 10.0.0.71 }
  - { name: w2, address: 10.0.0.72 }
frontends:
  - { name: api, bind: 127.0.0.1:6443, backends: [10.0.0.51:6443] }
",
    );
    let found = resolve_if_needed(&cfg, None, &[ip("10.0.0.72")]).unwrap();
    assert_eq!(found.map(|n| n.name.as_str()), Some("w2"));
    assert_eq!(resolve_if_needed(&cfg, None, &[ip("10.0.0.9")]), Ok(None));
    assert!(matches!(
        resolve_if_needed(&cfg, Some("w3"), &[]),
        Err(IdentityError::UnknownNode { .. })
    ));
}

#[test]
fn identity_with_vips_is_required() {
    let cfg = parse(
        "nodes:
  - { name: a, address: 10.0.0.1 }
  - { name: b, address: 10.0.0.2 }
vips:
  - { name: api, address: 10.0.0.50, vrrp: { vrid: 1 } }
",
    );
    assert!(cfg.needs_identity());
    assert!(matches!(
        resolve_if_needed(&cfg, None, &[ip("10.0.0.9")]),
        Err(IdentityError::NoLocalNode { .. })
    ));
    let me = resolve_if_needed(&cfg, None, &[ip("10.0.0.2")]).unwrap();
    assert_eq!(me.map(|n| n.name.as_str()), Some("b"));
}

#[test]
fn a_vip_tracks_its_frontend() {
    let cfg = parse(
        "nodes:
  - { name: a, address: 10.0.0.1 }
  - { name: b, address: 10.0.0.2 }
vips:
  - name: api
    address: 10.0.0.50
    vrrp: { vrid: 1 }
    track:
      - frontend: api-lb
      - { frontend: api-lb, weight: -30 }
frontends:
  - { name: api-lb, bind: 10.0.0.50:8443, backends: [10.0.0.1:6443, 10.0.0.2:6443] }
",
    );
    let kinds: Vec<(&TrackerKind, i16)> = cfg.vips[0]
        .track
        .iter()
        .map(|t| (&t.kind, t.weight))
        .collect();
    let lb = TrackerKind::Frontend("api-lb".into());
    // Without `weight`, a frontend tracker steps aside: priorities 150 and 50 (the default for
    // two nodes) plus the other tracker's 30 need a drop of 150 − 50 + 2 + 30.
    assert_eq!(kinds, [(&lb, -132), (&lb, -30)]);
    assert_eq!(cfg.vips[0].track[0].interval, Duration::from_millis(100));
}

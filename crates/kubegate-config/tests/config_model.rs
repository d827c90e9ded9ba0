//! The config contract: the DESIGN example (VIPs and frontends) parses into the expected model;
//! VIP defaults; every example file loads. Frontend forms and defaults: `config_frontends.rs`.

mod support;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kubegate_config::{self as config, model::*};

fn parse(text: &str) -> Result<ClusterConfig, config::ConfigErrors> {
    config::parse_str(text, Path::new("cluster.yaml"))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The DESIGN example without `admin:` (not in this build), verbatim.
const DESIGN: &str = r#"nodes:                          # the machines that run kubegate; each finds itself by a local address
  - { name: master1, address: 10.0.0.51 }
  - { name: master2, address: 10.0.0.52 }
  - { name: master3, address: 10.0.0.53 }

vips:
  - name: api
    address: 10.0.0.50/24
    interface: auto             # default: the interface that carries this node's address
    vrrp:
      vrid: 51
      version: 3                # 3 (default) or 2
      advert_interval: 200ms    # the default; v3: 10ms steps; v2: whole seconds
      transport: unicast        # unicast (default; to the other nodes) or multicast
      preempt: true             # false = keepalived's nopreempt
      preempt_delay: 0s
      priority: { master1: 150, master2: 100, master3: 50 }   # default: by order of nodes
      auth_pass: "…"            # v2 PASS only, for keepalived peers
    track:                      # what a node needs to hold the VIP
      - frontend: api           # at least one ready backend behind this node's frontend
      - script: /usr/local/bin/extra-check
        interval: 2s
        weight: -20             # keepalived semantics

frontends:
  - name: api
    bind: 10.0.0.50:8443        # the VIP, any address, or 127.0.0.1:6443 for a node-local balancer
    backends: [10.0.0.51:6443, 10.0.0.52:6443, 10.0.0.53:6443]
    balance: round-robin        # round-robin | least-conn | random-two | source-hash
    check: { https: /readyz, interval: 2s, timeout: 1s, rise: 2, fall: 2 }
                                # or { tcp: true } (the default when `check` is absent), { http: PATH };
                                # `kubegate check` suggests https /readyz for apiserver backends
    timeouts: { connect: 3s, idle: 1h }
"#;

#[test]
fn design_example_as_written_names_its_one_conflict() {
    // The example shows every key at once: auth_pass (v2 only) beside version 3.
    let errs = parse(DESIGN).unwrap_err().to_string();
    assert_eq!(
        errs,
        "cluster.yaml:18:18: vips[0].vrrp.auth_pass: auth_pass is VRRPv2 PASS authentication; \
         version 3 has none (RFC 5798); remove it or set `version: 2`"
    );
}

#[test]
fn design_example_parses_into_the_model() {
    let text: String = DESIGN
        .lines()
        .filter(|l| !l.contains("auth_pass"))
        .map(|l| format!("{l}\n"))
        .collect();
    let cfg = parse(&text).unwrap();
    assert_eq!(cfg.source, PathBuf::from("cluster.yaml"));
    assert_eq!(
        cfg.nodes,
        vec![
            Node {
                name: "master1".into(),
                address: ip("10.0.0.51")
            },
            Node {
                name: "master2".into(),
                address: ip("10.0.0.52")
            },
            Node {
                name: "master3".into(),
                address: ip("10.0.0.53")
            },
        ]
    );
    let priority: BTreeMap<String, u8> = [("master1", 150), ("master2", 100), ("master3", 50)]
        .map(|(n, p)| (n.to_string(), p))
        .into();
    assert_eq!(
        cfg.vips,
        vec![Vip {
            name: "api".into(),
            address: ip("10.0.0.50"),
            prefix_len: 24,
            more_addresses: Vec::new(),
            interface: InterfaceChoice::Auto,
            label: None,
            vrrp: VrrpSettings {
                vrid: 51,
                version: Version::V3,
                advert_interval: Duration::from_millis(200),
                transport: Transport::Unicast,
                preempt: true,
                preempt_delay: Duration::ZERO,
                priority,
                auth_pass: None,
                checksum: ChecksumForm::PseudoHeader,
                extra_peers: Vec::new(),
                accept_any_source: false,
            },
            track: vec![
                Tracker {
                    kind: TrackerKind::Frontend("api".into()),
                    // Not written: steps aside by 150 − 50 + 1 plus the script's 20, so any
                    // node with a ready backend outranks any node without one.
                    weight: -122,
                    weight_is_default: true,
                    // The balancer's state is read every 100 ms; its checks debounce.
                    interval: Duration::from_millis(100),
                    timeout: Duration::from_millis(100),
                    rise: 1,
                    fall: 1,
                },
                Tracker {
                    kind: TrackerKind::Script("/usr/local/bin/extra-check".into()),
                    weight: -20,
                    weight_is_default: false,
                    interval: Duration::from_secs(2),
                    timeout: Duration::from_secs(2),
                    rise: 1,
                    fall: 1,
                },
            ],
            notify: None,
            notify_on: StateNotify::default(),
            announce: AnnounceSettings {
                count: 5,
                interval: Duration::ZERO,
                repeat_after: Some(Duration::from_secs(5)),
            },
            group: None,
        }]
    );
    let backend = |a: &str| Backend {
        address: a.parse().unwrap(),
        weight: 1,
    };
    assert_eq!(
        cfg.frontends,
        vec![Frontend {
            name: "api".into(),
            bind: "10.0.0.50:8443".parse().unwrap(),
            backends: vec![
                backend("10.0.0.51:6443"),
                backend("10.0.0.52:6443"),
                backend("10.0.0.53:6443"),
            ],
            balance: Balance::RoundRobin,
            check: HealthCheck {
                kind: CheckKind::Http {
                    path: "/readyz".into(),
                    statuses: vec![200],
                    tls: Some(CheckTls {
                        ca_file: None,
                        client_cert: None,
                        client_key: None,
                        server_name: None,
                    }),
                },
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
        }]
    );
}

const MINIMAL: &str = "nodes:
  - { name: a, address: 10.0.0.1 }
  - { name: b, address: 10.0.0.2 }
  - { name: c, address: 10.0.0.3 }
vips:
  - name: api
    address: 10.0.0.50
    vrrp: { vrid: 7 }
";

#[test]
fn defaults_fill_what_is_left_out() {
    let cfg = parse(MINIMAL).unwrap();
    let v = &cfg.vips[0];
    assert_eq!((v.address, v.prefix_len), (ip("10.0.0.50"), 32));
    assert_eq!(v.interface, InterfaceChoice::Auto);
    assert_eq!(v.vrrp.version, Version::V3);
    assert_eq!(v.vrrp.advert_interval, Duration::from_millis(200));
    assert_eq!(v.vrrp.transport, Transport::Unicast);
    assert!(v.vrrp.preempt);
    assert_eq!(v.vrrp.preempt_delay, Duration::ZERO);
    assert_eq!(v.vrrp.checksum, ChecksumForm::PseudoHeader);
    assert_eq!(v.vrrp.auth_pass, None);
    assert_eq!(
        (v.priority_of("a"), v.priority_of("b"), v.priority_of("c")),
        (150, 100, 50)
    );
    assert!(v.track.is_empty());
    assert_eq!(v.announce, AnnounceSettings::default());
    assert_eq!(v.announce.count, 5);
}

#[test]
fn version_2_defaults_to_one_second_and_keeps_its_password() {
    let text = MINIMAL.replace("{ vrid: 7 }", "{ vrid: 7, version: 2, auth_pass: 123456 }");
    let v = parse(&text).unwrap().vips.remove(0);
    assert_eq!(v.vrrp.version, Version::V2);
    assert_eq!(v.vrrp.advert_interval, Duration::from_secs(1));
    assert_eq!(v.vrrp.auth_pass, Some(*b"123456\0\0"));
}

#[test]
fn default_priorities_are_evenly_spaced_and_distinct() {
    assert_eq!(config::default_priorities(1), Some(vec![150]));
    assert_eq!(config::default_priorities(2), Some(vec![150, 50]));
    assert_eq!(config::default_priorities(3), Some(vec![150, 100, 50]));
    assert_eq!(
        config::default_priorities(5),
        Some(vec![150, 125, 100, 75, 50])
    );
    for n in 2..=101 {
        let p = config::default_priorities(n).unwrap();
        assert_eq!((p[0], p[n - 1]), (150, 50), "{n} nodes");
        assert!(p.windows(2).all(|w| w[0] > w[1]), "{n} nodes: {p:?}");
    }
    assert_eq!(config::default_priorities(102), None);
}

#[test]
fn trackers_announce_and_the_rest_of_the_keys() {
    let text = MINIMAL.replace(
        "    vrrp: { vrid: 7 }\n",
        "    interface: eth1
    label: eth1:api
    notify: /usr/local/bin/notify.sh
    vrrp: { vrid: 7, transport: multicast, preempt: false, preempt_delay: 1m30s, checksum: rfc9568, advert_interval: 1.5s }
    track:
      - { tcp: '[::1]:6443', interval: 500ms, timeout: 250ms, rise: 3, fall: 2, weight: 10 }
      - { interface: eth1 }
    announce: { count: 3, interval: 100ms, repeat_after: off }
",
    );
    let v = parse(&text).unwrap().vips.remove(0);
    assert_eq!(v.interface, InterfaceChoice::Named("eth1".into()));
    assert_eq!(v.label.as_deref(), Some("eth1:api"));
    assert_eq!(v.notify, Some(PathBuf::from("/usr/local/bin/notify.sh")));
    assert_eq!(v.vrrp.transport, Transport::Multicast);
    assert!(!v.vrrp.preempt);
    assert_eq!(v.vrrp.preempt_delay, Duration::from_secs(90));
    assert_eq!(v.vrrp.checksum, ChecksumForm::MessageOnly);
    assert_eq!(v.vrrp.advert_interval, Duration::from_millis(1500));
    assert_eq!(
        v.track,
        vec![
            Tracker {
                kind: TrackerKind::Tcp("[::1]:6443".parse().unwrap()),
                weight: 10,
                weight_is_default: false,
                interval: Duration::from_millis(500),
                timeout: Duration::from_millis(250),
                rise: 3,
                fall: 2,
            },
            Tracker {
                kind: TrackerKind::Interface("eth1".into()),
                weight: 0,
                weight_is_default: true,
                // The interface's state is read every 100 ms.
                interval: Duration::from_millis(100),
                timeout: Duration::from_millis(100),
                rise: 1,
                fall: 1,
            },
        ]
    );
    assert_eq!(
        v.announce,
        AnnounceSettings {
            count: 3,
            interval: Duration::from_millis(100),
            repeat_after: None
        }
    );
}

#[test]
fn ipv6_vips_work_with_ipv6_nodes() {
    let text = "nodes:
  - { name: a, address: 'fd00::1' }
  - { name: b, address: 'fd00::2' }
vips:
  - { name: api, address: 'fd00::50/64', vrrp: { vrid: 9 } }
";
    let v = parse(text).unwrap().vips.remove(0);
    assert_eq!((v.address, v.prefix_len), (ip("fd00::50"), 64));
}

#[test]
fn every_example_file_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let cfg = support::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                !cfg.vips.is_empty() || !cfg.frontends.is_empty(),
                "{}",
                path.display()
            );
            seen += 1;
        }
    }
    assert!(seen >= 6, "expected the example files in {}", dir.display());
}

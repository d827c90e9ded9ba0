//! The snapshot is a pure function of the gathered data: backend rows (the operator's state
//! wins over health, the checker's transitional states refine it), VIP reasons, events merged
//! by time and capped; and `/metrics` renders it in a form a Prometheus parser reads back.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kubegate::admin::build::{build, snapshot};
use kubegate::admin::gather::{FrontendSample, Gathered, MemberSample, VipSample};
use kubegate::admin::snapshot::{BackendState, Event, EventKind, VipState, EVENTS_SHOWN};
use kubegate_balancer::health_events::{BackendCheck, CheckState, HealthEvent};
use kubegate_balancer::latency::LatencyHistogram;
use kubegate_balancer::pool::{AdminState, Health};
use kubegate_balancer::probe::ProbeResult;
use kubegate_config::model::Balance;
use prometheus_parse::{Scrape, Value};

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([10, 0, 0, 1], port))
}

fn member(port: u16, health: Health, admin: AdminState) -> MemberSample {
    MemberSample {
        address: addr(port),
        weight: 1,
        health,
        admin,
        active: 2,
        connections: 7,
        failures: 1,
        bytes_from_clients: 100,
        bytes_from_backend: 2000,
        since: Some(at(1_500)),
        downtime: Duration::from_millis(250),
    }
}

fn check(port: u16, state: CheckState, ok: bool) -> BackendCheck {
    let mut latency = LatencyHistogram::default();
    latency.observe(Duration::from_millis(3));
    BackendCheck {
        frontend: "api".into(),
        backend: addr(port),
        state,
        checks: 9,
        last: Some(ProbeResult {
            ok,
            detail: format!("TCP {}", if ok { "connect in 3 ms" } else { "refused" }),
            latency: Duration::from_millis(3),
            status: None,
        }),
        last_at: Some(at(1_900)),
        changed_at: None,
        latency,
    }
}

fn gathered() -> Gathered {
    Gathered {
        now: at(2_000),
        started: at(1_000),
        node: Some("master1".into()),
        vips: vec![VipSample {
            name: "api".into(),
            address: "198.18.0.50/24".into(),
            interface: "eth0".into(),
            vrid: 51,
            base_priority: 150,
            state: VipState::Backup,
            priority: 1,
            master: Some("198.18.0.12".into()),
            since: at(1_800),
            transitions: 3,
            handed_over: true,
            tracker_reasons: vec!["frontend api: no ready backend (-50)".into()],
            vrrp: Default::default(),
        }],
        frontends: vec![FrontendSample {
            name: "api".into(),
            bind: "127.0.0.1:6443".parse().unwrap(),
            balance: Balance::LeastConn,
            accepted: 20,
            current: 2,
            refused_no_backend: 1,
            refused_limit: 0,
            connect_failed: 0,
            bytes_from_clients: 300,
            bytes_from_backends: 4000,
            members: vec![
                member(1, Health::Up, AdminState::Ready),
                member(2, Health::Up, AdminState::Ready),
                member(3, Health::Down, AdminState::Drain),
                member(4, Health::Down, AdminState::Ready),
                member(5, Health::Down, AdminState::Maint),
            ],
        }],
        checks: vec![
            check(1, CheckState::Up, true),
            check(2, CheckState::GoingDown, false),
            check(3, CheckState::Down, false),
            check(4, CheckState::GoingUp, true),
        ],
        health_events: vec![HealthEvent {
            at: at(1_500),
            frontend: "api".into(),
            backend: addr(4),
            from: Health::Up,
            to: Health::Down,
            reason: "TCP refused".into(),
            check: Some(2),
        }],
        events: vec![
            Event {
                at_ms: 1_200,
                kind: EventKind::Vip,
                subject: "api".into(),
                message: "init -> backup (started)".into(),
            },
            Event {
                at_ms: 1_800,
                kind: EventKind::Operator,
                subject: "api".into(),
                message: "handover (by the operator, until reload)".into(),
            },
        ],
        bgp: None,
    }
}

#[test]
fn backend_rows_vips_and_events() {
    let s = build(&gathered());
    assert_eq!((s.now_ms, s.started_ms), (2_000, 1_000));
    assert_eq!(s.node.as_deref(), Some("master1"));
    let v = &s.vips[0];
    assert_eq!(
        v.reasons,
        [
            "frontend api: no ready backend (-50)",
            "handed over by the operator (until kubegate handover --release)"
        ]
    );
    assert_eq!((v.priority, v.base_priority, v.since_ms), (1, 150, 1_800));
    let f = &s.frontends[0];
    assert_eq!(f.balance, "least-conn");
    assert_eq!((f.bytes_in, f.bytes_out, f.sessions_total), (300, 4000, 20));
    let states: Vec<BackendState> = f.backends.iter().map(|b| b.state).collect();
    assert_eq!(
        states,
        [
            BackendState::Up,
            BackendState::GoingDown,
            BackendState::Drain,
            BackendState::GoingUp,
            BackendState::Maint
        ]
    );
    let b = &f.backends[0];
    assert_eq!(
        (
            b.bytes_in,
            b.bytes_out,
            b.sessions_current,
            b.sessions_total
        ),
        (100, 2000, 2, 7)
    );
    assert_eq!(
        (b.checks, b.downtime_ms, b.last_change_ms),
        (9, 250, Some(1_500))
    );
    let c = b.last_check.as_ref().unwrap();
    assert_eq!((c.ok, c.at_ms, c.latency_ms), (true, 1_900, 3.0));
    // No check yet for backend 5.
    assert!(f.backends[4].last_check.is_none() && f.backends[4].checks == 0);
    let events: Vec<(u64, EventKind)> = s.events.iter().map(|e| (e.at_ms, e.kind)).collect();
    assert_eq!(
        events,
        [
            (1_200, EventKind::Vip),
            (1_500, EventKind::Backend),
            (1_800, EventKind::Operator)
        ]
    );
    assert_eq!(s.events[1].subject, "api/10.0.0.1:4");
    assert_eq!(s.events[1].message, "up -> down: TCP refused");
}

#[test]
fn only_the_last_events_are_shown() {
    let mut g = gathered();
    g.events = (0..EVENTS_SHOWN as u64 + 20)
        .map(|i| Event {
            at_ms: 10_000 + i,
            kind: EventKind::Operator,
            subject: "x".into(),
            message: i.to_string(),
        })
        .collect();
    let s = build(&g);
    assert_eq!(s.events.len(), EVENTS_SHOWN);
    assert_eq!(s.events[0].message, "20");
    assert_eq!(
        s.events.last().unwrap().message,
        (EVENTS_SHOWN + 19).to_string()
    );
}

#[test]
fn metrics_are_read_back_by_a_prometheus_parser() {
    let g = gathered();
    let snap = snapshot(&g);
    let text = kubegate::admin::metrics::render(&snap);
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let get = |metric: &str, labels: &[(&str, &str)]| {
        let found: Vec<&Value> = scrape
            .samples
            .iter()
            .filter(|s| {
                s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
            })
            .map(|s| &s.value)
            .collect();
        assert_eq!(found.len(), 1, "{metric} {labels:?}\n{text}");
        found[0].clone()
    };
    assert_eq!(
        get("kubegate_vip_state", &[("vip", "api"), ("state", "backup")]),
        Value::Gauge(1.0)
    );
    assert_eq!(
        get("kubegate_vip_state", &[("vip", "api"), ("state", "master")]),
        Value::Gauge(0.0)
    );
    assert_eq!(
        get("kubegate_vip_priority", &[("vip", "api")]),
        Value::Gauge(1.0)
    );
    assert_eq!(
        get("kubegate_vip_transitions_total", &[("vip", "api")]),
        Value::Counter(3.0)
    );
    assert_eq!(
        get(
            "kubegate_frontend_connections_total",
            &[("frontend", "api")]
        ),
        Value::Counter(20.0)
    );
    assert_eq!(
        get("kubegate_backend_up", &[("backend", "10.0.0.1:4")]),
        Value::Gauge(0.0)
    );
    assert_eq!(
        get("kubegate_backend_up", &[("backend", "10.0.0.1:2")]),
        Value::Gauge(1.0)
    );
    // Maintenance hides nothing: backend 5 is down and has no check yet (no histogram).
    assert_eq!(
        get("kubegate_backend_up", &[("backend", "10.0.0.1:5")]),
        Value::Gauge(0.0)
    );
    assert!(!scrape
        .samples
        .iter()
        .any(|s| s.metric == "kubegate_backend_check_duration_seconds"
            && s.labels.get("backend") == Some("10.0.0.1:5")));
    assert_eq!(
        get(
            "kubegate_backend_received_bytes_total",
            &[("backend", "10.0.0.1:1")]
        ),
        Value::Counter(2000.0)
    );
    assert_eq!(
        get(
            "kubegate_backend_downtime_seconds_total",
            &[("backend", "10.0.0.1:1")]
        ),
        Value::Counter(0.25)
    );
    match get(
        "kubegate_backend_check_duration_seconds",
        &[("backend", "10.0.0.1:1")],
    ) {
        Value::Histogram(b) => {
            let counts: Vec<(f64, f64)> = b.iter().map(|h| (h.less_than, h.count)).collect();
            assert_eq!(counts[1], (0.0025, 0.0));
            assert_eq!(counts[2], (0.005, 1.0));
            assert_eq!(counts.last().unwrap().1, 1.0);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        get("kubegate_info", &[("node", "master1")]),
        Value::Gauge(1.0)
    );
}

/// A VIP's VRRP counters: in `/metrics` (read back by a Prometheus parser) as counters per VIP
/// and per drop reason, and in the JSON status; a status without them (an older daemon) still
/// reads.
#[test]
fn vrrp_counters_in_metrics_and_json() {
    let mut g = gathered();
    let reasons = ["ttl", "version", "checksum", "vrid", "auth", "interval"];
    g.vips[0].vrrp = kubegate::admin::snapshot::VrrpStatus {
        adverts_sent: 40,
        adverts_received: 120,
        dropped: reasons
            .iter()
            .enumerate()
            .map(|(i, r)| (r.to_string(), i as u64))
            .collect(),
        address_list_mismatch: 2,
        foreign_adverts: 7,
    };
    let snap = snapshot(&g);
    let text = kubegate::admin::metrics::render(&snap);
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let get = |metric: &str, labels: &[(&str, &str)]| {
        let found: Vec<&Value> = scrape
            .samples
            .iter()
            .filter(|s| {
                s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
            })
            .map(|s| &s.value)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one {metric} {labels:?} in\n{text}"
        );
        found[0].clone()
    };
    let api = [("vip", "api")];
    for (metric, expected) in [
        ("kubegate_vrrp_adverts_sent_total", 40.0),
        ("kubegate_vrrp_adverts_received_total", 120.0),
        ("kubegate_vrrp_address_list_mismatch_total", 2.0),
        ("kubegate_vrrp_foreign_adverts_total", 7.0),
    ] {
        assert_eq!(get(metric, &api), Value::Counter(expected), "{metric}");
    }
    for (i, reason) in reasons.iter().enumerate() {
        assert_eq!(
            get(
                "kubegate_vrrp_dropped_total",
                &[("vip", "api"), ("reason", reason)]
            ),
            Value::Counter(i as f64),
            "dropped for {reason}"
        );
    }

    let json = serde_json::to_value(&snap.status).unwrap();
    let vrrp = &json["vips"][0]["vrrp"];
    assert_eq!(vrrp["adverts_sent"], 40, "{vrrp}");
    assert_eq!(vrrp["dropped"]["checksum"], 2, "{vrrp}");
    assert_eq!(vrrp["foreign_adverts"], 7, "{vrrp}");

    let mut old = json.clone();
    old["vips"][0].as_object_mut().unwrap().remove("vrrp");
    let read: kubegate::admin::snapshot::Status = serde_json::from_value(old).unwrap();
    assert_eq!(read.vips[0].vrrp, Default::default());
}

//! The BGP section of the admin endpoint from fabricated speaker, route and BFD reports (no
//! network): the JSON (`status.bgp`, absent without BGP mode, older JSON still parses), the
//! status page's BGP section, the BGP and BFD families of `/metrics` read back by a
//! Prometheus parser, and the lines of `kubegate status`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kubegate::admin::bgp_build::{bgp_status, BgpSample};
use kubegate::admin::build::snapshot;
use kubegate::admin::gather::Gathered;
use kubegate::admin::snapshot::{BgpRouteStatus, Status};
use kubegate::bfd::{BfdState, BfdStatus, Diagnostic};
use kubegate::bgp::PeerStatus;
use prometheus_parse::{Scrape, Value};

const NOW_MS: u64 = 1_000_000;

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn peer(last: u8, state: bgp::State, since_ms: u64) -> PeerStatus {
    PeerStatus {
        address: IpAddr::V4(Ipv4Addr::new(198, 18, 0, last)),
        state,
        since: Instant::now(),
        since_wall: at(since_ms),
        last_error: None,
        local_address: None,
        routes_announced: 0,
        messages_in: 0,
        messages_out: 0,
        established_count: 0,
        connect_attempts: 0,
    }
}

fn sample() -> BgpSample {
    let mut up = peer(100, bgp::State::Established, NOW_MS - 65_000);
    up.local_address = Some(IpAddr::V4(Ipv4Addr::new(198, 18, 0, 11)));
    up.routes_announced = 1;
    up.messages_in = 30;
    up.messages_out = 32;
    up.established_count = 2;
    up.last_error = Some("hold timer expired".into());
    let mut silent = peer(200, bgp::State::Active, NOW_MS - 5_000);
    silent.last_error =
        Some("no answer to our connection (MD5 mismatch? or the peer is unreachable)".into());
    silent.connect_attempts = 4;
    BgpSample {
        asn: 64512,
        router_id: Some(Ipv4Addr::new(198, 18, 0, 11)),
        sessions: vec![up, silent],
        routes: vec![
            BgpRouteStatus {
                vip: "api".into(),
                prefix: "198.18.10.50/32".into(),
                announced: true,
                reason: None,
            },
            BgpRouteStatus {
                vip: "ingress".into(),
                prefix: "198.18.10.51/32".into(),
                announced: false,
                reason: Some("a tracker fails: frontend ingress: no ready backend".into()),
            },
        ],
        bfd: vec![BfdStatus {
            peer: IpAddr::V4(Ipv4Addr::new(198, 18, 0, 100)),
            local: IpAddr::V4(Ipv4Addr::new(198, 18, 0, 11)),
            multihop: false,
            state: BfdState::Up,
            since: at(NOW_MS - 60_000),
            remote_state: BfdState::Up,
            local_discr: 1,
            remote_discr: 2,
            tx_interval: Some(Duration::from_millis(300)),
            rx_interval: Some(Duration::from_millis(300)),
            remote_multiplier: Some(3),
            detect_time: Some(Duration::from_millis(900)),
            last_diag: Diagnostic::ControlDetectionTimeExpired,
            auth: None,
            packets_in: 500,
            packets_out: 501,
            dropped: 1,
            last_drop: Some("TTL 254, not 255".into()),
            send_errors: 0,
        }],
    }
}

fn status(bgp: Option<BgpSample>) -> Status {
    let g = Gathered {
        now: at(NOW_MS),
        started: at(NOW_MS - 100_000),
        node: Some("node1".into()),
        vips: vec![],
        frontends: vec![],
        checks: vec![],
        health_events: vec![],
        events: vec![],
        bgp,
    };
    snapshot(&g).status
}

#[test]
fn sessions_routes_and_bfd_become_the_json_section() {
    let b = bgp_status(&sample(), at(NOW_MS));
    assert_eq!(
        (b.asn, b.router_id.as_deref()),
        (64512, Some("198.18.0.11"))
    );
    let up = &b.sessions[0];
    assert_eq!(up.peer, "198.18.0.100");
    assert_eq!(up.state, "Established");
    assert_eq!(up.since_ms, NOW_MS - 65_000);
    assert_eq!(up.uptime_s, Some(65));
    assert_eq!(up.local_address.as_deref(), Some("198.18.0.11"));
    assert_eq!(
        (
            up.routes_announced,
            up.messages_in,
            up.messages_out,
            up.flaps
        ),
        (1, 30, 32, 2)
    );
    let silent = &b.sessions[1];
    assert_eq!(silent.state, "Active");
    assert_eq!(silent.uptime_s, None, "no uptime unless Established");
    assert!(silent.last_error.as_deref().unwrap().contains("no answer"));
    assert_eq!(silent.connect_attempts, 4);
    let bfd = &b.bfd[0];
    assert_eq!(
        (bfd.state.as_str(), bfd.remote_state.as_str()),
        ("Up", "Up")
    );
    assert_eq!(bfd.diagnostic, "control detection time expired");
    assert_eq!(
        (bfd.tx_ms, bfd.rx_ms, bfd.detect_ms),
        (Some(300), Some(300), Some(900))
    );
    assert_eq!(
        (bfd.packets_in, bfd.packets_out, bfd.dropped),
        (500, 501, 1)
    );

    let s = status(Some(sample()));
    assert_eq!(s.bgp.as_ref(), Some(&b));
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["bgp"]["sessions"][0]["flaps"], 2);
    assert_eq!(json["bgp"]["routes"][1]["announced"], false);
    assert_eq!(
        json["bgp"]["routes"][1]["reason"],
        "a tracker fails: frontend ingress: no ready backend"
    );
    assert_eq!(json["bgp"]["bfd"][0]["detect_ms"], 900);
    let back: Status = serde_json::from_value(json).unwrap();
    assert_eq!(back, s);
}

#[test]
fn without_bgp_mode_the_section_is_absent_and_older_json_parses() {
    let s = status(None);
    let json = serde_json::to_value(&s).unwrap();
    assert!(json.get("bgp").is_none(), "{json}");
    // What a daemon from before BGP mode answers.
    let back: Status = serde_json::from_value(json).unwrap();
    assert_eq!(back.bgp, None);
    let page = kubegate::admin::page::render(&s);
    assert!(!page.contains("id=\"bgp\""));
    let metrics = kubegate::admin::metrics::render(&snapshot(&Gathered {
        now: at(NOW_MS),
        started: at(NOW_MS),
        node: None,
        vips: vec![],
        frontends: vec![],
        checks: vec![],
        health_events: vec![],
        events: vec![],
        bgp: None,
    }));
    assert!(!metrics.contains("kubegate_bgp_"), "{metrics}");
}

#[test]
fn the_page_shows_sessions_routes_and_bfd() {
    let page = kubegate::admin::page::render(&status(Some(sample())));
    assert!(page.contains("<section id=\"bgp\" data-asn=\"64512\" data-router-id=\"198.18.0.11\">"));
    assert!(page.contains("1 of 2 sessions established · announcing 1 of 2 VIPs"));
    assert!(page.contains(
        "<tr class=\"bgp-session g-good\" data-peer=\"198.18.0.100\" data-state=\"Established\">"
    ));
    assert!(page.contains(
        "<tr class=\"bgp-session g-bad\" data-peer=\"198.18.0.200\" data-state=\"Active\">"
    ));
    assert!(page.contains("no answer to our connection (MD5 mismatch? or the peer is unreachable)"));
    assert!(page
        .contains("<tr class=\"bgp-route g-bad\" data-vip=\"ingress\" data-announced=\"false\">"));
    assert!(page.contains("a tracker fails: frontend ingress: no ready backend"));
    assert!(page.contains(
        "<tr class=\"bfd-session g-good\" data-peer=\"198.18.0.100\" data-state=\"Up\">"
    ));
    assert!(
        !page.contains("<script"),
        "the page works without JavaScript"
    );
}

#[test]
fn bgp_and_bfd_metrics_are_read_back_by_a_prometheus_parser() {
    let g = Gathered {
        now: at(NOW_MS),
        started: at(NOW_MS - 100_000),
        node: Some("node1".into()),
        vips: vec![],
        frontends: vec![],
        checks: vec![],
        health_events: vec![],
        events: vec![],
        bgp: Some(sample()),
    };
    let text = kubegate::admin::metrics::render(&snapshot(&g));
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
    let up = ("peer", "198.18.0.100");
    let silent = ("peer", "198.18.0.200");
    assert_eq!(
        get("kubegate_bgp_session_established", &[up]),
        Value::Gauge(1.0)
    );
    assert_eq!(
        get("kubegate_bgp_session_established", &[silent]),
        Value::Gauge(0.0)
    );
    assert_eq!(
        get("kubegate_bgp_session_state", &[silent, ("state", "Active")]),
        Value::Gauge(1.0)
    );
    assert_eq!(
        get(
            "kubegate_bgp_session_state",
            &[silent, ("state", "Established")]
        ),
        Value::Gauge(0.0)
    );
    assert_eq!(
        get("kubegate_bgp_session_flaps_total", &[up]),
        Value::Counter(2.0)
    );
    assert_eq!(
        get("kubegate_bgp_messages_total", &[up, ("direction", "in")]),
        Value::Counter(30.0)
    );
    assert_eq!(
        get("kubegate_bgp_messages_total", &[up, ("direction", "out")]),
        Value::Counter(32.0)
    );
    assert_eq!(
        get(
            "kubegate_bgp_route_announced",
            &[("vip", "api"), ("prefix", "198.18.10.50/32")]
        ),
        Value::Gauge(1.0)
    );
    assert_eq!(
        get("kubegate_bgp_route_announced", &[("vip", "ingress")]),
        Value::Gauge(0.0)
    );
    assert_eq!(get("kubegate_bfd_session_up", &[up]), Value::Gauge(1.0));
    assert_eq!(
        get("kubegate_bfd_packets_total", &[up, ("direction", "out")]),
        Value::Counter(501.0)
    );
    assert_eq!(
        get("kubegate_bfd_dropped_total", &[up]),
        Value::Counter(1.0)
    );
    for family in [
        "kubegate_bgp_session_established",
        "kubegate_bgp_session_state",
        "kubegate_bgp_session_flaps_total",
        "kubegate_bgp_messages_total",
        "kubegate_bgp_route_announced",
        "kubegate_bfd_session_up",
        "kubegate_bfd_packets_total",
    ] {
        assert!(text.contains(&format!("# HELP {family} ")), "{family}");
        assert!(text.contains(&format!("# TYPE {family} ")), "{family}");
    }
}

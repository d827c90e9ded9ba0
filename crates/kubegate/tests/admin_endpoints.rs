//! Every read endpoint of the admin server against a running `kubegate run`: a frontend on
//! loopback with one live and one dead backend; `/api/v1/status` read back into `Status`,
//! `/metrics` read by a Prometheus text-format parser with its values checked, the page,
//! `/healthz`, `/readyz`, and bad requests that must not hurt the server.

mod admin_support;

use std::time::Duration;

use admin_support::*;
use kubegate::admin::snapshot::BackendState;
use prometheus_parse::{Scrape, Value};

fn scrape(d: &Daemon) -> Scrape {
    let (code, body) = d.get("/metrics");
    assert_eq!(code, 200, "{body}");
    Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).unwrap()
}

/// The value of the one sample of `metric` whose labels include all of `labels`.
fn value(s: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Value {
    let found: Vec<_> = s
        .samples
        .iter()
        .filter(|x| x.metric == metric && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .collect();
    assert_eq!(found.len(), 1, "{metric} {labels:?}: {found:?}");
    found[0].value.clone()
}

#[test]
fn status_metrics_page_and_probes_against_a_running_daemon() {
    let live = name_server("live");
    let dead = dead_backend();
    let d = Daemon::start("endpoints", &[live, dead], true);

    assert_eq!(d.get("/healthz"), (200, "ok\n".to_string()));
    assert_eq!(d.get("/readyz"), (200, "ok\n".to_string()));

    // The dead backend is found down by its check; the live one is up.
    d.wait_status("dead backend down", Duration::from_secs(3), |s| {
        s.frontends[0].backends[1].state == BackendState::Down
    });
    for _ in 0..5 {
        assert_eq!(d.ask(), "live");
    }
    // Per-backend counters are added when each connection ends.
    let s = d.wait_status("5 connections counted", Duration::from_secs(3), |s| {
        s.frontends[0].backends[0].sessions_total == 5
            && s.frontends[0].backends[0].bytes_out == 25
            && s.frontends[0].sessions_current == 0
    });
    let f = &s.frontends[0];
    assert_eq!(f.name, "api");
    assert_eq!(f.bind, d.frontend.to_string());
    assert_eq!(f.balance, "round-robin");
    assert_eq!(f.sessions_total, 5);
    assert_eq!(f.bytes_out, 25, "five answers of 'live\\n'");
    assert_eq!(f.backends[0].address, live.to_string());
    assert_eq!(f.backends[0].state, BackendState::Up);
    let check = f.backends[0].last_check.as_ref().unwrap();
    assert!(check.ok && check.detail.starts_with("TCP"), "{check:?}");
    assert_eq!(f.backends[1].address, dead.to_string());
    let check = f.backends[1].last_check.as_ref().unwrap();
    assert!(!check.ok, "{check:?}");
    assert!(f.backends[1].last_change_ms.is_some());
    assert!(s.node.is_none() && s.vips.is_empty());
    assert!(s.started_ms <= s.now_ms);
    assert!(
        s.events
            .iter()
            .any(|e| e.subject == format!("api/{dead}") && e.message.starts_with("up -> down")),
        "{:?}",
        s.events
    );

    let m = scrape(&d);
    assert_eq!(
        value(
            &m,
            "kubegate_frontend_connections_total",
            &[("frontend", "api")]
        ),
        Value::Counter(5.0)
    );
    assert_eq!(
        value(
            &m,
            "kubegate_frontend_sent_bytes_total",
            &[("frontend", "api")]
        ),
        Value::Counter(25.0)
    );
    assert_eq!(
        value(&m, "kubegate_backend_up", &[("backend", &live.to_string())]),
        Value::Gauge(1.0)
    );
    assert_eq!(
        value(&m, "kubegate_backend_up", &[("backend", &dead.to_string())]),
        Value::Gauge(0.0)
    );
    assert_eq!(
        value(
            &m,
            "kubegate_backend_connections_total",
            &[("backend", &live.to_string())]
        ),
        Value::Counter(5.0)
    );
    assert_eq!(
        value(
            &m,
            "kubegate_backend_state",
            &[("backend", &dead.to_string()), ("state", "down")]
        ),
        Value::Gauge(1.0)
    );
    match value(
        &m,
        "kubegate_backend_check_duration_seconds",
        &[("backend", &dead.to_string())],
    ) {
        Value::Histogram(buckets) => {
            let inf = buckets.last().unwrap();
            assert!(
                inf.less_than.is_infinite() && inf.count >= 1.0,
                "{buckets:?}"
            );
            assert!(buckets.windows(2).all(|w| w[0].count <= w[1].count));
        }
        other => panic!("not a histogram: {other:?}"),
    }
    assert!(m.docs.contains_key("kubegate_vip_state"));

    let (code, page) = d.get("/");
    assert_eq!(code, 200);
    assert!(
        page.contains("<html") && page.contains(&live.to_string()),
        "{page}"
    );

    assert_eq!(d.get("/nothing").0, 404);
    assert_eq!(d.post("/metrics", None).0, 405);
    assert_eq!(d.get("/api/v1/frontends/api/backends/x/drain").0, 405);
    assert_eq!(d.stop(), Ok(()));
}

#[test]
fn bad_requests_are_refused_and_the_server_keeps_serving() {
    let live = name_server("live");
    let d = Daemon::start("badreq", &[live], false);
    assert_eq!(raw(d.admin, b"NONSENSE\r\n\r\n").unwrap().0, 400);
    assert_eq!(raw(d.admin, b"GET / SPDY/3\r\n\r\n").unwrap().0, 505);
    assert_eq!(raw(d.admin, b"GET /%zz HTTP/1.1\r\n\r\n").unwrap().0, 400);
    let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', 10_000));
    assert_eq!(raw(d.admin, &big).unwrap().0, 431);
    assert_eq!(
        raw(
            d.admin,
            b"POST /x HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n"
        )
        .unwrap()
        .0,
        413
    );
    // Binary garbage, then a client that sends half a head and goes away.
    let mut garbage = vec![0xff; 300];
    garbage.extend_from_slice(b"\r\n\r\n");
    assert_eq!(raw(d.admin, &garbage).unwrap().0, 400);
    {
        use std::io::Write;
        let mut c = std::net::TcpStream::connect(d.admin).unwrap();
        c.write_all(b"GET /api/v1/st").unwrap();
    }
    assert_eq!(d.get("/healthz"), (200, "ok\n".to_string()));
    assert_eq!(d.status().frontends.len(), 1);
    assert_eq!(d.stop(), Ok(()));
}

//! BGP mode on the admin endpoint of the real daemon (two nodes in network namespaces, real
//! FRR with bfdd as the router; each node's admin endpoint on 127.0.0.1:9099 of its own
//! namespace): node1's JSON, status page and `/metrics` show its session with FRR
//! Established, its VIP announced and BFD Up; once its backend fails the route is withdrawn
//! and the reason names the failing tracker. node2's only peer is an address where no router
//! answers: its session never comes up and says why in words.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use kubegate::admin::snapshot::{BgpStatus, Status};
use kubegate_lab::cluster::SERVICE_PORT;
use kubegate_lab::netns::enter_named;
use kubegate_lab::routers::frr::{FrrOptions, FrrRouter};
use kubegate_lab::routers::{Neighbor, RouterConfig};
use kubegate_lab::{self as lab, Cluster};

const ROUTER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);
/// On the segment, but nobody has it.
const NO_ROUTER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 200);
const NODE1: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 11);
const VIP_PREFIX: &str = "198.18.10.50/32";
/// Each node's admin endpoint, in its own namespace.
const ADMIN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9099);

fn yaml() -> String {
    format!(
        "nodes:
  - {{ name: node1, address: {NODE1} }}
  - {{ name: node2, address: 198.18.0.12 }}
bgp:
  asn: 64512
  peers:
    - {{ address: {ROUTER}, asn: 64500, hold_time: 3s, bfd: true, nodes: [node1] }}
    - {{ address: {NO_ROUTER}, asn: 64500, nodes: [node2] }}
vips:
  - name: api
    address: {VIP_PREFIX}
    bgp: {{}}
    track:
      - frontend: api
frontends:
  - name: api
    bind: 198.18.10.50:6443
    backends: [127.0.0.1:{SERVICE_PORT}]
    check: {{ tcp: true, interval: 200ms, timeout: 200ms, rise: 1, fall: 2 }}
"
    )
}

/// `GET path` on the node's own admin endpoint, from inside its namespace.
fn get_in(c: &Cluster, node: &str, path: &str) -> String {
    try_get_in(c, node, path).unwrap_or_else(|e| panic!("GET {path} on {node}: {e}"))
}

fn try_get_in(c: &Cluster, node: &str, path: &str) -> Result<String, String> {
    let ns = c.segment.netns(node).expect("the node's namespace").name();
    let response = enter_named(ns, || -> std::io::Result<String> {
        let mut s = TcpStream::connect_timeout(&ADMIN, Duration::from_secs(1))?;
        s.set_read_timeout(Some(Duration::from_secs(3)))?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )?;
        let mut response = String::new();
        s.read_to_string(&mut response)?;
        Ok(response)
    })
    .map_err(|e| format!("entering {ns}: {e}"))?
    .map_err(|e| e.to_string())?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("not an HTTP response: {response:?}"))?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!("answered {head:?}"));
    }
    Ok(body.to_string())
}

/// The node's `status.bgp` once `pred` holds (polled; at most `within`; the endpoint may
/// not listen yet when the daemon has just started).
fn wait_bgp(
    c: &Cluster,
    node: &str,
    what: &str,
    within: Duration,
    pred: impl Fn(&BgpStatus) -> bool,
) -> BgpStatus {
    let until = Instant::now() + within;
    loop {
        let last = match try_get_in(c, node, "/api/v1/status") {
            Ok(json) => {
                let status: Status = serde_json::from_str(&json).expect("the status parses");
                let bgp = status.bgp.unwrap_or_else(|| {
                    panic!("{node} runs BGP mode, so its status has a bgp section")
                });
                if pred(&bgp) {
                    return bgp;
                }
                format!("{bgp:#?}")
            }
            Err(e) => format!("GET /api/v1/status: {e}"),
        };
        assert!(
            Instant::now() < until,
            "waited {within:?} on {node} for {what}; last: {last}\n{}",
            c.logs()
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// The value of the one sample of `/metrics` whose line starts with `series` (name and
/// labels as rendered).
fn metric(text: &str, series: &str) -> f64 {
    let values: Vec<f64> = text
        .lines()
        .filter_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .collect();
    assert_eq!(values.len(), 1, "one sample {series} in\n{text}");
    values[0]
}

#[test]
fn sessions_routes_and_bfd_on_the_json_page_and_metrics() {
    let _turn = lab::serial();
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut cluster = Cluster::new(binary, 2, &yaml()).expect("the lab cluster");
    let router_ns = cluster
        .segment
        .netns("client")
        .expect("the client namespace");
    let router = FrrRouter::start(
        router_ns,
        RouterConfig::new(
            64500,
            ROUTER,
            vec![Neighbor {
                address: IpAddr::V4(NODE1),
                asn: 64512,
                password: None,
            }],
        ),
        &FrrOptions {
            bfd: true,
            networks: Vec::new(),
        },
    )
    .unwrap_or_else(|e| panic!("FRR as the router: {e}"));
    // bgpd has read its neighbours once it has asked bfdd for their sessions.
    let until = Instant::now() + Duration::from_secs(5);
    while !router
        .bfd_peers()
        .is_ok_and(|peers| peers.iter().any(|(a, _)| *a == IpAddr::V4(NODE1)))
    {
        assert!(
            Instant::now() < until,
            "FRR should configure its BFD peer within 5 s"
        );
        thread::sleep(Duration::from_millis(50));
    }
    cluster.start_all().expect("the daemons start");
    let peer = ROUTER.to_string();

    // node1: Established, announced, BFD Up — in the JSON …
    let bgp = wait_bgp(
        &cluster,
        "node1",
        "the session Established, the route announced and BFD Up",
        Duration::from_secs(15),
        |b| {
            b.sessions
                .iter()
                .any(|s| s.peer == peer && s.state == "Established" && s.routes_announced == 1)
                && b.routes.iter().all(|r| r.announced)
                && b.bfd.iter().any(|s| s.peer == peer && s.state == "Up")
        },
    );
    assert_eq!(bgp.asn, 64512);
    assert_eq!(bgp.router_id.as_deref(), Some("198.18.0.11"));
    assert_eq!(bgp.sessions.len(), 1, "node1 talks to the router only");
    let session = &bgp.sessions[0];
    assert_eq!(session.local_address.as_deref(), Some("198.18.0.11"));
    assert!(
        session.uptime_s.is_some() && session.flaps >= 1,
        "{session:?}"
    );
    assert!(
        session.messages_in > 0 && session.messages_out > 0,
        "{session:?}"
    );
    assert_eq!(bgp.routes.len(), 1);
    assert_eq!(bgp.routes[0].vip, "api");
    assert_eq!(bgp.routes[0].prefix, VIP_PREFIX);
    assert_eq!(bgp.routes[0].reason, None);
    let bfd = &bgp.bfd[0];
    assert!(bfd.detect_ms.is_some() && bfd.packets_in > 0, "{bfd:?}");

    // … on the page …
    let page = get_in(&cluster, "node1", "/");
    assert!(
        page.contains("<section id=\"bgp\" data-asn=\"64512\""),
        "{page}"
    );
    assert!(
        page.contains(&format!("data-peer=\"{peer}\" data-state=\"Established\"")),
        "{page}"
    );
    assert!(
        page.contains("data-vip=\"api\" data-announced=\"true\""),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "<tr class=\"bfd-session g-good\" data-peer=\"{peer}\" data-state=\"Up\">"
        )),
        "{page}"
    );
    // … and in /metrics.
    let text = get_in(&cluster, "node1", "/metrics");
    let on_peer = |name: &str| format!("{name}{{peer=\"{peer}\"}}");
    assert_eq!(
        metric(&text, &on_peer("kubegate_bgp_session_established")),
        1.0
    );
    assert_eq!(metric(&text, &on_peer("kubegate_bfd_session_up")), 1.0);
    let route = format!("kubegate_bgp_route_announced{{vip=\"api\",prefix=\"{VIP_PREFIX}\"}}");
    assert_eq!(metric(&text, &route), 1.0);
    assert!(
        metric(
            &text,
            &format!("kubegate_bgp_messages_total{{peer=\"{peer}\",direction=\"out\"}}")
        ) > 0.0
    );

    // node1's backend fails: the route is withdrawn and says which tracker fails.
    cluster
        .refuse_service("node1", true)
        .expect("the service refuses");
    let bgp = wait_bgp(
        &cluster,
        "node1",
        "the route withdrawn",
        Duration::from_secs(3),
        |b| b.routes.iter().all(|r| !r.announced),
    );
    assert_eq!(
        bgp.routes[0].reason.as_deref(),
        Some("a tracker fails: frontend api: no ready backend")
    );
    assert_eq!(bgp.sessions[0].state, "Established", "the session stays up");
    let page = get_in(&cluster, "node1", "/");
    assert!(
        page.contains("data-vip=\"api\" data-announced=\"false\""),
        "{page}"
    );
    assert!(
        page.contains("a tracker fails: frontend api: no ready backend"),
        "{page}"
    );
    let text = get_in(&cluster, "node1", "/metrics");
    assert_eq!(metric(&text, &route), 0.0);
    cluster
        .refuse_service("node1", false)
        .expect("the service takes connections again");

    // node2: its peer never answers; the session is not Established and says why.
    let no_router = NO_ROUTER.to_string();
    let bgp = wait_bgp(
        &cluster,
        "node2",
        "a last error on the session with the absent router",
        Duration::from_secs(15),
        |b| {
            b.sessions
                .iter()
                .any(|s| s.peer == no_router && s.last_error.is_some())
        },
    );
    let session = &bgp.sessions[0];
    assert_ne!(session.state, "Established");
    assert_eq!(session.uptime_s, None);
    let error = session.last_error.clone().unwrap_or_default();
    println!("node2's last error: {error}");
    assert!(
        ["no answer", "unreachable", "refused", "cannot connect"]
            .iter()
            .any(|w| error.contains(w)),
        "a readable error: {error:?}"
    );
    let page = get_in(&cluster, "node2", "/");
    assert!(
        page.contains(&format!("data-peer=\"{no_router}\"")) && page.contains(&escape_html(&error)),
        "{page}"
    );
    let text = get_in(&cluster, "node2", "/metrics");
    assert_eq!(
        metric(
            &text,
            &format!("kubegate_bgp_session_established{{peer=\"{no_router}\"}}")
        ),
        0.0
    );
    drop(router);
}

fn escape_html(text: &str) -> String {
    kubegate::admin::page::escape(text)
}

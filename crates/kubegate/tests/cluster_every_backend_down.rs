//! The VIP never leaves the whole cluster (a live three-node lab, the real binary): every
//! backend of every node fails, so every node's `frontend:` tracker fails; with the default
//! (step-aside) weight no node goes to FAULT, exactly one node — the best of the unhealthy —
//! keeps the VIP, and a client connecting to it is refused at once (TCP RST) instead of
//! waiting for its own timeout. When one backend returns, service resumes within
//! rise × interval of the checks (+ a stated margin). With `preempt: false` the same holds,
//! and a node whose own checks fail still gives the VIP to a healthy one (the step-aside
//! floor), which keeps it when the first recovers.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use kubegate::admin::snapshot::VipState;
use kubegate_lab::{self as lab, Cluster};

mod cluster_support;

const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);
const FRONTEND: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(VIP), 8443);
const BACKEND_PORT: u16 = 7071;
/// The frontend's checks: every 100 ms, `rise: 2`.
const CHECK_INTERVAL: Duration = Duration::from_millis(100);
const RISE: u32 = 2;
/// On top of rise × interval: one check's timeout (100 ms), the balancer spreading its checks
/// over an interval, and two cores shared with other work.
const RESUME_MARGIN: Duration = Duration::from_millis(400);
const NODES: [&str; 3] = ["node1", "node2", "node3"];

fn yaml() -> String {
    yaml_with("")
}

/// The lab's file with more `vrrp:` settings (`, preempt: false`).
fn yaml_with(vrrp_extra: &str) -> String {
    format!(
        "nodes:
  - {{ name: node1, address: 198.18.0.11 }}
  - {{ name: node2, address: 198.18.0.12 }}
  - {{ name: node3, address: 198.18.0.13 }}
vips:
  - name: api
    address: 198.18.0.50/24
    vrrp: {{ vrid: 51, advert_interval: 100ms{vrrp_extra} }}
    track:
      - frontend: api
frontends:
  - name: api
    bind: {FRONTEND}
    backends: [198.18.0.11:{BACKEND_PORT}, 198.18.0.12:{BACKEND_PORT}, 198.18.0.13:{BACKEND_PORT}]
    check: {{ tcp: true, interval: {}ms, timeout: 100ms, rise: {RISE}, fall: 1 }}
",
        CHECK_INTERVAL.as_millis()
    )
}

/// A backend in a node's namespace that answers every connection with its node's name.
/// Dropping it closes the listening socket: connections to it are refused from then on.
struct Backend {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Backend {
    fn start(c: &Cluster, node: &'static str, ip: Ipv4Addr) -> Backend {
        let addr = SocketAddr::from((ip, BACKEND_PORT));
        let listener = c
            .segment
            .netns(node)
            .unwrap()
            .enter(move || TcpListener::bind(addr))
            .unwrap()
            .unwrap_or_else(|e| panic!("{node}: listening on {addr}: {e}"));
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut s, _)) => {
                        let _ = s.write_all(format!("{node}\n").as_bytes());
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => return,
                }
            }
        });
        Backend {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What one client connection to the frontend got, and how long it took.
#[derive(Debug)]
enum Answer {
    /// A backend's name.
    Served(String),
    /// Connection refused, or reset before any byte (the balancer's RST).
    Refused,
    /// Anything else (timeout, clean close without data): what happened, shown by the
    /// failure messages (through `Debug`, which the dead-code lint does not count).
    #[allow(dead_code)]
    Other(String),
}

fn connect_once(c: &Cluster) -> (Answer, Duration) {
    c.segment
        .netns("client")
        .unwrap()
        .enter(|| {
            let started = Instant::now();
            let answer = match TcpStream::connect_timeout(&FRONTEND, Duration::from_secs(2)) {
                // The RST can come before connect() returns.
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset
                    ) =>
                {
                    Answer::Refused
                }
                Err(e) => Answer::Other(format!("connect: {e}")),
                Ok(mut s) => {
                    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                    let mut text = String::new();
                    match s.read_to_string(&mut text) {
                        Err(e) if e.kind() == ErrorKind::ConnectionReset => Answer::Refused,
                        Err(e) => Answer::Other(format!("read: {e}")),
                        Ok(_) if text.is_empty() => Answer::Other("closed without data".into()),
                        Ok(_) => Answer::Served(text.trim().to_string()),
                    }
                }
            };
            (answer, started.elapsed())
        })
        .unwrap()
}

/// The node addresses, in `NODES` order.
const IPS: [Ipv4Addr; 3] = [
    Ipv4Addr::new(198, 18, 0, 11),
    Ipv4Addr::new(198, 18, 0, 12),
    Ipv4Addr::new(198, 18, 0, 13),
];

/// A three-node lab running `yaml` with a backend on every node, node1 holding the VIP.
fn started(yaml: &str) -> (Cluster, Vec<Backend>) {
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 3, yaml).expect("building the lab");
    let backends = NODES
        .iter()
        .zip(IPS)
        .map(|(n, ip)| Backend::start(&c, n, ip))
        .collect();
    c.start_all().unwrap();
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    (c, backends)
}

/// Five clients in a row are each refused (RST) within 50 ms.
fn refused_at_once(c: &Cluster) {
    for attempt in 0..5 {
        let (answer, took) = connect_once(c);
        assert!(
            matches!(answer, Answer::Refused) && took < Duration::from_millis(50),
            "attempt {attempt}: expected a refusal (RST) within 50 ms, got {answer:?} after {took:?}"
        );
    }
}

#[test]
fn every_backend_down_one_node_keeps_the_vip_and_refuses_at_once() {
    let _turn = lab::serial();
    let (c, backends) = started(&yaml());
    let (answer, _) = connect_once(&c);
    assert!(
        matches!(answer, Answer::Served(_)),
        "expected a backend's name through the VIP before the outage, got {answer:?}"
    );

    // Every backend of every node stops.
    drop(backends);
    // Every node sees it (the frontend tracker failed: priority 150/100/50 − 102, clamped
    // to 1), and none goes to FAULT: node1 stays master at 48, the others back up at 1.
    cluster_support::wait_statuses(
        &c,
        &NODES,
        "every node's frontend tracker failed, node1 master at 48, the others backup at 1",
        Duration::from_secs(5),
        |all| {
            let v: Vec<_> = all.iter().map(|s| &s.vips[0]).collect();
            v.iter().map(|v| v.priority).collect::<Vec<_>>() == [48, 1, 1]
                && v[0].state == VipState::Master
                && v[1..].iter().all(|v| v.state == VipState::Backup)
        },
    );
    // Exactly one node holds the VIP, and keeps it (sampled over a second: more than three
    // advert intervals, so a backup that meant to take over would have).
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        assert_eq!(
            c.holders(VIP).unwrap(),
            vec!["node1"],
            "expected node1 alone to hold the VIP while every backend is down"
        );
        thread::sleep(Duration::from_millis(50));
    }
    // A client is refused at once, every time.
    refused_at_once(&c);

    // One backend returns, on node2 (not the holder): node1's balancer checks it too.
    let _back = Backend::start(&c, "node2", IPS[1]);
    let returned = Instant::now();
    let bound = CHECK_INTERVAL * RISE + RESUME_MARGIN;
    let served = loop {
        let (answer, _) = connect_once(&c);
        if let Answer::Served(name) = answer {
            break name;
        }
        assert!(
            returned.elapsed() < bound,
            "expected service to resume within {bound:?} of a backend returning (rise {RISE} × \
             {CHECK_INTERVAL:?} + {RESUME_MARGIN:?}); last answer {answer:?}"
        );
        thread::sleep(Duration::from_millis(10));
    };
    let took = returned.elapsed();
    assert_eq!(served, "node2", "expected the one backend that returned");
    eprintln!("service resumed {took:?} after the backend returned (bound {bound:?})");
    // Healthy again everywhere: node1 keeps the VIP at its configured 150.
    cluster_support::wait_statuses(
        &c,
        &NODES,
        "every node back at its configured priority",
        Duration::from_secs(3),
        |all| all.iter().map(|s| s.vips[0].priority).collect::<Vec<_>>() == [150, 100, 50],
    );
    assert_eq!(c.holders(VIP).unwrap(), vec!["node1"]);
}

/// Rejects (TCP RST) every connection `node` opens to a backend port: its checks fail while
/// the other nodes' pass. The rule goes with the namespace.
fn cut_off_backends(c: &Cluster, node: &str, cut: bool) {
    let script = if cut {
        format!(
            "add table inet kg_test; \
             add chain inet kg_test out {{ type filter hook output priority 0; }}; \
             add rule inet kg_test out tcp dport {BACKEND_PORT} reject with tcp reset"
        )
    } else {
        "delete table inet kg_test".to_string()
    };
    let out = c
        .segment
        .netns(node)
        .unwrap()
        .run("nft", &[&script])
        .unwrap_or_else(|e| panic!("{node}: nft {script:?}: {e} (needs the nftables package)"));
    assert!(out.trim().is_empty(), "nft said: {out}");
}

/// Asserts that `node` alone holds the VIP for the whole of `span`.
fn holds_alone(c: &Cluster, node: &str, span: Duration, why: &str) {
    let until = Instant::now() + span;
    while Instant::now() < until {
        assert_eq!(c.holders(VIP).unwrap(), vec![node], "{why}");
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn nopreempt_a_node_without_backends_gives_way_and_nobody_takes_the_vip_back() {
    let _turn = lab::serial();
    let (c, backends) = started(&yaml_with(", preempt: false"));

    // node1 alone loses its backends: it steps aside (150 − 102 = 48, below the floor 50)
    // and node2, the best healthy node, takes the VIP although preempt is off.
    cut_off_backends(&c, "node1", true);
    c.wait_single_holder(VIP, Some("node2"), Duration::from_secs(3))
        .expect("node2 should take the VIP from node1 without a ready backend");
    let (answer, _) = connect_once(&c);
    assert!(
        matches!(answer, Answer::Served(_)),
        "expected a backend's name through node2, got {answer:?}"
    );

    // node1's backends return: it outranks node2 again, but nopreempt keeps the VIP on node2.
    cut_off_backends(&c, "node1", false);
    cluster_support::wait_statuses(
        &c,
        &NODES,
        "node1 back at its configured 150",
        Duration::from_secs(3),
        |all| all[0].vips[0].priority == 150,
    );
    holds_alone(
        &c,
        "node2",
        Duration::from_secs(1),
        "nopreempt: node2 keeps the VIP when node1 recovers",
    );

    // Every backend down: every node below the floor, so nobody takes over from node2,
    // which refuses clients at once.
    drop(backends);
    cluster_support::wait_statuses(
        &c,
        &NODES,
        "every node's frontend tracker failed (150/100/50 − 102, clamped to 1)",
        Duration::from_secs(5),
        |all| all.iter().map(|s| s.vips[0].priority).collect::<Vec<_>>() == [48, 1, 1],
    );
    holds_alone(
        &c,
        "node2",
        Duration::from_secs(1),
        "expected node2 to keep the VIP while every backend is down",
    );
    refused_at_once(&c);
}

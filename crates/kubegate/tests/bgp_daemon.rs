//! BGP mode of the daemon (the real binary, three nodes, real FRR with bfdd as the router and
//! the client behind it): every node whose trackers pass announces the VIP's /32 with its
//! communities, the router holds one path per node and spreads connections across them
//! (ECMP); a node whose backends fail withdraws within the check's fall time + 1 s and
//! announces again when they return; SIGTERM withdraws before the process exits and no
//! client connection fails; a lost link is noticed by BFD (300 ms × 3) within a second, and
//! SIGKILL at once (the kernel closes the session).

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use kubegate_lab::cluster::SERVICE_PORT;
use kubegate_lab::netns::enter_named;
use kubegate_lab::routers::frr::{FrrOptions, FrrRouter};
use kubegate_lab::routers::{kernel_next_hops, BgpRouter, Neighbor, RouterConfig};
use kubegate_lab::{self as lab, Cluster, Netns};

const ROUTER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);
const NODES: [(&str, Ipv4Addr); 3] = [
    ("node1", Ipv4Addr::new(198, 18, 0, 11)),
    ("node2", Ipv4Addr::new(198, 18, 0, 12)),
    ("node3", Ipv4Addr::new(198, 18, 0, 13)),
];
const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 10, 50);
const VIP_PREFIX: &str = "198.18.10.50/32";
const FRONTEND: SocketAddr = SocketAddr::new(IpAddr::V4(VIP), 6443);
/// The frontend's checks: every 200 ms, 200 ms timeout, `fall: 2`.
const CHECK_INTERVAL: Duration = Duration::from_millis(200);
const FALL: u32 = 2;
/// BFD: 300 ms × 3 (the default), so a silent node is down after 900 ms.
const BFD_BOUND: Duration = Duration::from_secs(1);
/// How often the router's kernel table is read while a withdrawal is timed.
const POLL: Duration = Duration::from_millis(20);

fn yaml() -> String {
    yaml_with_peer("")
}

/// The lab's file with more settings for the peer (`, password_file: …`).
fn yaml_with_peer(peer_extra: &str) -> String {
    format!(
        "nodes:
  - {{ name: node1, address: 198.18.0.11 }}
  - {{ name: node2, address: 198.18.0.12 }}
  - {{ name: node3, address: 198.18.0.13 }}
bgp:
  asn: 64512
  peers:
    - {{ address: {ROUTER}, asn: 64500, hold_time: 3s, bfd: true{peer_extra} }}
vips:
  - name: api
    address: {VIP}/32
    bgp: {{ communities: [\"64512:100\"], large_communities: [\"64512:1:1\"] }}
    track:
      - frontend: api
frontends:
  - name: api
    bind: {FRONTEND}
    backends: [127.0.0.1:{SERVICE_PORT}]
    check: {{ tcp: true, interval: {}ms, timeout: 200ms, rise: 1, fall: {FALL} }}
",
        CHECK_INTERVAL.as_millis()
    )
}

/// FRR as the router in the client's namespace, a neighbour per node (AS 64512) with the
/// TCP-MD5 password `password_of` gives it; bfdd when `bfd`.
fn start_router(
    cluster: &Cluster,
    bfd: bool,
    password_of: impl Fn(&str) -> Option<String>,
) -> FrrRouter {
    let neighbors = NODES
        .iter()
        .map(|&(name, a)| Neighbor {
            address: IpAddr::V4(a),
            asn: 64512,
            password: password_of(name),
        })
        .collect();
    FrrRouter::start(
        rns(cluster),
        RouterConfig::new(64500, ROUTER, neighbors),
        &FrrOptions {
            bfd,
            networks: Vec::new(),
        },
    )
    .unwrap_or_else(|e| panic!("FRR as the router: {e}"))
}

/// The router's (and the client's) namespace.
fn rns(cluster: &Cluster) -> &Netns {
    cluster
        .segment
        .netns("client")
        .expect("the client namespace")
}

fn node_address(name: &str) -> IpAddr {
    IpAddr::V4(NODES.iter().find(|(n, _)| *n == name).expect("a node").1)
}

/// The next hops the router's kernel has for the VIP, sorted.
fn kernel_hops(router_ns: &Netns) -> Vec<IpAddr> {
    let mut hops = kernel_next_hops(router_ns, VIP_PREFIX).unwrap_or_default();
    hops.sort();
    hops
}

/// Waits until the router's kernel routes the VIP to exactly `nodes`; how long it took.
fn wait_hops(router_ns: &Netns, nodes: &[&str], within: Duration) -> Duration {
    let mut want: Vec<IpAddr> = nodes.iter().map(|n| node_address(n)).collect();
    want.sort();
    let started = Instant::now();
    loop {
        let hops = kernel_hops(router_ns);
        if hops == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "the router should route {VIP_PREFIX} to {want:?} within {within:?}; it has {hops:?}"
        );
        thread::sleep(POLL);
    }
}

/// One connection from the client (the router's namespace, by name) to the VIP: the name of
/// the node whose backend answered.
fn ask(router_ns: &str) -> Result<String, String> {
    enter_named(router_ns, || {
        let mut s = TcpStream::connect_timeout(&FRONTEND, Duration::from_secs(1))
            .map_err(|e| format!("connect: {e}"))?;
        s.set_read_timeout(Some(Duration::from_secs(1)))
            .map_err(|e| e.to_string())?;
        let mut name = String::new();
        s.read_to_string(&mut name)
            .map_err(|e| format!("read: {e}"))?;
        Ok(name.trim().to_string())
    })
    .map_err(|e| e.to_string())?
}

/// A client connecting every 20 ms until stopped; counts answers and failures.
struct Client {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
    failures: Arc<std::sync::Mutex<Vec<String>>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Client {
    fn start(router_ns: String) -> Client {
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (s, a, f) = (stop.clone(), answered.clone(), failures.clone());
        let thread = thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match ask(&router_ns) {
                    Ok(_) => {
                        a.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => f.lock().unwrap().push(e),
                }
                thread::sleep(Duration::from_millis(20));
            }
        });
        Client {
            stop,
            answered,
            failures,
            thread: Some(thread),
        }
    }

    /// Stops it; (answered, failures).
    fn finish(mut self) -> (usize, Vec<String>) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let failures = self.failures.lock().unwrap().clone();
        (self.answered.load(Ordering::SeqCst), failures)
    }
}

#[test]
fn every_healthy_node_announces_the_vip_and_withdraws_it_by_cause() {
    let _turn = lab::serial();
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut cluster = Cluster::new(binary, 3, &yaml()).expect("the lab cluster");
    let router_ns = rns(&cluster);
    let router_name = router_ns.name().to_string();
    // The router spreads its own connections by port too (the default hashes addresses).
    router_ns
        .sysctl("net.ipv4.fib_multipath_hash_policy", "1")
        .expect("sysctl");
    let router = start_router(&cluster, true, |_| None);
    cluster.start_all().expect("the daemons start");
    let router_ns = rns(&cluster);

    // Every node announces: three paths with the communities, ECMP in the kernel.
    let all = ["node1", "node2", "node3"];
    wait_hops(router_ns, &all, Duration::from_secs(15));
    let paths = router.paths(VIP_PREFIX).expect("FRR's paths");
    assert_eq!(paths.len(), 3, "one path per node: {paths:?}");
    for p in &paths {
        assert_eq!(p.communities, vec![(64512, 100)], "{p:?}");
        assert_eq!(p.large_communities, vec![(64512, 1, 1)], "{p:?}");
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..60 {
        let name = ask(&router_name).unwrap_or_else(|e| panic!("a connection failed: {e}"));
        *seen.entry(name).or_default() += 1;
    }
    assert_eq!(
        seen.len(),
        3,
        "60 connections should reach every node: {seen:?}"
    );

    // Backend loss on node2: withdrawn within the check's fall time + 1 s; back when it
    // returns.
    cluster
        .refuse_service("node2", true)
        .expect("the service refuses");
    let fall_time = CHECK_INTERVAL * FALL;
    let took = wait_hops(
        router_ns,
        &["node1", "node3"],
        fall_time + Duration::from_secs(1),
    );
    println!(
        "backend loss: withdrawn after {took:?} (bound {:?})",
        fall_time + Duration::from_secs(1)
    );
    cluster
        .refuse_service("node2", false)
        .expect("the service takes connections again");
    wait_hops(router_ns, &all, Duration::from_secs(3));

    // SIGTERM node3: the route leaves before the process does, and no connection fails.
    let client = Client::start(router_name.clone());
    thread::sleep(Duration::from_millis(500));
    let pid = cluster.daemon_pid("node3").expect("node3 runs");
    let sent = Instant::now();
    cluster.signal("node3", "TERM").expect("SIGTERM");
    let took = wait_hops(rns(&cluster), &["node1", "node2"], Duration::from_secs(3));
    assert!(
        Path::new(&format!("/proc/{pid}")).exists(),
        "node3 should still run when its route is gone ({took:?} after SIGTERM)"
    );
    let code = cluster
        .wait_exit("node3", Duration::from_secs(40))
        .expect("node3 exits");
    println!(
        "SIGTERM: withdrawn after {took:?}, exited after {:?}",
        sent.elapsed()
    );
    assert_eq!(code, Some(0), "a stop is a clean exit");
    thread::sleep(Duration::from_millis(500));
    let (answered, failures) = client.finish();
    assert!(answered > 20, "the client kept connecting: {answered}");
    assert!(
        failures.is_empty(),
        "no connection may fail across a SIGTERM: {failures:?}\n{}",
        cluster.logs()
    );

    // node1's link lost: the kernel cannot close the session, so BFD (300 ms × 3) is what
    // tells FRR, which drops the path within a second (the hold time is 3 s).
    cluster
        .segment
        .cut_carrier("node1")
        .expect("cut node1's link");
    let took = wait_hops(rns(&cluster), &["node2"], BFD_BOUND + POLL);
    println!("link loss with BFD: withdrawn after {took:?}");
    cluster
        .segment
        .restore_carrier("node1")
        .expect("restore node1's link");
    wait_hops(rns(&cluster), &["node1", "node2"], Duration::from_secs(10));

    // SIGKILL node2: its kernel closes the session, FRR drops the path at once.
    cluster.signal("node2", "KILL").expect("SIGKILL");
    let took = wait_hops(rns(&cluster), &["node1"], BFD_BOUND + POLL);
    println!("SIGKILL: withdrawn after {took:?}");
    drop(router);
}

/// Runs `kubegate ARGS --config FILE` in `node`'s namespace (the operator's commands).
fn operator(cluster: &Cluster, node: &str, args: &[&str]) -> String {
    let out = cluster
        .command_in(node)
        .expect("the node's namespace")
        .args(args)
        .arg("--config")
        .arg(cluster.config_path())
        .output()
        .expect("kubegate runs");
    assert!(
        out.status.success(),
        "kubegate {args:?} on {node}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_handover_withdraws_one_node_and_a_wrong_tcp_md5_key_is_told_in_the_log() {
    let _turn = lab::serial();
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    // The nodes read one key file; the router expects it from node1 and node2 only.
    let mut cluster = Cluster::new(binary, 3, &yaml()).expect("the lab cluster");
    let key = cluster.dir().join("leaf.key");
    std::fs::write(&key, "s3cret-leaf\n").expect("key file");
    let token = cluster.dir().join("admin.token");
    std::fs::write(&token, "an-operator-token-long-enough-for-the-lab\n").expect("token file");
    for f in [&key, &token] {
        std::fs::set_permissions(f, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .expect("chmod 600");
    }
    std::fs::write(
        cluster.config_path(),
        format!(
            "{}admin: {{ token_file: {} }}\n",
            yaml_with_peer(&format!(", password_file: {}", key.display())),
            token.display()
        ),
    )
    .expect("the config with the key");
    let router = start_router(&cluster, false, |name| {
        Some(
            if name == "node3" {
                "another-key"
            } else {
                "s3cret-leaf"
            }
            .into(),
        )
    });
    cluster.start_all().expect("the daemons start");
    wait_hops(rns(&cluster), &["node1", "node2"], Duration::from_secs(15));

    // node3's segments carry a signature the router does not accept: it never peers, and
    // its log says what that looks like.
    let started = Instant::now();
    let said = loop {
        let logs = cluster.logs();
        if let Some(line) = logs
            .lines()
            .find(|l| l.contains("node3") && l.contains("MD5 mismatch"))
        {
            break line.to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "node3's log should say why its session does not come up:\n{logs}"
        );
        thread::sleep(Duration::from_millis(200));
    };
    println!("node3 says: {said}");
    assert_eq!(
        router.established().expect("FRR's sessions").len(),
        2,
        "only the nodes with the right key peer"
    );
    let repeats = cluster
        .logs()
        .lines()
        .filter(|l| l.contains("node3") && l.contains("MD5 mismatch"))
        .count();
    assert_eq!(
        repeats, 1,
        "a retry failing the same way is not logged again"
    );

    // The operator hands the VIP over on node1: its route goes, node2's stays; released, it
    // comes back.
    let said = operator(&cluster, "node1", &["handover", "api"]);
    assert!(said.contains("withdrew its route"), "{said}");
    wait_hops(rns(&cluster), &["node2"], Duration::from_secs(1));
    let said = operator(&cluster, "node1", &["handover", "--release", "api"]);
    assert!(said.contains("announces it again"), "{said}");
    wait_hops(rns(&cluster), &["node1", "node2"], Duration::from_secs(1));
    drop(router);
}

/// Waits until FRR holds `n` paths for `prefix`, every one with `community`.
fn wait_paths_with(router: &FrrRouter, prefix: &str, n: usize, community: Option<(u16, u16)>) {
    let started = Instant::now();
    loop {
        let paths = router.paths(prefix).unwrap_or_default();
        let ok = paths.len() == n
            && community.is_none_or(|c| paths.iter().all(|p| p.communities == vec![c]));
        if ok {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "FRR should hold {n} paths for {prefix} with {community:?}: {paths:?}"
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// Sends SIGHUP to every daemon and waits until each has logged one more reload.
fn reload_all(cluster: &mut Cluster, yaml: &str) {
    let before = cluster.logs().matches("reloaded ").count();
    std::fs::write(cluster.config_path(), yaml).expect("the new file");
    for (node, _) in NODES {
        cluster.signal(node, "HUP").expect("SIGHUP");
    }
    let started = Instant::now();
    while cluster.logs().matches("reloaded ").count() < before + NODES.len() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "every node should reload:\n{}",
            cluster.logs()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

fn lo_has(cluster: &Cluster, node: &str, address: &str) -> bool {
    cluster
        .segment
        .netns(node)
        .expect("node")
        .ip(&["-o", "addr", "show", "dev", "lo"])
        .expect("ip addr")
        .contains(&format!(" {address}/"))
}

#[test]
fn a_reload_applies_bgp_changes_without_dropping_the_sessions() {
    let _turn = lab::serial();
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut cluster = Cluster::new(binary, 3, &yaml()).expect("the lab cluster");
    let router = start_router(&cluster, true, |_| None);
    cluster.start_all().expect("the daemons start");
    wait_paths_with(&router, VIP_PREFIX, 3, Some((64512, 100)));

    // New communities for api, and a second VIP.
    let second = "  - name: ingress
    address: 198.18.10.60/32
    bgp: {}
    track:
      - frontend: api
";
    let more = yaml()
        .replace("64512:100", "64512:200")
        .replace("frontends:\n", &format!("{second}frontends:\n"));
    reload_all(&mut cluster, &more);
    wait_paths_with(&router, VIP_PREFIX, 3, Some((64512, 200)));
    wait_paths_with(&router, "198.18.10.60/32", 3, None);
    assert!(
        lo_has(&cluster, "node1", "198.18.10.60"),
        "the new VIP is local"
    );

    // The second VIP removed again: withdrawn everywhere, off lo.
    reload_all(&mut cluster, &more.replace(second, ""));
    wait_paths_with(&router, "198.18.10.60/32", 0, None);
    assert!(
        !lo_has(&cluster, "node1", "198.18.10.60"),
        "the removed VIP is not local"
    );
    wait_paths_with(&router, VIP_PREFIX, 3, Some((64512, 200)));
    let logs = cluster.logs();
    assert!(
        !logs.contains("Established -> "),
        "no session went down across the reloads:\n{logs}"
    );

    // A new hold time is sent in OPEN: the sessions start again and the routes come back.
    reload_all(
        &mut cluster,
        &more
            .replace(second, "")
            .replace("hold_time: 3s", "hold_time: 6s"),
    );
    let started = Instant::now();
    while cluster
        .logs()
        .matches("session state OpenConfirm -> Established")
        .count()
        < 6
    {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "each node's session should start again:\n{}",
            cluster.logs()
        );
        thread::sleep(Duration::from_millis(100));
    }
    wait_paths_with(&router, VIP_PREFIX, 3, Some((64512, 200)));
}

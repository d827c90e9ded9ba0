//! `kubegate doctor` in BGP mode, run in a lab node's network namespace against real routers
//! on the segment: FRR 8.4 `bgpd` on the client's address (AS 64500) and BIRD 2 on a host that
//! is none of the nodes (AS 64512, internal). Peers that answer are reported with their AS
//! and router id (exit 0); a wrong AS in the file fails with Bad Peer AS; a port nobody
//! listens on fails as refused; a port whose SYNs are dropped, and a TCP-MD5 key the router
//! does not hold, fail as no answer; a router with the node's own router id fails; and doctor
//! while the daemon runs is told of the collision by the router without breaking the daemon's
//! session.

use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kubegate_lab::routers::bird::BirdRouter;
use kubegate_lab::routers::frr::{FrrOptions, FrrRouter};
use kubegate_lab::routers::{wait_until, BgpRouter, Neighbor, RouterConfig};
use kubegate_lab::{self as lab, Cluster, Netns};
use serde_json::Value;

const FRR: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);
/// BIRD runs in node3's namespace; node3 is none of the file's nodes.
const BIRD: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 13);
const NODE1: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 11);
const NODE2: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 12);
const CLUSTER_AS: u32 = 64512;
const FRR_AS: u32 = 64500;
/// FRR's TCP-MD5 key for node2 (RFC 2385).
const NODE2_KEY: &str = "right-key";
/// A port on FRR's address whose SYNs are dropped by a filter in its namespace.
const SILENT_PORT: u16 = 2179;
/// A port on FRR's address nobody listens on.
const CLOSED_PORT: u16 = 1179;
/// Each doctor run: a connect and an answer of at most 3 s each, plus the other checks.
const DOCTOR_BOUND: Duration = Duration::from_secs(12);

/// The lab: FRR in the client's namespace, two nodes of the file, BIRD on node3.
struct Lab {
    frr: FrrRouter,
    bird: Option<BirdRouter>,
    cluster: Cluster,
}

fn frr_neighbors() -> Vec<Neighbor> {
    vec![
        Neighbor {
            address: IpAddr::V4(NODE1),
            asn: CLUSTER_AS,
            password: None,
        },
        Neighbor {
            address: IpAddr::V4(NODE2),
            asn: CLUSTER_AS,
            password: Some(NODE2_KEY.into()),
        },
    ]
}

/// BIRD in AS 64512 (internal to the nodes) with `router_id`, node1 its neighbour.
fn start_bird(cluster: &Cluster, router_id: Ipv4Addr) -> BirdRouter {
    let ns = cluster.segment.netns("node3").expect("node3's namespace");
    let config = RouterConfig::new(
        CLUSTER_AS,
        router_id,
        vec![Neighbor {
            address: IpAddr::V4(NODE1),
            asn: CLUSTER_AS,
            password: None,
        }],
    );
    BirdRouter::start(ns, config).unwrap_or_else(|e| panic!("BIRD as a router: {e}"))
}

impl Lab {
    fn new(daemon_yaml: &str) -> Lab {
        let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
        let cluster = Cluster::new(binary, 3, daemon_yaml)
            .unwrap_or_else(|e| panic!("the lab needs root and FRR/BIRD: {e}"));
        let client = client(&cluster);
        let frr = FrrRouter::start(
            client,
            RouterConfig::new(FRR_AS, FRR, frr_neighbors()),
            &FrrOptions::default(),
        )
        .unwrap_or_else(|e| panic!("FRR as a router: {e}"));
        drop_syns(client, SILENT_PORT);
        let bird = Some(start_bird(&cluster, BIRD));
        Lab { frr, bird, cluster }
    }

    /// Writes `yaml` as a cluster file of its own; its path.
    fn file(&self, name: &str, yaml: &str) -> PathBuf {
        let path = self.cluster.dir().join(name);
        std::fs::write(&path, yaml).expect("write the file");
        path
    }

    /// `kubegate doctor --json` in `node`'s namespace: exit success and the BGP findings.
    fn doctor(&self, node: &str, config: &Path) -> (bool, Vec<Value>) {
        let started = Instant::now();
        let out = self
            .cluster
            .command_in(node)
            .expect("the node's namespace")
            .args(["doctor", "--json", "--config"])
            .arg(config)
            .output()
            .expect("run kubegate doctor");
        assert!(
            started.elapsed() < DOCTOR_BOUND,
            "doctor took {:?}",
            started.elapsed()
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "doctor --json is JSON ({e}): {text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let bgp = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["subject"].as_str().is_some_and(|s| s.starts_with("bgp")))
            .cloned()
            .collect::<Vec<Value>>();
        println!(
            "doctor on {node} with {} ({:?}, exit {}):",
            config.display(),
            started.elapsed(),
            out.status
        );
        for f in &bgp {
            println!("  {} {}: {}", f["severity"], f["subject"], f["found"]);
        }
        (out.status.success(), bgp)
    }
}

fn client(cluster: &Cluster) -> &Netns {
    cluster
        .segment
        .netns("client")
        .expect("the client namespace")
}

/// Drops TCP SYNs to `port` in `ns`: a router that never answers on it.
fn drop_syns(ns: &Netns, port: u16) {
    let script = format!(
        "add table inet kgdoctor\n\
         add chain inet kgdoctor input {{ type filter hook input priority 0; }}\n\
         add rule inet kgdoctor input tcp dport {port} drop\n"
    );
    ns.nft(&script).expect("nft drops the SYNs");
}

/// A cluster file with node1 and node2 and these `bgp.peers` lines.
fn yaml(peers: &str) -> String {
    format!(
        "nodes:
  - {{ name: node1, address: {NODE1} }}
  - {{ name: node2, address: {NODE2} }}
bgp:
  asn: {CLUSTER_AS}
  peers:
{peers}vips:
  - name: api
    address: 198.18.10.50/32
    bgp: {{}}
"
    )
}

fn frr_peer(extra: &str) -> String {
    format!("    - {{ address: {FRR}, asn: {FRR_AS}{extra} }}\n")
}

/// The one finding about `subject`.
fn finding<'a>(findings: &'a [Value], subject: &str) -> Vec<&'a Value> {
    findings
        .iter()
        .filter(|f| f["subject"] == subject)
        .collect()
}

fn severities(found: &[&Value]) -> Vec<String> {
    found
        .iter()
        .map(|f| f["severity"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Asserts a `fail` finding about `subject` whose text holds every piece of `words`.
fn assert_fails(ok: bool, findings: &[Value], subject: &str, words: &[&str]) {
    assert!(!ok, "doctor should exit non-zero: {findings:#?}");
    let about = finding(findings, subject);
    let hit = about.iter().any(|f| {
        f["severity"] == "fail"
            && words
                .iter()
                .all(|w| f["found"].as_str().unwrap_or("").contains(w))
    });
    assert!(
        hit,
        "a failure about {subject} saying {words:?}: {findings:#?}"
    );
}

#[test]
fn doctor_reports_each_peer_and_what_is_wrong_with_it() {
    let _turn = lab::serial();
    let mut lab = Lab::new(&yaml(&frr_peer("")));
    let frr_subject = format!("bgp peer {FRR}:179");
    let bird_subject = format!("bgp peer {BIRD}:179");

    // Both routers answer: their AS and router id reported, the router ids listed.
    let good = lab.file(
        "good.yaml",
        &yaml(&format!(
            "{}    - {{ address: {BIRD}, asn: {CLUSTER_AS}, nodes: [node1] }}\n",
            frr_peer("")
        )),
    );
    let (ok, found) = lab.doctor("node1", &good);
    assert!(ok, "all good exits 0: {found:#?}");
    let frr = finding(&found, &frr_subject);
    assert_eq!(severities(&frr), ["ok"], "{found:#?}");
    let text = frr[0]["found"].as_str().unwrap();
    assert!(
        text.contains(&format!("AS {FRR_AS}, router id {FRR}")) && text.contains("4-octet AS"),
        "{text}"
    );
    let bird = finding(&found, &bird_subject);
    assert_eq!(severities(&bird), ["ok"], "{found:#?}");
    assert!(
        bird[0]["found"]
            .as_str()
            .unwrap()
            .contains(&format!("AS {CLUSTER_AS}, router id {BIRD}")),
        "{bird:?}"
    );
    let ids = finding(&found, &format!("bgp router ids in AS {CLUSTER_AS}"));
    assert_eq!(
        ids[0]["found"],
        format!("unique: node1 {NODE1}, node2 {NODE2}"),
        "{found:#?}"
    );

    // The file has another AS for FRR than FRR's own: Bad Peer AS.
    let wrong_as = lab.file(
        "wrong-as.yaml",
        &yaml(&format!("    - {{ address: {FRR}, asn: 64999 }}\n")),
    );
    let (ok, found) = lab.doctor("node1", &wrong_as);
    assert_fails(ok, &found, &frr_subject, &["is in AS 64500", "Bad Peer AS"]);

    // Nobody listens on the port: refused.
    let closed = lab.file(
        "closed.yaml",
        &yaml(&frr_peer(&format!(", port: {CLOSED_PORT}"))),
    );
    let (ok, found) = lab.doctor("node1", &closed);
    assert_fails(
        ok,
        &found,
        &format!("bgp peer {FRR}:{CLOSED_PORT}"),
        &["refused", "nothing listens on 1179"],
    );

    // SYNs dropped on the way: no answer within 3 s.
    let silent = lab.file(
        "silent.yaml",
        &yaml(&frr_peer(&format!(", port: {SILENT_PORT}"))),
    );
    let (ok, found) = lab.doctor("node1", &silent);
    assert_fails(
        ok,
        &found,
        &format!("bgp peer {FRR}:{SILENT_PORT}"),
        &["no answer from", "within 3s", "TCP-MD5"],
    );

    // node2 with FRR's key comes through; with another key FRR drops every segment.
    let key_file = |name: &str, key: &str| {
        let path = lab.cluster.dir().join(name);
        std::fs::write(&path, key).expect("write the key");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        path
    };
    let right = key_file("right.key", NODE2_KEY);
    let wrong = key_file("wrong.key", "wrong-key");
    let with_key = |key: &Path| {
        yaml(&frr_peer(&format!(
            ", password_file: {}",
            key.to_string_lossy()
        )))
    };
    let file = lab.file("md5-right.yaml", &with_key(&right));
    let (ok, found) = lab.doctor("node2", &file);
    assert!(ok, "the right key: {found:#?}");
    assert_eq!(severities(&finding(&found, &frr_subject)), ["ok"]);
    let file = lab.file("md5-wrong.yaml", &with_key(&wrong));
    let (ok, found) = lab.doctor("node2", &file);
    assert_fails(ok, &found, &frr_subject, &["no answer from", "TCP-MD5"]);

    // A router with node1's own router id (internal session): refused, RFC 6286 §2.2.
    lab.bird = None;
    lab.bird = Some(start_bird(&lab.cluster, NODE1));
    let same_id = lab.file(
        "same-id.yaml",
        &yaml(&format!(
            "    - {{ address: {BIRD}, asn: {CLUSTER_AS}, nodes: [node1] }}\n"
        )),
    );
    let (ok, found) = lab.doctor("node1", &same_id);
    assert_fails(
        ok,
        &found,
        &bird_subject,
        &[&format!("router id {NODE1}"), "same as this node's"],
    );
    drop(lab);
}

/// FRR's count of sessions with `neighbor` that were dropped.
fn drops(frr: &FrrRouter, neighbor: Ipv4Addr) -> u64 {
    let out = frr
        .vtysh(&format!("show bgp neighbors {neighbor} json"))
        .expect("vtysh");
    let v: Value = serde_json::from_str(&out).expect("FRR's JSON");
    v[neighbor.to_string()]["connectionsDropped"]
        .as_u64()
        .unwrap_or_else(|| panic!("connectionsDropped in {out}"))
}

/// BIRD's line for its only neighbour in `show protocols` (name, state, since, info): it
/// changes when the session is reset.
fn bird_session(bird: &BirdRouter) -> String {
    let out = bird.birdc("show protocols").expect("birdc");
    out.lines()
        .find(|l| l.split_whitespace().next() == Some("n1"))
        .unwrap_or_else(|| panic!("n1 in {out}"))
        .to_string()
}

#[test]
fn doctor_while_the_daemon_runs_leaves_its_sessions_up() {
    let _turn = lab::serial();
    let daemon_yaml = yaml(&format!(
        "{}    - {{ address: {BIRD}, asn: {CLUSTER_AS}, nodes: [node1] }}\n",
        frr_peer("")
    ));
    let mut lab = Lab::new(&daemon_yaml);
    lab.cluster.start("node1").expect("node1's daemon starts");
    let bird = lab.bird.take().expect("BIRD runs");
    let node1 = IpAddr::V4(NODE1);
    wait_until(
        Duration::from_secs(15),
        "node1's sessions with FRR and BIRD",
        || {
            Ok(
                (lab.frr.established()?.contains(&node1) && bird.established()?.contains(&node1))
                    .then_some(()),
            )
        },
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", lab.cluster.logs()));
    let dropped = drops(&lab.frr, NODE1);
    let bird_before = bird_session(&bird);

    let config = lab.cluster.config_path().to_path_buf();
    let (ok, found) = lab.doctor("node1", &config);
    assert!(ok, "a collision with our own session is fine: {found:#?}");
    for subject in [
        format!("bgp peer {FRR}:179"),
        format!("bgp peer {BIRD}:179"),
    ] {
        let about = finding(&found, &subject);
        assert_eq!(severities(&about), ["ok"], "{found:#?}");
        assert!(
            about[0]["found"]
                .as_str()
                .unwrap()
                .contains("the router already has a session with this node (kubegate runs)"),
            "{about:?}"
        );
    }
    // The daemon's sessions are still the ones they were: Established, never dropped.
    assert!(
        lab.frr.established().unwrap().contains(&node1),
        "FRR should still have node1's session: {}",
        lab.frr.last_error(node1).unwrap_or_default()
    );
    assert_eq!(
        drops(&lab.frr, NODE1),
        dropped,
        "doctor must not reset the daemon's session with FRR: {}",
        lab.frr.last_error(node1).unwrap_or_default()
    );
    let bird_after = bird_session(&bird);
    assert!(
        bird_after.contains("Established") && bird_after == bird_before,
        "doctor must not reset the daemon's session with BIRD: before {bird_before:?}, after {bird_after:?}"
    );
    drop(bird);
}

//! One view of every node, in a three-node lab (network namespaces, the real binary, each
//! node's admin endpoint on 0.0.0.0:9099 with the shared token): `kubegate status --cluster`
//! flags a node whose file changed and was reloaded (on the very next ask), a stopped node as
//! unreachable, and two holders of the VIP after a partition; the status page shows the same;
//! `kubegate backend drain --cluster` drains on every node, so after a handover the new holder
//! keeps the backend drained; a node that is down fails the cluster action, named, exit 1.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use kubegate::admin::cluster::{ClusterView, DriftKind};
use kubegate::admin::snapshot::BackendState;
use kubegate_lab::{self as lab, Cluster};

const VIP: std::net::Ipv4Addr = std::net::Ipv4Addr::new(198, 18, 0, 50);
const BACKEND: &str = "198.18.0.11:8080";

/// Files removed on drop (also on failure).
struct TempFiles(Vec<PathBuf>);

impl Drop for TempFiles {
    fn drop(&mut self) {
        for f in &self.0 {
            let _ = std::fs::remove_file(f);
        }
    }
}

fn yaml(token: &Path) -> String {
    format!(
        "nodes:
  - {{ name: node1, address: 198.18.0.11 }}
  - {{ name: node2, address: 198.18.0.12 }}
  - {{ name: node3, address: 198.18.0.13 }}
vips:
  - name: api
    address: 198.18.0.50/24
    vrrp:
      vrid: 51
      advert_interval: 100ms
frontends:
  - name: api
    bind: 198.18.0.50:8443
    backends: [198.18.0.11:8080, 198.18.0.12:8080, 198.18.0.13:8080]
    check: {{ tcp: true, interval: 100ms, timeout: 100ms, rise: 1, fall: 1 }}
admin:
  bind: 0.0.0.0:9099
  token_file: {}
",
        token.display()
    )
}

fn lab(name: &str) -> (Cluster, TempFiles) {
    let token = std::env::temp_dir().join(format!("kg-{name}-token-{}", std::process::id()));
    std::fs::write(&token, "lab-token\n").unwrap();
    // Readable by its owner only, or kubegate refuses it.
    std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let files = TempFiles(vec![token.clone()]);
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let c = Cluster::new(binary, 3, &yaml(&token)).expect("building the lab");
    (c, files)
}

/// `kubegate ARGS --config FILE` in `node`'s namespace.
fn kubegate(c: &Cluster, node: &str, args: &[&str], config: &Path) -> Output {
    c.command_in(node)
        .unwrap()
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap()
}

/// `kubegate status --cluster --json` asked from `node`: the view and whether it exited 0.
fn view_from(c: &Cluster, node: &str) -> (ClusterView, bool) {
    let out = kubegate(c, node, &["status", "--cluster", "--json"], c.config_path());
    let view = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "status --cluster --json from {node} printed no view ({e}): stdout {:?}, stderr {:?}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (view, out.status.success())
}

fn kinds(v: &ClusterView) -> Vec<(DriftKind, String)> {
    v.drift
        .iter()
        .map(|d| (d.kind, d.subject.clone()))
        .collect()
}

/// Asks from `node` until `pred` holds (at most `timeout`).
fn wait_view(
    c: &Cluster,
    node: &str,
    what: &str,
    timeout: Duration,
    pred: impl Fn(&ClusterView) -> bool,
) -> ClusterView {
    let until = Instant::now() + timeout;
    loop {
        let (v, _) = view_from(c, node);
        if pred(&v) {
            return v;
        }
        assert!(
            Instant::now() < until,
            "waited {timeout:?} from {node} for {what}; last view: {v:#?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The status page of `node`, asked with the token on its own address.
fn page_of(c: &Cluster, node: &str, address: &str) -> String {
    let out = c
        .segment
        .netns(node)
        .unwrap()
        .command("curl")
        .args([
            "-sS",
            "-m",
            "5",
            "-f",
            "-H",
            "Authorization: Bearer lab-token",
            &format!("http://{address}:9099/"),
        ])
        .output()
        .expect("this test needs curl to fetch the status page");
    assert!(
        out.status.success(),
        "GET / on {node}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn has(v: &ClusterView, kind: DriftKind, subject: &str) -> bool {
    v.drift_of(kind).any(|d| d.subject == subject)
}

#[test]
fn drift_unreachable_nodes_and_two_holders_are_flagged() {
    let _turn = lab::serial();
    let (mut c, mut files) = lab("cluster-view");
    // node3 runs its own copy of the same file, so that copy can drift.
    let own = c.dir().join("node3.yaml");
    std::fs::copy(c.config_path(), &own).unwrap();
    files.0.push(own.clone());
    c.start("node1").unwrap();
    c.start("node2").unwrap();
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_kubegate"));
    let own_s = own.to_string_lossy().into_owned();
    let run3 = ["run", "--config", own_s.as_str(), "--node", "node3"];
    c.start_program("node3", &binary, &run3).unwrap();
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();

    // Everything agrees: no drift, exit 0, every node with the same fingerprint.
    let v = wait_view(
        &c,
        "node2",
        "three nodes answering with one holder",
        Duration::from_secs(5),
        |v| v.drift.is_empty(),
    );
    let fps: Vec<_> = v.nodes.iter().map(|n| n.fingerprint.clone()).collect();
    assert!(
        fps[0].is_some() && fps.iter().all(|f| *f == fps[0]),
        "expected one fingerprint on every node, got {fps:?}"
    );
    assert!(view_from(&c, "node2").1, "expected exit 0 without drift");
    let table = kubegate(&c, "node2", &["status", "--cluster"], c.config_path());
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("no drift") && text.contains("MASTER 150/150"),
        "expected the table to show node1 holding at 150 and no drift:\n{text}"
    );

    // node3's file changes and is reloaded: the very next ask flags its fingerprint.
    let changed = std::fs::read_to_string(&own)
        .unwrap()
        .replace(", 198.18.0.13:8080]", "]");
    std::fs::write(&own, changed).unwrap();
    let out = kubegate(&c, "node3", &["reload"], &own);
    assert!(
        out.status.success(),
        "reload on node3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (v, ok) = view_from(&c, "node1");
    assert!(!ok, "expected exit 1 with drift");
    assert!(
        has(&v, DriftKind::Fingerprint, "node3"),
        "expected node3's fingerprint flagged right after its reload, got {:?}",
        kinds(&v)
    );
    assert!(
        has(&v, DriftKind::Backends, "api/198.18.0.13:8080"),
        "expected the backend missing on node3 flagged, got {:?}",
        kinds(&v)
    );
    // The status page of node1 shows the same.
    let page = page_of(&c, "node1", "198.18.0.11");
    assert!(
        page.contains("data-kind=\"fingerprint\" data-subject=\"node3\""),
        "expected node1's page to flag node3's fingerprint:\n{page}"
    );

    // node3 stopped: flagged unreachable on the next ask, from the CLI and the page.
    c.signal("node3", "TERM").unwrap();
    c.wait_exit("node3", Duration::from_secs(5)).unwrap();
    let (v, ok) = view_from(&c, "node1");
    assert!(!ok, "expected exit 1 with node3 down");
    assert!(
        has(&v, DriftKind::Unreachable, "node3"),
        "expected node3 flagged unreachable, got {:?}",
        kinds(&v)
    );
    let page = page_of(&c, "node2", "198.18.0.12");
    assert!(
        page.contains("data-node=\"node3\" data-reachable=\"false\""),
        "expected node2's page to show node3 unreachable:\n{page}"
    );

    // node3 back; node1 and node2 cut from each other: both hold the VIP, seen from node3.
    c.start_program("node3", &binary, &run3).unwrap();
    c.segment.partition("node1", "node2").unwrap();
    let v = wait_view(
        &c,
        "node3",
        "two holders of api",
        Duration::from_secs(5),
        |v| has(v, DriftKind::TwoHolders, "api"),
    );
    let d = v.drift_of(DriftKind::TwoHolders).next().unwrap();
    assert!(
        d.message.contains("node1, node2"),
        "expected node1 and node2 named as holders: {}",
        d.message
    );
    c.segment.heal("node1", "node2").unwrap();
    wait_view(
        &c,
        "node3",
        "one holder again after healing",
        Duration::from_secs(5),
        |v| !has(v, DriftKind::TwoHolders, "api"),
    );
}

fn backend_state_on(c: &Cluster, node: &str) -> BackendState {
    let out = kubegate(c, node, &["status", "--json"], c.config_path());
    let s: kubegate::admin::snapshot::Status =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "status on {node}: {e}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    s.frontends[0]
        .backends
        .iter()
        .find(|b| b.address == BACKEND)
        .unwrap_or_else(|| panic!("no backend {BACKEND} on {node}"))
        .state
}

#[test]
fn a_cluster_drain_survives_a_handover_and_failures_are_named() {
    let _turn = lab::serial();
    let (mut c, _files) = lab("cluster-drain");
    c.start_all().unwrap();
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();

    let out = kubegate(
        &c,
        "node2",
        &["backend", "drain", "api", BACKEND, "--cluster"],
        c.config_path(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "expected the cluster drain to succeed on every node: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for node in ["node1", "node2", "node3"] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{node}: ok"))),
            "expected {node} reported ok:\n{text}"
        );
    }

    // The holder hands over: node2 takes the VIP and has the backend drained too.
    let out = kubegate(&c, "node1", &["handover", "api"], c.config_path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    c.wait_single_holder(VIP, Some("node2"), Duration::from_secs(3))
        .unwrap();
    assert_eq!(
        backend_state_on(&c, "node2"),
        BackendState::Drain,
        "expected the new holder node2 to keep {BACKEND} drained"
    );
    let (v, _) = view_from(&c, "node3");
    assert_eq!(
        v.drift_of(DriftKind::Operator).count(),
        0,
        "expected the drain the same on every node, got {:?}",
        kinds(&v)
    );

    // node3 down: `ready --cluster` is carried out on node1 and node2, node3 is named, exit 1.
    c.signal("node3", "TERM").unwrap();
    c.wait_exit("node3", Duration::from_secs(5)).unwrap();
    let out = kubegate(
        &c,
        "node2",
        &["backend", "ready", "api", BACKEND, "--cluster"],
        c.config_path(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected exit 1 when a node failed:\n{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("node3: FAILED: ") && l.contains("198.18.0.13:9099")),
        "expected node3's failure with its address:\n{text}"
    );
    assert!(
        text.contains("1 of 3 node(s) failed"),
        "expected a count of the failures:\n{text}"
    );
    for node in ["node1", "node2"] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{node}: ok"))),
            "expected {node} reported ok:\n{text}"
        );
        assert_ne!(
            backend_state_on(&c, node),
            BackendState::Drain,
            "expected {BACKEND} ready again on {node}"
        );
    }
}

/// A loopback `admin.bind` (the default) cannot be reached by peers: `check` says so, and
/// `status --cluster` names the reason for each node instead of a connection error (on a
/// machine that is none of the nodes nothing is asked at all).
#[test]
fn a_loopback_admin_bind_is_said_plainly() {
    let file = std::env::temp_dir().join(format!("kg-loopback-{}.yaml", std::process::id()));
    let _files = TempFiles(vec![file.clone()]);
    std::fs::write(
        &file,
        "nodes:
  - { name: node1, address: 198.18.0.11 }
  - { name: node2, address: 198.18.0.12 }
vips:
  - { name: api, address: 198.18.0.50/24, vrrp: { vrid: 51 } }
",
    )
    .unwrap();
    let binary = env!("CARGO_BIN_EXE_kubegate");
    let out = std::process::Command::new(binary)
        .args(["check", "--node", "node1", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "check: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("admin.bind 127.0.0.1:9099 is loopback")
            && text.contains("bind 0.0.0.0:9099"),
        "expected check to explain the loopback bind:\n{text}"
    );
    let out = std::process::Command::new(binary)
        .args(["status", "--cluster", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "expected exit 1:\n{text}");
    for node in ["node1", "node2"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(node)
                    && l.contains("admin.bind is 127.0.0.1:9099 (loopback)")),
            "expected {node}'s row to say why it was not asked:\n{text}"
        );
    }
}

//! `kubegate handover api` on the master of a two-node lab (network namespaces, VRRP v3 at
//! 100 ms, each node's admin endpoint on 127.0.0.1:9099 of its own namespace): the other node
//! takes the VIP, the first does not take it back (its status says why), a reload (SIGHUP)
//! keeps the handover, and `kubegate handover --release` ends it so preempt brings the VIP
//! home.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kubegate::admin::snapshot::{EventKind, Status, VipState};
use kubegate_lab::{self as lab, Cluster};

const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);

/// The token file, removed on drop.
struct TokenFile(PathBuf);

impl Drop for TokenFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `GET path` on the node's own admin endpoint (127.0.0.1:9099 in its namespace), with curl.
fn get_in(c: &Cluster, node: &str, path: &str) -> String {
    let out = c
        .segment
        .netns(node)
        .unwrap()
        .command("curl")
        .args([
            "-sS",
            "-m",
            "3",
            "-f",
            &format!("http://127.0.0.1:9099{path}"),
        ])
        .output()
        .expect("this test needs curl to ask the admin endpoint inside the namespace");
    assert!(
        out.status.success(),
        "GET {path} on {node}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Polls the node's status until `pred` holds (at most 3 s).
fn wait_status(c: &Cluster, node: &str, what: &str, pred: impl Fn(&Status) -> bool) -> Status {
    let until = Instant::now() + Duration::from_secs(3);
    loop {
        let s = status_of(c, node);
        if pred(&s) {
            return s;
        }
        assert!(
            Instant::now() < until,
            "waited 3 s on {node} for {what}; last status: {s:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn status_of(c: &Cluster, node: &str) -> Status {
    let out = c
        .command_in(node)
        .unwrap()
        .args(["status", "--json", "--config"])
        .arg(c.config_path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "status on {node}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn handover_gives_the_vip_away_until_released() {
    let _turn = lab::serial();
    let token =
        TokenFile(std::env::temp_dir().join(format!("kg-handover-token-{}", std::process::id())));
    std::fs::write(&token.0, "lab-token\n").unwrap();
    // Readable by its owner only, or kubegate refuses it.
    std::fs::set_permissions(
        &token.0,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let yaml = format!(
        "nodes:
  - {{ name: node1, address: 198.18.0.11 }}
  - {{ name: node2, address: 198.18.0.12 }}
vips:
  - name: api
    address: 198.18.0.50/24
    vrrp:
      vrid: 51
      advert_interval: 100ms
admin:
  token_file: {}
",
        token.0.display()
    );
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 2, &yaml).expect("building the lab");
    c.start_all().expect("starting kubegate on every node");
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    // The VIP threads answer /healthz; /metrics shows who is master.
    assert_eq!(get_in(&c, "node1", "/healthz"), "ok\n");
    assert_eq!(get_in(&c, "node2", "/readyz"), "ok\n");
    let metrics = get_in(&c, "node1", "/metrics");
    assert!(
        metrics.contains("kubegate_vip_state{vip=\"api\",state=\"master\"} 1\n"),
        "{metrics}"
    );

    let out = c
        .command_in("node1")
        .unwrap()
        .args(["handover", "api", "--config"])
        .arg(c.config_path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("handed over"));
    c.wait_single_holder(VIP, Some("node2"), Duration::from_secs(2))
        .unwrap();

    // node1 (priority 150, preempt on) does not take it back.
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        assert_eq!(c.holders(VIP).unwrap(), vec!["node2".to_string()]);
        std::thread::sleep(Duration::from_millis(50));
    }
    let s1 = status_of(&c, "node1");
    let v = &s1.vips[0];
    assert_eq!(v.state, VipState::Backup);
    assert!(v.handed_over);
    assert_eq!((v.priority, v.base_priority), (1, 150));
    assert_eq!(v.master.as_deref(), Some("198.18.0.12"));
    assert!(v.reasons.iter().any(|r| r.contains("handed over")), "{v:?}");
    assert!(
        s1.events
            .iter()
            .any(|e| e.kind == EventKind::Operator && e.subject == "api"),
        "{:?}",
        s1.events
    );
    assert!(
        s1.events.iter().any(|e| e.kind == EventKind::Vip
            && e.message == "master -> backup (handed over by the operator)"),
        "{:?}",
        s1.events
    );
    // The table says it too.
    let out = c
        .command_in("node1")
        .unwrap()
        .args(["status", "--config"])
        .arg(c.config_path())
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    let row = table
        .lines()
        .find(|l| l.starts_with("api "))
        .unwrap_or_else(|| panic!("no VIP row:\n{table}"));
    assert!(
        row.contains(" backup ") && row.contains(" 1/150 ") && row.contains("handed over"),
        "{table}"
    );
    let s2 = status_of(&c, "node2");
    assert_eq!(s2.vips[0].state, VipState::Master);

    // A reload keeps the handover (node1 stays backup at priority 1)...
    c.signal("node1", "HUP").unwrap();
    wait_status(&c, "node1", "the reload's event", |s| {
        s.events.iter().any(|e| e.kind == EventKind::Config)
    });
    let s1 = status_of(&c, "node1");
    assert!(s1.vips[0].handed_over, "{:?}", s1.vips[0]);
    assert_eq!(s1.vips[0].priority, 1);
    assert_eq!(status_of(&c, "node2").vips[0].state, VipState::Master);
    // ...`kubegate handover --release` ends it: preempt returns the VIP.
    let out = c
        .command_in("node1")
        .unwrap()
        .args(["handover", "--release", "api", "--config"])
        .arg(c.config_path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "handover --release: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(3))
        .unwrap();
    let s1 = status_of(&c, "node1");
    assert!(!s1.vips[0].handed_over);
    assert_eq!(s1.vips[0].priority, 150);
}

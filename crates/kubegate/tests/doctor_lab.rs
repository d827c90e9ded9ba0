//! `kubegate doctor` run inside a lab node's network namespace, against fake apiservers with
//! real TLS certificates and real VRRP speakers on the segment: all good exits 0; an apiserver
//! whose certificate lacks the VIP, a keepalived using our VRID for another address, and a port
//! held by another process, and a process without CAP_NET_RAW each fail, naming what is wrong;
//! our own node's daemon is reported as kubegate already running; the frontend's health check
//! passes against ready apiservers; IPv6 as well as IPv4.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::Output;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use kubegate_lab::apiserver::{self, Handle};
use kubegate_lab::keepalived::KeepalivedPeer;
use kubegate_lab::Cluster;

const VIP: &str = "198.18.0.50";
const VRID: u8 = 51;

/// Two nodes of ours behind a VIP; a third host on the segment (node3) is none of them.
fn config() -> String {
    format!(
        "nodes:\n  - {{ name: node1, address: 198.18.0.11 }}\n  - {{ name: node2, address: 198.18.0.12 }}\n\
         vips:\n  - name: api\n    address: {VIP}/24\n    vrrp: {{ vrid: {VRID}, advert_interval: 100ms }}\n\
         frontends:\n  - name: api\n    bind: {VIP}:8443\n    backends: [198.18.0.11:6443, 198.18.0.12:6443]\n    \
         check: {{ https: /readyz }}\n"
    )
}

fn cluster() -> Cluster {
    Cluster::new(Path::new(env!("CARGO_BIN_EXE_kubegate")), 3, &config())
        .unwrap_or_else(|e| panic!("cannot build the lab: {e}"))
}

/// A fake apiserver on `host`'s address, port 6443, inside its namespace, with these SANs.
fn apiserver_on(cluster: &Cluster, host: &str, sans: &[&str]) -> Handle {
    let address = cluster.segment.host(host).unwrap().address;
    let netns = cluster.segment.netns(host).unwrap();
    netns
        .enter(|| {
            apiserver::serve(
                SocketAddr::from((address, 6443)),
                sans,
                Arc::new(AtomicBool::new(true)),
            )
        })
        .unwrap()
        .unwrap_or_else(|e| panic!("fake apiserver on {host}: {e}"))
}

/// Both apiservers, their certificates holding the VIP unless `without_vip` names the host.
fn apiservers(cluster: &Cluster, without_vip: Option<&str>) -> Vec<Handle> {
    ["node1", "node2"]
        .iter()
        .map(|host| {
            let own = cluster.segment.host(host).unwrap().address.to_string();
            let mut sans = vec![own.as_str(), "kubernetes.default.svc"];
            if without_vip != Some(*host) {
                sans.push(VIP);
            }
            apiserver_on(cluster, host, &sans)
        })
        .collect()
}

/// `kubegate doctor` in node1's namespace.
fn doctor(cluster: &Cluster, extra: &[&str]) -> (Output, String) {
    let out = cluster
        .command_in("node1")
        .unwrap()
        .args(["doctor", "--config"])
        .arg(cluster.config_path())
        .args(["--listen", "1500ms"])
        .args(extra)
        .output()
        .expect("run kubegate doctor");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, text)
}

/// The report's line for `subject` at `level` (`ok`, `warn`, `FAIL`), with its advice.
fn line<'a>(report: &'a str, level: &str, subject: &str) -> Option<&'a str> {
    report.lines().find(|l| {
        l.starts_with(&format!("{level} ")) && l[level.len()..].trim_start().starts_with(subject)
    })
}

/// Whether a line for `subject` at `level` contains `needle`.
fn has(report: &str, level: &str, subject: &str, needle: &str) -> bool {
    report.lines().any(|l| {
        l.starts_with(&format!("{level} "))
            && l[level.len()..].trim_start().starts_with(subject)
            && l.contains(needle)
    })
}

/// The report with every run of whitespace made one space (advice is wrapped).
fn flat(report: &str) -> String {
    report.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn fails(report: &str) -> Vec<&str> {
    report.lines().filter(|l| l.starts_with("FAIL")).collect()
}

#[test]
fn all_good_exits_zero() {
    kubegate_lab::require_root().expect(kubegate_lab::NEED_ROOT);
    let _serial = kubegate_lab::serial();
    let cluster = cluster();
    let _apiservers = apiservers(&cluster, None);
    let (out, report) = doctor(&cluster, &[]);
    assert!(out.status.success(), "exit {:?}\n{report}", out.status);
    assert!(fails(&report).is_empty(), "{report}");
    assert!(
        line(&report, "ok", "certificate 198.18.0.11:6443").is_some(),
        "{report}"
    );
    assert!(
        line(&report, "ok", "certificate 198.18.0.12:6443").is_some(),
        "{report}"
    );
    for backend in ["198.18.0.11:6443", "198.18.0.12:6443"] {
        assert!(
            has(
                &report,
                "ok",
                &format!("check api {backend}"),
                "GET /readyz: HTTPS 200 in "
            ),
            "the ready apiserver {backend} passes the frontend's check:\n{report}"
        );
    }
    assert!(
        has(&report, "ok", "vrid 51 on eth0", "no other router"),
        "{report}"
    );
    assert!(
        line(&report, "ok", "port 198.18.0.50:8443").is_some(),
        "{report}"
    );
    assert!(
        has(
            &report,
            "ok",
            "vip api 198.18.0.50",
            "inside the subnet of eth0"
        ),
        "{report}"
    );
    assert!(
        has(&report, "ok", "vip api 198.18.0.50", "interface eth0 is up"),
        "{report}"
    );
    assert!(
        has(
            &report,
            "ok",
            "capabilities",
            "CAP_NET_ADMIN and CAP_NET_RAW"
        ),
        "{report}"
    );
    assert!(report.starts_with("kubegate doctor on node1\n"), "{report}");

    let (out, json) = doctor(&cluster, &["--json"]);
    assert!(out.status.success(), "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON report");
    assert_eq!(v["node"], "node1");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] != "fail"),
        "{json}"
    );
}

#[test]
fn certificate_without_the_vip_fails_naming_it() {
    kubegate_lab::require_root().expect(kubegate_lab::NEED_ROOT);
    let _serial = kubegate_lab::serial();
    let cluster = cluster();
    let _apiservers = apiservers(&cluster, Some("node2"));
    let (out, report) = doctor(&cluster, &[]);
    assert!(
        !out.status.success(),
        "a certificate lacks the VIP: exit non-zero\n{report}"
    );
    assert!(
        line(&report, "ok", "certificate 198.18.0.11:6443").is_some(),
        "{report}"
    );
    let bad =
        line(&report, "FAIL", "certificate 198.18.0.12:6443").unwrap_or_else(|| panic!("{report}"));
    assert!(
        bad.contains(
            "VIP api 198.18.0.50 not among its SANs (198.18.0.12, kubernetes.default.svc)"
        ),
        "{bad}"
    );
    assert!(
        flat(&report).contains("kubeadm init phase certs apiserver"),
        "{report}"
    );
    assert!(flat(&report).contains("--tls-san 198.18.0.50"), "{report}");
    assert_eq!(fails(&report).len(), 1, "only that one: {report}");

    // An apiserver named on the command line that does not answer is a warning, not a failure.
    let (_, report) = doctor(&cluster, &["--apiserver", "198.18.0.13:6443"]);
    let warn =
        line(&report, "warn", "certificate 198.18.0.13:6443").unwrap_or_else(|| panic!("{report}"));
    assert!(warn.contains("cannot read its certificate"), "{warn}");
}

#[test]
fn foreign_router_with_our_vrid_fails_and_our_own_node_is_recognised() {
    kubegate_lab::require_root().expect(kubegate_lab::NEED_ROOT);
    let _serial = kubegate_lab::serial();
    let mut cluster = cluster();
    let _apiservers = apiservers(&cluster, None);
    cluster.start("node2").expect("kubegate on node2");
    // node2's daemon sends unicast adverts to node1: doctor hears it as ours.
    cluster
        .wait_single_holder(VIP.parse().unwrap(), Some("node2"), Duration::from_secs(10))
        .expect("node2 holds the VIP");
    let (out, report) = doctor(&cluster, &[]);
    assert!(out.status.success(), "{report}");
    let own = line(&report, "ok", "vrid 51 on eth0").unwrap_or_else(|| panic!("{report}"));
    assert!(
        own.contains("kubegate already runs on node2 for VIP api 198.18.0.50"),
        "{own}"
    );

    // keepalived on node3 (none of our nodes) with our VRID for another address, multicast.
    let peer = KeepalivedPeer {
        instance: "OTHER".into(),
        version: 3,
        vrid: VRID,
        priority: 100,
        advert_interval: Duration::from_millis(100),
        unicast: None,
        auth_pass: None,
        preempt: true,
        vip: Ipv4Addr::new(198, 18, 0, 60),
        prefix_len: 24,
        interface: "eth0".into(),
    };
    cluster
        .start_keepalived("node3", &peer)
        .expect("keepalived on node3 (scripts/test.sh installs it)");
    cluster
        .wait_single_holder(
            Ipv4Addr::new(198, 18, 0, 60),
            Some("node3"),
            Duration::from_secs(10),
        )
        .expect("keepalived takes its address");
    let (out, report) = doctor(&cluster, &[]);
    assert!(!out.status.success(), "{report}");
    let bad = line(&report, "FAIL", "vrid 51 on eth0").unwrap_or_else(|| panic!("{report}"));
    assert!(
        bad.contains("198.18.0.13, which is none of the nodes, advertises VRID 51 for 198.18.0.60"),
        "{bad}"
    );
    assert!(
        flat(&report).contains("pick another `vrid` for VIP api"),
        "{report}"
    );
    assert_eq!(fails(&report).len(), 1, "{report}");
}

#[test]
fn held_port_fails_naming_port_and_holder() {
    kubegate_lab::require_root().expect(kubegate_lab::NEED_ROOT);
    let _serial = kubegate_lab::serial();
    let cluster = cluster();
    let _apiservers = apiservers(&cluster, None);
    // This test process listens on every address of node1 on the frontend's port.
    let _held = cluster
        .segment
        .netns("node1")
        .unwrap()
        .enter(|| TcpListener::bind("0.0.0.0:8443"))
        .unwrap()
        .expect("hold port 8443 in node1");
    let (out, report) = doctor(&cluster, &[]);
    assert!(!out.status.success(), "{report}");
    let bad = line(&report, "FAIL", "port 198.18.0.50:8443").unwrap_or_else(|| panic!("{report}"));
    assert!(bad.contains("port 8443 is already in use by"), "{bad}");
    assert!(
        bad.contains(&format!("(pid {})", std::process::id())),
        "names this process: {bad}"
    );
    assert_eq!(fails(&report).len(), 1, "{report}");
}

/// The same checks over IPv6: the segment's 2001:2::/64 addresses, a v6 VIP, v6 apiservers.
#[test]
fn ipv6_certificate_without_the_vip_fails_and_our_node_is_heard() {
    kubegate_lab::require_root().expect(kubegate_lab::NEED_ROOT);
    let _serial = kubegate_lab::serial();
    let config = "nodes:\n  - { name: node1, address: 2001:2::b }\n  - { name: node2, address: 2001:2::c }\n\
                  vips:\n  - name: api\n    address: 2001:2::50/64\n    vrrp: { vrid: 61, advert_interval: 100ms }\n\
                  frontends:\n  - name: api\n    bind: '[2001:2::50]:8443'\n    \
                  backends: ['[2001:2::b]:6443', '[2001:2::c]:6443']\n    check: { https: /readyz }\n";
    let mut cluster = Cluster::new(Path::new(env!("CARGO_BIN_EXE_kubegate")), 2, config)
        .unwrap_or_else(|e| panic!("cannot build the lab: {e}"));
    let serve6 = |host: &str, sans: &[&str]| {
        let address = cluster.segment.host(host).unwrap().address6;
        cluster
            .segment
            .netns(host)
            .unwrap()
            .enter(|| {
                apiserver::serve(
                    SocketAddr::from((address, 6443)),
                    sans,
                    Arc::new(AtomicBool::new(true)),
                )
            })
            .unwrap()
            .unwrap_or_else(|e| panic!("fake apiserver on {host}: {e}"))
    };
    let _a = serve6("node1", &["2001:2::b", "2001:2::50"]);
    let _b = serve6("node2", &["2001:2::c"]);
    cluster.start("node2").expect("kubegate on node2");
    // Master, and so sending adverts, once it holds the VIP.
    let until = std::time::Instant::now() + Duration::from_secs(10);
    let node2 = cluster.segment.netns("node2").unwrap();
    while !node2
        .ip(&["-6", "-o", "addr", "show", "dev", "eth0"])
        .unwrap()
        .contains("2001:2::50/")
    {
        assert!(
            std::time::Instant::now() < until,
            "node2 never took the VIP"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (out, report) = doctor(&cluster, &[]);
    assert!(!out.status.success(), "{report}");
    assert!(
        has(
            &report,
            "ok",
            "vip api 2001:2::50",
            "inside the subnet of eth0 (2001:2::b/64)"
        ),
        "{report}"
    );
    assert!(
        has(
            &report,
            "ok",
            "certificate [2001:2::b]:6443",
            "its SANs hold 2001:2::50"
        ),
        "{report}"
    );
    assert!(
        has(
            &report,
            "FAIL",
            "certificate [2001:2::c]:6443",
            "VIP api 2001:2::50 not among its SANs"
        ),
        "{report}"
    );
    assert!(
        has(
            &report,
            "ok",
            "vrid 61 on eth0",
            "kubegate already runs on node2 for VIP api 2001:2::50"
        ),
        "{report}"
    );
    assert_eq!(fails(&report).len(), 1, "{report}");
}

/// Without CAP_NET_RAW (dropped from the bounding set with util-linux's `setpriv`), the
/// capability check fails and the VRID cannot be listened for.
#[test]
fn missing_net_raw_fails_and_says_how_to_grant_it() {
    kubegate_lab::require_root().expect(kubegate_lab::NEED_ROOT);
    let _serial = kubegate_lab::serial();
    let cluster = cluster();
    let _apiservers = apiservers(&cluster, None);
    let out = cluster
        .segment
        .netns("node1")
        .unwrap()
        .command("setpriv")
        .args(["--bounding-set", "-net_raw", env!("CARGO_BIN_EXE_kubegate")])
        .args(["doctor", "--config"])
        .arg(cluster.config_path())
        .output()
        .expect("run setpriv (util-linux)");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        has(&report, "FAIL", "capabilities", "CAP_NET_RAW missing"),
        "{report}"
    );
    assert!(
        flat(&report).contains("AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW"),
        "{report}"
    );
    assert!(
        has(
            &report,
            "warn",
            "vrid 51 on eth0",
            "cannot listen for VRRP adverts"
        ),
        "{report}"
    );
    assert_eq!(fails(&report).len(), 1, "{report}");
}

//! `kubegate import` of keepalived files: the field's setups, one file per node, merged into
//! kubegate nodes and VIPs, and the notes that say what was assumed, left out or wrong.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use kubegate::config::import::draft::{
    DraftNode, DraftTrack, DraftTrackKind, DraftTransport, DraftVip, Note, Origin, Severity,
};
use kubegate::config::import::keepalived::{merge, read, KeepalivedFile, NodeHints};

fn fixture(dir: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/import_fixtures/keepalived")
        .join(dir)
        .join(name);
    std::fs::read_to_string(path).expect("fixture")
}

fn load(dir: &str, names: &[&str]) -> Vec<KeepalivedFile> {
    names.iter().map(|n| read(n, &fixture(dir, n))).collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

fn at(file: &str, line: usize) -> Option<Origin> {
    Some(Origin::new(file, line))
}

fn node(name: &str, address: &str, file: &str, line: usize) -> DraftNode {
    DraftNode {
        name: name.into(),
        address: ip(address),
        origin: at(file, line),
    }
}

fn run(files: &[KeepalivedFile], hints: &NodeHints) -> (Vec<DraftNode>, Vec<DraftVip>, Vec<Note>) {
    let mut notes = Vec::new();
    let (n, v) = merge(files, hints, &mut notes);
    (n, v, notes)
}

fn of(notes: &[Note], severity: Severity) -> Vec<String> {
    notes
        .iter()
        .filter(|n| n.severity == severity)
        .map(|n| n.to_string())
        .collect()
}

/// The one note at `file:line` of this severity; its text must contain `words`.
fn has(notes: &[Note], severity: Severity, file: &str, line: usize, words: &str) {
    let found: Vec<&Note> = notes
        .iter()
        .filter(|n| n.severity == severity && n.origin == at(file, line) && n.text.contains(words))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "no single {severity:?} note at {file}:{line} with {words:?} in\n{notes:#?}"
    );
}

fn given(pairs: &[(&str, &str)]) -> NodeHints {
    NodeHints {
        given: pairs.iter().map(|(n, a)| (n.to_string(), ip(a))).collect(),
        servers: Vec::new(),
    }
}

const MASTERS: [&str; 3] = ["master1.conf", "master2.conf", "master3.conf"];

#[test]
fn three_masters_nopreempt_unicast() {
    let (nodes, vips, notes) = run(
        &load("three-masters-nopreempt", &MASTERS),
        &NodeHints::default(),
    );
    assert_eq!(
        nodes,
        vec![
            node("master1", "10.0.0.51", "master1.conf", 1),
            node("master2", "10.0.0.52", "master2.conf", 1),
            node("master3", "10.0.0.53", "master3.conf", 1),
        ]
    );
    assert_eq!(vips.len(), 1);
    let v = &vips[0];
    assert_eq!(v.name, "VI_1");
    assert_eq!(v.address, "10.0.0.50/24");
    assert_eq!(v.interface.as_deref(), Some("ens32"));
    assert_eq!(v.label, None);
    assert_eq!((v.vrid, v.version), (251, 2));
    assert_eq!(v.advert_interval, Duration::from_secs(1));
    assert_eq!(v.transport, DraftTransport::Unicast);
    assert!(!v.preempt);
    assert_eq!(v.preempt_delay, Duration::ZERO);
    assert_eq!(
        v.priority,
        vec![
            ("master1".into(), 100),
            ("master2".into(), 99),
            ("master3".into(), 98)
        ]
    );
    assert_eq!(v.auth_pass.as_deref(), Some("123456"));
    assert_eq!(
        v.track,
        vec![DraftTrack {
            kind: DraftTrackKind::Script("killall -0 kube-apiserver".into()),
            interval: Some(Duration::from_secs(2)),
            timeout: None,
            rise: None,
            fall: None,
            weight: -20,
            source_name: Some("check_apiserver".into()),
            origin: at("master1.conf", 7),
        }]
    );
    assert_eq!(v.notify, None);
    assert_eq!(v.origin, at("master1.conf", 13));
    assert!(of(&notes, Severity::Error).is_empty(), "{notes:#?}");
    // Every node had nopreempt: no note about it; the `state` lines get one note for the VIP.
    assert!(!notes.iter().any(|n| n.text.contains("nopreempt")));
    has(
        &notes,
        Severity::Assumed,
        "master1.conf",
        14,
        "state MASTER/BACKUP is not needed for VIP VI_1",
    );
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.text.contains("state MASTER/BACKUP"))
            .count(),
        1
    );
    has(
        &notes,
        Severity::Assumed,
        "master2.conf",
        1,
        "no router_id: its node is named master2",
    );
    has(
        &notes,
        Severity::Dropped,
        "master3.conf",
        3,
        "script_user, enable_script_security",
    );
}

#[test]
fn three_masters_preempt_with_a_weight_minus_20_script() {
    let (nodes, vips, notes) = run(
        &load("three-masters-preempt", &MASTERS),
        &NodeHints::default(),
    );
    assert_eq!(
        nodes.iter().map(|n| n.address).collect::<Vec<_>>(),
        [ip("10.0.0.51"), ip("10.0.0.52"), ip("10.0.0.53")]
    );
    let v = &vips[0];
    assert_eq!(
        (v.address.as_str(), v.vrid, v.version),
        ("10.0.0.50", 251, 2)
    );
    assert!(v.preempt);
    assert_eq!(v.transport, DraftTransport::Unicast);
    assert_eq!(v.interface.as_deref(), Some("ens32"));
    assert_eq!(
        v.priority.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
        [100, 99, 98]
    );
    assert_eq!(v.track.len(), 1);
    let t = &v.track[0];
    assert_eq!(
        t.kind,
        DraftTrackKind::Script("killall -0 kube-apiserver".into())
    );
    assert_eq!((t.weight, t.rise, t.fall), (-20, Some(1), Some(2)));
    assert_eq!(t.source_name.as_deref(), Some("check"));
    // The braces of vrrp_script and vrrp_instance open on the line after the keyword.
    assert_eq!(t.origin, at("master1.conf", 8));
    assert_eq!(v.origin, at("master1.conf", 17));
    assert!(of(&notes, Severity::Error).is_empty(), "{notes:#?}");
    has(
        &notes,
        Severity::Assumed,
        "master1.conf",
        19,
        "state MASTER/BACKUP",
    );
}

#[test]
fn crlf_and_tabs_read_the_same() {
    let plain = load("three-masters-nopreempt", &MASTERS);
    let dos_text = |n: &str| {
        let text = fixture("three-masters-nopreempt", n);
        text.replace("    ", "\t")
            .replace(" # ", "\t#\t")
            .replace('\n', "\r\n")
    };
    assert!(dos_text("master1.conf").contains("\r\n\tstate BACKUP\t#\t"));
    let dos: Vec<KeepalivedFile> = MASTERS.iter().map(|n| read(n, &dos_text(n))).collect();
    let (a, b) = (
        run(&plain, &NodeHints::default()),
        run(&dos, &NodeHints::default()),
    );
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    assert_eq!(a.2, b.2);
}

#[test]
fn lb_pair_master_backup_multicast_with_pass() {
    let files = load("lb-pair", &["lb1.conf", "lb2.conf"]);
    let hints = given(&[
        ("proxy-master", "10.10.1.21"),
        ("proxy-backup", "10.10.1.22"),
    ]);
    let (nodes, vips, notes) = run(&files, &hints);
    assert_eq!(
        nodes,
        vec![
            node("proxy-master", "10.10.1.21", "lb1.conf", 9),
            node("proxy-backup", "10.10.1.22", "lb2.conf", 3),
        ]
    );
    let v = &vips[0];
    assert_eq!(
        (v.name.as_str(), v.address.as_str(), v.vrid, v.version),
        ("VI_1", "10.10.1.10/24", 51, 2)
    );
    assert_eq!(v.transport, DraftTransport::Multicast);
    assert_eq!(v.advert_interval, Duration::from_secs(1));
    assert!(v.preempt);
    assert_eq!(v.auth_pass.as_deref(), Some("1111"));
    // ens192 on one node, eth0 on the other: auto finds each node's interface.
    assert_eq!(v.interface, None);
    has(
        &notes,
        Severity::Assumed,
        "lb1.conf",
        18,
        "proxy-master ens192, proxy-backup eth0",
    );
    assert_eq!(
        v.priority,
        vec![("proxy-master".into(), 100), ("proxy-backup".into(), 50)]
    );
    assert_eq!(
        v.track,
        vec![DraftTrack {
            kind: DraftTrackKind::Script("/etc/keepalived/check_haproxy.sh".into()),
            interval: Some(Duration::from_secs(10)),
            timeout: None,
            rise: None,
            fall: None,
            weight: 0,
            source_name: Some("chk_haproxy".into()),
            origin: at("lb1.conf", 12),
        }]
    );
    has(
        &notes,
        Severity::Assumed,
        "lb1.conf",
        18,
        "lb2.conf has no vrrp_script chk_haproxy",
    );
    has(
        &notes,
        Severity::Dropped,
        "lb1.conf",
        3,
        "notification_email, notification_email_from, smtp_server",
    );
    assert!(of(&notes, Severity::Error).is_empty(), "{notes:#?}");

    let (nodes, _, notes) = run(&files, &NodeHints::default());
    assert!(nodes.is_empty());
    assert_eq!(
        of(&notes, Severity::Error),
        [
            "lb1.conf:9: error: node proxy-master has no address: pass --node proxy-master=ADDRESS (its file has no unicast_src_ip, and neither a balancer server nor the other files' unicast_peer lists tell it)",
            "lb2.conf:3: error: node proxy-backup has no address: pass --node proxy-backup=ADDRESS (its file has no unicast_src_ip, and neither a balancer server nor the other files' unicast_peer lists tell it)",
        ]
    );
}

#[test]
fn master_master_two_instances_per_file() {
    let files = load("master-master", &["lb1.conf", "lb2.conf"]);
    let hints = given(&[
        ("proxy-master", "10.10.1.21"),
        ("proxy-backup", "10.10.1.22"),
    ]);
    let (nodes, vips, notes) = run(&files, &hints);
    assert_eq!(nodes.len(), 2);
    assert_eq!(vips.len(), 2);
    let (a, b) = (&vips[0], &vips[1]);
    assert_eq!(
        (a.name.as_str(), a.address.as_str(), a.vrid),
        ("VI_1", "10.10.1.10", 51)
    );
    assert_eq!(
        (b.name.as_str(), b.address.as_str(), b.vrid),
        ("VI_2", "10.10.1.12", 61)
    );
    assert_eq!(
        a.priority,
        vec![("proxy-master".into(), 100), ("proxy-backup".into(), 50)]
    );
    assert_eq!(
        b.priority,
        vec![("proxy-master".into(), 50), ("proxy-backup".into(), 100)]
    );
    for v in &vips {
        assert_eq!(v.interface.as_deref(), Some("eth0"));
        assert_eq!(v.transport, DraftTransport::Multicast);
        assert_eq!(v.auth_pass.as_deref(), Some("1111"));
        assert_eq!(v.track.len(), 1);
        assert_eq!(v.track[0].source_name.as_deref(), Some("chk_haproxy"));
    }
    // Each VIP was tracked only on the node that owns it.
    assert_eq!(a.track[0].origin, at("lb1.conf", 5));
    assert_eq!(b.track[0].origin, at("lb2.conf", 5));
    has(
        &notes,
        Severity::Assumed,
        "lb1.conf",
        10,
        "lb2.conf has no vrrp_script chk_haproxy",
    );
    has(
        &notes,
        Severity::Assumed,
        "lb1.conf",
        28,
        "lb1.conf has no vrrp_script chk_haproxy",
    );
    assert!(of(&notes, Severity::Error).is_empty(), "{notes:#?}");
}

#[test]
fn stacked_masters_weight_11_named_like_the_haproxy_servers() {
    let names = [
        "k8s-master-1.conf",
        "k8s-master-2.conf",
        "k8s-master-3.conf",
    ];
    let hints = NodeHints {
        given: Vec::new(),
        servers: (1..=3)
            .map(|i| (format!("k8s-master-{i}"), ip(&format!("10.16.106.5{i}"))))
            .collect(),
    };
    let (nodes, vips, notes) = run(&load("stacked", &names), &hints);
    assert_eq!(
        nodes,
        vec![
            node("k8s-master-1", "10.16.106.51", "k8s-master-1.conf", 3),
            node("k8s-master-2", "10.16.106.52", "k8s-master-2.conf", 3),
            node("k8s-master-3", "10.16.106.53", "k8s-master-3.conf", 3),
        ]
    );
    has(
        &notes,
        Severity::Assumed,
        "k8s-master-2.conf",
        3,
        "the balancer's server k8s-master-2 has that name",
    );
    let v = &vips[0];
    assert_eq!(
        (v.address.as_str(), v.vrid, v.version),
        ("10.16.106.187", 50, 2)
    );
    assert_eq!(v.transport, DraftTransport::Multicast);
    assert_eq!(v.advert_interval, Duration::from_secs(1));
    assert_eq!(
        v.priority.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
        [100, 90, 80]
    );
    assert_eq!(v.interface.as_deref(), Some("eth0"));
    assert_eq!(
        v.track[0].kind,
        DraftTrackKind::Script(
            "/bin/bash -c 'if [[ $(netstat -nlp | grep 9443) ]]; then exit 0; else exit 1; fi'"
                .into()
        )
    );
    assert_eq!(
        (v.track[0].weight, v.track[0].interval),
        (11, Some(Duration::from_secs(2)))
    );
    assert!(of(&notes, Severity::Error).is_empty(), "{notes:#?}");
}

#[test]
fn the_other_files_peers_tell_a_missing_source_address() {
    let mut files = load("three-masters-nopreempt", &MASTERS);
    let text =
        fixture("three-masters-nopreempt", "master3.conf").replace("unicast_src_ip 10.0.0.53", "");
    files[2] = read("master3.conf", &text);
    let (nodes, _, notes) = run(&files, &NodeHints::default());
    assert_eq!(nodes[2], node("master3", "10.0.0.53", "master3.conf", 1));
    has(&notes, Severity::Assumed, "master3.conf", 1, "node master3 has address 10.0.0.53: the only address every other file lists as unicast_peer");
}

#[test]
fn a_node_flag_that_contradicts_the_file_is_an_error() {
    let files = load("three-masters-nopreempt", &MASTERS);
    let (nodes, _, notes) = run(&files, &given(&[("master2", "10.0.0.99")]));
    assert_eq!(nodes[1].address, ip("10.0.0.52"));
    assert_eq!(
        of(&notes, Severity::Error),
        ["master2.conf:27: error: --node master2=10.0.0.99 but this file says 10.0.0.52; pass the address the node really has"]
    );
}

#[test]
fn errors_name_file_line_and_the_fix() {
    let (nodes, vips, notes) = run(
        &load("errors", &["node-a.conf", "node-b.conf"]),
        &NodeHints::default(),
    );
    assert_eq!(
        nodes,
        vec![node("node-b", "10.16.106.209", "node-b.conf", 2)]
    );
    assert_eq!(
        of(&notes, Severity::Error),
        [
            "node-a.conf:9: error: priority 255 makes keepalived the address owner, which kubegate does not support; use 254 (the highest a non-owner may have)",
            "node-a.conf:11: error: unicast_src_ip \"xxx.16.106.208\" is not an IP address; write the real address (like 10.0.0.51), not a placeholder",
            "node-b.conf:4: error: the block opened here is never closed; add the missing '}'",
            "node-b.conf:12: error: unicast_peer \"xxx.16.106.208\" is not an IP address; write the real address (like 10.0.0.51), not a placeholder",
            "node-a.conf:3: error: node node-a has no address: pass --node node-a=ADDRESS (its file has no unicast_src_ip, and neither a balancer server nor the other files' unicast_peer lists tell it)",
            "node-b.conf:9: error: advert_int is 2 here but 1 at node-a.conf:10; every node of VRID 60 must use the same advert_int: make them equal",
        ]
    );
    // What could be read is still there, for the notes to be fixed against.
    assert_eq!(vips.len(), 1);
    assert_eq!(
        vips[0].priority,
        vec![("node-a".into(), 255), ("node-b".into(), 100)]
    );
}

/// A node's file: `router_id NAME`, one `vrrp_instance VI_1` whose `unicast_src_ip` is on line
/// 5, so the body's first line is line 6.
fn node_file(name: &str, src: &str, body: &str) -> KeepalivedFile {
    let text = format!(
        "global_defs {{\n    router_id {name}\n}}\nvrrp_instance VI_1 {{\n    unicast_src_ip {src}\n{body}}}\n"
    );
    read(&format!("{name}.conf"), &text)
}

#[test]
fn several_addresses_in_one_instance_keep_the_first_and_say_to_split() {
    let body = "    virtual_router_id 10\n    priority 100\n    virtual_ipaddress {\n        10.0.0.100/24 dev eth1 label eth1:vip\n        10.0.0.101/24\n    }\n";
    let files = [
        node_file("a", "10.0.0.1", body),
        node_file("b", "10.0.0.2", body),
    ];
    let (_, vips, notes) = run(&files, &NodeHints::default());
    let v = &vips[0];
    assert_eq!(v.address, "10.0.0.100/24");
    assert_eq!(v.interface.as_deref(), Some("eth1"));
    // kubegate puts the node's interface in front of the label itself.
    assert_eq!(v.label.as_deref(), Some("vip"));
    assert_eq!(v.transport, DraftTransport::Multicast);
    assert_eq!(
        of(&notes, Severity::Error),
        [
            "a.conf:10: error: 10.0.0.101/24 is a second address of vrrp_instance VI_1; a kubegate VIP has one address: move it into its own vrrp_instance with its own virtual_router_id (on every node)",
            "b.conf:10: error: 10.0.0.101/24 is a second address of vrrp_instance VI_1; a kubegate VIP has one address: move it into its own vrrp_instance with its own virtual_router_id (on every node)",
        ]
    );
}

#[test]
fn what_kubegate_has_no_use_for_is_left_out_with_the_reason() {
    let text = "include /etc/keepalived/conf.d/*.conf\n\
                vrrp_sync_group G1 {\n  group {\n    VI_1\n  }\n}\n\
                vrrp_script chk {\n  script \"/usr/local/bin/chk\"\n  user nobody\n}\n\
                vrrp_instance VI_1 {\n  virtual_router_id 7\n  priority 90\n  unicast_src_ip 10.0.0.1\n  unicast_peer {\n    10.0.0.2\n  }\n\
                \x20 garp_master_delay 10\n  notify_master \"/etc/keepalived/master.sh\"\n  notify /usr/local/bin/kg-notify\n  track_script {\n    chk\n  }\n  virtual_ipaddress {\n    10.0.0.100\n  }\n}\n\
                virtual_server 10.0.0.100 6443 {\n  lb_algo rr\n}\n";
    let f = read("lvs.conf", text);
    let dropped: Vec<String> = f
        .notes
        .iter()
        .filter(|n| n.severity == Severity::Dropped)
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        dropped,
        [
            "lvs.conf:1: left out: include /etc/keepalived/conf.d/*.conf is not followed: import the included file too",
            "lvs.conf:2: left out: vrrp_sync_group: kubegate moves each VIP on its own; give VIPs that must stay together the same trackers and priorities",
            "lvs.conf:9: left out: vrrp_script user: kubegate runs scripts as its own user; make the script work for it",
            "lvs.conf:18: left out: vrrp_instance garp_master_delay has no kubegate equivalent",
            "lvs.conf:19: left out: notify_master: kubegate has one `notify` program that gets the new state (MASTER, BACKUP, FAULT, STOP) as an argument; move this command into such a program",
            "lvs.conf:28: left out: virtual_server (LVS) has no kubegate equivalent: use frontends: instead",
        ]
    );
    assert!(
        f.notes.iter().all(|n| n.severity == Severity::Dropped),
        "{:#?}",
        f.notes
    );
    let (_, vips, _) = run(&[f], &NodeHints::default());
    assert_eq!(vips[0].notify.as_deref(), Some("/usr/local/bin/kg-notify"));
    assert_eq!(
        vips[0].track[0].kind,
        DraftTrackKind::Script("/usr/local/bin/chk".into())
    );
}

#[test]
fn version_3_from_global_defs_with_fractional_intervals() {
    let v3 = |name: &str, src: &str| {
        let text = format!(
            "global_defs {{\n  router_id {name}\n  vrrp_version 3\n}}\nvrrp_instance api {{\n  virtual_router_id 20\n  priority 100\n  advert_int 0.1\n  authentication {{\n    auth_type PASS\n    auth_pass secret\n  }}\n  mcast_src_ip {src}\n  virtual_ipaddress {{\n    10.0.0.100/24\n  }}\n}}\n"
        );
        read(&format!("{name}.conf"), &text)
    };
    let (nodes, vips, notes) = run(
        &[v3("a", "10.0.0.1"), v3("b", "10.0.0.2")],
        &NodeHints::default(),
    );
    assert_eq!(
        nodes.iter().map(|n| n.address).collect::<Vec<_>>(),
        [ip("10.0.0.1"), ip("10.0.0.2")]
    );
    let v = &vips[0];
    assert_eq!(
        (v.version, v.advert_interval),
        (3, Duration::from_millis(100))
    );
    assert_eq!(v.auth_pass, None);
    has(
        &notes,
        Severity::Dropped,
        "a.conf",
        11,
        "VRRP version 3 has none",
    );
    assert!(of(&notes, Severity::Error).is_empty(), "{notes:#?}");
}

#[test]
fn a_sub_second_interval_in_version_2_is_an_error() {
    let body = "    virtual_router_id 10\n    advert_int 0.5\n    virtual_ipaddress {\n        10.0.0.100\n    }\n";
    let (_, vips, notes) = run(&[node_file("a", "10.0.0.1", body)], &NodeHints::default());
    assert_eq!(vips[0].advert_interval, Duration::from_millis(500));
    assert_eq!(
        of(&notes, Severity::Error),
        ["a.conf:7: error: advert_int 0.5 does not fit: VRRP version 2 counts whole seconds 1..255; write a whole number, or use `version 3` on every node for sub-second adverts"]
    );
    has(
        &notes,
        Severity::Assumed,
        "a.conf",
        4,
        "node a gets keepalived's default, 100",
    );
}

#[test]
fn an_ipv6_address_uses_version_3() {
    let body = "    virtual_router_id 10\n    priority 10\n    virtual_ipaddress {\n        fd00::100/64 dev eth0\n    }\n";
    let (_, vips, notes) = run(&[node_file("a", "fd00::1", body)], &NodeHints::default());
    assert_eq!(
        (vips[0].version, vips[0].address.as_str()),
        (3, "fd00::100/64")
    );
    // advert_int 1 (keepalived's default) is a valid v3 interval.
    assert_eq!(vips[0].advert_interval, Duration::from_secs(1));
    has(
        &notes,
        Severity::Assumed,
        "a.conf",
        4,
        "VRRP version 3 is used (version 2 is IPv4 only",
    );
    assert!(of(&notes, Severity::Error).is_empty(), "{notes:#?}");
}

#[test]
fn nopreempt_on_some_nodes_and_differing_delays() {
    let common = "    virtual_router_id 10\n    virtual_ipaddress {\n        10.0.0.100\n    }\n";
    let a = node_file(
        "a",
        "10.0.0.1",
        &format!("    priority 100\n    nopreempt\n{common}"),
    );
    let b = node_file(
        "b",
        "10.0.0.2",
        &format!("    priority 90\n    preempt_delay 30\n{common}"),
    );
    let c = node_file(
        "c",
        "10.0.0.3",
        &format!("    priority 80\n    preempt_delay 5\n{common}"),
    );
    let (_, vips, notes) = run(&[a, b, c], &NodeHints::default());
    assert!(!vips[0].preempt);
    assert_eq!(vips[0].preempt_delay, Duration::from_secs(30));
    has(
        &notes,
        Severity::Assumed,
        "a.conf",
        7,
        "only a had nopreempt: kubegate sets preempt per VIP",
    );
    has(
        &notes,
        Severity::Assumed,
        "b.conf",
        7,
        "uses the longest, 30s, on every node",
    );
}

#[test]
fn trackers_merge_by_name_with_weights_from_track_script() {
    let with = |name: &str, src: &str, weight: &str| {
        let text = format!(
            "global_defs {{\n router_id {name}\n}}\nvrrp_script chk_api {{\n script \"curl -sk https://127.0.0.1:6443/readyz\"\n interval 3\n timeout 2\n weight -30\n}}\n\
             vrrp_instance VI_1 {{\n virtual_router_id 10\n priority 100\n unicast_src_ip {src}\n unicast_peer {{\n 10.0.0.9\n }}\n\
             \x20track_script {{\n  chk_api {weight}\n  chk_missing\n }}\n track_interface {{\n  bond0 weight -50\n }}\n virtual_ipaddress {{\n 10.0.0.100\n }}\n}}\n"
        );
        read(&format!("{name}.conf"), &text)
    };
    let (_, vips, notes) = run(
        &[
            with("a", "10.0.0.1", "weight -40"),
            with("b", "10.0.0.2", "weight -40"),
        ],
        &NodeHints::default(),
    );
    assert_eq!(
        vips[0].track,
        vec![
            DraftTrack {
                kind: DraftTrackKind::Script("curl -sk https://127.0.0.1:6443/readyz".into()),
                interval: Some(Duration::from_secs(3)),
                timeout: Some(Duration::from_secs(2)),
                rise: None,
                fall: None,
                weight: -40,
                source_name: Some("chk_api".into()),
                origin: at("a.conf", 4),
            },
            DraftTrack {
                kind: DraftTrackKind::Interface("bond0".into()),
                interval: None,
                timeout: None,
                rise: None,
                fall: None,
                weight: -50,
                source_name: None,
                origin: at("a.conf", 22),
            },
        ]
    );
    has(
        &notes,
        Severity::Dropped,
        "b.conf",
        19,
        "this file has no vrrp_script chk_missing",
    );
    assert!(of(&notes, Severity::Error).is_empty(), "{notes:#?}");

    // The same tracker with another weight on one node cannot be one kubegate tracker.
    let (_, _, notes) = run(
        &[
            with("a", "10.0.0.1", "weight -40"),
            with("b", "10.0.0.2", ""),
        ],
        &NodeHints::default(),
    );
    assert_eq!(
        of(&notes, Severity::Error),
        ["b.conf:4: error: vrrp_script chk_api differs from the one at a.conf:4 (command, timing or weight); kubegate runs one set of trackers on every node of VIP VI_1: make them the same"]
    );
}

#[test]
fn authentication_long_pass_is_cut_and_ah_refused() {
    let auth = |t: &str| {
        format!("    virtual_router_id 10\n    authentication {{\n        auth_type {t}\n        auth_pass longpassword\n    }}\n    virtual_ipaddress {{\n        10.0.0.100\n    }}\n")
    };
    let (_, vips, notes) = run(
        &[node_file("a", "10.0.0.1", &auth("PASS"))],
        &NodeHints::default(),
    );
    assert_eq!(vips[0].auth_pass.as_deref(), Some("longpass"));
    has(
        &notes,
        Severity::Assumed,
        "a.conf",
        9,
        "auth_pass is 12 bytes; VRRPv2 carries 8 and keepalived sends only \"longpass\"",
    );
    let (_, _, notes) = run(
        &[node_file("a", "10.0.0.1", &auth("AH"))],
        &NodeHints::default(),
    );
    assert_eq!(
        of(&notes, Severity::Error),
        ["a.conf:8: error: auth_type AH is not supported by kubegate; use auth_type PASS or no authentication (on every node)"]
    );
}

#[test]
fn names_are_made_unique_and_every_node_must_have_every_vip() {
    let vip = |vrid: u32, addr: &str| {
        format!("vrrp_instance VI_1 {{\n  virtual_router_id {vrid}\n  priority 50\n  virtual_ipaddress {{\n    {addr}\n  }}\n}}\n")
    };
    // Two instances named VI_1 with their own VRIDs, and a second file copied without a new
    // router_id that lacks the second instance.
    let a = read(
        "a.conf",
        &format!(
            "global_defs {{\n  router_id lb\n}}\n{}{}",
            vip(1, "10.0.0.100"),
            vip(2, "10.0.0.101")
        ),
    );
    let b = read(
        "b.conf",
        &format!(
            "global_defs {{\n  router_id lb\n}}\n{}",
            vip(1, "10.0.0.100")
        ),
    );
    let hints = given(&[("lb", "10.0.0.1"), ("lb-2", "10.0.0.2")]);
    let (nodes, vips, notes) = run(&[a, b], &hints);
    assert_eq!(
        nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
        ["lb", "lb-2"]
    );
    has(
        &notes,
        Severity::Assumed,
        "b.conf",
        2,
        "this node is called lb-2 (give each node its own router_id)",
    );
    assert_eq!(
        vips.iter()
            .map(|v| (v.name.as_str(), v.vrid))
            .collect::<Vec<_>>(),
        [("VI_1", 1), ("VI_1-2", 2)]
    );
    assert_eq!(vips[1].priority, vec![("lb".to_string(), 50)]);
    assert_eq!(
        of(&notes, Severity::Error),
        ["b.conf:2: error: node lb-2 has no instance with virtual_router_id 2 (VIP VI_1-2); kubegate runs every VIP on every node: add it to this node's file with a low priority to keep the node a backup"]
    );
}

#[test]
fn out_of_range_values_say_what_to_write() {
    let body = "    virtual_router_id 0\n    priority 300\n    notify \"/usr/local/bin/notify.sh --verbose\"\n    virtual_ipaddress {\n        10.0.0.300/24\n    }\n";
    let f = node_file("a", "10.0.0.1", body);
    let (_, vips, notes) = run(&[f], &NodeHints::default());
    assert!(vips.is_empty());
    assert_eq!(
        of(&notes, Severity::Error),
        [
            "a.conf:6: error: virtual_router_id \"0\" is not a whole number in 1..255; use 1..255, the same on every node of this VIP",
            "a.conf:7: error: priority \"300\" is not a whole number in 1..255; use 1..254",
            "a.conf:10: error: virtual address \"10.0.0.300\" is not an IP address; write the real address (like 10.0.0.51), not a placeholder",
        ]
    );
}

//! `kubegate import` of keepalived files: the field's setups, one file per node, merged into
//! kubegate nodes and VIPs, and the notes that say what was assumed, left out or wrong.

mod import_keepalived_support;

use std::time::Duration;

use import_keepalived_support::*;
use kubegate_import::draft::{DraftTrack, DraftTrackKind, DraftTransport, Severity};
use kubegate_import::keepalived::{read, KeepalivedFile, NodeHints};

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

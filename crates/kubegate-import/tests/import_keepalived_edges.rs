//! `kubegate import` of keepalived files: the less common keywords and values, each read into
//! the draft or into a note that says file:line, what is wrong and what to do.

mod import_keepalived_support;

use std::time::Duration;

use import_keepalived_support::*;
use kubegate_import::draft::{DraftTrack, DraftTrackKind, DraftTransport, Severity};
use kubegate_import::keepalived::{read, NodeHints};

#[test]
fn several_addresses_in_one_instance_are_all_kept_in_order() {
    let body = "    virtual_router_id 10\n    priority 100\n    virtual_ipaddress {\n        10.0.0.100/24 dev eth1 label eth1:vip\n        10.0.0.101/24\n    }\n";
    let files = [
        node_file("a", "10.0.0.1", body),
        node_file("b", "10.0.0.2", body),
    ];
    let (_, vips, notes) = run(&files, &NodeHints::default());
    let v = &vips[0];
    assert_eq!(v.address, "10.0.0.100/24");
    assert_eq!(
        v.more_addresses,
        ["10.0.0.101/24"],
        "the second address moves with the first"
    );
    assert_eq!(v.interface.as_deref(), Some("eth1"));
    // kubegate puts the node's interface in front of the label itself.
    assert_eq!(v.label.as_deref(), Some("vip"));
    assert_eq!(v.transport, DraftTransport::Multicast);
    assert_eq!(of(&notes, Severity::Error), Vec::<String>::new());
    // One interface and one label for all the addresses of a VIP.
    has(
        &notes,
        Severity::Assumed,
        "a.conf",
        10,
        "puts all its addresses on one interface with one label",
    );
}

#[test]
fn an_address_of_the_other_family_in_one_instance_is_an_error_that_says_to_split() {
    let body = "    virtual_router_id 10\n    priority 100\n    virtual_ipaddress {\n        10.0.0.100/24\n        fd00::100/64\n    }\n";
    let files = [
        node_file("a", "10.0.0.1", body),
        node_file("b", "10.0.0.2", body),
    ];
    let (_, _, notes) = run(&files, &NodeHints::default());
    assert_eq!(
        of(&notes, Severity::Error),
        [
            "a.conf:10: error: fd00::100/64 is not of the same IP family as 10.0.0.100/24, the first address of vrrp_instance VI_1; a kubegate VIP carries addresses of one family (RFC 5798 §5.2.9): move the IPv6 addresses into their own vrrp_instance with its own virtual_router_id (on every node)",
            "b.conf:10: error: fd00::100/64 is not of the same IP family as 10.0.0.100/24, the first address of vrrp_instance VI_1; a kubegate VIP carries addresses of one family (RFC 5798 §5.2.9): move the IPv6 addresses into their own vrrp_instance with its own virtual_router_id (on every node)",
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
            "lvs.conf:9: left out: vrrp_script user: kubegate runs scripts as its own user; make the script work for it",
            "lvs.conf:18: left out: vrrp_instance garp_master_delay has no kubegate equivalent",
            "lvs.conf:28: left out: virtual_server (LVS) has no kubegate equivalent: use frontends: instead",
        ]
    );
    assert!(
        f.notes.iter().all(|n| n.severity == Severity::Dropped),
        "{:#?}",
        f.notes
    );
    let (_, vips, notes) = run(&[f], &NodeHints::default());
    // The sync group is read now, but with one VIP it moves nothing and is left out.
    assert_eq!(vips[0].group, None, "a group of one VIP is not written");
    assert!(
        of(&notes, Severity::Dropped).contains(
            &"lvs.conf:11: left out: vrrp_sync_group G1 holds only VIP VI_1: a group of one moves nothing with it, so it is left out".to_string()
        ),
        "the lone group should be noted at its instance: {:#?}",
        of(&notes, Severity::Dropped)
    );
    assert_eq!(vips[0].notify.as_deref(), Some("/usr/local/bin/kg-notify"));
    assert_eq!(
        vips[0].notify_master.as_deref(),
        Some("/etc/keepalived/master.sh"),
        "notify_master is kept"
    );
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
    let body = "    virtual_router_id 0\n    priority 300\n    preempt_delay 1001\n    notify \"/usr/local/bin/notify.sh --verbose\"\n    virtual_ipaddress {\n        10.0.0.300/24\n    }\n";
    let f = node_file("a", "10.0.0.1", body);
    let (_, vips, notes) = run(&[f], &NodeHints::default());
    assert!(vips.is_empty());
    assert_eq!(
        of(&notes, Severity::Error),
        [
            "a.conf:6: error: virtual_router_id \"0\" is not a whole number from 1 to 255; use 1 to 255, the same on every node of this VIP",
            "a.conf:7: error: priority \"300\" is not a whole number from 1 to 255; use 1 to 254",
            "a.conf:8: error: preempt_delay is longer than 1000 seconds (keepalived's limit, and kubegate's); use at most 1000",
            "a.conf:11: error: virtual address \"10.0.0.300\" is not an IP address; write the real address (like 10.0.0.51), not a placeholder",
        ]
    );
}

#[test]
fn the_nodes_must_agree_on_address_and_transport() {
    let with = |addr: &str, peer: &str| {
        format!("    virtual_router_id 10\n    priority 100\n{peer}    virtual_ipaddress {{\n        {addr}\n    }}\n")
    };
    let a = node_file("a", "10.0.0.1", &with("10.0.0.100", ""));
    let b = node_file("b", "10.0.0.2", &with("10.0.0.100/32", ""));
    let (_, vips, notes) = run(&[a.clone(), b], &NodeHints::default());
    // keepalived's default prefix is /32: the same address.
    assert_eq!(vips[0].address, "10.0.0.100");
    assert!(of(&notes, Severity::Error).is_empty(), "{notes:#?}");

    let c = node_file(
        "c",
        "10.0.0.3",
        &with(
            "10.0.0.101/24",
            "    unicast_peer {\n        10.0.0.1\n    }\n",
        ),
    );
    let (_, _, notes) = run(&[a, c], &NodeHints::default());
    assert_eq!(
        of(&notes, Severity::Error),
        [
            "c.conf:12: error: virtual address is 10.0.0.101/24 here but 10.0.0.100 at a.conf:9; every node of VRID 10 must use the same virtual address: make them equal",
            "c.conf:8: error: transport is unicast (unicast_peer) here but multicast (no unicast_peer) at a.conf:4; every node of VRID 10 must use the same transport: make them equal",
        ]
    );
}

#[test]
fn nodes_that_disagree_on_a_sync_group_are_an_error_naming_both_places() {
    let node = |name: &str, me: u8, peer: u8, groups: &str| {
        let inst = |vi: &str, vrid: u8, last: u8| {
            format!(
                "vrrp_instance {vi} {{\n  virtual_router_id {vrid}\n  priority 100\n  unicast_src_ip 10.0.0.{me}\n  unicast_peer {{\n    10.0.0.{peer}\n  }}\n  virtual_ipaddress {{\n    10.0.0.{last}/24\n  }}\n}}\n"
            )
        };
        let text = format!(
            "global_defs {{\n  router_id {name}\n}}\n{groups}{}{}",
            inst("VI_A", 31, 50),
            inst("VI_B", 32, 60)
        );
        read(&format!("{name}.conf"), &text)
    };
    let both =
        "vrrp_sync_group VG {\n  group {\n    VI_A\n    VI_B\n  }\n  notify_master /x.sh\n}\n";
    let one = node("lb1", 1, 2, both);
    assert_eq!(
        of(&one.notes, Severity::Dropped),
        ["lb1.conf:9: left out: vrrp_sync_group notify_master has no kubegate equivalent (the group moves its VIPs together; each VIP keeps its own notify and trackers)"],
        "the group's own settings are noted"
    );
    let (_, vips, notes) = run(&[one, node("lb2", 2, 1, "")], &NodeHints::default());
    let groups: Vec<Option<&str>> = vips.iter().map(|v| v.group.as_deref()).collect();
    assert_eq!(
        groups,
        [Some("VG"), Some("VG")],
        "the first file's group is kept"
    );
    assert_eq!(
        of(&notes, Severity::Error),
        [
            "lb2.conf:4: error: vrrp_sync_group is no group here but VG at lb1.conf:4; every node of VRID 31 must use the same vrrp_sync_group: make them equal",
            "lb2.conf:15: error: vrrp_sync_group is no group here but VG at lb1.conf:4; every node of VRID 32 must use the same vrrp_sync_group: make them equal",
        ]
    );
}

#[test]
fn a_sync_group_whose_instances_prefer_different_nodes_is_left_out_with_the_fix() {
    let node = |name: &str, me: u8, peer: u8, (pa, pb): (u8, u8)| {
        let inst = |vi: &str, vrid: u8, last: u8, priority: u8| {
            format!(
                "vrrp_instance {vi} {{\n  virtual_router_id {vrid}\n  priority {priority}\n  unicast_src_ip 10.0.0.{me}\n  unicast_peer {{\n    10.0.0.{peer}\n  }}\n  virtual_ipaddress {{\n    10.0.0.{last}/24\n  }}\n}}\n"
            )
        };
        let text = format!(
            "global_defs {{\n  router_id {name}\n}}\nvrrp_sync_group VG {{\n  group {{\n    VI_A\n    VI_B\n  }}\n}}\n{}{}",
            inst("VI_A", 31, 50, pa),
            inst("VI_B", 32, 60, pb)
        );
        read(&format!("{name}.conf"), &text)
    };
    // VI_A prefers lb1, VI_B lb2: keepalived's master-master written as one sync group.
    let crossed = [node("lb1", 1, 2, (150, 100)), node("lb2", 2, 1, (100, 150))];
    let (_, vips, notes) = run(&crossed, &NodeHints::default());
    assert!(vips.iter().all(|v| v.group.is_none()), "{vips:#?}");
    assert!(of(&notes, Severity::Error).is_empty(), "{notes:#?}");
    assert_eq!(
        of(&notes, Severity::Dropped),
        ["lb1.conf:10: left out: vrrp_sync_group VG: VI_A prefers lb1, VI_B prefers lb2; kubegate refuses a group whose VIPs rank the nodes differently (keepalived holds it together with vrrp_sync_can_goto_master), so the VIPs are written without `group` and move on their own: give them the same priorities and add `group: VG` to each if they must move together"]
    );
    // The same order on both: the group is kept.
    let alike = [node("lb1", 1, 2, (150, 120)), node("lb2", 2, 1, (100, 90))];
    let (_, vips, _) = run(&alike, &NodeHints::default());
    assert!(
        vips.iter().all(|v| v.group.as_deref() == Some("VG")),
        "{vips:#?}"
    );
}

//! What a reload changes for one node: the running file and the new one → the list of
//! changes, each with how it is applied (live, or handed over and started again).

use std::path::Path;

use kubegate_config::changes::{changes, Changes, VipChange};
use kubegate_config::model::ClusterConfig;

const NODES: &str = "nodes:
  - { name: node1, address: 198.18.0.11 }
  - { name: node2, address: 198.18.0.12 }
  - { name: node3, address: 198.18.0.13 }
";

fn parse(text: &str) -> ClusterConfig {
    kubegate_config::parse_str(text, Path::new("kubegate.yaml"))
        .unwrap_or_else(|e| panic!("the test's file does not parse: {e}\n{text}"))
}

fn vip(name: &str, address: &str, vrid: u8, extra: &str) -> String {
    format!(
        "  - name: {name}
    address: {address}/24
    vrrp: {{ vrid: {vrid}{extra} }}
"
    )
}

fn file(nodes: &str, vips: &[String]) -> ClusterConfig {
    parse(&format!("{nodes}vips:\n{}", vips.concat()))
}

fn diff(old: &ClusterConfig, new: &ClusterConfig) -> Changes {
    changes(old, new, "node1").unwrap_or_else(|e| panic!("expected changes, got Err({e})"))
}

#[test]
fn the_same_file_changes_nothing() {
    let old = file(NODES, &[vip("api", "198.18.0.50", 51, "")]);
    let c = diff(&old, &old.clone());
    assert!(c.is_empty(), "expected no change, got {c:?}");
    assert_eq!(c.describe(), Vec::<String>::new());
}

#[test]
fn a_vip_added_and_one_removed_are_listed_and_the_other_is_left_alone() {
    let old = file(
        NODES,
        &[
            vip("api", "198.18.0.50", 51, ""),
            vip("old", "198.18.0.70", 71, ""),
        ],
    );
    let new = file(
        NODES,
        &[
            vip("api", "198.18.0.50", 51, ""),
            vip("ingress", "198.18.0.60", 61, ""),
        ],
    );
    let c = diff(&old, &new);
    assert_eq!(
        c.vips,
        [
            VipChange::Added("ingress".into()),
            VipChange::Removed("old".into())
        ]
    );
    assert_eq!(
        c.describe(),
        [
            "vip ingress added (started)",
            "vip old removed (handed over, then stopped)"
        ]
    );
}

#[test]
fn priority_preempt_and_trackers_are_applied_live() {
    let old = file(NODES, &[vip("api", "198.18.0.50", 51, "")]);
    let new = file(
        NODES,
        &[format!(
            "{}    track:\n      - tcp: 127.0.0.1:6443\n",
            vip(
                "api",
                "198.18.0.50",
                51,
                ", preempt: false, priority: { node1: 40, node2: 100, node3: 50 }"
            )
        )],
    );
    let c = diff(&old, &new);
    assert_eq!(
        c.vips,
        [VipChange::Updated {
            name: "api".into(),
            what: vec!["priority", "preempt", "track"]
        }]
    );
    assert_eq!(
        c.describe(),
        ["vip api: priority, preempt, track changed (applied live)"]
    );
}

#[test]
fn another_nodes_priority_alone_changes_nothing_here() {
    let old = file(NODES, &[vip("api", "198.18.0.50", 51, "")]);
    let new = file(
        NODES,
        &[vip(
            "api",
            "198.18.0.50",
            51,
            ", priority: { node1: 150, node2: 120, node3: 50 }",
        )],
    );
    let c = diff(&old, &new);
    assert!(c.vips.is_empty(), "node1's VIP is unchanged, got {c:?}");
}

#[test]
fn vrid_address_interface_and_version_need_a_new_router() {
    let old = file(NODES, &[vip("api", "198.18.0.50", 51, "")]);
    let cases = [
        (vip("api", "198.18.0.50", 52, ""), vec!["vrid"]),
        (vip("api", "198.18.0.51", 51, ""), vec!["address"]),
        (
            vip("api", "198.18.0.50", 51, ", version: 2"),
            vec!["version"],
        ),
        (
            format!("{}    interface: eth1\n", vip("api", "198.18.0.50", 51, "")),
            vec!["interface"],
        ),
        (
            vip("api", "198.18.0.50", 51, ", transport: multicast"),
            vec!["transport"],
        ),
    ];
    for (text, because) in cases {
        let c = diff(&old, &file(NODES, std::slice::from_ref(&text)));
        assert_eq!(
            c.vips,
            [VipChange::Replaced {
                name: "api".into(),
                because: because.clone()
            }],
            "for the new VIP\n{text}"
        );
    }
    let c = diff(&old, &file(NODES, &[vip("api", "198.18.0.50", 52, "")]));
    assert_eq!(
        c.describe(),
        ["vip api: vrid changed (handed over, then started again)"]
    );
}

#[test]
fn nodes_added_or_removed_change_every_vips_peers() {
    let old = file(NODES, &[vip("api", "198.18.0.50", 51, "")]);
    let four = format!("{NODES}  - {{ name: node4, address: 198.18.0.14 }}\n");
    let new = file(&four, &[vip("api", "198.18.0.50", 51, "")]);
    let c = diff(&old, &new);
    assert_eq!(c.nodes_added, ["node4"]);
    assert_eq!(
        c.vips,
        [VipChange::Updated {
            name: "api".into(),
            // Priorities are spread again over four nodes; node1 stays first at 150.
            what: vec!["peers"]
        }]
    );
    let c = diff(&new, &old);
    assert_eq!(c.nodes_removed, ["node4"]);
    assert_eq!(
        c.describe(),
        [
            "nodes removed: node4",
            "vip api: peers changed (applied live)"
        ]
    );
}

#[test]
fn this_nodes_own_entry_changed_replaces_every_vip() {
    let old = file(NODES, &[vip("api", "198.18.0.50", 51, "")]);
    let moved = NODES.replace("198.18.0.11", "198.18.0.21");
    let c = diff(&old, &file(&moved, &[vip("api", "198.18.0.50", 51, "")]));
    assert_eq!(
        c.vips,
        [VipChange::Replaced {
            name: "api".into(),
            because: vec!["this node's entry"]
        }]
    );
}

#[test]
fn a_file_without_this_node_is_refused() {
    let old = file(NODES, &[vip("api", "198.18.0.50", 51, "")]);
    let without = NODES.replace("  - { name: node1, address: 198.18.0.11 }\n", "");
    let new = file(&without, &[vip("api", "198.18.0.50", 51, "")]);
    let e = changes(&old, &new, "node1").expect_err("node1 is gone: expected Err");
    assert!(e.contains("node1"), "the error names the node: {e}");
}

#[test]
fn the_admin_section_and_frontends_are_reported() {
    let base = format!("{NODES}vips:\n{}", vip("api", "198.18.0.50", 51, ""));
    let old = parse(&base);
    let new = parse(&format!("{base}admin:\n  bind: 127.0.0.1:9100\n"));
    let c = diff(&old, &new);
    assert_eq!(
        c.admin.as_ref().and_then(|a| a.bind).map(|b| b.to_string()),
        Some("127.0.0.1:9100".to_string())
    );
    assert!(
        c.vips.is_empty() && !c.frontends,
        "only admin changed: {c:?}"
    );
}

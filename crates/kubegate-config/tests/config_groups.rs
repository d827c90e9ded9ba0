//! `vips[].group` (keepalived's `vrrp_sync_group`): read into the model, a group of one VIP
//! refused with its position, mixed versions allowed, and the plan's words for a group.

use std::path::Path;

use kubegate_config as config;
use kubegate_config::plan::explain;

/// Two nodes and the VIPs `vips` (list items under `vips:`).
fn file(vips: &str) -> String {
    format!(
        "nodes:\n  - {{ name: n1, address: 10.0.0.51 }}\n  - {{ name: n2, address: 10.0.0.52 }}\n\
         vips:\n{vips}"
    )
}

/// One VIP entry with optional extra keys (indented four spaces).
fn vip(name: &str, vrid: u8, extra: &str) -> String {
    format!(
        "  - name: {name}\n    address: 10.0.0.{vrid}/24\n{extra}    vrrp:\n      vrid: {vrid}\n"
    )
}

#[test]
fn group_is_read_and_mates_are_found() {
    let text = file(&format!(
        "{}{}{}",
        vip("api", 50, "    group: edge\n"),
        vip("ingress", 60, "    group: edge\n"),
        vip("other", 70, "")
    ));
    let cfg = config::parse_str(&text, Path::new("c.yaml")).expect("a valid file");
    let groups: Vec<Option<&str>> = cfg.vips.iter().map(|v| v.group.as_deref()).collect();
    assert_eq!(groups, [Some("edge"), Some("edge"), None], "groups as read");
    let mates: Vec<&str> = cfg
        .group_mates(&cfg.vips[0])
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(mates, ["ingress"], "api's group mates");
    assert_eq!(
        cfg.group_mates(&cfg.vips[2]).count(),
        0,
        "a VIP without a group has no mates"
    );
}

#[test]
fn a_group_of_one_vip_is_an_error_at_its_key() {
    let text = file(&format!(
        "{}{}",
        vip("api", 50, "    group: edge\n"),
        vip("ingress", 60, "    group: egde\n"),
    ));
    let err = config::parse_str(&text, Path::new("c.yaml"))
        .expect_err("groups of one VIP must be refused")
        .to_string();
    assert_eq!(
        err,
        "c.yaml:7:12: vips[0].group: group 'edge' has no other VIP; VIPs with the same group \
         move together, so give at least one more VIP `group: edge` (check the spelling) or \
         drop the key\n\
         c.yaml:12:12: vips[1].group: group 'egde' has no other VIP; VIPs with the same group \
         move together, so give at least one more VIP `group: egde` (check the spelling) or \
         drop the key",
        "both lone groups, located"
    );
}

#[test]
fn a_group_may_mix_vrrp_versions_and_interfaces() {
    let text = file(&format!(
        "{}{}",
        vip("api", 50, "    group: edge\n    interface: eth0\n"),
        vip("ingress", 60, "    group: edge\n    interface: eth1\n")
            .replace("vrid: 60\n", "vrid: 60\n      version: 2\n"),
    ));
    let cfg = config::parse_str(&text, Path::new("c.yaml"))
        .unwrap_or_else(|e| panic!("mixed versions and interfaces should be valid: {e}"));
    assert_eq!(cfg.vips[1].vrrp.version, config::model::Version::V2);
}

#[test]
fn the_plan_says_the_group_moves_together() {
    let text = file(&format!(
        "{}{}",
        vip("api", 50, "    group: edge\n"),
        vip("ingress", 60, "    group: edge\n"),
    ));
    let cfg = config::parse_str(&text, Path::new("c.yaml")).expect("a valid file");
    let plan = explain(&cfg, cfg.node("n1").unwrap());
    let line = plan
        .iter()
        .find(|l| l.starts_with("api and ingress move together"))
        .unwrap_or_else(|| panic!("no group sentence in the plan: {plan:#?}"));
    assert_eq!(
        line,
        "api and ingress move together (group edge, like keepalived's vrrp_sync_group): if \
         either goes to FAULT (link down, a weight-0 tracker failing) the others go to FAULT \
         too and another node takes them all; if another node outranks either, the others \
         step down to BACKUP as well (without priority 0) and do not preempt until one of them \
         is master again; a node is master of all of them or of none."
    );
    assert!(
        !plan.iter().any(|l| l.contains("group edge:")),
        "same priorities: no warning expected, got {plan:#?}"
    );
}

#[test]
fn members_ranking_the_nodes_differently_are_refused() {
    let text = file(&format!(
        "{}{}",
        vip("api", 50, "    group: edge\n"),
        vip("ingress", 60, "    group: edge\n").replace(
            "vrid: 60\n",
            "vrid: 60\n      priority: { n1: 50, n2: 150 }\n"
        ),
    ));
    let errors = config::parse_str(&text, Path::new("c.yaml")).expect_err("crossed priorities");
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 1, "{shown:#?}");
    assert!(
        shown[0].contains("vips[1].group")
            && shown[0].contains("api ranks them n1 > n2, ingress ranks them n2 > n1")
            && shown[0].contains("give every VIP of the group the same priorities"),
        "the error should say where, each member's order and the fix: {}",
        shown[0]
    );
    // The same order with other numbers is fine.
    let same_order = text.replace("{ n1: 50, n2: 150 }", "{ n1: 200, n2: 20 }");
    config::parse_str(&same_order, Path::new("c.yaml")).expect("the same order is valid");
}

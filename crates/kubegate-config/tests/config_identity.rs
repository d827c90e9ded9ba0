//! Node identity (`--node` or the one local node address) and `interface: auto` resolution.

use std::net::IpAddr;
use std::path::Path;

use kubegate_config::identity::{resolve, IdentityError};
use kubegate_config::interface::{in_subnet, resolve_interface};
use kubegate_config::local_addrs::LocalAddr;
use kubegate_config::{self as config, model::ClusterConfig};

fn cfg() -> ClusterConfig {
    config::parse_str(
        "nodes:
  - { name: master1, address: 10.0.0.51 }
  - { name: master2, address: 10.0.0.52 }
vips:
  - { name: api, address: 10.0.0.50/24, vrrp: { vrid: 51 } }
  - { name: far, address: 10.9.0.50/24, interface: eth1, vrrp: { vrid: 52 } }
",
        Path::new("cluster.yaml"),
    )
    .unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn local(interface: &str, address: &str, prefix_len: u8) -> LocalAddr {
    LocalAddr {
        interface: interface.into(),
        address: ip(address),
        prefix_len,
    }
}

#[test]
fn the_node_whose_address_is_local() {
    let c = cfg();
    let me = resolve(&c, None, &[ip("127.0.0.1"), ip("10.0.0.52")]).unwrap();
    assert_eq!(me.name, "master2");
}

#[test]
fn an_explicit_node_must_exist() {
    let c = cfg();
    assert_eq!(resolve(&c, Some("master1"), &[]).unwrap().name, "master1");
    let e = resolve(&c, Some("master3"), &[ip("10.0.0.51")]).unwrap_err();
    assert_eq!(
        e,
        IdentityError::UnknownNode {
            name: "master3".into(),
            known: vec!["master1".into(), "master2".into()]
        }
    );
    assert_eq!(
        e.to_string(),
        "--node master3: no node of that name in the config (nodes: master1, master2); did you \
         mean 'master1'?"
    );
}

#[test]
fn no_local_node_lists_both_sides() {
    let c = cfg();
    let e = resolve(&c, None, &[ip("127.0.0.1"), ip("192.168.1.5")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "this machine is none of the nodes: its addresses are 127.0.0.1, 192.168.1.5 and the \
         nodes' are master1 10.0.0.51, master2 10.0.0.52; add this machine to `nodes:` or pass \
         --node NAME"
    );
}

#[test]
fn several_local_nodes_need_the_flag() {
    let c = cfg();
    let e = resolve(&c, None, &[ip("10.0.0.51"), ip("10.0.0.52")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the addresses of several nodes are on this machine (master1, master2); pass --node NAME \
         to say which one this is"
    );
}

#[test]
fn auto_interface_is_the_one_with_the_node_address() {
    let c = cfg();
    let me = c.node("master1").unwrap();
    let addrs = [
        local("lo", "127.0.0.1", 8),
        local("eth0", "10.0.0.51", 24),
        local("eth1", "10.9.0.51", 16),
    ];
    let r = resolve_interface(&c.vips[0], me, &addrs).unwrap();
    assert_eq!(r.name, "eth0");
    assert_eq!(r.subnet, Some((ip("10.0.0.51"), 24)));
    assert!(r.vip_in_subnet);

    let r = resolve_interface(&c.vips[1], me, &addrs).unwrap();
    assert_eq!(r.name, "eth1");
    assert!(r.vip_in_subnet, "10.9.0.50 is inside 10.9.0.51/16");
}

#[test]
fn a_vip_outside_the_subnet_is_flagged() {
    let c = cfg();
    let me = c.node("master1").unwrap();
    let addrs = [
        local("eth0", "10.0.0.51", 32),
        local("eth1", "10.8.0.1", 24),
    ];
    let r = resolve_interface(&c.vips[0], me, &addrs).unwrap();
    assert_eq!((r.name.as_str(), r.vip_in_subnet), ("eth0", false));
    assert_eq!(r.subnet, Some((ip("10.0.0.51"), 32)));
    let r = resolve_interface(&c.vips[1], me, &addrs).unwrap();
    assert_eq!((r.name.as_str(), r.vip_in_subnet), ("eth1", false));
}

#[test]
fn missing_interfaces_are_explained() {
    let c = cfg();
    let me = c.node("master1").unwrap();
    let addrs = [local("lo", "127.0.0.1", 8)];
    assert_eq!(
        resolve_interface(&c.vips[0], me, &addrs).unwrap_err(),
        "interface: auto looks for the interface with master1's address 10.0.0.51, which is not \
         on this machine; set `interface:` for VIP api or check the node's address"
    );
    assert_eq!(
        resolve_interface(&c.vips[1], me, &addrs).unwrap_err(),
        "interface eth1 of VIP far has no address on this node (interfaces with addresses: lo)"
    );
}

#[test]
fn subnets() {
    assert!(in_subnet(ip("10.0.0.50"), ip("10.0.0.51"), 24));
    assert!(!in_subnet(ip("10.0.1.50"), ip("10.0.0.51"), 24));
    assert!(in_subnet(ip("10.0.1.50"), ip("192.168.0.1"), 0));
    assert!(in_subnet(ip("fd00::50"), ip("fd00::1"), 64));
    assert!(!in_subnet(ip("fd01::50"), ip("fd00::1"), 64));
    assert!(!in_subnet(ip("10.0.0.1"), ip("fd00::1"), 0));
}

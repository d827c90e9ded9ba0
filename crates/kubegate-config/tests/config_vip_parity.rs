//! keepalived parity of a VIP: several addresses (`addresses:`, one family per VRRP instance),
//! per-state notify programs (`notify_master`, `notify_backup`, `notify_fault`): the model,
//! the located errors and the plan's words.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use kubegate_config::model::{ClusterConfig, StateNotify};
use kubegate_config::plan::explain;

fn parse(text: &str) -> ClusterConfig {
    kubegate_config::parse_str(text, Path::new("cluster.yaml"))
        .unwrap_or_else(|e| panic!("expected a valid file, got:\n{e}\n{text}"))
}

fn errors(text: &str) -> String {
    match kubegate_config::parse_str(text, Path::new("cluster.yaml")) {
        Ok(cfg) => panic!("expected errors, got {cfg:?}"),
        Err(e) => e.to_string(),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Two nodes and one VIP whose address keys (and anything else under the VIP) are `vip`.
fn file(vip: &str) -> String {
    format!(
        "nodes:
  - {{ name: lb1, address: 10.0.0.51 }}
  - {{ name: lb2, address: 10.0.0.52 }}
vips:
  - name: front
{vip}    vrrp: {{ vrid: 60 }}
"
    )
}

#[test]
fn an_addresses_list_gives_the_vip_every_address_in_file_order_with_its_prefix() {
    let cfg = parse(&file(
        "    addresses: [10.0.0.50/24, 10.0.0.60, 10.0.1.70/25]\n",
    ));
    let vip = &cfg.vips[0];
    assert_eq!(
        (vip.address, vip.prefix_len),
        (ip("10.0.0.50"), 24),
        "the first address of the list is the VIP's address"
    );
    assert_eq!(
        vip.addresses(),
        vec![
            (ip("10.0.0.50"), 24),
            (ip("10.0.0.60"), 32),
            (ip("10.0.1.70"), 25)
        ]
    );
    let one = parse(&file("    address: 10.0.0.50/24\n"));
    assert_eq!(
        one.vips[0].addresses(),
        vec![(ip("10.0.0.50"), 24)],
        "`address:` alone stays one address"
    );
}

#[test]
fn address_and_addresses_together_are_a_located_error() {
    assert_eq!(
        errors(&file(
            "    address: 10.0.0.50/24\n    addresses: [10.0.0.60/24]\n"
        )),
        "cluster.yaml:7:16: vips[0].addresses: `address` and `addresses` are both written; write \
         one address as `address:` or all of them in `addresses: [A, B]` (move `address` into \
         the list)"
    );
}

#[test]
fn neither_address_nor_an_empty_list_is_accepted() {
    assert_eq!(
        errors(&file("")),
        "cluster.yaml:5:5: vips[0]: missing key 'address'; write the virtual address, like \
         10.0.0.50/24 (several that move together: `addresses: [10.0.0.50/24, 10.0.0.60/24]`)"
    );
    assert_eq!(
        errors(&file("    addresses: []\n")),
        "cluster.yaml:6:16: vips[0].addresses: the list is empty; write the VIP's addresses, \
         like [10.0.0.50/24, 10.0.0.60/24]"
    );
}

#[test]
fn one_family_per_vip_and_each_address_is_checked_like_address() {
    assert_eq!(
        errors(&file(
            "    addresses: [10.0.0.50/24, fd00::50/64, 10.0.0.52, 10.0.0.50, bogus]\n"
        )),
        "cluster.yaml:6:31: vips[0].addresses[1]: fd00::50 is not of the same IP family as \
         10.0.0.50, the VIP's first address; a VRRP instance carries addresses of one family \
         (RFC 5798 §5.2.9: an advert lists addresses of the family it is sent in): give the IPv6 \
         addresses their own VIP with its own vrid\n\
         cluster.yaml:6:44: vips[0].addresses[2]: 10.0.0.52 is node 'lb2''s own address; a VIP \
         must be an unused address (owner mode, priority 255, is not supported yet)\n\
         cluster.yaml:6:55: vips[0].addresses[3]: 10.0.0.50 is already the address of the VIP \
         at line 6; each VIP needs its own address\n\
         cluster.yaml:6:66: vips[0].addresses[4]: \"bogus\" is not an IP address; write it like \
         10.0.0.50/24 or 10.0.0.50"
    );
}

#[test]
fn an_address_of_another_vips_list_is_refused() {
    let text = "nodes:
  - { name: lb1, address: 10.0.0.51 }
  - { name: lb2, address: 10.0.0.52 }
vips:
  - { name: a, addresses: [10.0.0.50, 10.0.0.60], vrrp: { vrid: 1 } }
  - { name: b, address: 10.0.0.60, vrrp: { vrid: 2 } }
";
    assert_eq!(
        errors(text),
        "cluster.yaml:6:25: vips[1].address: 10.0.0.60 is already the address of the VIP at \
         line 5; each VIP needs its own address"
    );
}

#[test]
fn per_state_notify_programs_are_absolute_paths_without_arguments() {
    let cfg = parse(&file(
        "    address: 10.0.0.50/24\n    notify: /usr/local/bin/notify.sh\n    \
         notify_master: /etc/keepalived/to-master.sh\n    \
         notify_backup: /etc/keepalived/to-backup.sh\n    \
         notify_fault: /etc/keepalived/to-fault.sh\n",
    ));
    assert_eq!(
        cfg.vips[0].notify_on,
        StateNotify {
            master: Some(PathBuf::from("/etc/keepalived/to-master.sh")),
            backup: Some(PathBuf::from("/etc/keepalived/to-backup.sh")),
            fault: Some(PathBuf::from("/etc/keepalived/to-fault.sh")),
        }
    );
    assert_eq!(
        cfg.vips[0].notify,
        Some(PathBuf::from("/usr/local/bin/notify.sh")),
        "`notify` stays beside them"
    );
    assert_eq!(
        errors(&file(
            "    address: 10.0.0.50/24\n    notify_master: \"/etc/keepalived/notify.sh master\"\n    \
             notify_fault: notify.sh\n"
        )),
        "cluster.yaml:7:20: vips[0].notify_master: \"/etc/keepalived/notify.sh master\" holds \
         spaces; notify_master, notify_backup and notify_fault name one program by its absolute \
         path, run without arguments: put the command into a script and write its path\n\
         cluster.yaml:8:19: vips[0].notify_fault: \"notify.sh\" is not an absolute path; write the \
         program's full path, like /usr/local/bin/notify.sh"
    );
}

#[test]
fn the_plan_names_every_address_and_says_they_move_together_and_which_programs_run() {
    let cfg = parse(&file(
        "    addresses: [10.0.0.50/24, 10.0.0.60/24]\n    interface: eth0\n    \
         notify_master: /etc/keepalived/to-master.sh\n    \
         notify_fault: /etc/keepalived/to-fault.sh\n",
    ));
    let plan = explain(&cfg, cfg.node("lb1").unwrap());
    assert_eq!(
        plan[..3],
        [
            "VIP front 10.0.0.50/24 and 10.0.0.60/24: VRRPv3, VRID 60, adverts every 200 ms, \
             unicast to lb2 (10.0.0.52)."
                .to_string(),
            "lb1 holds 10.0.0.50/24 and 10.0.0.60/24 on eth0 with priority 150 (highest): it \
             becomes master when it starts and takes the VIP back when it returns (preempt)."
                .to_string(),
            "The 2 addresses of VIP front move together: the master adds them all and sends a \
             gratuitous ARP for each, every advert lists them all (RFC 5798 §5.2.9), and a node \
             that gives the VIP up resets the connections to each of them and removes them all."
                .to_string(),
        ],
        "whole plan: {plan:#?}"
    );
    assert_eq!(
        plan[3],
        "VIP front runs /etc/keepalived/to-master.sh on becoming MASTER and \
         /etc/keepalived/to-fault.sh on becoming FAULT (without arguments, as keepalived's \
         notify_master / notify_backup / notify_fault).",
        "whole plan: {plan:#?}"
    );
}

#[test]
fn a_frontend_on_the_second_address_is_known_as_the_vips() {
    let text = file("    addresses: [10.0.0.50/24, 10.0.0.60/24]\n")
        + "frontends:\n  - { name: ingress, bind: 10.0.0.60:443, backends: [10.0.0.51:30443] }\n";
    let cfg = parse(&text);
    let plan = explain(&cfg, cfg.node("lb1").unwrap());
    assert!(
        plan.iter()
            .any(|l| l
                .contains("10.0.0.60:443 (VIP front's address: bound before this node holds it)")),
        "the frontend should be described as listening on VIP front's address: {plan:#?}"
    );
    let bare = file("    addresses: [10.0.0.50/24, 10.0.0.60/24]\n")
        + "frontends:\n  - { name: ingress, bind: 10.0.0.60, backends: [10.0.0.51:30443] }\n";
    assert!(
        errors(&bare).contains(
            "10.0.0.60 is VIP front's address; a frontend binding the VIP's address must use a \
             port, like 10.0.0.60:8443"
        ),
        "a port-less bind on the second address should be named as the VIP's: {}",
        errors(&bare)
    );
}

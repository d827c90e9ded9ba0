//! BGP mode in the config, the mistakes: every one located with `file:line:col`, its key path
//! and what to write instead, in the section, its peers, a node's `bgp:` and a VIP's `bgp:`.

use std::path::Path;

use kubegate_config::model::{ClusterConfig, Node};

fn parse(text: &str) -> ClusterConfig {
    kubegate_config::parse_str(text, Path::new("cluster.yaml"))
        .unwrap_or_else(|e| panic!("the test's file does not parse: {e}\n{text}"))
}

/// All messages for `text`, one per line (the file must be invalid).
fn errors(text: &str) -> String {
    match kubegate_config::parse_str(text, Path::new("cluster.yaml")) {
        Ok(cfg) => panic!("expected errors, got {cfg:?}"),
        Err(e) => e.to_string(),
    }
}

/// Three nodes (lines 1–4), `bgp:` at line 5 with `bgp` from line 6, `vips:` after it with
/// `vips`.
fn file(bgp: &str, vips: &str) -> String {
    format!(
        "nodes:
  - {{ name: kg1, address: 198.18.0.11 }}
  - {{ name: kg2, address: 198.18.0.12 }}
  - {{ name: kg3, address: 198.18.0.13 }}
bgp:
{bgp}vips:
{vips}"
    )
}

const SECTION: &str = "  asn: 64512
  peers:
    - { address: 198.18.0.1, asn: 64500 }
";

const VIP: &str = "  - { name: api, address: 198.18.10.50/32, bgp: {} }
";

fn node(cfg: &ClusterConfig, name: &str) -> Node {
    cfg.node(name).unwrap().clone()
}

#[test]
fn section_and_peer_mistakes_are_each_located() {
    let bgp = "  asn: 0
  router_id: \"2001:db8::1\"
  bfd: { interval: 5ms, multiplier: 0 }
  peers:
    - { address: 198.18.0.1, asn: 23456, port: 0, hold_time: 2s, multihop: 256 }
    - { address: 198.18.0.11, asn: 4294967295, keepalive: 9s }
    - { address: 198.18.0.1, asn: 64500 }
    - { address: 198.18.10.50, asn: 64500, hold_time: 1.5s, nodes: [kg1, kg4, kg1] }
    - { address: 198.18.0.3, asn: 64500, hold_time: 0s, keepalive: 1s, nodes: [] }
    - { asn: 64500, bfd: yes, passive: 1, password_file: \"\" }
";
    let vips = "  - { name: api, address: 198.18.10.50/32, bgp: {} }
";
    assert_eq!(
        errors(&file(bgp, vips)),
        "cluster.yaml:6:8: bgp.asn: 0 is out of range; use 1 to 4294967294 (a 4-octet AS number, RFC 6793)
cluster.yaml:7:14: bgp.router_id: 2001:db8::1 is an IPv6 address; a BGP router id is 4 octets written like an IPv4 address (RFC 6286 §2.1), also on an IPv6 network: write one like 198.18.0.11
cluster.yaml:8:20: bgp.bfd.interval: the BFD interval is 10ms to 60s; 300ms (the default) detects a dead peer in 900 ms with multiplier 3
cluster.yaml:8:37: bgp.bfd.multiplier: 0 is out of range; use 1 to 255 (missed packets before the session is declared down)
cluster.yaml:10:35: bgp.peers[0].asn: 23456 is AS_TRANS, which only stands in for a 4-octet AS towards old routers (RFC 6793 §9); write the real AS number
cluster.yaml:10:48: bgp.peers[0].port: 0 is out of range; use 1 to 65535
cluster.yaml:10:62: bgp.peers[0].hold_time: 2s is out of range; hold_time is 0s (no hold timer, no keepalives) or whole seconds from 3s to 65535s (RFC 4271 §4.2)
cluster.yaml:10:76: bgp.peers[0].multihop: 256 is out of range; use 1 to 255 (the TTL of the session's packets; 1 = directly connected)
cluster.yaml:11:18: bgp.peers[1].address: 198.18.0.11 is node 'kg1''s own address; a peer is a router the nodes talk to, not one of them
cluster.yaml:11:36: bgp.peers[1].asn: 4294967295 is out of range; use 1 to 4294967294 (a 4-octet AS number, RFC 6793)
cluster.yaml:11:59: bgp.peers[1].keepalive: keepalive 9s must be shorter than hold_time 9s or the peer drops the session; a third of it is usual (RFC 4271 §10)
cluster.yaml:12:18: bgp.peers[2].address: 198.18.0.1 is already the peer at line 10; list each router once (a peer only some nodes talk to takes `nodes: [...]`)
cluster.yaml:13:18: bgp.peers[3].address: 198.18.10.50 is the address of the VIP at line 17; a peer is a router's own address
cluster.yaml:13:55: bgp.peers[3].hold_time: 1.5s is not whole seconds; hold_time is 0s (no hold timer, no keepalives) or whole seconds from 3s to 65535s (RFC 4271 §4.2)
cluster.yaml:13:74: bgp.peers[3].nodes[1]: no node is named 'kg4'; did you mean 'kg1'?
cluster.yaml:13:79: bgp.peers[3].nodes[2]: 'kg1' is listed twice; list it once
cluster.yaml:14:68: bgp.peers[4].keepalive: with hold_time 0s no KEEPALIVE is sent (RFC 4271 §4.4): remove `keepalive`
cluster.yaml:14:79: bgp.peers[4].nodes: the list is empty; name the nodes that talk to this peer, or leave `nodes` out for every node
cluster.yaml:15:7: bgp.peers[5]: missing key 'address'; write the router's address, like 198.18.0.1
cluster.yaml:15:40: bgp.peers[5].passive: expected true or false, found 1
cluster.yaml:15:58: bgp.peers[5].password_file: the path is empty; write the file holding the TCP-MD5 key, like /etc/kubegate/bgp-router1.key (readable by its owner only)"
    );
}

#[test]
fn vip_and_timer_mistakes_are_each_located() {
    let bgp = "  asn: 64512
  peers: [ { address: 198.18.0.1, asn: 64500, keepalive: 0s }, { address: 198.18.0.2, asn: 64500, hold_time: 6s, keepalive: 6s }, { address: 198.18.0.3, asn: 64500, hold_time: 70000s } ]
";
    let vips = "  - name: api
    address: 198.18.10.0/24
    interface: eth0
    label: eth0:api
    notify: /bin/true
    notify_master: /bin/true
    announce: { count: 1 }
    group: g
    vrrp: { vrid: 5 }
    bgp:
      communities: [\"64512:100\", \"70000:1\", \"1:2:3\", 5, no-export, no-export]
      large_communities: [\"1:2\", \"1:2:4294967296\", \"1:2:3\", \"1:2:3\"]
      local_pref: -1
      med: 4294967296
    track:
      - { frontend: api, weight: -10 }
  - { name: api, address: 198.18.0.12, bgp: {} }
  - { name: two, addresses: [198.18.10.1, 198.18.10.2], bgp: {} }
  - { name: noaddr, bgp: {} }
";
    assert_eq!(
        errors(&file(bgp, vips)),
        "cluster.yaml:7:58: bgp.peers[0].keepalive: a keepalive of 0s cannot keep the session up; leave it out for a third of the hold time (3s)
cluster.yaml:7:125: bgp.peers[1].keepalive: keepalive 6s must be shorter than hold_time 6s or the peer drops the session; a third of it is usual (RFC 4271 §10)
cluster.yaml:7:177: bgp.peers[2].hold_time: 19h26m40s is out of range; hold_time is 0s (no hold timer, no keepalives) or whole seconds from 3s to 65535s (RFC 4271 §4.2)
cluster.yaml:10:14: vips[0].address: a BGP VIP is announced as a host route, so its prefix is /32: write 198.18.10.0/32 or 198.18.10.0 (/24 would announce a whole network)
cluster.yaml:11:16: vips[0].interface: a BGP VIP is not on a shared segment: the routers send its traffic to the nodes that announce it: remove `interface`
cluster.yaml:12:12: vips[0].label: a BGP VIP is not on a shared segment: the routers send its traffic to the nodes that announce it: remove `label`
cluster.yaml:13:13: vips[0].notify: notify programs are run on VRRP state changes (MASTER, BACKUP, FAULT); a BGP VIP has no such states, and has no notify hook yet: remove `notify`
cluster.yaml:14:20: vips[0].notify_master: notify programs are run on VRRP state changes (MASTER, BACKUP, FAULT); a BGP VIP has no such states, and has no notify hook yet: remove `notify_master`
cluster.yaml:15:15: vips[0].announce: gratuitous ARPs and unsolicited NAs are sent for VRRP VIPs only; a BGP VIP is announced to the routers in UPDATEs: remove `announce`
cluster.yaml:16:12: vips[0].group: groups move VRRP VIPs together between nodes; a BGP VIP is announced by every healthy node on its own: remove `group`
cluster.yaml:17:11: vips[0].vrrp: this VIP has both `vrrp:` and `bgp:`; a VIP is either held by one node at a time (`vrrp:`) or announced over BGP by every healthy node (`bgp:`): keep one of them
cluster.yaml:19:34: vips[0].bgp.communities[1]: \"70000:1\" is not a community; each half of ASN:VALUE is a number from 0 to 65535 (RFC 1997: 16 bits each); a 4-byte AS goes in a large community, like \"4200000000:1:1\" under `large_communities`
cluster.yaml:19:45: vips[0].bgp.communities[2]: \"1:2:3\" is not a community; write ASN:VALUE with two numbers from 0 to 65535, like \"64512:100\" (RFC 1997), or no-export, no-advertise or no-export-subconfed (a large community, A:B:C, goes under `large_communities`)
cluster.yaml:19:54: vips[0].bgp.communities[3]: expected text like \"64512:100\", found 5; put it in quotes
cluster.yaml:19:68: vips[0].bgp.communities[5]: no-export is listed twice; list it once
cluster.yaml:20:27: vips[0].bgp.large_communities[0]: \"1:2\" is not a large community; write three numbers A:B:C, like \"64512:1:1\" (RFC 8092)
cluster.yaml:20:34: vips[0].bgp.large_communities[1]: \"1:2:4294967296\" is not a large community; each of A:B:C is a number from 0 to 4294967295 (RFC 8092 §3: 32 bits each)
cluster.yaml:20:61: vips[0].bgp.large_communities[3]: 1:2:3 is listed twice; list it once
cluster.yaml:21:19: vips[0].bgp.local_pref: -1 is out of range; use 0 to 4294967295 (LOCAL_PREF, RFC 4271 §5.1.5)
cluster.yaml:22:12: vips[0].bgp.med: 4294967296 is out of range; use 0 to 4294967295 (MULTI_EXIT_DISC, RFC 4271 §5.1.4)
cluster.yaml:24:21: vips[0].track[0].frontend: no frontend is named 'api'; add it under `frontends:` (name, bind, backends), or track with `tcp: ADDRESS:PORT`
cluster.yaml:24:34: vips[0].track[0].weight: weights change VRRP priorities; a BGP VIP is announced while every tracker passes and withdrawn as soon as one fails: remove `weight`
cluster.yaml:25:13: vips[1].name: VIP name 'api' is already used at line 9; names must be unique
cluster.yaml:25:27: vips[1].address: 198.18.0.12 is node 'kg2''s own address; a VIP must be an address no node has
cluster.yaml:26:29: vips[2].addresses: a BGP VIP announces one host route: write it as `address:` and give each other address a VIP of its own: remove `addresses`
cluster.yaml:27:5: vips[3]: missing key 'address'; write the address to announce, like 198.18.10.50/32 (or 198.18.10.50: a BGP VIP is always a host route)"
    );
}

#[test]
fn bgp_vips_and_node_settings_need_the_section() {
    let text = "nodes:
  - { name: kg1, address: 198.18.0.11, bgp: { asn: 64513 } }
vips:
  - { name: api, address: 198.18.10.50/32, bgp: {} }
  - { name: plain, address: 198.18.10.51/32 }
";
    assert_eq!(
        errors(text),
        "cluster.yaml:2:45: nodes[0].bgp: a node's own BGP settings need the top-level `bgp:` section (asn, peers); add it, or remove this `bgp:`
cluster.yaml:4:49: vips[0].bgp: this VIP is announced over BGP, but the file has no top-level `bgp:`; add one with this cluster's AS and its routers, like bgp: { asn: 64512, peers: [{ address: 198.18.0.1, asn: 64500 }] }
cluster.yaml:5:5: vips[1]: missing key 'vrrp'; it needs at least `vrid:`, a number from 1 to 255 (the same on every node of this VIP)"
    );
}

#[test]
fn unknown_bgp_keys_are_named_with_the_word_to_write() {
    let text = "nodes:
  - { name: kg1, address: 198.18.0.11 }
  - { name: kg2, address: 198.18.0.12 }
  - { name: kg3, address: 198.18.0.13 }
bgp:
  peers: [ { address: 198.18.0.1, asn: 64500, remote_as: 5, holdtime: 3 } ]
  router_id: 198.18.0.99
vips:
  - { name: api, address: 198.18.10.50/32, bgp: { community: x }, vrrp: { vrid: 5 } }
  - { name: plain, address: 198.18.10.51/32 }
";
    assert_eq!(
        errors(text),
        "cluster.yaml:6:47: unknown key 'remote_as' in bgp.peers[0]; write `asn` (the peer's AS)
cluster.yaml:6:61: unknown key 'holdtime' in bgp.peers[0]; write `hold_time` with a unit, like 9s
cluster.yaml:9:51: unknown key 'community' in vips[0].bgp; write `communities: [\"64512:100\"]`"
    );
}

#[test]
fn router_ids_are_unique_within_an_as_and_not_zero() {
    let text = "nodes:
  - { name: kg1, address: 198.18.0.11 }
  - { name: kg2, address: 198.18.0.12, bgp: { router_id: 198.18.0.11 } }
  - { name: kg3, address: 198.18.0.13, bgp: { router_id: 0.0.0.0, asn: 64512 } }
bgp:
  asn: 64512
vips:
  - { name: api, address: 198.18.10.50/32, bgp: {} }
frontends:
  - { name: api, bind: 198.18.10.50, backends: [\"198.18.0.11:6443\"] }
";
    assert_eq!(
        errors(text),
        "cluster.yaml:3:58: nodes[1].bgp.router_id: router id 198.18.0.11 is already node 'kg1''s in AS 64512; router ids are unique within an AS (RFC 6286 §2.1)
cluster.yaml:4:58: nodes[2].bgp.router_id: 0.0.0.0 cannot be a router id (RFC 6286 §2.1: it is non-zero)
cluster.yaml:10:24: frontends[0].bind: 198.18.10.50 is VIP api's address; a frontend binding the VIP's address must use a port, like 198.18.10.50:8443"
    );
}

#[test]
fn a_vip_with_neither_vrrp_nor_bgp_is_refused_as_before_and_told_of_bgp() {
    assert_eq!(
        errors(&file(
            SECTION,
            "  - { name: api, address: 198.18.10.50/32, bgp: {} }\n  - { name: other, address: 198.18.10.51 }\n"
        )),
        "cluster.yaml:11:5: vips[1]: missing key 'vrrp'; it needs at least `vrid:`, a number \
         from 1 to 255 (the same on every node of this VIP), or write `bgp: {}` instead to have \
         every healthy node announce it over BGP"
    );
}

#[test]
fn one_fixed_router_id_for_several_nodes_of_one_as_is_refused() {
    assert_eq!(
        errors(&file("  asn: 64512\n  router_id: 198.18.0.99\n", VIP)),
        "cluster.yaml:7:14: bgp.router_id: router id 198.18.0.99 would be used by 'kg1' and \
         'kg2', both in AS 64512; router ids are unique within an AS (RFC 6286 §2.1): write \
         `auto` (each node's own address) or give each node its own in nodes[].bgp.router_id"
    );
    // Nodes in different ASes may share one.
    let text = "nodes:
  - { name: kg1, address: 198.18.0.11 }
  - { name: kg2, address: 198.18.0.12, bgp: { asn: 64513, router_id: 198.18.0.11 } }
bgp:
  asn: 64512
vips:
  - { name: api, address: 198.18.10.50/32, bgp: {} }
";
    let cfg = parse(text);
    let bgp = cfg.bgp.as_ref().unwrap();
    assert_eq!(
        bgp.router_id_of(&node(&cfg, "kg2")),
        bgp.router_id_of(&node(&cfg, "kg1"))
    );
}

#[test]
fn names_and_addresses_are_unique_across_vrrp_and_bgp_vips() {
    assert_eq!(
        errors(&file(
            SECTION,
            "  - { name: api, address: 198.18.10.50/24, vrrp: { vrid: 51 } }
  - { name: api, address: 198.18.10.50, bgp: {} }
  - { name: web, address: 198.18.10.60, bgp: {} }
  - { name: web, address: 198.18.10.60/24, vrrp: { vrid: 52 } }
"
        )),
        "cluster.yaml:11:13: vips[1].name: VIP name 'api' is already used at line 10; names must \
         be unique
cluster.yaml:11:27: vips[1].address: 198.18.10.50 is already the address of the VIP at line \
         10; each VIP needs its own address
cluster.yaml:13:13: vips[3].name: VIP name 'web' is already used at line 12; names must be \
         unique
cluster.yaml:13:27: vips[3].address: 198.18.10.60 is already the address of the VIP at line \
         12; each VIP needs its own address"
    );
}

#[test]
fn a_passive_peer_is_refused_with_what_to_do() {
    let text = "nodes:
  - { name: kg1, address: 198.18.0.11 }
bgp:
  asn: 64512
  peers:
    - { address: 198.18.0.1, asn: 64500, passive: true }
vips:
  - { name: api, address: 198.18.10.50/32, bgp: {} }
";
    let errors = kubegate_config::parse_str(text, std::path::Path::new("cluster.yaml"))
        .expect_err("passive: true is refused")
        .to_string();
    assert!(
        errors.contains(
            "cluster.yaml:6:51: bgp.peers[0].passive: kubegate connects to the router itself"
        ),
        "{errors}"
    );
    assert!(errors.contains("leave it out"), "{errors}");
}

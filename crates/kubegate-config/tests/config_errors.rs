//! Config errors: exact `file:line:col: key: message` texts, suggestions for unknown keys, and
//! several problems reported together.

use std::path::Path;

use kubegate_config as config;

/// All messages for `text`, one per line (the file must be invalid).
fn errors(text: &str) -> String {
    match config::parse_str(text, Path::new("cluster.yaml")) {
        Ok(cfg) => panic!("expected errors, got {cfg:?}"),
        Err(e) => e.to_string(),
    }
}

/// Two nodes and one VIP whose `vrrp:` block is `vrrp` (indented under the VIP).
fn with_vrrp(vrrp: &str) -> String {
    format!(
        "nodes:
  - {{ name: master1, address: 10.0.0.51 }}
  - {{ name: master2, address: 10.0.0.52 }}
vips:
  - name: api
    address: 10.0.0.50/24
    vrrp:
{vrrp}"
    )
}

#[test]
fn vrid_out_of_range() {
    assert_eq!(
        errors(&with_vrrp("      vrid: 300\n")),
        "cluster.yaml:8:13: vips[0].vrrp.vrid: 300 is out of range; use 1 to 255 (the same on \
         every node of this VIP)"
    );
}

#[test]
fn unknown_keys_get_a_suggestion_and_all_are_reported() {
    let text =
        with_vrrp("      vrid: 51\n      prioirty: { master1: 150 }\n      nopreempt: true\n")
            + "    intreface: eth0\n";
    assert_eq!(
        errors(&text),
        "cluster.yaml:9:7: unknown key 'prioirty' in vips[0].vrrp; did you mean 'priority'?\n\
         cluster.yaml:10:7: unknown key 'nopreempt' in vips[0].vrrp; write `preempt: false`\n\
         cluster.yaml:11:5: unknown key 'intreface' in vips[0]; did you mean 'interface'?"
    );
}

#[test]
fn an_unknown_key_far_from_any_known_one_lists_the_keys() {
    assert_eq!(
        errors("nodes:\n  - { name: a, address: 10.0.0.1, zone: x }\n"),
        "cluster.yaml:2:35: unknown key 'zone' in nodes[0]; known keys here: name, address, bgp"
    );
}

#[test]
fn admin_bind_off_the_loopback_needs_a_token_file() {
    let text = with_vrrp("      vrid: 51\n") + "admin:\n  bind: 0.0.0.0:9099\n";
    let e = errors(&text);
    assert!(
        e.starts_with("cluster.yaml:10:9: admin.bind: 0.0.0.0:9099 is not a loopback address, so the endpoint needs a token: add `token_file:"),
        "{e}"
    );
}

#[test]
fn admin_keys_and_values_are_checked() {
    let text = with_vrrp("      vrid: 51\n") + "admin:\n  bind: 9099\n  tokenfile: /x\n";
    assert_eq!(
        errors(&text),
        "cluster.yaml:11:3: unknown key 'tokenfile' in admin; did you mean 'token_file'?"
    );
    let text = with_vrrp("      vrid: 51\n") + "admin:\n  bind: 9099\n";
    assert_eq!(
        errors(&text),
        "cluster.yaml:10:9: admin.bind: 9099 is a port alone; write ADDRESS:PORT, like \
         127.0.0.1:9099, or `off`"
    );
}

#[test]
fn many_value_errors_are_reported_together_in_file_order() {
    let text = with_vrrp(
        "      vrid: 0
      version: 3
      advert_interval: 2
      preempt: yes please
      preempt_delay: 15ms
      priority: { master1: 255, master3: 10 }
      auth_pass: secret
      checksum: pseudoheader
",
    );
    assert_eq!(
        errors(&text),
        "cluster.yaml:8:13: vips[0].vrrp.vrid: 0 is out of range; use 1 to 255 (the same on every \
         node of this VIP)\n\
         cluster.yaml:10:24: vips[0].vrrp.advert_interval: 2 has no unit; write 2s or 2ms\n\
         cluster.yaml:11:16: vips[0].vrrp.preempt: expected true or false, found \"yes please\"\n\
         cluster.yaml:13:28: vips[0].vrrp.priority.master1: 255 is reserved for the owner of the \
         VIP address (RFC 5798 §5.2.4), which this node is not; use 1 to 254\n\
         cluster.yaml:13:33: vips[0].vrrp.priority: 'master3' is not a node in `nodes:`; did you \
         mean 'master1'?\n\
         cluster.yaml:14:18: vips[0].vrrp.auth_pass: auth_pass is VRRPv2 PASS authentication; \
         version 3 has none (RFC 5798); remove it or set `version: 2`\n\
         cluster.yaml:15:17: vips[0].vrrp.checksum: \"pseudoheader\" is not one of \
         pseudo-header, rfc9568; did you mean 'pseudo-header'?"
    );
}

#[test]
fn advert_intervals_follow_the_version() {
    assert_eq!(
        errors(&with_vrrp("      vrid: 51\n      advert_interval: 15ms\n")),
        "cluster.yaml:9:24: vips[0].vrrp.advert_interval: 15ms is not a VRRPv3 interval; use a \
         multiple of 10ms from 10ms to 40.95s (like 100ms or 1s)"
    );
    assert_eq!(
        errors(&with_vrrp(
            "      vrid: 51\n      version: 2\n      advert_interval: 500ms\n"
        )),
        "cluster.yaml:10:24: vips[0].vrrp.advert_interval: 500ms is not a VRRPv2 interval; \
         version 2 counts whole seconds from 1s to 255s (for sub-second failover use version 3)"
    );
    assert_eq!(
        errors(&with_vrrp("      vrid: 51\n      advert_interval: 41s\n")),
        "cluster.yaml:9:24: vips[0].vrrp.advert_interval: 41000ms is not a VRRPv3 interval; use \
         a multiple of 10ms from 10ms to 40.95s (like 100ms or 1s)"
    );
}

#[test]
fn version_2_settings() {
    assert_eq!(
        errors(&with_vrrp(
            "      vrid: 51\n      version: 2\n      auth_pass: \"123456789\"\n      checksum: rfc9568\n"
        )),
        "cluster.yaml:10:18: vips[0].vrrp.auth_pass: the password is 9 bytes; VRRPv2 PASS carries \
         1 to 8 bytes (keepalived silently cuts longer ones, so peers may disagree)\n\
         cluster.yaml:11:17: vips[0].vrrp.checksum: checksum applies to version 3 only; VRRPv2 \
         checksums never include a pseudo-header (RFC 3768 §5.3.8); remove it"
    );
    assert_eq!(
        errors(&with_vrrp("      vrid: 51\n      version: 4\n")),
        "cluster.yaml:9:16: vips[0].vrrp.version: 4 is not a VRRP version; use 3 (RFC 5798) or 2 \
         (RFC 3768, for old keepalived peers)"
    );
}

#[test]
fn priorities_must_cover_every_node() {
    assert_eq!(
        errors(&with_vrrp(
            "      vrid: 51\n      priority: { master1: 150 }\n"
        )),
        "cluster.yaml:9:17: vips[0].vrrp.priority: no priority for master2; give every node a \
         priority, or leave `priority` out for the default (150 down to 50 by order of nodes)"
    );
}

#[test]
fn nodes_are_unique_and_of_one_family() {
    let text = "nodes:
  - { name: master1, address: 10.0.0.51 }
  - { name: master1, address: 10.0.0.52 }
  - { name: master3, address: 10.0.0.51 }
  - { name: master4, address: 'fd00::4' }
  - { name: master5, address: 10.0.0.55/24 }
  - { name: bad name, address: 10.0.0.56 }
  - { name: master7 }
vips:
  - { name: api, address: 10.0.0.50, vrrp: { vrid: 1 } }
";
    assert_eq!(
        errors(text),
        "cluster.yaml:3:13: nodes[1].name: node name 'master1' is already used by the node at \
         line 2; names must be unique\n\
         cluster.yaml:4:31: nodes[2].address: 10.0.0.51 is already the address of node \
         'master1'; each node needs its own address\n\
         cluster.yaml:5:31: nodes[3].address: fd00::4 is not of the same IP family as node \
         'master1' (10.0.0.51); VRRP peers talk in one family, so give all nodes IPv4 or all IPv6 \
         addresses\n\
         cluster.yaml:6:31: nodes[4].address: write the node's address without a prefix length: \
         10.0.0.55\n\
         cluster.yaml:7:13: nodes[5].name: \"bad name\" is not a usable name; use up to 64 \
         letters, digits, '.', '_' or '-', starting with a letter or digit\n\
         cluster.yaml:8:5: nodes[6]: missing key 'address'; give the node's own IP address, like \
         10.0.0.51"
    );
}

#[test]
fn vips_are_unique_and_not_a_node_address() {
    let text = "nodes:
  - { name: a, address: 10.0.0.1 }
  - { name: b, address: 10.0.0.2 }
vips:
  - { name: api, address: 10.0.0.50, vrrp: { vrid: 1 } }
  - { name: api, address: 10.0.0.50, vrrp: { vrid: 1 } }
  - { name: own, address: 10.0.0.2, vrrp: { vrid: 2 } }
  - { name: six, address: 'fd00::50', vrrp: { vrid: 3, version: 2 } }
  - { name: novrrp, address: 10.0.0.60 }
";
    assert_eq!(
        errors(text),
        "cluster.yaml:6:13: vips[1].name: VIP name 'api' is already used at line 5; names must \
         be unique\n\
         cluster.yaml:6:27: vips[1].address: 10.0.0.50 is already the address of the VIP at line \
         5; each VIP needs its own address\n\
         cluster.yaml:6:52: vips[1].vrrp.vrid: VRID 1 is already used by the VIP at line 5; give \
         each VIP its own VRID\n\
         cluster.yaml:7:27: vips[2].address: 10.0.0.2 is node 'b''s own address; a VIP must be an \
         unused address (owner mode, priority 255, is not supported yet)\n\
         cluster.yaml:8:27: vips[3].address: fd00::50 is not of the same IP family as the node \
         addresses (a has 10.0.0.1); VRRP runs between the nodes in the VIP's family\n\
         cluster.yaml:8:65: vips[3].vrrp.version: VRRP version 2 is IPv4 only (RFC 3768); use \
         version 3 for an IPv6 VIP\n\
         cluster.yaml:9:5: vips[4]: missing key 'vrrp'; it needs at least `vrid:`, a number from 1 to 255 (the \
         same on every node of this VIP)"
    );
}

#[test]
fn unicast_needs_two_nodes() {
    let text = "nodes:\n  - { name: a, address: 10.0.0.1 }\nvips:\n  - name: api\n    address: 10.0.0.50\n    vrrp: { vrid: 1 }\n";
    assert_eq!(
        errors(text),
        "cluster.yaml:6:11: vips[0].vrrp.transport: unicast VRRP needs at least two nodes to talk \
         to; add the other nodes under `nodes:` or use `transport: multicast`"
    );
    let ok = text.replace("{ vrid: 1 }", "{ vrid: 1, transport: multicast }");
    assert!(config::parse_str(&ok, Path::new("cluster.yaml")).is_ok());
}

#[test]
fn tracker_entries() {
    let text = with_vrrp("      vrid: 51\n")
        + "    track:
      - { script: check, tcp: 127.0.0.1:6443 }
      - { interface: eth0, fall: 2 }
      - { tcp: 'localhost:6443', weight: -254 }
      - { script: check, interval: 2 }
      - { frontend: api }
      - { weight: 5 }
";
    assert_eq!(
        errors(&text),
        "cluster.yaml:10:9: vips[0].track[0]: this entry has both `script` and `tcp`; write one \
         check per entry\n\
         cluster.yaml:11:34: vips[0].track[1].fall: an interface tracker follows the link state \
         as it changes; remove `fall` (only `weight` applies)\n\
         cluster.yaml:12:16: vips[0].track[2].tcp: \"localhost:6443\" is not IP:PORT; write it \
         like 127.0.0.1:6443 or [::1]:6443 (host names are not resolved)\n\
         cluster.yaml:12:42: vips[0].track[2].weight: -254 is out of range; use -253 to 253 \
         (keepalived semantics; 0 = failure puts the VIP in FAULT)\n\
         cluster.yaml:13:36: vips[0].track[3].interval: 2 has no unit; write 2s or 2ms\n\
         cluster.yaml:14:21: vips[0].track[4].frontend: no frontend is named 'api'; add it under \
         `frontends:` (name, bind, backends), or track with `tcp: ADDRESS:PORT`\n\
         cluster.yaml:15:9: vips[0].track[5]: a track entry needs one of `script: COMMAND`, \
         `interface: NAME`, `tcp: ADDRESS:PORT` or `frontend: NAME`"
    );
}

#[test]
fn structure_and_syntax_errors_are_located() {
    assert_eq!(
        errors("nodes: 5\n"),
        "cluster.yaml:1:8: nodes: expected a list here (lines starting with `- `)"
    );
    assert_eq!(
        errors("nodes:\n  - name: [a]\n"),
        "cluster.yaml:2:5: nodes[0].name: expected a single value (text, number or true/false), \
         not a list or a mapping, found sequence"
    );
    assert_eq!(
        errors("nodes: []\nnodes: []\n"),
        "cluster.yaml:2:1: the key 'nodes' appears twice in this mapping; keep one"
    );
    let syntax = errors("nodes: {\n");
    assert!(syntax.starts_with("cluster.yaml:1:8: "), "{syntax}");
    assert_eq!(
        errors("# nothing yet\n"),
        "cluster.yaml: the file must be a YAML mapping with `vips:`, `frontends:` or both (see the \
         examples)"
    );
    // Without VIPs, nodes are not needed; but there must be something to run.
    assert_eq!(
        errors("vips: []\n"),
        "cluster.yaml:1:7: vips: the list is empty; add at least a VIP (name, address, vrrp: { \
         vrid }), or a frontend (name, bind, backends) under `frontends:`"
    );
    assert_eq!(
        errors("frontends: []\n"),
        "cluster.yaml:1:12: frontends: the list is empty; add at least a frontend (name, bind, \
         backends), or a VIP (name, address, vrrp: { vrid }) under `vips:`"
    );
    assert_eq!(
        errors("nodes: [{ name: a, address: 10.0.0.1 }]\n"),
        "cluster.yaml:1:1: nothing to run: add `vips:` with at least a VIP (name, address, vrrp: \
         { vrid }), `frontends:` with at least a frontend (name, bind, backends), or both"
    );
    // With VIPs, nodes are required.
    assert_eq!(
        errors("vips: [{ name: api, address: 10.0.0.50, vrrp: { vrid: 1 } }]\n"),
        "cluster.yaml:1:1: missing key 'nodes'; list the machines that run kubegate, like nodes: \
         [{ name: master1, address: 10.0.0.51 }]"
    );
}

#[test]
fn extra_peers_must_be_other_routers_of_the_vips_family() {
    assert_eq!(
        errors(&with_vrrp(
            "      vrid: 51\n      extra_peers: [10.0.0.52, 'fd00::9', 10.0.0.9, 10.0.0.9, nine]\n"
        )),
        "cluster.yaml:9:21: vips[0].vrrp.extra_peers[0]: 10.0.0.52 is node master2's address, \
         already a peer; list only routers that are not under `nodes:`\n\
         cluster.yaml:9:32: vips[0].vrrp.extra_peers[1]: fd00::9 is not of the VIP's address \
         family; a VRRP router speaks for one family (RFC 5798 §5.2.9)\n\
         cluster.yaml:9:53: vips[0].vrrp.extra_peers[3]: 10.0.0.9 is listed twice; keep one\n\
         cluster.yaml:9:63: vips[0].vrrp.extra_peers[4]: \"nine\" is not an IP address; write the \
         other router's own address, like 10.0.0.9"
    );
}

#[test]
fn accept_any_source_is_for_multicast() {
    assert_eq!(
        errors(&with_vrrp(
            "      vrid: 51\n      accept_any_source: true\n"
        )),
        "cluster.yaml:9:26: vips[0].vrrp.accept_any_source: accept_any_source applies to \
         `transport: multicast`; unicast adverts are taken from the nodes and `extra_peers` only \
         (name a router that is not a node in `extra_peers`)"
    );
    let ok = with_vrrp(
        "      vrid: 51\n      transport: multicast\n      accept_any_source: true\n      extra_peers: [10.0.0.9]\n",
    );
    let cfg = config::parse_str(&ok, Path::new("cluster.yaml")).expect("valid");
    let v = &cfg.vips[0];
    assert!(v.vrrp.accept_any_source);
    assert_eq!(
        cfg.peers_of(v, cfg.node("master1").unwrap()),
        [
            "10.0.0.52".parse::<std::net::IpAddr>().unwrap(),
            "10.0.0.9".parse().unwrap()
        ]
    );
}

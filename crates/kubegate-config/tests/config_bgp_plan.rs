//! BGP mode after validation: what a reload changes for one node (BGP VIPs added, removed,
//! announced again or updated; sessions opened, closed, restarted or updated) and what
//! `kubegate check` says about each session and each BGP VIP.

use std::net::IpAddr;
use std::path::Path;

use kubegate_config::changes::{changes, BgpVipChange, Changes, SessionChange};
use kubegate_config::model::{ClusterConfig, Node};
use kubegate_config::plan::{check_report, explain};

fn parse(text: &str) -> ClusterConfig {
    kubegate_config::parse_str(text, Path::new("cluster.yaml"))
        .unwrap_or_else(|e| panic!("the test's file does not parse: {e}\n{text}"))
}

const NODES: &str = "nodes:
  - { name: kg1, address: 198.18.0.11 }
  - { name: kg2, address: 198.18.0.12 }
";

fn file(bgp: &str, vips: &str) -> ClusterConfig {
    parse(&format!(
        "{NODES}bgp:\n{bgp}vips:\n{vips}frontends:\n  - {{ name: api, bind: \"198.18.10.50:8443\", backends: [\"198.18.0.11:6443\"], check: {{ https: /readyz, interval: 1s, fall: 3 }} }}\n"
    ))
}

const SECTION: &str = "  asn: 64512
  peers:
    - { address: 198.18.0.1, asn: 64500, bfd: true }
";

const API: &str =
    "  - { name: api, address: 198.18.10.50/32, bgp: {}, track: [ { frontend: api } ] }
";

fn diff(old: &ClusterConfig, new: &ClusterConfig) -> Changes {
    changes(old, new, "kg1").unwrap_or_else(|e| panic!("expected changes, got Err({e})"))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn me(cfg: &ClusterConfig, name: &str) -> Node {
    cfg.node(name).unwrap().clone()
}

#[test]
fn adding_and_removing_a_bgp_vip() {
    let one = file(SECTION, API);
    let two = file(
        SECTION,
        &format!("{API}  - {{ name: web, address: 198.18.10.60, bgp: {{}} }}\n"),
    );
    let c = diff(&one, &two);
    assert_eq!(c.bgp_vips, vec![BgpVipChange::Added("web".into())]);
    assert!(c.vips.is_empty() && c.bgp_sessions.is_empty(), "{c:?}");
    assert_eq!(
        c.describe(),
        ["bgp vip web added (announced while its trackers pass)"]
    );
    let c = diff(&two, &one);
    assert_eq!(c.bgp_vips, vec![BgpVipChange::Removed("web".into())]);
    assert_eq!(c.describe(), ["bgp vip web removed (withdrawn)"]);
    assert!(diff(&one, &one.clone()).is_empty());
}

#[test]
fn a_new_address_or_attribute_announces_again_and_new_trackers_apply_live() {
    let old = file(SECTION, API);
    let new = file(
        SECTION,
        "  - { name: api, address: 198.18.10.51/32, bgp: { communities: [\"64512:1\"], med: 5 }, track: [ { frontend: api } ] }\n",
    );
    let c = diff(&old, &new);
    assert_eq!(
        c.bgp_vips,
        vec![BgpVipChange::Reannounced {
            name: "api".into(),
            what: vec!["address", "communities", "med"]
        }]
    );
    let new = file(
        SECTION,
        "  - { name: api, address: 198.18.10.50/32, bgp: {} }\n",
    );
    let c = diff(&old, &new);
    assert_eq!(
        c.describe(),
        ["bgp vip api: track changed (applied live)"],
        "{c:?}"
    );
}

#[test]
fn sessions_open_close_restart_or_update_per_node() {
    let old = file(SECTION, API);
    let new = file(
        "  asn: 64512
  peers:
    - { address: 198.18.0.1, asn: 64500, bfd: false, keepalive: 2s }
    - { address: 198.18.0.2, asn: 64500 }
    - { address: 198.18.0.3, asn: 64500, nodes: [kg2] }
",
        API,
    );
    let c = diff(&old, &new);
    assert_eq!(
        c.bgp_sessions,
        vec![
            SessionChange::Updated {
                peer: ip("198.18.0.1"),
                what: vec!["keepalive", "bfd"]
            },
            SessionChange::Added(ip("198.18.0.2")),
        ],
        "kg1 does not talk to 198.18.0.3"
    );
    let c = diff(&new, &old);
    assert_eq!(c.bgp_sessions[1], SessionChange::Removed(ip("198.18.0.2")));

    let other_as = file(
        "  asn: 64512\n  peers:\n    - { address: 198.18.0.1, asn: 64501, bfd: true, hold_time: 30s }\n",
        API,
    );
    assert_eq!(
        diff(&old, &other_as).describe(),
        ["bgp peer 198.18.0.1: asn, hold_time changed (session started again)"]
    );
    let our_as = file(
        "  asn: 64513\n  peers:\n    - { address: 198.18.0.1, asn: 64500, bfd: true }\n",
        API,
    );
    assert_eq!(
        diff(&old, &our_as).bgp_sessions,
        vec![SessionChange::Restarted {
            peer: ip("198.18.0.1"),
            because: vec!["our asn"]
        }]
    );
}

#[test]
fn a_node_gone_from_a_file_with_bgp_vips_keeps_the_running_config() {
    let old = file(SECTION, API);
    let new = parse(&format!(
        "nodes:\n  - {{ name: kg2, address: 198.18.0.12 }}\nbgp:\n{SECTION}vips:\n  - {{ name: api, address: 198.18.10.50/32, bgp: {{}} }}\n"
    ));
    assert_eq!(
        changes(&old, &new, "kg1"),
        Err("this node (kg1) is not in nodes: of the new file; the running config is kept".into())
    );
}

#[test]
fn check_explains_each_session_and_each_bgp_vip() {
    let cfg = file(
        "  asn: 64512
  peers:
    - { address: 198.18.0.1, asn: 64500, bfd: true }
    - { address: 198.18.0.2, asn: 64512, password_file: /etc/kubegate/rr.key, multihop: 2, hold_time: 30s }
",
        "  - name: api
    address: 198.18.10.50/32
    bgp: { communities: [\"64512:100\", no-export], large_communities: [\"64512:1:1\"], local_pref: 200, med: 10 }
    track:
      - frontend: api
      - { script: /usr/local/bin/extra-check, fall: 2, interval: 2s }
",
    );
    let lines = explain(&cfg, &me(&cfg, "kg1"));
    let expected = [
        "BGP: kg1 speaks as AS 64512 with router id 198.18.0.11, to 2 peers.",
        "kg1 connects to 198.18.0.1 port 179 (AS 64500, eBGP); hold time 9 s, keepalive every 3 s; \
         BFD 300 ms × 3: a dead node or link is noticed within 900 ms.",
        "kg1 connects to 198.18.0.2 port 179 (AS 64512, iBGP); hold time 30 s, \
         keepalive every 10 s; no BFD: a dead node or link is noticed only when the hold time \
         runs out (30 s); TCP-MD5 (RFC 2385) with the key in /etc/kubegate/rr.key; TTL 2 \
         (multihop).",
        "VIP api 198.18.10.50/32: announced over BGP by every node whose trackers pass (kg1 and \
         kg2), so the routers spread flows across them (ECMP); communities 64512:100, no-export; \
         large communities 64512:1:1; local_pref 200 (to iBGP peers); med 10.",
        "kg1 announces 198.18.10.50/32 to 198.18.0.1 (AS 64500, eBGP, BFD 300 ms × 3) and \
         198.18.0.2 (AS 64512, iBGP) with itself as next hop while frontend api has a ready \
         backend and `/usr/local/bin/extra-check` succeeds; withdraws it as soon as frontend api \
         has none (a backend counts as down after 3 failed checks, 1 s apart) or \
         `/usr/local/bin/extra-check` fails 2 times in a row (every 2 s); on stop it withdraws \
         first, waits for the routers to converge, then drains.",
    ];
    assert_eq!(lines[..expected.len()], expected, "{lines:#?}");
    assert!(
        lines[expected.len()].starts_with(
            "frontend api listens on 198.18.10.50:8443 (BGP VIP api's address: bound before \
             this node announces it)"
        ),
        "{lines:#?}"
    );
    let report = check_report(&cfg, &me(&cfg, "kg1"), &[]);
    assert!(
        report.starts_with("cluster.yaml: OK (2 nodes, 1 VIP, 1 frontend)\nthis node: kg1"),
        "{report}"
    );
    assert!(report.contains(expected[4]), "{report}");
}

#[test]
fn check_warns_of_settings_that_do_nothing() {
    let cfg = file(
        "  asn: 64512
  peers:
    - { address: 198.18.0.1, asn: 64500, nodes: [kg2] }
",
        "  - { name: api, address: 198.18.10.50/32, bgp: { local_pref: 200 } }\n",
    );
    let kg1 = explain(&cfg, &me(&cfg, "kg1"));
    assert!(
        kg1.contains(
            &"warning: kg1 has no BGP peer (each peer's `nodes:` leaves it out, or there are \
              none), so it announces no VIP."
                .to_string()
        ),
        "{kg1:#?}"
    );
    let kg2 = explain(&cfg, &me(&cfg, "kg2"));
    assert!(
        kg2.contains(
            &"warning: VIP api sets local_pref 200, but kg2 has no iBGP peer: LOCAL_PREF is \
              sent to peers in its own AS only (RFC 4271 §5.1.5), so it changes nothing; use \
              med or communities towards eBGP peers."
                .to_string()
        ),
        "{kg2:#?}"
    );
    assert!(
        kg2.iter().any(|l| l.starts_with(
            "VIP api 198.18.10.50/32: announced over BGP by every node whose trackers pass \
             (kg2)"
        )),
        "{kg2:#?}"
    );

    let v6 = file(
        SECTION,
        "  - { name: api6, address: \"2001:db8::50\", bgp: {} }\n",
    );
    let lines = explain(&v6, &me(&v6, "kg1"));
    assert!(
        lines.contains(
            &"warning: none of kg1's peers is IPv6, so it announces 2001:db8::50/128 to no one; \
              add a peer of that family."
                .to_string()
        ),
        "{lines:#?}"
    );
}

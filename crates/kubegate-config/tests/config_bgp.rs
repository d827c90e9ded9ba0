//! BGP mode in the config: the top-level `bgp:` (AS, router ids, peers, BFD timing),
//! `nodes[].bgp:` and `vips[].bgp:` → the model with every default, a full example, and the
//! model's per-node helpers. The mistakes are in `config_bgp_errors.rs`; the reload diff and
//! `kubegate check`'s words in `config_bgp_plan.rs`.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use kubegate_config::model::{
    BfdSettings, Bgp, BgpPeer, BgpVip, ClusterConfig, Community, LargeCommunity, Node, NodeBgp,
    RouterId, Tracker, TrackerKind,
};

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
fn every_default() {
    let cfg = parse(&file(SECTION, VIP));
    let bgp = cfg.bgp.clone().expect("bgp section");
    assert_eq!(
        bgp,
        Bgp {
            asn: 64512,
            router_id: RouterId::Auto,
            peers: vec![BgpPeer {
                address: "198.18.0.1".parse().unwrap(),
                asn: 64500,
                port: 179,
                password_file: None,
                hold_time: Duration::from_secs(9),
                keepalive: Duration::from_secs(3),
                multihop: 1,
                bfd: false,
                nodes: None,
            }],
            bfd: BfdSettings {
                interval: Duration::from_millis(300),
                multiplier: 3,
            },
            node_overrides: Default::default(),
        }
    );
    assert_eq!(
        cfg.bgp_vips,
        vec![BgpVip {
            name: "api".into(),
            address: "198.18.10.50".parse().unwrap(),
            communities: vec![],
            large_communities: vec![],
            local_pref: None,
            med: None,
            track: vec![],
        }]
    );
    assert!(cfg.vips.is_empty(), "a BGP VIP is not a VRRP VIP");
    assert!(cfg.needs_identity());
    assert_eq!(cfg.bgp_vips[0].prefix_len(), 32);
    assert_eq!(bgp.bfd.detection_time(), Duration::from_millis(900));
}

#[test]
fn a_vip_without_prefix_is_a_host_route_and_bgp_alone_means_bgp_empty() {
    let cfg = parse(&file(
        SECTION,
        "  - name: v4
    address: 198.18.10.50
    bgp:
  - { name: v6, address: \"2001:db8::50\", bgp: {} }
  - { name: v6b, address: \"2001:db8::51/128\", bgp: {} }
",
    ));
    let lens: Vec<(String, u8)> = cfg
        .bgp_vips
        .iter()
        .map(|v| (v.name.clone(), v.prefix_len()))
        .collect();
    assert_eq!(
        lens,
        [("v4".into(), 32), ("v6".into(), 128), ("v6b".into(), 128)]
    );
}

#[test]
fn keepalive_defaults_to_a_third_of_the_hold_time_in_whole_seconds() {
    for (hold, keepalive) in [("9s", 3), ("10s", 3), ("3s", 1), ("90s", 30), ("0s", 0)] {
        let cfg = parse(&file(
            &format!(
                "  asn: 64512\n  peers:\n    - {{ address: 198.18.0.1, asn: 64500, hold_time: {hold} }}\n"
            ),
            VIP,
        ));
        let p = &cfg.bgp.unwrap().peers[0];
        assert_eq!(p.keepalive, Duration::from_secs(keepalive), "hold {hold}");
    }
}

/// The example and every key set.
const FULL: &str = "nodes:
  - { name: kg1, address: 198.18.0.11 }
  - { name: kg2, address: 198.18.0.12, bgp: { asn: 64513 } }
  - { name: kg3, address: 198.18.0.13, bgp: { router_id: 198.18.255.3 } }
bgp:
  asn: 64512
  router_id: auto
  bfd: { interval: 100ms, multiplier: 5 }
  peers:
    - address: 198.18.0.1
      asn: 64500
      port: 1179
      password_file: /etc/kubegate/leaf1.key
      hold_time: 30s
      keepalive: 5s
      multihop: 2
      bfd: true
      nodes: [kg1, kg2]
    - { address: 198.18.0.2, asn: 64512 }
    - { address: \"2001:db8::1\", asn: 64500 }
vips:
  - name: api
    address: 198.18.10.50/32
    bgp:
      communities: [\"64512:100\", no-export, no-advertise, no-export-subconfed, \"65535:7\"]
      large_communities: [\"64512:1:1\", \"4200000000:4294967295:0\"]
      local_pref: 200
      med: 10
    track:
      - frontend: api
      - script: /usr/local/bin/extra-check
        interval: 2s
  - { name: ingress, address: 198.18.10.60, vrrp: { vrid: 60 } }
frontends:
  - { name: api, bind: \"198.18.10.50:8443\", backends: [\"198.18.0.11:6443\"] }
";

#[test]
fn a_full_example_is_read_into_the_model() {
    let cfg = parse(FULL);
    let bgp = cfg.bgp.clone().unwrap();
    assert_eq!(bgp.asn, 64512);
    assert_eq!(bgp.router_id, RouterId::Auto);
    assert_eq!(
        bgp.bfd,
        BfdSettings {
            interval: Duration::from_millis(100),
            multiplier: 5
        }
    );
    assert_eq!(
        bgp.node_overrides.get("kg2"),
        Some(&NodeBgp {
            asn: Some(64513),
            router_id: None
        })
    );
    assert_eq!(
        bgp.peers[0],
        BgpPeer {
            address: "198.18.0.1".parse().unwrap(),
            asn: 64500,
            port: 1179,
            password_file: Some(PathBuf::from("/etc/kubegate/leaf1.key")),
            hold_time: Duration::from_secs(30),
            keepalive: Duration::from_secs(5),
            multihop: 2,
            bfd: true,
            nodes: Some(vec!["kg1".into(), "kg2".into()]),
        }
    );
    assert_eq!(bgp.peers.len(), 3);
    let api = cfg.bgp_vip("api").unwrap();
    assert_eq!(
        api.communities,
        vec![
            Community((64512 << 16) | 100),
            Community::NO_EXPORT,
            Community::NO_ADVERTISE,
            Community::NO_EXPORT_SUBCONFED,
            Community((65535 << 16) | 7),
        ]
    );
    let shown: Vec<String> = api.communities.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        shown,
        [
            "64512:100",
            "no-export",
            "no-advertise",
            "no-export-subconfed",
            "65535:7"
        ]
    );
    assert_eq!(
        api.large_communities,
        vec![
            LargeCommunity {
                global_admin: 64512,
                local1: 1,
                local2: 1
            },
            LargeCommunity {
                global_admin: 4_200_000_000,
                local1: u32::MAX,
                local2: 0
            },
        ]
    );
    assert_eq!(
        api.large_communities[1].to_string(),
        "4200000000:4294967295:0"
    );
    assert_eq!((api.local_pref, api.med), (Some(200), Some(10)));
    assert_eq!(api.track.len(), 2);
    assert_eq!(api.track[0].kind, TrackerKind::Frontend("api".into()));
    assert!(
        api.track.iter().all(|t: &Tracker| t.weight == 0),
        "weights do not apply to BGP VIPs: {:?}",
        api.track
    );
    assert_eq!(api.track[1].interval, Duration::from_secs(2));
    assert_eq!(cfg.vips.len(), 1, "the VRRP VIP stays in `vips`");
    assert_eq!(cfg.vips[0].name, "ingress");
    assert_eq!(cfg.frontends[0].bind, "198.18.10.50:8443".parse().unwrap());
}

#[test]
fn helpers_answer_per_node() {
    let cfg = parse(FULL);
    let bgp = cfg.bgp.as_ref().unwrap();
    let (kg1, kg2, kg3) = (node(&cfg, "kg1"), node(&cfg, "kg2"), node(&cfg, "kg3"));
    assert_eq!(bgp.asn_of(&kg1), 64512);
    assert_eq!(bgp.asn_of(&kg2), 64513);
    assert_eq!(bgp.asn_of(&kg3), 64512);
    assert_eq!(bgp.router_id_of(&kg1), Some(Ipv4Addr::new(198, 18, 0, 11)));
    assert_eq!(bgp.router_id_of(&kg3), Some(Ipv4Addr::new(198, 18, 255, 3)));
    let peers = |n: &Node| -> Vec<IpAddr> { bgp.peers_of(n).map(|p| p.address).collect() };
    let leaf: IpAddr = "198.18.0.1".parse().unwrap();
    let rr: IpAddr = "198.18.0.2".parse().unwrap();
    let v6: IpAddr = "2001:db8::1".parse().unwrap();
    assert_eq!(peers(&kg1), [leaf, rr, v6]);
    assert_eq!(peers(&kg2), [leaf, rr, v6]);
    assert_eq!(peers(&kg3), [rr, v6], "kg3 is not in the leaf's nodes");
    assert!(bgp.peers[1].is_ibgp(bgp.asn_of(&kg1)));
    assert!(!bgp.peers[1].is_ibgp(bgp.asn_of(&kg2)));
}

#[test]
fn a_fixed_router_id_is_everyones_and_an_ipv6_node_needs_one() {
    let text = "nodes:
  - { name: kg1, address: \"2001:db8::11\" }
bgp:
  asn: 64512
  router_id: 198.18.0.11
vips:
  - { name: api, address: \"2001:db8::50\", bgp: {} }
";
    let cfg = parse(text);
    let kg1 = node(&cfg, "kg1");
    let bgp = cfg.bgp.as_ref().unwrap();
    assert_eq!(bgp.router_id_of(&kg1), Some(Ipv4Addr::new(198, 18, 0, 11)));
    assert!(bgp.peers.is_empty());

    let auto = text.replace("  router_id: 198.18.0.11\n", "");
    assert_eq!(
        errors(&auto),
        "cluster.yaml:4:3: bgp.router_id: node 'kg1' has only the IPv6 address 2001:db8::11, and \
         a BGP router id is an IPv4 address (RFC 6286 §2.1): give each node its own, like nodes: \
         [{ name: kg1, address: 2001:db8::11, bgp: { router_id: 198.18.0.11 } }]"
    );
    let per_node = auto.replace(
        "address: \"2001:db8::11\" }",
        "address: \"2001:db8::11\", bgp: { router_id: 198.18.0.21 } }",
    );
    let cfg = parse(&per_node);
    assert_eq!(
        cfg.bgp.as_ref().unwrap().router_id_of(&node(&cfg, "kg1")),
        Some(Ipv4Addr::new(198, 18, 0, 21))
    );
}
#[test]
fn a_bgp_section_without_bgp_vips_is_valid_and_warned_about() {
    let cfg = parse(&file(
        SECTION,
        "  - { name: api, address: 198.18.10.50/24, vrrp: { vrid: 51 } }\n",
    ));
    assert!(cfg.bgp_vips.is_empty() && cfg.bgp.is_some());
    let lines = kubegate_config::plan::explain(&cfg, &node(&cfg, "kg1"));
    assert!(
        lines.contains(
            &"warning: `bgp:` is set, but no VIP has `bgp:`; nothing is announced (write \
              `bgp: {}` instead of `vrrp:` in a VIP)."
                .to_string()
        ),
        "{lines:#?}"
    );
}

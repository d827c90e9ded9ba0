//! `kubegate doctor`'s VRID check, its pure part: how long it listens, and what the adverts
//! heard on the segment mean for our VIP.

use std::path::Path;
use std::time::Duration;

use kubegate::doctor::vrid::{judge, listen_time, Heard};
use kubegate::doctor::Severity;
use kubegate_config::model::ClusterConfig;
use vrrp::{AdvertRepr, Auth, Version};

fn cfg() -> ClusterConfig {
    kubegate_config::parse_str(
        "nodes:\n  - { name: m1, address: 198.18.0.11 }\n  - { name: m2, address: 198.18.0.12 }\n\
         vips:\n  - { name: api, address: 198.18.0.50/24, vrrp: { vrid: 51 } }\n",
        Path::new("t.yaml"),
    )
    .unwrap()
}

fn heard(from: &str, vrid: u8, vip: &str) -> Heard {
    Heard {
        interface: "eth0".into(),
        from: from.parse().unwrap(),
        advert: AdvertRepr {
            version: Version::V3,
            vrid,
            priority: 100,
            interval_cs: 20,
            addresses: vec![vip.parse().unwrap()],
            auth: Auth::None,
        },
    }
}

fn run(h: &[Heard]) -> Vec<(Severity, String, String)> {
    let c = cfg();
    judge(&c, &c.vips[0], "eth0", h, Duration::from_secs(1))
        .into_iter()
        .map(|f| (f.severity, f.found, f.advice))
        .collect()
}

#[test]
fn listens_three_intervals_at_least_a_second_at_most_the_cap() {
    let cap = Duration::from_secs(10);
    assert_eq!(
        listen_time(Duration::from_millis(200), cap),
        Duration::from_secs(1)
    );
    assert_eq!(
        listen_time(Duration::from_secs(1), cap),
        Duration::from_secs(3)
    );
    assert_eq!(listen_time(Duration::from_secs(5), cap), cap);
    assert_eq!(
        listen_time(Duration::from_secs(1), Duration::from_millis(1500)),
        Duration::from_millis(1500)
    );
}

#[test]
fn silence_is_ok() {
    let f = run(&[heard("198.18.0.99", 7, "198.18.0.77")]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, Severity::Ok);
    assert!(
        f[0].1.starts_with("no other router advertises VRID 51"),
        "{}",
        f[0].1
    );
}

#[test]
fn our_own_nodes_for_our_vip_are_ok() {
    let f = run(&[
        heard("198.18.0.12", 51, "198.18.0.50"),
        heard("198.18.0.12", 51, "198.18.0.50"),
    ]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, Severity::Ok);
    assert_eq!(
        f[0].1,
        "kubegate already runs on m2 for VIP api 198.18.0.50"
    );
}

#[test]
fn a_foreign_router_with_our_vrid_fails_once_and_suggests_free_vrids() {
    let f = run(&[
        heard("198.18.0.99", 51, "198.18.0.77"),
        heard("198.18.0.99", 51, "198.18.0.77"),
        heard("198.18.0.98", 52, "198.18.0.78"),
        heard("198.18.0.12", 51, "198.18.0.50"),
    ]);
    assert_eq!(
        f.len(),
        2,
        "one failure per foreign router, then our node: {f:?}"
    );
    assert_eq!(f[0].0, Severity::Fail);
    assert!(
        f[0].1.starts_with(
            "198.18.0.99, which is none of the nodes, advertises VRID 51 for 198.18.0.77"
        ),
        "{}",
        f[0].1
    );
    assert!(f[0].2.contains("pick another `vrid`"), "{}", f[0].2);
    assert!(
        f[0].2.contains("(free on this segment: 53, 54, 55)"),
        "52 is taken: {}",
        f[0].2
    );
    assert_eq!(f[1].0, Severity::Ok);
}

#[test]
fn our_node_advertising_other_addresses_fails() {
    let f = run(&[heard("198.18.0.11", 51, "198.18.0.70")]);
    assert_eq!(f[0].0, Severity::Fail);
    assert!(f[0]
        .1
        .starts_with("node m1 (198.18.0.11) advertises VRID 51 for 198.18.0.70"));
}

#[test]
fn other_interfaces_and_families_do_not_count() {
    let mut other_if = heard("198.18.0.99", 51, "198.18.0.77");
    other_if.interface = "eth1".into();
    let v6 = Heard {
        from: "2001:2::99".parse().unwrap(),
        advert: AdvertRepr {
            addresses: vec!["2001:2::77".parse().unwrap()],
            ..heard("198.18.0.99", 51, "198.18.0.77").advert
        },
        interface: "eth0".into(),
    };
    let f = run(&[other_if, v6]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, Severity::Ok);
}

#[test]
fn our_node_with_other_settings_warns_of_an_old_router() {
    let mut h = heard("198.18.0.12", 51, "198.18.0.50");
    h.advert.version = Version::V2;
    h.advert.interval_cs = 100;
    let f = run(&[h.clone(), h]);
    assert_eq!(f.len(), 1, "once per sender: {f:?}");
    assert_eq!(f[0].0, Severity::Warn);
    assert_eq!(
        f[0].1,
        "node m2 advertises VIP api 198.18.0.50 with VRRPv2 every 1000 ms, but the file says \
         VRRPv3 every 200 ms: a keepalived still running there, or kubegate with another config"
    );
    assert!(
        f[0].2.starts_with("stop the old router on m2"),
        "{}",
        f[0].2
    );
}

#[test]
fn a_stranger_advertising_our_vip_fails_asking_whether_it_is_a_missing_node() {
    let f = run(&[heard("198.18.0.13", 51, "198.18.0.50")]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, Severity::Fail);
    assert_eq!(
        f[0].1,
        "198.18.0.13, which is none of the nodes, advertises VIP api 198.18.0.50 with VRID 51"
    );
    assert!(
        f[0].2
            .starts_with("if 198.18.0.13 belongs to this cluster, list it under `nodes:`"),
        "{}",
        f[0].2
    );
}

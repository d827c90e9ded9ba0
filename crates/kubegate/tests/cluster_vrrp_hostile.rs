//! VRRP input from the segment that must change nothing, on a live lab with the real binary:
//! a stranger (a real keepalived that is not in `nodes:`) advertising our VRID at priority 254
//! in multicast mode is ignored, logged and counted — unless `accept_any_source` asks for the
//! RFC's behaviour; and the RFC 5798 §7.1 receive checks as a table, one crafted packet kind
//! per row from a router the file names (`extra_peers`), each dropped without a state change
//! and counted under its reason in `/metrics`.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use kubegate::admin::snapshot::VipState;
use kubegate_lab::keepalived::KeepalivedPeer;
use kubegate_lab::{self as lab, Cluster};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use vrrp::{AdvertRepr, Auth, ChecksumForm, Version};

mod cluster_support;
mod interop_support;

const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);
const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// node3's address: the stranger, or the router the file names in `extra_peers`.
const THIRD: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 13);
const PAIR: [&str; 2] = ["node1", "node2"];

/// node1 and node2 run kubegate, VRRPv3 multicast every 100 ms; node3 is not a node.
fn stranger_yaml(extra: &str) -> String {
    format!(
        "nodes:
  - {{ name: node1, address: 198.18.0.11 }}
  - {{ name: node2, address: 198.18.0.12 }}
vips:
  - name: api
    address: 198.18.0.50/24
    vrrp: {{ vrid: 51, advert_interval: 100ms, transport: multicast{extra} }}
"
    )
}

/// A real keepalived on node3, VRID 51 at priority 254, multicast.
fn stranger() -> KeepalivedPeer {
    KeepalivedPeer {
        instance: "STRANGER".into(),
        version: 3,
        vrid: 51,
        priority: 254,
        advert_interval: Duration::from_millis(100),
        unicast: None,
        auth_pass: None,
        preempt: true,
        vip: VIP,
        prefix_len: 24,
        interface: "eth0".into(),
    }
}

/// The pair's `api` VIP: (state, transitions) on node1 and node2.
fn pair_states(c: &Cluster) -> Vec<(VipState, u64)> {
    PAIR.iter()
        .map(|n| {
            let s = cluster_support::status_of(c, n).unwrap();
            (s.vips[0].state, s.vips[0].transitions)
        })
        .collect()
}

/// One node's `/metrics`, fetched in its namespace from the admin endpoint.
fn metrics(c: &Cluster, node: &str) -> String {
    c.segment
        .netns(node)
        .unwrap()
        .enter(|| {
            let mut s = TcpStream::connect_timeout(
                &SocketAddr::from(([127, 0, 0, 1], 9099)),
                Duration::from_secs(2),
            )?;
            s.set_read_timeout(Some(Duration::from_secs(2)))?;
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
            let mut text = String::new();
            s.read_to_string(&mut text)?;
            Ok::<_, std::io::Error>(text)
        })
        .unwrap()
        .unwrap_or_else(|e| panic!("{node}: GET /metrics: {e}"))
}

/// A counter of `api` in a `/metrics` text: `name{vip="api"[,reason="…"]}`.
fn counter(text: &str, name: &str, reason: Option<&str>) -> u64 {
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("metrics parse");
    scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == name
                && s.labels.get("vip") == Some("api")
                && reason.is_none_or(|r| s.labels.get("reason") == Some(r))
        })
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v as u64,
            ref other => panic!("{name}: not a counter: {other:?}"),
        })
        .unwrap_or_else(|| panic!("no {name} {reason:?} for api in:\n{text}"))
}

#[test]
fn a_stranger_at_priority_254_is_ignored_logged_once_and_counted() {
    let _turn = lab::serial();
    interop_support::require_program("keepalived", "apt-get install keepalived");
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 3, &stranger_yaml("")).expect("building the lab");
    for n in PAIR {
        c.start(n).unwrap();
    }
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    let before = pair_states(&c);
    c.start_keepalived("node3", &stranger()).unwrap();
    // keepalived takes the VIP in its own namespace (it hears nobody above 254), so it
    // certainly sends its adverts; 3 s of them change nothing on the pair.
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let holders = c.holders(VIP).unwrap();
        assert!(
            holders.contains(&"node1".to_string()) && !holders.contains(&"node2".to_string()),
            "node1 should keep the VIP and node2 stay backup; holders {holders:?}"
        );
        thread::sleep(Duration::from_millis(50));
    }
    assert!(
        c.holders(VIP).unwrap().contains(&"node3".to_string()),
        "the stranger should have become master on its own (else it sent nothing to ignore)"
    );
    assert_eq!(pair_states(&c), before, "no state change on the pair");
    for n in PAIR {
        let m = metrics(&c, n);
        let foreign = counter(&m, "kubegate_vrrp_foreign_adverts_total", None);
        let ignored = counter(&m, "kubegate_vrrp_dropped_total", Some("unknown_peer"));
        assert!(
            foreign >= 20 && ignored >= 20,
            "{n}: about 30 adverts in 3 s should be counted foreign ({foreign}) and dropped as \
             unknown_peer ({ignored})"
        );
    }
    let logged = c.logs();
    assert_eq!(
        logged
            .lines()
            .filter(|l| l.starts_with("2")
                && l.contains("node1:")
                && l.contains("198.18.0.13 sends VRRP adverts"))
            .count(),
        1,
        "node1 should log the stranger once:\n{logged}"
    );
}

#[test]
fn with_accept_any_source_a_stranger_takes_part_as_the_rfc_says() {
    let _turn = lab::serial();
    interop_support::require_program("keepalived", "apt-get install keepalived");
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let yaml = stranger_yaml(", accept_any_source: true");
    let mut c = Cluster::new(binary, 3, &yaml).expect("building the lab");
    for n in PAIR {
        c.start(n).unwrap();
    }
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    c.start_keepalived("node3", &stranger()).unwrap();
    c.wait_single_holder(VIP, Some("node3"), Duration::from_secs(5))
        .expect("the stranger at 254 should win the election");
}

/// The §7.1 group: VRRPv2 with PASS authentication (so the auth and interval rows apply),
/// multicast, node3 named as an extra peer.
const CHECKED_YAML: &str = "nodes:
  - { name: node1, address: 198.18.0.11 }
  - { name: node2, address: 198.18.0.12 }
vips:
  - name: api
    address: 198.18.0.50/24
    vrrp:
      vrid: 51
      version: 2
      transport: multicast
      auth_pass: secret
      extra_peers: [198.18.0.13]
";

/// A valid advert from node3 for the group, at priority 1 (it never wins).
fn valid() -> AdvertRepr {
    let mut pass = [0u8; 8];
    pass[..6].copy_from_slice(b"secret");
    AdvertRepr {
        version: Version::V2,
        vrid: 51,
        priority: 1,
        interval_cs: 100,
        addresses: vec![IpAddr::V4(VIP)],
        auth: Auth::Pass(pass),
    }
}

fn encode(a: &AdvertRepr) -> Vec<u8> {
    a.to_bytes(
        IpAddr::V4(THIRD),
        IpAddr::V4(GROUP),
        ChecksumForm::PseudoHeader,
    )
    .expect("encoding")
}

/// RFC 1071 checksum of a VRRPv2 message (no pseudo-header, RFC 3768 §5.3.8), written
/// into bytes 6..8 after a field was changed on purpose.
fn fix_checksum(mut b: Vec<u8>) -> Vec<u8> {
    b[6] = 0;
    b[7] = 0;
    let mut sum: u32 = b
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    b[6..8].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    b
}

/// One row of the table: what it breaks, the bytes, the TTL they leave with, the counter
/// that must grow (`kubegate_vrrp_dropped_total{reason}`, or another metric).
struct Row {
    what: &'static str,
    bytes: Vec<u8>,
    ttl: u32,
    metric: &'static str,
    reason: Option<&'static str>,
}

fn rows() -> Vec<Row> {
    let dropped = "kubegate_vrrp_dropped_total";
    let row = |what, bytes, ttl, reason| Row {
        what,
        bytes,
        ttl,
        metric: dropped,
        reason: Some(reason),
    };
    let mut v3 = valid();
    (v3.version, v3.auth, v3.interval_cs) = (Version::V3, Auth::None, 100);
    let mut other_vrid = valid();
    other_vrid.vrid = 52;
    let mut wrong_pass = valid();
    wrong_pass.auth = Auth::Pass(*b"guessed!");
    let mut slower = valid();
    slower.interval_cs = 200;
    let mut other_list = valid();
    other_list.addresses = vec![IpAddr::V4(Ipv4Addr::new(198, 18, 0, 99))];
    let mut bad_checksum = encode(&valid());
    bad_checksum[6] ^= 0xff;
    let mut unknown_auth = encode(&valid());
    unknown_auth[4] = 3; // RFC 3768 §5.3.6: types 0 and 1 only (2, IP AH, is obsolete)
    let mut long = encode(&valid());
    long.extend_from_slice(&[0; 16]);
    vec![
        row("TTL 64 instead of 255", encode(&valid()), 64, "ttl"),
        row(
            "version 3 to a version 2 group",
            encode(&v3),
            255,
            "version",
        ),
        row("checksum", bad_checksum, 255, "checksum"),
        row("another VRID", encode(&other_vrid), 255, "vrid"),
        row("unknown auth type", fix_checksum(unknown_auth), 255, "auth"),
        row("wrong password", encode(&wrong_pass), 255, "auth"),
        row(
            "interval 2 s instead of 1 s",
            encode(&slower),
            255,
            "interval",
        ),
        row(
            "short packet",
            encode(&valid())[..10].to_vec(),
            255,
            "truncated",
        ),
        row("long packet", fix_checksum(long), 255, "length"),
        // RFC 5798 §7.1 lets a router check the address list (MAY); we count, never drop.
        Row {
            what: "another address list",
            bytes: encode(&other_list),
            ttl: 255,
            metric: "kubegate_vrrp_address_list_mismatch_total",
            reason: None,
        },
    ]
}

/// Sends `bytes` as node3 to the VRRP group with `ttl`, `times` times.
fn send_from_third(c: &Cluster, bytes: &[u8], ttl: u32, times: usize) {
    c.segment
        .netns("node3")
        .unwrap()
        .enter(|| {
            let s = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(112)))?;
            s.bind(&SockAddr::from(SocketAddrV4::new(THIRD, 0)))?;
            s.set_multicast_if_v4(&THIRD)?;
            s.set_multicast_ttl_v4(ttl)?;
            let to = SockAddr::from(SocketAddrV4::new(GROUP, 0));
            for _ in 0..times {
                s.send_to(bytes, &to)?;
            }
            Ok::<_, std::io::Error>(())
        })
        .unwrap()
        .expect("sending from node3");
}

#[test]
fn rfc5798_receive_checks_drop_and_count_each_invalid_kind_without_a_state_change() {
    let _turn = lab::serial();
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 3, CHECKED_YAML).expect("building the lab");
    for n in PAIR {
        c.start(n).unwrap();
    }
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(8))
        .unwrap();
    let before = pair_states(&c);
    const TIMES: u64 = 3;
    for row in rows() {
        let was: Vec<u64> = PAIR
            .iter()
            .map(|n| counter(&metrics(&c, n), row.metric, row.reason))
            .collect();
        send_from_third(&c, &row.bytes, row.ttl, TIMES as usize);
        let until = Instant::now() + Duration::from_secs(3);
        loop {
            let now: Vec<u64> = PAIR
                .iter()
                .map(|n| counter(&metrics(&c, n), row.metric, row.reason))
                .collect();
            if now.iter().zip(&was).all(|(n, w)| *n == w + TIMES) {
                break;
            }
            assert!(
                Instant::now() < until,
                "{}: expected {} {:?} to grow by {TIMES} on node1 and node2: was {was:?}, now \
                 {now:?}",
                row.what,
                row.metric,
                row.reason
            );
            thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(pair_states(&c), before, "{}: no state change", row.what);
    }
    assert_eq!(c.holders(VIP).unwrap(), vec!["node1"]);
}

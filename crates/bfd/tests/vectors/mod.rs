//! Byte-exact BFD vectors shared by the tests (`#[path]`-included).
//!
//! Captured from real peers by `capture-peers.sh` beside this file, in two network
//! namespaces joined by a veth pair (198.18.0.1 FRR, 198.18.0.2 BIRD):
//! - `frr-bird.trace`: FRR bfdd 8.4.4 and BIRD 2.0.12, both `300 ms` transmit / receive and
//!   multiplier 3, coming Up (with both Poll / Final exchanges), running, then BIRD's BFD
//!   protocol disabled at about 4 s (BIRD falls silent), FRR declaring Down with diagnostic 1
//!   after 900 ms and slowing to 1 s.
//! - the `BIRD_AUTH_*` packets: BIRD alone with `authentication simple | keyed md5 | keyed
//!   sha1 | meticulous keyed md5 | meticulous keyed sha1; password "kgsecret" { id 5; }`.
//!
//! The hand-built vectors below them are written from the RFC 5880 §4.1 layout, byte by byte.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};

/// One packet as seen on the wire.
#[derive(Debug, Clone)]
pub struct Captured {
    /// Seconds since the first packet of its capture.
    pub t: f64,
    pub ttl: u8,
    pub src: IpAddr,
    pub src_port: u16,
    pub dst: IpAddr,
    /// The UDP payload.
    pub payload: Vec<u8>,
}

pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key} in {line}"))
}

/// The FRR ↔ BIRD capture, in order.
pub fn frr_bird_trace() -> Vec<Captured> {
    include_str!("frr-bird.trace")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (src, src_port) = field(l, "src=").split_once(':').expect("src:port");
            let (dst, _) = field(l, "dst=").split_once(':').expect("dst:port");
            Captured {
                t: field(l, "t=").parse().expect("t"),
                ttl: field(l, "ttl=").parse().expect("ttl"),
                src: src.parse().expect("src"),
                src_port: src_port.parse().expect("port"),
                dst: dst.parse().expect("dst"),
                payload: hex(field(l, "payload=")),
            }
        })
        .collect()
}

pub const FRR: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
pub const BIRD: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
/// My Discriminators in the trace.
pub const FRR_DISCR: u32 = 0x1a09_d72b;
pub const BIRD_DISCR: u32 = 0x3f25_228a;

/// BIRD's first packet: Down, no diagnostic, 1 s / 300 ms, x3.
pub const BIRD_DOWN: &str = "204003183f25228a00000000000f4240000493e000000000";
/// FRR's answer: Init (RFC 5880 §6.8.6, Down + received Down), 1 s / 1 s, echo 50 ms.
pub const FRR_INIT: &str = "208003181a09d72b3f25228a000f4240000f42400000c350";
/// BIRD Up with Poll (its intervals drop from the 1 s slow rate to 300 ms).
pub const BIRD_UP_POLL: &str = "20e003183f25228a1a09d72b000493e0000493e000000000";
/// FRR Up with Poll.
pub const FRR_UP_POLL: &str = "20e003181a09d72b3f25228a000493e0000493e00000c350";
/// FRR's Final answering BIRD's Poll.
pub const FRR_UP_FINAL: &str = "20d003181a09d72b3f25228a000493e0000493e00000c350";
/// BIRD's Final answering FRR's Poll.
pub const BIRD_UP_FINAL: &str = "20d003183f25228a1a09d72b000493e0000493e000000000";
/// BIRD Up, steady state.
pub const BIRD_UP: &str = "20c003183f25228a1a09d72b000493e0000493e000000000";
/// FRR Up, steady state.
pub const FRR_UP: &str = "20c003181a09d72b3f25228a000493e0000493e00000c350";
/// FRR after BIRD fell silent: Down, diagnostic 1 (Control Detection Time Expired), Your
/// Discriminator reset to 0, still the 300 ms values in its first Down packet.
pub const FRR_DOWN_DETECT: &str = "214003181a09d72b00000000000493e0000493e00000c350";
/// The next one: slowed to 1 s (RFC 5880 §6.8.3).
pub const FRR_DOWN_SLOW: &str = "214003181a09d72b00000000000f4240000f42400000c350";

/// BIRD with `authentication simple`, key id 5, "kgsecret": Auth Len 11 (§4.2).
pub const BIRD_AUTH_SIMPLE: &str =
    "20440323912a737100000000000f4240000493e000000000010b056b67736563726574";
/// `keyed md5`: type 2, Auth Len 24, sequence 0x1ef0bdb6 (§4.3).
pub const BIRD_AUTH_MD5: &str = "204403307e76a99c00000000000f4240000493e000000000021805001ef0bdb680e42be6f31e5f61d75ba68480c17eb0";
/// `keyed sha1`: type 4, Auth Len 28, sequence 0x3e46cb79 (§4.4).
pub const BIRD_AUTH_SHA1: &str = "20440334ebba78bf00000000000f4240000493e000000000041c05003e46cb79167f3b379046bb77a68ff71a76598c0666f317ac";
/// `meticulous keyed md5`: type 3.
pub const BIRD_AUTH_MET_MD5: &str = "20440330377db8ea00000000000f4240000493e0000000000318050067f9537e6cc8335e1f5e97f3da72d3b5de0210b6";
/// `meticulous keyed sha1`: type 5.
pub const BIRD_AUTH_MET_SHA1: &str = "20440334e1a495b200000000000f4240000493e000000000051c05007826233e7eccfa8a12865742f06184d1650b6d952c5f6fdb";

/// Every captured packet, with a name.
pub fn captured_seeds() -> Vec<(&'static str, Vec<u8>)> {
    [
        ("bird down", BIRD_DOWN),
        ("frr init", FRR_INIT),
        ("bird up poll", BIRD_UP_POLL),
        ("frr up poll", FRR_UP_POLL),
        ("frr up final", FRR_UP_FINAL),
        ("bird up final", BIRD_UP_FINAL),
        ("bird up", BIRD_UP),
        ("frr up", FRR_UP),
        ("frr down detect", FRR_DOWN_DETECT),
        ("frr down slow", FRR_DOWN_SLOW),
        ("bird simple", BIRD_AUTH_SIMPLE),
        ("bird md5", BIRD_AUTH_MD5),
        ("bird sha1", BIRD_AUTH_SHA1),
        ("bird meticulous md5", BIRD_AUTH_MET_MD5),
        ("bird meticulous sha1", BIRD_AUTH_MET_SHA1),
    ]
    .into_iter()
    .map(|(n, h)| (n, hex(h)))
    .collect()
}

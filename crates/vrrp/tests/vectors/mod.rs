//! Byte-exact VRRP vectors shared by the codec tests (`#[path]`-included), and a checksum
//! written independently of the crate's, so expected values are not computed by the code
//! under test.
//!
//! The captured vectors come from the distribution's keepalived (Keepalived v2.2.7
//! (01/16,2022)) running in a network namespace, recorded with tcpdump on the far end of a
//! veth pair by `capture-keepalived.sh` beside this file (`v2`, `v3` and `v3-ipv6` modes; the
//! script holds the exact keepalived configurations). Each instance was `state MASTER`,
//! `priority 150` on interface `kgcap0` with address 198.18.0.1/24:
//! - v2: `virtual_router_id 51`, `advert_int 1`, `auth_type PASS`, `auth_pass kgpass1`,
//!   VIPs 198.18.0.100/24 and 198.18.0.101/24 (default `vrrp_version` 2).
//! - v3 IPv4: `vrrp_version 3`, `virtual_router_id 52`, `advert_int 0.1`, VIP 198.18.0.100/24.
//! - v3 IPv6: `vrrp_version 3`, `virtual_router_id 53`, `advert_int 0.5`, VIPs fe80::5300:1/64
//!   and fe80::5300:2/64; source is the veth's link-local address.
//!
//! All three were sent multicast with TTL / hop limit 255; the three packets of each capture
//! were identical, so one of each is kept.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One packet as seen on the wire.
pub struct Captured {
    pub name: &'static str,
    pub src: &'static str,
    pub dst: &'static str,
    pub ttl: u8,
    /// The VRRP message (IP payload), hex.
    pub payload: &'static str,
}

pub const KEEPALIVED_V2_PASS: Captured = Captured {
    name: "keepalived 2.2.7 v2 auth PASS, 2 VIPs",
    src: "198.18.0.1",
    dst: "224.0.0.18",
    ttl: 255,
    payload: "2133960201013a9ec6120064c61200656b67706173733100",
};

pub const KEEPALIVED_V3_IPV4: Captured = Captured {
    name: "keepalived 2.2.7 v3 IPv4 advert_int 0.1",
    src: "198.18.0.1",
    dst: "224.0.0.18",
    ttl: 255,
    payload: "31349601000acba6c6120064",
};

pub const KEEPALIVED_V3_IPV6: Captured = Captured {
    name: "keepalived 2.2.7 v3 IPv6 advert_int 0.5, 2 VIPs",
    src: "fe80::6027:77ff:fe4a:585b",
    dst: "ff02::12",
    ttl: 255,
    payload: "3135960200326895fe800000000000000000000053000001fe800000000000000000000053000002",
};

pub const CAPTURED: [Captured; 3] = [KEEPALIVED_V2_PASS, KEEPALIVED_V3_IPV4, KEEPALIVED_V3_IPV6];

impl Captured {
    pub fn src(&self) -> IpAddr {
        self.src.parse().unwrap()
    }
    pub fn dst(&self) -> IpAddr {
        self.dst.parse().unwrap()
    }
    pub fn bytes(&self) -> Vec<u8> {
        hex(self.payload)
    }
}

pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() & 1 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

pub fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse::<Ipv4Addr>().unwrap())
}

pub fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse::<Ipv6Addr>().unwrap())
}

/// RFC 1071 written out the long way: concatenate, add 16-bit big-endian words in a u32,
/// add the carries back in, complement.
pub fn independent_checksum(parts: &[&[u8]]) -> u16 {
    let mut all: Vec<u8> = parts.concat();
    if all.len() % 2 == 1 {
        all.push(0);
    }
    let mut sum: u32 = 0;
    let mut i = 0;
    while i < all.len() {
        sum += (all[i] as u32) << 8 | all[i + 1] as u32;
        i += 2;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The IPv4 pseudo-header keepalived and FRR put under the v3 checksum:
/// source, destination, zero, protocol 112, 16-bit length.
pub fn ipv4_pseudo(src: IpAddr, dst: IpAddr, len: usize) -> Vec<u8> {
    let (IpAddr::V4(s), IpAddr::V4(d)) = (src, dst) else {
        panic!("IPv4 addresses expected")
    };
    let mut out = Vec::new();
    out.extend_from_slice(&s.octets());
    out.extend_from_slice(&d.octets());
    out.push(0);
    out.push(112);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out
}

/// The RFC 8200 §8.1 pseudo-header: source, destination, 32-bit length, 3 zeros, 112.
pub fn ipv6_pseudo(src: IpAddr, dst: IpAddr, len: usize) -> Vec<u8> {
    let (IpAddr::V6(s), IpAddr::V6(d)) = (src, dst) else {
        panic!("IPv6 addresses expected")
    };
    let mut out = Vec::new();
    out.extend_from_slice(&s.octets());
    out.extend_from_slice(&d.octets());
    out.extend_from_slice(&(len as u32).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 112]);
    out
}

/// Writes into bytes 6..8 the checksum over `pseudo` and the message (field zeroed first).
pub fn fix_checksum(msg: &mut [u8], pseudo: &[u8]) {
    msg[6] = 0;
    msg[7] = 0;
    let c = independent_checksum(&[pseudo, msg]);
    msg[6..8].copy_from_slice(&c.to_be_bytes());
}

/// Whether the message verifies under `pseudo`: the checksum of everything is zero.
pub fn verifies(msg: &[u8], pseudo: &[u8]) -> bool {
    independent_checksum(&[pseudo, msg]) == 0
}

/// The input layout of `vrrp::packet::fuzz_parse`: selector, source, destination, message.
pub fn fuzz_input(src: IpAddr, dst: IpAddr, msg: &[u8]) -> Vec<u8> {
    let mut out = vec![u8::from(src.is_ipv6()) | u8::from(dst.is_ipv6()) << 1];
    for a in [src, dst] {
        match a {
            IpAddr::V4(a) => out.extend_from_slice(&a.octets()),
            IpAddr::V6(a) => out.extend_from_slice(&a.octets()),
        }
    }
    out.extend_from_slice(msg);
    out
}

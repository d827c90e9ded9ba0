//! UPDATE path attributes (RFC 4271 §4.3, §5): their type codes, flags and typed values.
//! Reading them (with the errors of RFC 4271 §6.3 and RFC 7606) is in `parse`, writing them
//! in `emit`.

mod emit;
mod parse;

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Family, Prefix};

pub(crate) use emit::emit;
pub(crate) use parse::parse;

pub const FLAG_OPTIONAL: u8 = 0x80;
pub const FLAG_TRANSITIVE: u8 = 0x40;
pub const FLAG_PARTIAL: u8 = 0x20;
pub const FLAG_EXTENDED: u8 = 0x10;

pub const ORIGIN: u8 = 1;
pub const AS_PATH: u8 = 2;
pub const NEXT_HOP: u8 = 3;
pub const MED: u8 = 4;
pub const LOCAL_PREF: u8 = 5;
pub const ATOMIC_AGGREGATE: u8 = 6;
pub const AGGREGATOR: u8 = 7;
pub const COMMUNITIES: u8 = 8;
pub const MP_REACH_NLRI: u8 = 14;
pub const MP_UNREACH_NLRI: u8 = 15;
pub const AS4_PATH: u8 = 17;
pub const LARGE_COMMUNITY: u8 = 32;

/// ORIGIN values (RFC 4271 §4.3 a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    Igp,
    Egp,
    Incomplete,
}

/// AS_PATH segment types (RFC 4271 §4.3 b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    Set,
    Sequence,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Segment {
    pub kind: SegmentKind,
    /// 1..=255 AS numbers (RFC 7606 §7.2: an empty segment is malformed).
    pub asns: Vec<u32>,
}

/// A large community (RFC 8092 §3): global administrator and two local data parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LargeCommunity {
    pub global: u32,
    pub local1: u32,
    pub local2: u32,
}

/// The MP_REACH_NLRI next hop for IPv6 unicast: global, optionally link-local (RFC 2545 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6NextHop {
    pub global: Ipv6Addr,
    pub link_local: Option<Ipv6Addr>,
}

/// MP_REACH_NLRI for IPv6 unicast (RFC 4760 §3). Other families stay in `other`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MpReach {
    pub next_hop: Ipv6NextHop,
    pub nlri: Vec<Prefix>,
}

/// MP_UNREACH_NLRI (RFC 4760 §4); with no prefixes it is the End-of-RIB marker of its family
/// (RFC 4724 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MpUnreach {
    pub family: Family,
    pub withdrawn: Vec<Prefix>,
}

/// An attribute kept as it came: unknown optional ones (RFC 4271 §5: passed on if
/// transitive) and known ones this crate does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAttribute {
    /// Optional, transitive and partial bits; the extended-length bit is chosen on emit.
    pub flags: u8,
    pub code: u8,
    pub value: Vec<u8>,
}

/// The decoded path attributes of one UPDATE. Absent attributes are `None` or empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PathAttributes {
    pub origin: Option<Origin>,
    pub as_path: Option<Vec<Segment>>,
    pub next_hop: Option<Ipv4Addr>,
    pub med: Option<u32>,
    pub local_pref: Option<u32>,
    /// RFC 1997 communities, as 32-bit values (AS << 16 | value).
    pub communities: Vec<u32>,
    pub large_communities: Vec<LargeCommunity>,
    pub mp_reach: Option<MpReach>,
    pub mp_unreach: Option<MpUnreach>,
    pub other: Vec<RawAttribute>,
}

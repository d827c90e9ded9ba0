//! UPDATE path attributes (RFC 4271 §4.3, §5): their flags, lengths and values, the error each
//! malformation calls for (RFC 4271 §6.3) and where RFC 7606 softens that to treat-as-withdraw.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Ctx, EmitError, Family, Invalid, Prefix};

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

/// What parsing the attribute list found: the attributes, and the error RFC 4271 would have
/// reset the session for but RFC 7606 treats as withdraw (the first one seen).
pub(crate) struct Parsed {
    pub attrs: PathAttributes,
    pub treat_as_withdraw: Option<Invalid>,
}

/// The flags (optional, transitive) RFC 4271 §5 / RFC 4760 / RFC 1997 / RFC 8092 give a
/// recognized attribute; `None` for codes this crate keeps raw.
fn expected_flags(code: u8) -> Option<u8> {
    match code {
        ORIGIN | AS_PATH | NEXT_HOP | LOCAL_PREF | ATOMIC_AGGREGATE => Some(FLAG_TRANSITIVE),
        MED | MP_REACH_NLRI | MP_UNREACH_NLRI => Some(FLAG_OPTIONAL),
        COMMUNITIES | LARGE_COMMUNITY | AGGREGATOR | AS4_PATH => {
            Some(FLAG_OPTIONAL | FLAG_TRANSITIVE)
        }
        _ => None,
    }
}

fn u32_at(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Parses the attribute list (`data` is exactly Total Path Attribute Length octets).
pub(crate) fn parse(data: &[u8], ctx: Ctx) -> Result<Parsed, Invalid> {
    let mut attrs = PathAttributes::default();
    let mut soft: Option<Invalid> = None;
    let mut seen = BTreeSet::new();
    let mut rest = data;
    while !rest.is_empty() {
        let start = rest;
        let [flags, code, tail @ ..] = rest else {
            return Err(Invalid::MalformedAttributeList);
        };
        let (flags, code) = (*flags, *code);
        let (len, tail) = if flags & FLAG_EXTENDED != 0 {
            match tail {
                [a, b, t @ ..] => (usize::from(u16::from_be_bytes([*a, *b])), t),
                _ => return Err(Invalid::MalformedAttributeList),
            }
        } else {
            match tail {
                [a, t @ ..] => (usize::from(*a), t),
                _ => return Err(Invalid::MalformedAttributeList),
            }
        };
        // RFC 4271 §6.3: an attribute running past the list is an Attribute Length Error.
        // RFC 7606 §4 would allow treat-as-withdraw only when the NLRI can still be found;
        // the list framing is lost here, so the session is reset.
        let Some((value, tail)) = tail.split_at_checked(len) else {
            return Err(Invalid::AttributeLength(start.to_vec()));
        };
        let whole = &start[..start.len() - tail.len()];
        rest = tail;

        // RFC 7606 §3.g: a repeated MP_REACH/MP_UNREACH resets the session; any other
        // repeated attribute is discarded after its first occurrence.
        if !seen.insert(code) {
            if code == MP_REACH_NLRI || code == MP_UNREACH_NLRI {
                return Err(Invalid::MalformedAttributeList);
            }
            continue;
        }

        let Some(want) = expected_flags(code) else {
            // RFC 4271 §6.3: an unrecognized well-known attribute (optional bit clear).
            if flags & FLAG_OPTIONAL == 0 {
                return Err(Invalid::UnrecognizedWellKnown(whole.to_vec()));
            }
            attrs.other.push(RawAttribute {
                flags: flags & (FLAG_OPTIONAL | FLAG_TRANSITIVE | FLAG_PARTIAL),
                code,
                value: value.to_vec(),
            });
            continue;
        };
        // RFC 4271 §4.3: the partial bit must be 0 for well-known and optional
        // non-transitive attributes; optional transitive ones may carry it.
        let partial_ok = want == FLAG_OPTIONAL | FLAG_TRANSITIVE;
        let flags_ok = flags & (FLAG_OPTIONAL | FLAG_TRANSITIVE) == want
            && (partial_ok || flags & FLAG_PARTIAL == 0);
        if !flags_ok {
            // RFC 4271 §6.3 Attribute Flags Error; RFC 7606 §3.c: MP_* errors still reset
            // (RFC 7606 §7.11), the others are treated as withdraw.
            let err = Invalid::AttributeFlags(whole.to_vec());
            if code == MP_REACH_NLRI || code == MP_UNREACH_NLRI {
                return Err(err);
            }
            soft.get_or_insert(err);
            continue;
        }
        let partial = flags & FLAG_PARTIAL;
        if let Err(err) = decode(&mut attrs, code, partial, value, whole, ctx) {
            match code {
                // RFC 7606 §7.11/§7.12 (and RFC 4760 §7): MP_* errors reset the session.
                MP_REACH_NLRI | MP_UNREACH_NLRI => return Err(err),
                // RFC 7606 §7.6/§7.7: ATOMIC_AGGREGATE and AGGREGATOR errors are handled by
                // discarding the attribute (they are kept raw here, so none arise).
                // RFC 7606 §7.1-§7.5, §7.8, RFC 8092 §5, RFC 6793 §6: treat-as-withdraw.
                _ => {
                    soft.get_or_insert(err);
                }
            }
        }
    }
    // Kept in type-code order, the order they are emitted in, so a message compares equal
    // to itself after a round trip whatever order the peer used.
    attrs.other.sort_by_key(|a| a.code);
    Ok(Parsed {
        attrs,
        treat_as_withdraw: soft,
    })
}

/// Decodes one recognized attribute with correct flags into `attrs`.
fn decode(
    attrs: &mut PathAttributes,
    code: u8,
    partial: u8,
    value: &[u8],
    whole: &[u8],
    ctx: Ctx,
) -> Result<(), Invalid> {
    let length_error = || Invalid::AttributeLength(whole.to_vec());
    match code {
        ORIGIN => {
            let [v] = value else {
                return Err(length_error());
            };
            // RFC 4271 §6.3: an undefined ORIGIN value.
            attrs.origin = Some(match v {
                0 => Origin::Igp,
                1 => Origin::Egp,
                2 => Origin::Incomplete,
                _ => return Err(Invalid::InvalidOrigin(whole.to_vec())),
            });
        }
        AS_PATH => {
            let width = if ctx.four_octet_as { 4 } else { 2 };
            attrs.as_path = Some(parse_as_path(value, width).ok_or(Invalid::MalformedAsPath)?);
        }
        NEXT_HOP => {
            let b: [u8; 4] = value.try_into().map_err(|_| length_error())?;
            let nh = Ipv4Addr::from(b);
            // RFC 4271 §6.3: a syntactically incorrect NEXT_HOP (here: not a unicast
            // address). Whether it is one of ours is the session's semantic check.
            if nh.is_unspecified() || nh.is_multicast() || nh.is_broadcast() {
                return Err(Invalid::InvalidNextHop(whole.to_vec()));
            }
            attrs.next_hop = Some(nh);
        }
        MED => {
            let b: [u8; 4] = value.try_into().map_err(|_| length_error())?;
            attrs.med = Some(u32::from_be_bytes(b));
        }
        LOCAL_PREF => {
            let b: [u8; 4] = value.try_into().map_err(|_| length_error())?;
            attrs.local_pref = Some(u32::from_be_bytes(b));
        }
        COMMUNITIES => {
            // RFC 7606 §7.8: the length must be a non-zero multiple of 4.
            if value.is_empty() || !value.len().is_multiple_of(4) {
                return Err(Invalid::OptionalAttribute(whole.to_vec()));
            }
            attrs.communities = value.chunks_exact(4).map(u32_at).collect();
        }
        LARGE_COMMUNITY => {
            // RFC 8092 §5: the length must be a non-zero multiple of 12.
            if value.is_empty() || !value.len().is_multiple_of(12) {
                return Err(Invalid::OptionalAttribute(whole.to_vec()));
            }
            attrs.large_communities = value
                .chunks_exact(12)
                .map(|c| LargeCommunity {
                    global: u32_at(&c[0..4]),
                    local1: u32_at(&c[4..8]),
                    local2: u32_at(&c[8..12]),
                })
                .collect();
        }
        MP_REACH_NLRI => parse_mp_reach(attrs, value, whole)?,
        MP_UNREACH_NLRI => parse_mp_unreach(attrs, value, whole)?,
        _ => attrs.other.push(RawAttribute {
            flags: expected_flags(code).unwrap_or(FLAG_OPTIONAL) | partial,
            code,
            value: value.to_vec(),
        }),
    }
    Ok(())
}

/// AS_PATH segments of `width`-octet AS numbers (RFC 4271 §4.3 b, RFC 6793 §3).
fn parse_as_path(mut data: &[u8], width: usize) -> Option<Vec<Segment>> {
    let mut segments = Vec::new();
    while let [kind, count, tail @ ..] = data {
        let kind = match kind {
            1 => SegmentKind::Set,
            2 => SegmentKind::Sequence,
            _ => return None,
        };
        // RFC 7606 §7.2: a zero-length segment is malformed.
        if *count == 0 {
            return None;
        }
        let (asns, tail) = tail.split_at_checked(usize::from(*count) * width)?;
        let asns = asns
            .chunks_exact(width)
            .map(|a| match a {
                [x, y] => u32::from(u16::from_be_bytes([*x, *y])),
                _ => u32_at(a),
            })
            .collect();
        segments.push(Segment { kind, asns });
        data = tail;
    }
    data.is_empty().then_some(segments)
}

fn parse_mp_reach(attrs: &mut PathAttributes, value: &[u8], whole: &[u8]) -> Result<(), Invalid> {
    let error = || Invalid::OptionalAttribute(whole.to_vec());
    let [a0, a1, safi, nh_len, tail @ ..] = value else {
        return Err(error());
    };
    let afi = u16::from_be_bytes([*a0, *a1]);
    if Family::from_afi_safi(afi, *safi) != Some(Family::Ipv6Unicast) {
        // RFC 4760 §7 leaves families we did not negotiate to be ignored; keep it raw.
        attrs.other.push(RawAttribute {
            flags: FLAG_OPTIONAL,
            code: MP_REACH_NLRI,
            value: value.to_vec(),
        });
        return Ok(());
    }
    let (nh, tail) = tail
        .split_at_checked(usize::from(*nh_len))
        .ok_or_else(error)?;
    // RFC 2545 §3: 16 octets (global) or 32 (global + link-local).
    let next_hop = match nh.len() {
        16 => Ipv6NextHop {
            global: Ipv6Addr::from(<[u8; 16]>::try_from(nh).map_err(|_| error())?),
            link_local: None,
        },
        32 => Ipv6NextHop {
            global: Ipv6Addr::from(<[u8; 16]>::try_from(&nh[..16]).map_err(|_| error())?),
            link_local: Some(Ipv6Addr::from(
                <[u8; 16]>::try_from(&nh[16..]).map_err(|_| error())?,
            )),
        },
        _ => return Err(error()),
    };
    // RFC 4760 §3: one reserved octet (ignored on receipt), then the NLRI.
    let [_reserved, nlri @ ..] = tail else {
        return Err(error());
    };
    let nlri = Prefix::parse_all(nlri, Family::Ipv6Unicast).ok_or_else(error)?;
    attrs.mp_reach = Some(MpReach { next_hop, nlri });
    Ok(())
}

fn parse_mp_unreach(attrs: &mut PathAttributes, value: &[u8], whole: &[u8]) -> Result<(), Invalid> {
    let error = || Invalid::OptionalAttribute(whole.to_vec());
    let [a0, a1, safi, withdrawn @ ..] = value else {
        return Err(error());
    };
    let Some(family) = Family::from_afi_safi(u16::from_be_bytes([*a0, *a1]), *safi) else {
        attrs.other.push(RawAttribute {
            flags: FLAG_OPTIONAL,
            code: MP_UNREACH_NLRI,
            value: value.to_vec(),
        });
        return Ok(());
    };
    let withdrawn = Prefix::parse_all(withdrawn, family).ok_or_else(error)?;
    attrs.mp_unreach = Some(MpUnreach { family, withdrawn });
    Ok(())
}

/// Appends one attribute, choosing the extended-length form only when needed (RFC 4271 §4.3).
fn push(out: &mut Vec<u8>, flags: u8, code: u8, value: &[u8]) -> Result<(), EmitError> {
    let flags = flags & !FLAG_EXTENDED & 0xf0;
    if value.len() > 255 {
        let len = u16::try_from(value.len()).map_err(|_| EmitError::FieldTooLong)?;
        out.extend_from_slice(&[flags | FLAG_EXTENDED, code]);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.extend_from_slice(&[flags, code, value.len() as u8]);
    }
    out.extend_from_slice(value);
    Ok(())
}

fn as_path_value(segments: &[Segment], ctx: Ctx) -> Result<Vec<u8>, EmitError> {
    let mut v = Vec::new();
    for seg in segments {
        let count = u8::try_from(seg.asns.len()).map_err(|_| EmitError::FieldTooLong)?;
        if count == 0 {
            return Err(EmitError::FieldTooLong);
        }
        v.push(match seg.kind {
            SegmentKind::Set => 1,
            SegmentKind::Sequence => 2,
        });
        v.push(count);
        for asn in &seg.asns {
            if ctx.four_octet_as {
                v.extend_from_slice(&asn.to_be_bytes());
            } else {
                // RFC 6793 §4.2.2: a 2-octet speaker sees AS_TRANS for a large AS number.
                let two = u16::try_from(*asn).unwrap_or(super::open::AS_TRANS);
                v.extend_from_slice(&two.to_be_bytes());
            }
        }
    }
    Ok(v)
}

/// Appends all attributes in type-code order (RFC 4271 §5: "SHOULD be ordered").
pub(crate) fn emit(attrs: &PathAttributes, ctx: Ctx, out: &mut Vec<u8>) -> Result<(), EmitError> {
    let mut raw: Vec<&RawAttribute> = attrs.other.iter().collect();
    raw.sort_by_key(|a| a.code);
    let mut raw = raw.into_iter().peekable();
    let mut flush_raw_below = |code: u8, out: &mut Vec<u8>| -> Result<(), EmitError> {
        while let Some(a) = raw.next_if(|a| a.code < code) {
            push(out, a.flags, a.code, &a.value)?;
        }
        Ok(())
    };
    if let Some(origin) = attrs.origin {
        let v = match origin {
            Origin::Igp => 0,
            Origin::Egp => 1,
            Origin::Incomplete => 2,
        };
        push(out, FLAG_TRANSITIVE, ORIGIN, &[v])?;
    }
    if let Some(path) = &attrs.as_path {
        push(out, FLAG_TRANSITIVE, AS_PATH, &as_path_value(path, ctx)?)?;
    }
    if let Some(nh) = attrs.next_hop {
        push(out, FLAG_TRANSITIVE, NEXT_HOP, &nh.octets())?;
    }
    if let Some(med) = attrs.med {
        push(out, FLAG_OPTIONAL, MED, &med.to_be_bytes())?;
    }
    if let Some(lp) = attrs.local_pref {
        push(out, FLAG_TRANSITIVE, LOCAL_PREF, &lp.to_be_bytes())?;
    }
    flush_raw_below(COMMUNITIES, out)?;
    if !attrs.communities.is_empty() {
        let v: Vec<u8> = attrs
            .communities
            .iter()
            .flat_map(|c| c.to_be_bytes())
            .collect();
        push(out, FLAG_OPTIONAL | FLAG_TRANSITIVE, COMMUNITIES, &v)?;
    }
    flush_raw_below(MP_REACH_NLRI, out)?;
    if let Some(reach) = &attrs.mp_reach {
        let mut v = Vec::new();
        v.extend_from_slice(&super::AFI_IPV6.to_be_bytes());
        v.push(super::SAFI_UNICAST);
        match reach.next_hop.link_local {
            None => {
                v.push(16);
                v.extend_from_slice(&reach.next_hop.global.octets());
            }
            Some(ll) => {
                v.push(32);
                v.extend_from_slice(&reach.next_hop.global.octets());
                v.extend_from_slice(&ll.octets());
            }
        }
        v.push(0);
        Prefix::emit_all(&reach.nlri, Family::Ipv6Unicast, &mut v)?;
        push(out, FLAG_OPTIONAL, MP_REACH_NLRI, &v)?;
    }
    if let Some(unreach) = &attrs.mp_unreach {
        let (afi, safi) = unreach.family.afi_safi();
        let mut v = afi.to_be_bytes().to_vec();
        v.push(safi);
        Prefix::emit_all(&unreach.withdrawn, unreach.family, &mut v)?;
        push(out, FLAG_OPTIONAL, MP_UNREACH_NLRI, &v)?;
    }
    flush_raw_below(LARGE_COMMUNITY, out)?;
    if !attrs.large_communities.is_empty() {
        let v: Vec<u8> = attrs
            .large_communities
            .iter()
            .flat_map(|c| [c.global, c.local1, c.local2])
            .flat_map(u32::to_be_bytes)
            .collect();
        push(out, FLAG_OPTIONAL | FLAG_TRANSITIVE, LARGE_COMMUNITY, &v)?;
    }
    flush_raw_below(u8::MAX, out)?;
    for a in raw {
        push(out, a.flags, a.code, &a.value)?;
    }
    Ok(())
}

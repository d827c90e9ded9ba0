//! Reading the attribute list: flags, lengths and values, the error each malformation calls
//! for (RFC 4271 §6.3) and where RFC 7606 softens that to treat-as-withdraw.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::*;
use crate::wire::{Ctx, Family, Invalid, Prefix};

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

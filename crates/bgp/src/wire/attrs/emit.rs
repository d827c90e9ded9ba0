//! Writing the attribute list in type-code order, with the short length form unless a value
//! needs the extended one (RFC 4271 §4.3, §5).

use super::*;
use crate::wire::{Ctx, EmitError, Family, Prefix};

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
                let two = u16::try_from(*asn).unwrap_or(crate::wire::AS_TRANS);
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
        v.extend_from_slice(&crate::wire::AFI_IPV6.to_be_bytes());
        v.push(crate::wire::SAFI_UNICAST);
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

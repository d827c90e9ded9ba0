//! BGP path attribute values of a VIP's `bgp:` as written: RFC 1997 communities
//! (`ASN:VALUE`, 16 bits each, or a well-known name) and RFC 8092 large communities
//! (`A:B:C`, 32 bits each).

use super::super::model::{Community, LargeCommunity};
use super::super::scalar::Scalar;

/// `64512:100`, `no-export`, `no-advertise` or `no-export-subconfed` (RFC 1997).
pub fn community(v: &Scalar) -> Result<Community, String> {
    let s = quoted_text(v, "\"64512:100\"")?;
    if let Some((_, c)) = Community::WELL_KNOWN.iter().find(|(n, _)| *n == s) {
        return Ok(*c);
    }
    let parts: Vec<&str> = s.split(':').collect();
    let [asn, value] = parts.as_slice() else {
        return Err(format!(
            "{s:?} is not a community; write ASN:VALUE with two numbers from 0 to 65535, like \
             \"64512:100\" (RFC 1997), or no-export, no-advertise or no-export-subconfed \
             (a large community, A:B:C, goes under `large_communities`)"
        ));
    };
    let half = |t: &str| t.parse::<u16>().ok();
    match (half(asn), half(value)) {
        (Some(a), Some(b)) => Ok(Community((u32::from(a) << 16) | u32::from(b))),
        _ => Err(format!(
            "{s:?} is not a community; each half of ASN:VALUE is a number from 0 to 65535 \
             (RFC 1997: 16 bits each); a 4-byte AS goes in a large community, like \
             \"4200000000:1:1\" under `large_communities`"
        )),
    }
}

/// `64512:1:1`: Global Administrator, Local Data Part 1, Local Data Part 2 (RFC 8092 §3).
pub fn large_community(v: &Scalar) -> Result<LargeCommunity, String> {
    let s = quoted_text(v, "\"64512:1:1\"")?;
    let parts: Vec<&str> = s.split(':').collect();
    let word = |t: &str| t.parse::<u32>().ok();
    match parts.as_slice() {
        [a, b, c] => match (word(a), word(b), word(c)) {
            (Some(global_admin), Some(local1), Some(local2)) => Ok(LargeCommunity {
                global_admin,
                local1,
                local2,
            }),
            _ => Err(format!(
                "{s:?} is not a large community; each of A:B:C is a number from 0 to \
                 4294967295 (RFC 8092 §3: 32 bits each)"
            )),
        },
        _ => Err(format!(
            "{s:?} is not a large community; write three numbers A:B:C, like \"64512:1:1\" \
             (RFC 8092)"
        )),
    }
}

/// Text; a number (the colon lost, or YAML read it as something else) gets a hint to quote.
fn quoted_text<'a>(v: &'a Scalar, example: &str) -> Result<&'a str, String> {
    match v {
        Scalar::Str(s) => Ok(s.trim()),
        other => Err(format!(
            "expected text like {example}, found {}; put it in quotes",
            other.describe()
        )),
    }
}

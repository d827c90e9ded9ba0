//! Negative vectors: at least one per `ParseError` variant, each made valid in every other
//! respect (the checksum is recomputed by the test's own sum after the edit, so the rule
//! under test is what rejects it), and the `EmitError`s of `AdvertRepr::emit`.

#[path = "vectors/mod.rs"]
mod vectors;

use std::net::IpAddr;

use vrrp::packet::EmitError;
use vrrp::{AdvertRepr, Auth, ChecksumForm, ParseError, Version};

use vectors::*;

fn parse(msg: &[u8], src: IpAddr, dst: IpAddr) -> Result<(AdvertRepr, ChecksumForm), ParseError> {
    AdvertRepr::parse(msg, src, dst)
}

// ---- (c) negative vectors: one or more per ParseError variant ---------------------------

fn v3_ipv4_ok() -> (Vec<u8>, IpAddr, IpAddr) {
    let c = KEEPALIVED_V3_IPV4;
    (c.bytes(), c.src(), c.dst())
}

/// Applies `edit` to the message, then makes the checksum valid again in keepalived's form,
/// so the rule under test, not the checksum, is what rejects it.
fn v3_ipv4_edited(edit: impl FnOnce(&mut Vec<u8>)) -> (Vec<u8>, IpAddr, IpAddr) {
    let (mut msg, src, dst) = v3_ipv4_ok();
    edit(&mut msg);
    let pseudo = ipv4_pseudo(src, dst, msg.len());
    if msg.len() >= 8 {
        fix_checksum(&mut msg, &pseudo);
    }
    (msg, src, dst)
}

fn v2_edited(edit: impl FnOnce(&mut Vec<u8>)) -> (Vec<u8>, IpAddr, IpAddr) {
    let c = KEEPALIVED_V2_PASS;
    let mut msg = c.bytes();
    edit(&mut msg);
    fix_checksum(&mut msg, &[]);
    (msg, c.src(), c.dst())
}

fn assert_err(case: (Vec<u8>, IpAddr, IpAddr), expected: ParseError) {
    let (msg, src, dst) = case;
    assert_eq!(parse(&msg, src, dst), Err(expected), "message {msg:02x?}");
}

#[test]
fn truncated() {
    let (msg, src, dst) = v3_ipv4_ok();
    for len in 0..msg.len() {
        assert_eq!(
            parse(&msg[..len], src, dst),
            Err(ParseError::Truncated),
            "length {len}"
        );
    }
    // v3 declaring two addresses but carrying one.
    assert_err(v3_ipv4_edited(|m| m[3] = 2), ParseError::Truncated);
    // v2 without its 8 bytes of auth data.
    let c = KEEPALIVED_V2_PASS;
    let mut short = c.bytes();
    short.truncate(short.len() - 8);
    fix_checksum(&mut short, &[]);
    assert_eq!(parse(&short, c.src(), c.dst()), Err(ParseError::Truncated));
}

#[test]
fn trailing_bytes() {
    assert_err(v3_ipv4_edited(|m| m.push(0)), ParseError::TrailingBytes);
    assert_err(
        v3_ipv4_edited(|m| m.extend_from_slice(&[0; 4])),
        ParseError::TrailingBytes,
    );
    assert_err(
        v2_edited(|m| m.extend_from_slice(&[0; 2])),
        ParseError::TrailingBytes,
    );
}

#[test]
fn bad_version() {
    for v in [0u8, 1, 4, 15] {
        assert_err(
            v3_ipv4_edited(|m| m[0] = v << 4 | 1),
            ParseError::BadVersion(v),
        );
    }
}

#[test]
fn v2_over_ipv6() {
    let (msg, _, _) = v2_edited(|_| {});
    assert_eq!(
        parse(&msg, v6("fe80::1"), v6("ff02::12")),
        Err(ParseError::V2OverIpv6)
    );
}

#[test]
fn bad_type() {
    for t in [0u8, 2, 15] {
        assert_err(v3_ipv4_edited(|m| m[0] = 0x30 | t), ParseError::BadType(t));
    }
}

#[test]
fn bad_checksum() {
    let (mut msg, src, dst) = v3_ipv4_ok();
    msg[7] ^= 1;
    assert_eq!(parse(&msg, src, dst), Err(ParseError::BadChecksum));
    // v2 never includes a pseudo-header (RFC 3768 §5.3.8).
    let c = KEEPALIVED_V2_PASS;
    let mut msg = c.bytes();
    let pseudo = ipv4_pseudo(c.src(), c.dst(), msg.len());
    fix_checksum(&mut msg, &pseudo);
    assert_eq!(parse(&msg, c.src(), c.dst()), Err(ParseError::BadChecksum));
    // IPv6 always includes it (RFC 5798 §5.2.8): the message-only form is refused.
    let c = KEEPALIVED_V3_IPV6;
    let mut msg = c.bytes();
    fix_checksum(&mut msg, &[]);
    assert_eq!(parse(&msg, c.src(), c.dst()), Err(ParseError::BadChecksum));
    // The checksum depends on the IP addresses in the pseudo-header forms.
    let mut msg = KEEPALIVED_V3_IPV6.bytes();
    let pseudo = ipv6_pseudo(v6("fe80::2"), v6("ff02::12"), msg.len());
    fix_checksum(&mut msg, &pseudo);
    assert_eq!(parse(&msg, c.src(), c.dst()), Err(ParseError::BadChecksum));
}

#[test]
fn bad_address_count() {
    assert_err(
        v3_ipv4_edited(|m| {
            m[3] = 0;
            m.truncate(8);
        }),
        ParseError::BadAddressCount,
    );
    assert_err(
        v2_edited(|m| {
            m[3] = 0;
            m.drain(8..16);
        }),
        ParseError::BadAddressCount,
    );
}

#[test]
fn bad_auth_type() {
    for t in [2u8, 3, 255] {
        assert_err(v2_edited(|m| m[4] = t), ParseError::BadAuthType(t));
    }
}

#[test]
fn bad_interval() {
    assert_err(v2_edited(|m| m[5] = 0), ParseError::BadInterval);
    assert_err(
        v3_ipv4_edited(|m| m[4..6].copy_from_slice(&[0, 0])),
        ParseError::BadInterval,
    );
    // Reserved bits set but the 12-bit interval zero is still zero.
    assert_err(
        v3_ipv4_edited(|m| m[4..6].copy_from_slice(&[0xf0, 0])),
        ParseError::BadInterval,
    );
}

#[test]
fn family_mismatch() {
    let (msg, src, _) = v3_ipv4_ok();
    assert_eq!(
        parse(&msg, src, v6("ff02::12")),
        Err(ParseError::FamilyMismatch)
    );
    assert_eq!(
        parse(&msg, v6("fe80::1"), v4("224.0.0.18")),
        Err(ParseError::FamilyMismatch)
    );
}

#[test]
fn v4_message_read_as_ipv6_is_rejected() {
    // The family comes from the IP header: a v3 IPv4 message under IPv6 addresses has the
    // wrong length for its count.
    let (msg, _, _) = v3_ipv4_ok();
    assert_eq!(
        parse(&msg, v6("fe80::1"), v6("ff02::12")),
        Err(ParseError::Truncated)
    );
}

// ---- emit errors ------------------------------------------------------------------------

#[test]
fn emit_refuses_what_the_wire_cannot_carry() {
    let (src, dst) = (v4("198.18.0.1"), v4("224.0.0.18"));
    let good = AdvertRepr {
        version: Version::V3,
        vrid: 1,
        priority: 100,
        interval_cs: 100,
        addresses: vec![v4("198.18.0.100")],
        auth: Auth::None,
    };
    let with = |f: &dyn Fn(&mut AdvertRepr)| {
        let mut r = good.clone();
        f(&mut r);
        r
    };
    let cases: Vec<(AdvertRepr, IpAddr, IpAddr, EmitError)> = vec![
        (
            with(&|r| r.addresses.clear()),
            src,
            dst,
            EmitError::BadAddressCount,
        ),
        (
            with(&|r| r.addresses = vec![v4("198.18.0.100"); 256]),
            src,
            dst,
            EmitError::BadAddressCount,
        ),
        (
            with(&|r| r.addresses.push(v6("fe80::1"))),
            src,
            dst,
            EmitError::FamilyMismatch,
        ),
        (good.clone(), src, v6("ff02::12"), EmitError::FamilyMismatch),
        (
            with(&|r| r.interval_cs = 0),
            src,
            dst,
            EmitError::BadInterval,
        ),
        (
            with(&|r| r.interval_cs = 4096),
            src,
            dst,
            EmitError::BadInterval,
        ),
        (
            with(&|r| r.auth = Auth::Pass([1; 8])),
            src,
            dst,
            EmitError::AuthInV3,
        ),
        (
            with(&|r| {
                r.version = Version::V2;
                r.interval_cs = 150;
            }),
            src,
            dst,
            EmitError::BadInterval,
        ),
        (
            with(&|r| {
                r.version = Version::V2;
                r.interval_cs = 25_600;
            }),
            src,
            dst,
            EmitError::BadInterval,
        ),
        (
            with(&|r| {
                r.version = Version::V2;
                r.addresses = vec![v6("fe80::1")];
            }),
            v6("fe80::2"),
            v6("ff02::12"),
            EmitError::V2OverIpv6,
        ),
    ];
    for (repr, s, d, err) in cases {
        assert_eq!(
            repr.to_bytes(s, d, ChecksumForm::PseudoHeader),
            Err(err),
            "{repr:?}"
        );
        let mut buf = [0u8; 8192];
        assert_eq!(
            repr.emit(&mut buf, s, d, ChecksumForm::PseudoHeader),
            Err(err)
        );
    }
    let mut short = vec![0u8; good.buffer_len() - 1];
    assert_eq!(
        good.emit(&mut short, src, dst, ChecksumForm::PseudoHeader),
        Err(EmitError::BufferTooShort)
    );
}

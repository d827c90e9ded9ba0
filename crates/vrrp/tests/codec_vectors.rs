//! Byte-exact vectors: advertisements captured from keepalived 2.2.7, RFC 9568 message-only
//! vectors built by hand, and one negative vector (at least) per `ParseError` variant.

#[path = "vectors/mod.rs"]
mod vectors;

use std::net::IpAddr;

use vrrp::packet::{EmitError, Family, Packet};
use vrrp::{AdvertRepr, Auth, ChecksumForm, ParseError, Version};

use vectors::*;

fn parse(msg: &[u8], src: IpAddr, dst: IpAddr) -> Result<(AdvertRepr, ChecksumForm), ParseError> {
    AdvertRepr::parse(msg, src, dst)
}

// ---- (a) captured from keepalived 2.2.7 -------------------------------------------------

#[test]
fn keepalived_v2_pass_parses_and_reemits_byte_exact() {
    let c = KEEPALIVED_V2_PASS;
    let bytes = c.bytes();
    assert_eq!(c.ttl, 255, "multicast adverts carry TTL 255");
    // RFC 3768 §5.3.8: the v2 checksum is over the message alone.
    assert!(verifies(&bytes, &[]));
    let (repr, form) = parse(&bytes, c.src(), c.dst()).expect(c.name);
    assert_eq!(
        repr,
        AdvertRepr {
            version: Version::V2,
            vrid: 51,
            priority: 150,
            interval_cs: 100,
            addresses: vec![v4("198.18.0.100"), v4("198.18.0.101")],
            auth: Auth::Pass(*b"kgpass1\0"),
        }
    );
    assert_eq!(form, ChecksumForm::MessageOnly);
    for f in [ChecksumForm::PseudoHeader, ChecksumForm::MessageOnly] {
        assert_eq!(
            repr.to_bytes(c.src(), c.dst(), f).unwrap(),
            bytes,
            "form {f:?} is ignored for v2"
        );
    }
}

#[test]
fn keepalived_v3_ipv4_uses_the_pseudo_header_form() {
    let c = KEEPALIVED_V3_IPV4;
    let bytes = c.bytes();
    // keepalived 2.2.7 puts the IPv4 pseudo-header under the v3 checksum (FIELD-NOTES).
    assert!(verifies(
        &bytes,
        &ipv4_pseudo(c.src(), c.dst(), bytes.len())
    ));
    assert!(!verifies(&bytes, &[]));
    let (repr, form) = parse(&bytes, c.src(), c.dst()).expect(c.name);
    assert_eq!(
        repr,
        AdvertRepr {
            version: Version::V3,
            vrid: 52,
            priority: 150,
            interval_cs: 10,
            addresses: vec![v4("198.18.0.100")],
            auth: Auth::None,
        }
    );
    assert_eq!(form, ChecksumForm::PseudoHeader);
    assert_eq!(repr.to_bytes(c.src(), c.dst(), form).unwrap(), bytes);
    // The same advert in RFC 9568 form differs only in the checksum.
    let rfc = repr
        .to_bytes(c.src(), c.dst(), ChecksumForm::MessageOnly)
        .unwrap();
    assert_eq!(rfc[..6], bytes[..6]);
    assert_eq!(rfc[8..], bytes[8..]);
    assert_ne!(rfc[6..8], bytes[6..8]);
    assert!(verifies(&rfc, &[]));
}

#[test]
fn keepalived_v3_ipv6_parses_and_reemits_byte_exact() {
    let c = KEEPALIVED_V3_IPV6;
    let bytes = c.bytes();
    // RFC 5798 §5.2.8: IPv6 always includes the pseudo-header.
    assert!(verifies(
        &bytes,
        &ipv6_pseudo(c.src(), c.dst(), bytes.len())
    ));
    let (repr, form) = parse(&bytes, c.src(), c.dst()).expect(c.name);
    assert_eq!(
        repr,
        AdvertRepr {
            version: Version::V3,
            vrid: 53,
            priority: 150,
            interval_cs: 50,
            addresses: vec![v6("fe80::5300:1"), v6("fe80::5300:2")],
            auth: Auth::None,
        }
    );
    assert_eq!(form, ChecksumForm::PseudoHeader);
    for f in [ChecksumForm::PseudoHeader, ChecksumForm::MessageOnly] {
        assert_eq!(
            repr.to_bytes(c.src(), c.dst(), f).unwrap(),
            bytes,
            "form {f:?} is ignored for IPv6"
        );
    }
}

#[test]
fn captured_view_accessors_read_the_fields() {
    let c = KEEPALIVED_V2_PASS;
    let bytes = c.bytes();
    let p = Packet::new_checked(&bytes[..], Family::Ipv4).unwrap();
    assert_eq!(
        (p.version(), p.msg_type(), p.vrid(), p.priority()),
        (2, 1, 51, 150)
    );
    assert_eq!(
        (p.addr_count(), p.auth_type(), p.adver_int_secs()),
        (2, 1, 1)
    );
    assert_eq!(p.checksum(), 0x3a9e);
    assert_eq!(p.address(1), Some(v4("198.18.0.101")));
    assert_eq!(p.address(2), None);
    assert_eq!(p.auth_data(), Some(*b"kgpass1\0"));
    assert!(p.verify_checksum(c.src(), c.dst(), ChecksumForm::MessageOnly));

    let c = KEEPALIVED_V3_IPV4;
    let bytes = c.bytes();
    let p = Packet::new_checked(&bytes[..], Family::Ipv4).unwrap();
    assert_eq!((p.version(), p.reserved(), p.max_adver_int()), (3, 0, 10));
    assert!(p.verify_checksum(c.src(), c.dst(), ChecksumForm::PseudoHeader));
    assert!(!p.verify_checksum(c.src(), c.dst(), ChecksumForm::MessageOnly));
}

// ---- (b) RFC 9568 message-only vectors, built by hand ----------------------------------

/// RFC 9568 §5.1 / §5.2 layout, field by field, with the checksum computed by the test's own
/// one's-complement sum over the message only (RFC 9568 §5.2.8: no pseudo-header for IPv4).
fn rfc9568_v4(vrid: u8, prio: u8, interval_cs: u16, addrs: &[[u8; 4]]) -> Vec<u8> {
    let mut msg = vec![
        0x31,                            // version 3, type 1 ADVERTISEMENT (§5.2.1, §5.2.2)
        vrid,                            // §5.2.3
        prio,                            // §5.2.4
        addrs.len() as u8,               // §5.2.5
        (interval_cs >> 8) as u8 & 0x0f, // §5.2.6 rsvd = 0, §5.2.7 high 4 bits
        interval_cs as u8,               // §5.2.7 low 8 bits
        0,
        0, // §5.2.8 checksum, zero while summing
    ];
    for a in addrs {
        msg.extend_from_slice(a); // §5.2.9
    }
    let c = independent_checksum(&[&msg]);
    msg[6..8].copy_from_slice(&c.to_be_bytes());
    msg
}

#[test]
fn rfc9568_single_address_vector() {
    let msg = rfc9568_v4(51, 100, 100, &[[198, 18, 0, 50]]);
    assert_eq!(msg[..6], [0x31, 0x33, 0x64, 0x01, 0x00, 0x64]);
    let (src, dst) = (v4("198.18.0.2"), v4("224.0.0.18"));
    let (repr, form) = parse(&msg, src, dst).unwrap();
    assert_eq!(form, ChecksumForm::MessageOnly);
    assert_eq!(
        repr,
        AdvertRepr {
            version: Version::V3,
            vrid: 51,
            priority: 100,
            interval_cs: 100,
            addresses: vec![v4("198.18.0.50")],
            auth: Auth::None,
        }
    );
    assert_eq!(
        repr.to_bytes(src, dst, ChecksumForm::MessageOnly).unwrap(),
        msg
    );
}

#[test]
fn rfc9568_owner_max_interval_unicast_vector() {
    let addrs = [[198, 18, 1, 1], [198, 18, 1, 2], [198, 18, 1, 3]];
    let msg = rfc9568_v4(7, 255, 4095, &addrs);
    assert_eq!(msg[3..6], [3, 0x0f, 0xff]);
    let (src, dst) = (v4("198.18.0.2"), v4("198.18.0.3"));
    let (repr, form) = parse(&msg, src, dst).unwrap();
    assert_eq!(form, ChecksumForm::MessageOnly);
    assert_eq!((repr.vrid, repr.priority, repr.interval_cs), (7, 255, 4095));
    assert_eq!(repr.addresses, addrs.map(IpAddr::from).to_vec());
    assert_eq!(
        repr.to_bytes(src, dst, ChecksumForm::MessageOnly).unwrap(),
        msg
    );
    // Emitting keepalived's form gives the checksum over pseudo-header + message.
    let kf = repr.to_bytes(src, dst, ChecksumForm::PseudoHeader).unwrap();
    let mut expected = msg.clone();
    fix_checksum(&mut expected, &ipv4_pseudo(src, dst, msg.len()));
    assert_eq!(kf, expected);
}

#[test]
fn hand_built_ipv6_vector_with_independent_pseudo_header() {
    let (src, dst) = (v6("fe80::1"), v6("ff02::12"));
    let mut msg = vec![0x31, 9, 0, 1, 0x00, 0x14, 0, 0];
    msg.extend_from_slice(&"fe80::9".parse::<std::net::Ipv6Addr>().unwrap().octets());
    let pseudo = ipv6_pseudo(src, dst, msg.len());
    fix_checksum(&mut msg, &pseudo);
    let (repr, form) = parse(&msg, src, dst).unwrap();
    assert_eq!(form, ChecksumForm::PseudoHeader);
    assert_eq!((repr.vrid, repr.priority, repr.interval_cs), (9, 0, 20));
    assert_eq!(repr.addresses, vec![v6("fe80::9")]);
    assert_eq!(
        repr.to_bytes(src, dst, ChecksumForm::MessageOnly).unwrap(),
        msg
    );
}

#[test]
fn hand_built_v2_no_auth_vector() {
    // RFC 3768 §5.1: auth type 0, interval 3 s, one address, 8 zero bytes of auth data.
    let mut msg = vec![
        0x21, 10, 200, 1, 0, 3, 0, 0, 198, 18, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    fix_checksum(&mut msg, &[]);
    let (src, dst) = (v4("198.18.0.9"), v4("224.0.0.18"));
    let (repr, form) = parse(&msg, src, dst).unwrap();
    assert_eq!(form, ChecksumForm::MessageOnly);
    assert_eq!(
        repr,
        AdvertRepr {
            version: Version::V2,
            vrid: 10,
            priority: 200,
            interval_cs: 300,
            addresses: vec![v4("198.18.5.5")],
            auth: Auth::None,
        }
    );
    assert_eq!(
        repr.to_bytes(src, dst, ChecksumForm::PseudoHeader).unwrap(),
        msg
    );
}

#[test]
fn v3_reserved_bits_are_ignored_on_receipt() {
    // RFC 5798 §5.2.6: "MUST be set to zero on transmission and ignored on reception".
    let mut msg = rfc9568_v4(51, 100, 100, &[[198, 18, 0, 50]]);
    msg[4] |= 0xa0;
    fix_checksum(&mut msg, &[]);
    let (src, dst) = (v4("198.18.0.2"), v4("224.0.0.18"));
    let (repr, _) = parse(&msg, src, dst).unwrap();
    assert_eq!(repr.interval_cs, 100);
    assert_eq!(
        repr.to_bytes(src, dst, ChecksumForm::MessageOnly).unwrap()[4],
        0x00
    );
}

#[test]
fn v2_auth_data_is_ignored_with_auth_type_0() {
    // RFC 3768 §5.3.10: with no authentication the data is ignored on receipt.
    let mut msg = vec![
        0x21, 10, 200, 1, 0, 1, 0, 0, 198, 18, 5, 5, 1, 2, 3, 4, 5, 6, 7, 8,
    ];
    fix_checksum(&mut msg, &[]);
    let (repr, _) = parse(&msg, v4("198.18.0.9"), v4("224.0.0.18")).unwrap();
    assert_eq!(repr.auth, Auth::None);
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

// ---- the cost of accepting both v3/IPv4 checksum forms ----------------------------------

/// Accepting both forms means a corruption that changes the message sum by exactly the
/// pseudo-header's sum passes as the other form. With a source address chosen so that the
/// pseudo-header sums to 0x7fff, flipping the top reserved bit (+0x8000 to word 2) of an
/// RFC 9568 message turns it into a valid keepalived-form message. The reserved bits are
/// ignored (RFC 5798 §5.2.6), so the advert itself is unchanged; only the form differs.
#[test]
fn a_flip_can_switch_the_accepted_form_for_chosen_addresses() {
    let dst = v4("224.0.0.18");
    let msg = rfc9568_v4(51, 100, 100, &[[198, 18, 0, 50]]);
    // Solve for the last two octets w of src = 198.18.w so the pseudo-header sums to 0x7fff.
    let rest = independent_checksum(&[&ipv4_pseudo(v4("198.18.0.0"), dst, msg.len())]);
    let rest_sum = i64::from(!rest); // the folded sum of everything but w
    let w = (0x7fff - rest_sum).rem_euclid(0xffff) as u16;
    let src = IpAddr::from([198, 18, (w >> 8) as u8, w as u8]);
    assert_eq!(
        !independent_checksum(&[&ipv4_pseudo(src, dst, msg.len())]),
        0x7fff
    );

    let (original, form) = parse(&msg, src, dst).unwrap();
    assert_eq!(form, ChecksumForm::MessageOnly);
    let mut flipped = msg.clone();
    flipped[4] ^= 0x80;
    assert!(verifies(&flipped, &ipv4_pseudo(src, dst, flipped.len())));
    let (repr, form) = parse(&flipped, src, dst).unwrap();
    assert_eq!(form, ChecksumForm::PseudoHeader);
    assert_eq!(repr, original);
}

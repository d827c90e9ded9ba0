//! Byte-exact vectors: advertisements captured from keepalived 2.2.7, RFC 9568 message-only
//! vectors built by hand, and what accepting both v3/IPv4 checksum forms costs. Negative
//! vectors are in codec_negative.rs.

#[path = "vectors/mod.rs"]
mod vectors;

use std::net::IpAddr;

use vrrp::packet::{Family, Packet};
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
    // keepalived 2.2.7 puts the IPv4 pseudo-header under the v3 checksum.
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

//! Malformed input: each error is refused with the NOTIFICATION RFC 4271 §6.1-§6.3 names
//! (code, subcode and data), "need more" is told apart from errors, and the attribute errors
//! RFC 7606 handles by treat-as-withdraw keep the session up.

#[path = "vectors/mod.rs"]
mod vectors;

use bgp::wire::*;
use vectors::*;

fn invalid(bytes: &[u8]) -> Invalid {
    match Message::parse(bytes) {
        Err(Error::Invalid(i)) => i,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn code(bytes: &[u8]) -> (u8, u8, Vec<u8>) {
    let n = invalid(bytes).notification();
    (n.code.to_u8(), n.subcode, n.data)
}

/// Parses an UPDATE that must be accepted with treat-as-withdraw set; returns the reason.
fn withdrawn(bytes: &[u8]) -> (Update, Invalid) {
    let Ok((Message::Update(u), _)) = Message::parse(bytes) else {
        panic!("expected an UPDATE, got {:?}", Message::parse(bytes))
    };
    let why = u.treat_as_withdraw.clone().expect("treat-as-withdraw");
    (u, why)
}

const MARKER_HEX: &str = "ffffffffffffffffffffffffffffffff";

// ---- RFC 4271 §6.1: header -------------------------------------------------------------

#[test]
fn partial_input_is_incomplete_not_an_error() {
    assert_eq!(Message::parse(&[]), Err(Error::Incomplete { needed: 19 }));
    assert_eq!(
        Message::parse(&[0xff; 10]),
        Err(Error::Incomplete { needed: 9 })
    );
    let ka = message(4, &[]);
    assert_eq!(
        Message::parse(&ka[..18]),
        Err(Error::Incomplete { needed: 1 })
    );
    let u = update(&[], &mandatory_v4(), &unhex("20 c6120a32"));
    for cut in 19..u.len() {
        assert_eq!(
            Message::parse(&u[..cut]),
            Err(Error::Incomplete {
                needed: u.len() - cut
            })
        );
    }
}

#[test]
fn a_bad_marker_is_connection_not_synchronized_even_before_the_header_is_complete() {
    let mut m = message(4, &[]);
    m[3] = 0;
    assert_eq!(code(&m), (1, 1, vec![]));
    assert_eq!(invalid(&m[..5]), Invalid::BadMarker);
}

#[test]
fn lengths_outside_19_to_4096_or_wrong_for_the_type_are_bad_message_length() {
    let with_len = |len: u16, kind: u8| {
        let mut m = unhex(MARKER_HEX);
        m.extend_from_slice(&len.to_be_bytes());
        m.push(kind);
        m
    };
    assert_eq!(code(&with_len(18, 4)), (1, 2, vec![0, 18]));
    assert_eq!(code(&with_len(4097, 2)), (1, 2, vec![0x10, 0x01]));
    assert_eq!(
        code(&with_len(20, 4)),
        (1, 2, vec![0, 20]),
        "KEEPALIVE is 19"
    );
    assert_eq!(
        code(&with_len(28, 1)),
        (1, 2, vec![0, 28]),
        "OPEN is at least 29"
    );
    assert_eq!(
        code(&with_len(22, 2)),
        (1, 2, vec![0, 22]),
        "UPDATE is at least 23"
    );
    assert_eq!(
        code(&with_len(20, 3)),
        (1, 2, vec![0, 20]),
        "NOTIFICATION >= 21"
    );
    assert_eq!(
        code(&with_len(24, 5)),
        (1, 2, vec![0, 24]),
        "ROUTE-REFRESH is 23"
    );
    // The length is judged before the body arrives: no waiting for 4097 octets.
    assert!(matches!(
        Message::parse(&with_len(4097, 2)),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn an_unknown_type_is_bad_message_type() {
    assert_eq!(code(&message(6, &[])), (1, 3, vec![6]));
    assert_eq!(code(&message(0, &[])), (1, 3, vec![0]));
}

// ---- RFC 4271 §6.2: OPEN ---------------------------------------------------------------

const ID: [u8; 4] = [198, 18, 0, 2];

#[test]
fn open_version_other_than_4_names_the_version_we_speak() {
    assert_eq!(
        code(&message(1, &open_body(3, 64500, 90, ID, &[]))),
        (2, 1, vec![0, 4])
    );
    assert_eq!(
        code(&message(1, &open_body(5, 64500, 90, ID, &[]))),
        (2, 1, vec![0, 4])
    );
}

#[test]
fn open_hold_time_of_one_or_two_seconds_is_unacceptable() {
    for hold in [1, 2] {
        assert_eq!(
            code(&message(1, &open_body(4, 64500, hold, ID, &[]))),
            (2, 6, vec![])
        );
    }
    for hold in [0, 3, 65535] {
        assert!(Message::parse(&message(1, &open_body(4, 64500, hold, ID, &[]))).is_ok());
    }
}

#[test]
fn open_bgp_identifier_zero_is_bad() {
    assert_eq!(
        code(&message(1, &open_body(4, 64500, 90, [0; 4], &[]))),
        (2, 3, vec![])
    );
}

#[test]
fn open_optional_parameter_other_than_capabilities_is_unsupported() {
    // Type 1 was Authentication (deprecated by RFC 5492).
    assert_eq!(
        code(&message(
            1,
            &open_body(4, 64500, 90, ID, &unhex("01 02 abcd"))
        )),
        (2, 4, vec![])
    );
    assert_eq!(
        invalid(&message(1, &open_body(4, 64500, 90, ID, &unhex("01 00")))),
        Invalid::UnsupportedOptionalParameter(1)
    );
}

#[test]
fn open_parameter_and_capability_lengths_must_fit() {
    let cases = [
        "02",                 // parameter header cut
        "02 05 41 04 0000",   // parameter longer than the rest
        "02 04 41 04 0000",   // capability longer than its parameter
        "02 05 41 03 000000", // 4-octet AS capability of 3 octets
        "02 03 01 01 00",     // multiprotocol capability of 1 octet
        "02 03 02 01 00",     // route refresh with a value
        "02 05 40 03 007800", // graceful restart: not 2 + 4n
    ];
    for params in cases {
        let mut body = open_body(4, 64500, 90, ID, &unhex(params));
        assert_eq!(code(&message(1, &body)), (2, 0, vec![]), "{params}");
        // Optional Parameters Length disagreeing with the message.
        body[9] = body[9].wrapping_add(1);
        assert!(matches!(
            Message::parse(&message(1, &body)),
            Err(Error::Invalid(_))
        ));
    }
}

// ---- RFC 4271 §6.3: UPDATE -------------------------------------------------------------

#[test]
fn update_lengths_overrunning_the_message_are_malformed_attribute_list() {
    let mut body = update_body(&unhex("20 c6120a32"), &[], &[]);
    body[1] = 9; // withdrawn length past the end
    assert_eq!(code(&message(2, &body)), (3, 1, vec![]));
    let mut body = update_body(&[], &mandatory_v4(), &[]);
    body[3] += 1; // attribute length past the end
    assert_eq!(code(&message(2, &body)), (3, 1, vec![]));
    // An attribute header cut short inside the list.
    assert_eq!(code(&update(&[], &unhex("40 01"), &[])), (3, 1, vec![]));
}

#[test]
fn an_attribute_running_past_the_list_is_an_attribute_length_error() {
    let attr = unhex("40 01 05 00");
    assert_eq!(code(&update(&[], &attr, &[])), (3, 5, attr));
}

#[test]
fn an_unrecognized_well_known_attribute_is_refused_with_the_attribute_as_data() {
    let attr = unhex("40 63 01 07");
    let mut attrs = mandatory_v4();
    attrs.extend_from_slice(&attr);
    assert_eq!(
        code(&update(&[], &attrs, &unhex("20 c6120a32"))),
        (3, 2, attr)
    );
}

#[test]
fn prefixes_longer_than_the_address_are_invalid_network_field() {
    assert_eq!(
        code(&update(&unhex("21 c6120a3200"), &[], &[])),
        (3, 10, vec![])
    );
    assert_eq!(
        code(&update(&[], &mandatory_v4(), &unhex("21 c6120a3200"))),
        (3, 10, vec![])
    );
    // A prefix cut by the end of the message.
    assert_eq!(
        code(&update(&[], &mandatory_v4(), &unhex("20 c612"))),
        (3, 10, vec![])
    );
}

#[test]
fn mp_reach_errors_reset_the_session_with_optional_attribute_error() {
    // RFC 4760 §7 / RFC 7606 §7.11: next hop of 8 octets; a /129; a cut NLRI.
    let cases = [
        "0002 01 08 0000000000000000 00",
        "0002 01 10 20010db8000000000000000000000001 00 81 00",
        "0002 01 10 20010db8000000000000000000000001 00 80 2001",
        "0002 01 10 20010db8000000000000000000000001",
    ];
    for value in cases {
        let value = unhex(value);
        let mut attr = vec![0x80, 0x0e, value.len() as u8];
        attr.extend_from_slice(&value);
        assert_eq!(code(&update(&[], &attr, &[])), (3, 9, attr.clone()));
    }
    let attr = unhex("80 0f 04 0002 01 81");
    assert_eq!(code(&update(&[], &attr, &[])), (3, 9, attr.clone()));
}

#[test]
fn a_repeated_mp_attribute_resets_others_repeated_keep_the_first() {
    // RFC 7606 §3.g.
    let eor6 = unhex("80 0f 03 0002 01");
    let mut twice = eor6.clone();
    twice.extend_from_slice(&eor6);
    assert_eq!(code(&update(&[], &twice, &[])), (3, 1, vec![]));

    let mut attrs = mandatory_v4();
    attrs.extend_from_slice(&unhex("40 01 01 02")); // a second ORIGIN, INCOMPLETE
    let Ok((Message::Update(u), _)) = Message::parse(&update(&[], &attrs, &unhex("00"))) else {
        panic!()
    };
    assert_eq!(u.attributes.origin, Some(Origin::Igp));
    assert_eq!(u.treat_as_withdraw, None);
}

// ---- RFC 7606: treat-as-withdraw -------------------------------------------------------

fn with_mandatory(extra: &str) -> Vec<u8> {
    let mut attrs = mandatory_v4();
    attrs.extend_from_slice(&unhex(extra));
    update(&[], &attrs, &unhex("20 c6120a32"))
}

#[test]
fn bad_attribute_values_are_treated_as_withdraw_with_the_rfc_4271_error_kept() {
    // (attributes, the NOTIFICATION RFC 4271 alone would send)
    let cases: [(&str, u8); 7] = [
        ("40 01 01 03  40 02 00  40 03 04 c6120002", 6), // ORIGIN 3 (RFC 7606 §7.1)
        ("40 01 02 0000  40 02 00  40 03 04 c6120002", 5), // ORIGIN length (§7.1)
        ("40 01 01 00  40 02 02 0300  40 03 04 c6120002", 11), // segment type 3 (§7.2)
        ("40 01 01 00  40 02 02 0200  40 03 04 c6120002", 11), // empty segment (§7.2)
        ("40 01 01 00  40 02 03 020100  40 03 04 c6120002", 11), // cut AS (§7.2)
        ("40 01 01 00  40 02 00  40 03 03 c61200", 5),   // NEXT_HOP length (§7.3)
        ("40 01 01 00  40 02 00  40 03 04 e0000001", 8), // multicast NEXT_HOP
    ];
    for (attrs, subcode) in cases {
        let bytes = update(&[], &unhex(attrs), &unhex("20 c6120a32"));
        let (u, why) = withdrawn(&bytes);
        assert_eq!(why.code(), (ErrorCode::UpdateMessage, subcode), "{attrs}");
        assert_eq!(u.nlri.len(), 1, "the NLRI is still found, to be withdrawn");
    }
    for (extra, subcode) in [
        ("80 04 03 000000", 5),           // MED length (§7.4)
        ("40 05 05 0000000000", 5),       // LOCAL_PREF length (§7.5)
        ("c0 08 03 fc0000", 9),           // COMMUNITIES not 4n (§7.8)
        ("c0 08 00", 9),                  // COMMUNITIES empty (§7.8)
        ("c0 20 08 0000fc0000000001", 9), // LARGE_COMMUNITY not 12n (RFC 8092 §5)
        ("c0 01 01 00", 4),               // ORIGIN flagged optional (§3.c)
        ("00 04 04 00000001", 4),         // MED flagged well-known (§3.c)
        ("60 03 04 c6120002", 4),         // NEXT_HOP with the Partial bit (§3.c)
    ] {
        // Put the extra attribute first so it is seen before the valid one it repeats.
        let mut attrs = unhex(extra);
        attrs.extend_from_slice(&mandatory_v4());
        let (_, why) = withdrawn(&update(&[], &attrs, &unhex("20 c6120a32")));
        assert_eq!(why.code(), (ErrorCode::UpdateMessage, subcode), "{extra}");
    }
    let _ = with_mandatory("");
}

#[test]
fn a_missing_well_known_attribute_is_treated_as_withdraw() {
    // RFC 4271 §6.3 Missing Well-known Attribute, data = the type code; RFC 7606 §3.d.
    for (attrs, missing) in [
        ("40 02 00  40 03 04 c6120002", 1u8),
        ("40 01 01 00  40 03 04 c6120002", 2),
        ("40 01 01 00  40 02 00", 3),
    ] {
        let (_, why) = withdrawn(&update(&[], &unhex(attrs), &unhex("20 c6120a32")));
        assert_eq!(why, Invalid::MissingWellKnown(missing));
        assert_eq!(why.notification().data, vec![missing]);
    }
    // Withdrawals alone need no attributes at all.
    let Ok((Message::Update(u), _)) = Message::parse(&update(&unhex("20 c6120a32"), &[], &[]))
    else {
        panic!()
    };
    assert_eq!(u.treat_as_withdraw, None);
    // IPv6 NLRI needs ORIGIN and AS_PATH but no NEXT_HOP.
    let reach = "80 0e 1a 0002 01 10 20010db8000000000000000000000001 00 20 20010db8";
    let (_, why) = withdrawn(&update(&[], &unhex(reach), &[]));
    assert_eq!(why, Invalid::MissingWellKnown(1));
    let mut ok = unhex("40 01 01 00  40 02 00");
    ok.extend_from_slice(&unhex(reach));
    let Ok((Message::Update(u), _)) = Message::parse(&update(&[], &ok, &[])) else {
        panic!()
    };
    assert_eq!(u.treat_as_withdraw, None);
}

#[test]
fn unknown_families_in_mp_attributes_are_kept_raw_not_refused() {
    // RFC 4760 §7: a family not negotiated is ignored. AFI 1 SAFI 2 (multicast).
    let attr = unhex("80 0f 03 0001 02");
    let Ok((Message::Update(u), _)) = Message::parse(&update(&[], &attr, &[])) else {
        panic!()
    };
    assert_eq!(u.attributes.mp_unreach, None);
    assert_eq!(u.attributes.other.len(), 1);
    assert_eq!(u.end_of_rib_family(), None);
}

#[test]
fn emitting_what_the_wire_cannot_say_is_an_error_and_leaves_the_buffer_alone() {
    let mut out = vec![1, 2, 3];
    let huge = Message::Notification(Notification {
        code: ErrorCode::Cease,
        subcode: 0,
        data: vec![0; 4096],
    });
    assert_eq!(huge.emit(Ctx::default(), &mut out), Err(EmitError::TooLong));
    assert_eq!(out, [1, 2, 3]);
    let v6_in_v4 = Message::Update(Update {
        withdrawn: vec![Prefix::host("2001:db8::1".parse().unwrap())],
        ..Update::default()
    });
    assert_eq!(
        v6_in_v4.to_bytes(Ctx::default()),
        Err(EmitError::WrongFamily)
    );
    let long_segment = Message::Update(Update {
        attributes: PathAttributes {
            as_path: Some(vec![Segment {
                kind: SegmentKind::Sequence,
                asns: vec![1; 256],
            }]),
            ..PathAttributes::default()
        },
        ..Update::default()
    });
    assert_eq!(
        long_segment.to_bytes(Ctx::default()),
        Err(EmitError::FieldTooLong)
    );
}

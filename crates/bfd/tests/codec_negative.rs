//! Negative vectors: each receive rule of RFC 5880 §6.8.6 (and the auth section layouts of
//! §4.2–4.4) refuses a packet that breaks it with its own error, and `emit` refuses to write
//! what a receiver would discard.

#[path = "vectors/mod.rs"]
mod vectors;

use bfd::{Auth, ControlRepr, EmitError, ParseError, Password, State};
use vectors::*;

/// BIRD's Up packet, edited by `f`.
fn up_with(f: impl FnOnce(&mut Vec<u8>)) -> Result<ControlRepr, ParseError> {
    let mut bytes = hex(BIRD_UP);
    f(&mut bytes);
    ControlRepr::parse(&bytes)
}

fn simple_with(f: impl FnOnce(&mut Vec<u8>)) -> Result<ControlRepr, ParseError> {
    let mut bytes = hex(BIRD_AUTH_SIMPLE);
    f(&mut bytes);
    ControlRepr::parse(&bytes)
}

#[test]
fn short_buffers_are_truncated() {
    let bytes = hex(BIRD_UP);
    for len in 0..24 {
        assert_eq!(
            ControlRepr::parse(&bytes[..len]),
            Err(ParseError::Truncated)
        );
    }
    let auth = hex(BIRD_AUTH_SHA1);
    for len in 24..auth.len() {
        assert_eq!(
            ControlRepr::parse(&auth[..len]),
            Err(ParseError::Truncated),
            "{len}"
        );
    }
}

#[test]
fn version_must_be_one() {
    for v in [0u8, 2, 3, 7] {
        assert_eq!(
            up_with(|b| b[0] = (v << 5) | (b[0] & 0x1f)),
            Err(ParseError::BadVersion(v))
        );
    }
}

#[test]
fn length_below_the_minimum() {
    assert_eq!(up_with(|b| b[3] = 23), Err(ParseError::BadLength(23)));
    assert_eq!(up_with(|b| b[3] = 0), Err(ParseError::BadLength(0)));
    // With the A bit set the minimum is 26.
    assert_eq!(simple_with(|b| b[3] = 25), Err(ParseError::BadLength(25)));
    assert_eq!(simple_with(|b| b[3] = 24), Err(ParseError::BadLength(24)));
}

#[test]
fn length_beyond_the_payload() {
    assert_eq!(up_with(|b| b[3] = 25), Err(ParseError::Truncated));
    assert_eq!(up_with(|b| b[3] = 255), Err(ParseError::Truncated));
}

#[test]
fn zero_detect_mult() {
    assert_eq!(up_with(|b| b[2] = 0), Err(ParseError::ZeroDetectMult));
}

#[test]
fn multipoint_bit() {
    assert_eq!(up_with(|b| b[1] |= 0x01), Err(ParseError::Multipoint));
}

#[test]
fn zero_my_discriminator() {
    assert_eq!(
        up_with(|b| b[4..8].fill(0)),
        Err(ParseError::ZeroMyDiscriminator)
    );
}

#[test]
fn zero_your_discriminator_only_in_down_or_admin_down() {
    for (state, ok) in [(0u8, true), (1, true), (2, false), (3, false)] {
        let result = up_with(|b| {
            b[1] = (state << 6) | (b[1] & 0x3f);
            b[8..12].fill(0);
        });
        if ok {
            assert!(result.is_ok(), "state {state}: {result:?}");
        } else {
            assert_eq!(
                result,
                Err(ParseError::ZeroYourDiscriminator),
                "state {state}"
            );
        }
    }
}

#[test]
fn poll_and_final_together() {
    assert_eq!(up_with(|b| b[1] |= 0x30), Err(ParseError::PollAndFinal));
}

#[test]
fn auth_bit_without_a_valid_section() {
    // A bit set on a 24-byte packet: Length below 26.
    assert_eq!(up_with(|b| b[1] |= 0x04), Err(ParseError::BadLength(24)));
    // Reserved auth types 0 and 6..=255.
    for t in [0u8, 6, 255] {
        assert_eq!(simple_with(|b| b[24] = t), Err(ParseError::BadAuthType(t)));
    }
    // Auth Len beyond Length, or not what the type calls for.
    assert_eq!(simple_with(|b| b[25] = 12), Err(ParseError::BadAuthLen(12)));
    assert_eq!(simple_with(|b| b[25] = 3), Err(ParseError::BadAuthLen(3)));
    let mut md5 = hex(BIRD_AUTH_MD5);
    md5[25] = 23;
    assert_eq!(ControlRepr::parse(&md5), Err(ParseError::BadAuthLen(23)));
    let mut sha1 = hex(BIRD_AUTH_SHA1);
    sha1[25] = 24;
    assert_eq!(ControlRepr::parse(&sha1), Err(ParseError::BadAuthLen(24)));
    // A password of 17 bytes cannot be expressed (§4.2: 1 to 16).
    let mut long = hex(BIRD_AUTH_SIMPLE);
    long.extend(b"123456789");
    long[3] = long.len() as u8;
    long[25] = 20;
    assert_eq!(ControlRepr::parse(&long), Err(ParseError::BadAuthLen(20)));
}

#[test]
fn a_bit_clear_ignores_bytes_after_the_mandatory_section() {
    // Length 35 without the A bit: the 11 bytes are not an auth section and are ignored.
    let mut bytes = hex(BIRD_AUTH_SIMPLE);
    bytes[1] &= !0x04;
    let repr = ControlRepr::parse(&bytes).unwrap();
    assert_eq!(repr.auth, None);
    assert_eq!(repr.to_bytes().unwrap().len(), 24);
}

#[test]
fn emit_refuses_what_a_receiver_discards() {
    let good = ControlRepr::parse(&hex(BIRD_UP)).unwrap();
    let cases = [
        (
            ControlRepr {
                detect_mult: 0,
                ..good
            },
            EmitError::ZeroDetectMult,
        ),
        (
            ControlRepr {
                my_discr: 0,
                ..good
            },
            EmitError::ZeroMyDiscriminator,
        ),
        (
            ControlRepr {
                your_discr: 0,
                ..good
            },
            EmitError::ZeroYourDiscriminator,
        ),
        (
            ControlRepr {
                your_discr: 0,
                state: State::Init,
                ..good
            },
            EmitError::ZeroYourDiscriminator,
        ),
        (
            ControlRepr {
                poll: true,
                final_: true,
                ..good
            },
            EmitError::PollAndFinal,
        ),
    ];
    for (repr, err) in cases {
        assert_eq!(repr.to_bytes(), Err(err));
        assert_eq!(repr.emit(&mut [0; 64]), Err(err));
    }
    let down = ControlRepr {
        your_discr: 0,
        state: State::Down,
        auth: Some(Auth::SimplePassword {
            key_id: 1,
            password: Password::new(b"k").unwrap(),
        }),
        ..good
    };
    assert!(down.to_bytes().is_ok());
}

#[test]
fn errors_display() {
    for e in [
        ParseError::Truncated,
        ParseError::BadVersion(2),
        ParseError::BadLength(3),
        ParseError::ZeroDetectMult,
        ParseError::Multipoint,
        ParseError::ZeroMyDiscriminator,
        ParseError::ZeroYourDiscriminator,
        ParseError::PollAndFinal,
        ParseError::BadAuthType(9),
        ParseError::BadAuthLen(1),
    ] {
        assert!(e.to_string().starts_with("BFD") || e.to_string().contains("BFD"));
    }
    assert!(format!("{:?}", Password::new(b"secret").unwrap()).contains("6 bytes"));
    assert!(!format!("{:?}", Password::new(b"secret").unwrap()).contains("secret"));
}

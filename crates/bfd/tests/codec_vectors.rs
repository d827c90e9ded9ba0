//! Byte-exact vectors: packets captured from FRR bfdd 8.4.4 and BIRD 2.0.12 parse to the
//! expected fields and re-emit to the same bytes; packets built by hand from the RFC 5880
//! §4.1–4.4 layouts equal what `emit` writes. Negative vectors are in codec_negative.rs.

#[path = "vectors/mod.rs"]
mod vectors;

use bfd::{Auth, ControlRepr, Diagnostic, Password, State};
use vectors::*;

fn parse(h: &str) -> ControlRepr {
    ControlRepr::parse(&hex(h)).unwrap_or_else(|e| panic!("{h}: {e}"))
}

fn up(my: u32, your: u32, tx: u32, rx: u32) -> ControlRepr {
    ControlRepr {
        diag: Diagnostic::None,
        state: State::Up,
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        detect_mult: 3,
        my_discr: my,
        your_discr: your,
        desired_min_tx_us: tx,
        required_min_rx_us: rx,
        required_min_echo_rx_us: 0,
        auth: None,
    }
}

// ---- (a) captured from FRR and BIRD ------------------------------------------------------

#[test]
fn named_vectors_are_in_the_trace() {
    let trace: Vec<Vec<u8>> = frr_bird_trace().into_iter().map(|c| c.payload).collect();
    for (name, bytes) in captured_seeds().into_iter().take(10) {
        assert!(trace.contains(&bytes), "{name} is not in frr-bird.trace");
    }
}

#[test]
fn every_captured_packet_parses_and_reemits_byte_exact() {
    for c in frr_bird_trace() {
        assert_eq!(c.ttl, 255, "RFC 5881 §5: single hop sends TTL 255");
        let repr = ControlRepr::parse(&c.payload).unwrap_or_else(|e| panic!("{c:?}: {e}"));
        assert_eq!(repr.to_bytes().unwrap(), c.payload);
    }
    for (name, bytes) in captured_seeds() {
        let repr = ControlRepr::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(repr.to_bytes().unwrap(), bytes, "{name}");
    }
}

#[test]
fn bird_down_fields() {
    let p = parse(BIRD_DOWN);
    assert_eq!(
        p,
        ControlRepr {
            state: State::Down,
            my_discr: BIRD_DISCR,
            your_discr: 0,
            // RFC 5880 §6.8.3: at least 1 s while not Up; 300 ms receive.
            desired_min_tx_us: 1_000_000,
            required_min_rx_us: 300_000,
            ..up(BIRD_DISCR, 0, 0, 0)
        }
    );
}

#[test]
fn frr_handshake_fields() {
    let init = parse(FRR_INIT);
    assert_eq!(init.state, State::Init);
    assert_eq!((init.my_discr, init.your_discr), (FRR_DISCR, BIRD_DISCR));
    assert_eq!(
        init.required_min_echo_rx_us, 50_000,
        "FRR offers echo at 50 ms"
    );

    let poll = parse(FRR_UP_POLL);
    assert!(poll.poll && !poll.final_);
    assert_eq!(poll.state, State::Up);
    assert_eq!(
        (poll.desired_min_tx_us, poll.required_min_rx_us),
        (300_000, 300_000)
    );

    let fin = parse(FRR_UP_FINAL);
    assert!(fin.final_ && !fin.poll);
    let bird_fin = parse(BIRD_UP_FINAL);
    assert!(bird_fin.final_ && !bird_fin.poll);
    assert_eq!(parse(BIRD_UP_POLL).your_discr, FRR_DISCR);
}

#[test]
fn frr_detection_expired_fields() {
    let p = parse(FRR_DOWN_DETECT);
    assert_eq!(p.diag, Diagnostic::ControlDetectionTimeExpired);
    assert_eq!(p.state, State::Down);
    assert_eq!(
        p.your_discr, 0,
        "RFC 5880 §6.8.1: RemoteDiscr reset on detection expiry"
    );
    let slow = parse(FRR_DOWN_SLOW);
    assert_eq!(
        (slow.desired_min_tx_us, slow.required_min_rx_us),
        (1_000_000, 1_000_000)
    );
}

#[test]
fn bird_simple_password() {
    let p = parse(BIRD_AUTH_SIMPLE);
    let password = Password::new(b"kgsecret").unwrap();
    assert_eq!(
        p.auth,
        Some(Auth::SimplePassword {
            key_id: 5,
            password
        })
    );
    let auth = p.auth.unwrap();
    assert_eq!(auth.auth_len(), 11, "RFC 5880 §4.2: password length + 3");
    assert!(auth.is_simple_password(5, &password));
    assert!(!auth.is_simple_password(6, &password));
    assert!(!auth.is_simple_password(5, &Password::new(b"kgsecreT").unwrap()));
    assert!(!auth.is_simple_password(5, &Password::new(b"kgsecret!").unwrap()));
    assert!(!auth.is_simple_password(5, &Password::new(b"kgsecre").unwrap()));
}

#[test]
fn bird_keyed_forms() {
    let cases = [
        (BIRD_AUTH_MD5, 2, 24, 0x1ef0_bdb6),
        (BIRD_AUTH_MET_MD5, 3, 24, 0x67f9_537e),
        (BIRD_AUTH_SHA1, 4, 28, 0x3e46_cb79),
        (BIRD_AUTH_MET_SHA1, 5, 28, 0x7826_233e),
    ];
    for (h, kind, len, seq) in cases {
        let bytes = hex(h);
        let auth = parse(h).auth.expect("A bit set");
        assert_eq!(auth.auth_type(), kind);
        assert_eq!(auth.auth_len(), len);
        assert_eq!(usize::from(bytes[3]), 24 + len);
        match auth {
            Auth::KeyedMd5 {
                meticulous,
                key_id,
                sequence,
                digest,
            } => {
                assert_eq!((meticulous, key_id, sequence), (kind == 3, 5, seq));
                assert_eq!(&digest[..], &bytes[32..48]);
            }
            Auth::KeyedSha1 {
                meticulous,
                key_id,
                sequence,
                hash,
            } => {
                assert_eq!((meticulous, key_id, sequence), (kind == 5, 5, seq));
                assert_eq!(&hash[..], &bytes[32..52]);
            }
            other => panic!("{other:?}"),
        }
    }
}

// ---- (b) built by hand from the RFC 5880 layout -------------------------------------------

#[test]
fn hand_built_up_packet() {
    // Vers 1 | Diag 0 = 0x20; Sta Up (3) << 6 = 0xc0; mult 3; length 24 = 0x18;
    // my 1, your 2, 100 ms = 100000 µs = 0x000186a0 twice, echo 0.
    let wire = hex("20c003180000000100000002000186a0000186a000000000");
    let repr = up(1, 2, 100_000, 100_000);
    assert_eq!(repr.to_bytes().unwrap(), wire);
    assert_eq!(ControlRepr::parse(&wire).unwrap(), repr);
}

#[test]
fn hand_built_flags_diag_and_state() {
    let base = up(0x0102_0304, 0x0a0b_0c0d, 300_000, 250_000);
    let cases = [
        // (diag, state, P, F, C, D, first two bytes)
        (
            Diagnostic::None,
            State::Up,
            true,
            false,
            false,
            false,
            [0x20, 0xe0],
        ),
        (
            Diagnostic::None,
            State::Up,
            false,
            true,
            false,
            false,
            [0x20, 0xd0],
        ),
        (
            Diagnostic::None,
            State::Init,
            false,
            false,
            true,
            false,
            [0x20, 0x88],
        ),
        (
            Diagnostic::None,
            State::Up,
            false,
            false,
            false,
            true,
            [0x20, 0xc2],
        ),
        (
            Diagnostic::ControlDetectionTimeExpired,
            State::Down,
            false,
            false,
            false,
            false,
            [0x21, 0x40],
        ),
        (
            Diagnostic::NeighborSignaledSessionDown,
            State::Down,
            false,
            false,
            false,
            false,
            [0x23, 0x40],
        ),
        (
            Diagnostic::AdministrativelyDown,
            State::AdminDown,
            false,
            false,
            false,
            false,
            [0x27, 0x00],
        ),
        (
            Diagnostic::ReverseConcatenatedPathDown,
            State::Down,
            false,
            false,
            false,
            false,
            [0x28, 0x40],
        ),
        (
            Diagnostic::Reserved(31),
            State::Down,
            false,
            false,
            false,
            false,
            [0x3f, 0x40],
        ),
    ];
    for (diag, state, poll, final_, cpi, demand, head) in cases {
        let repr = ControlRepr {
            diag,
            state,
            poll,
            final_,
            control_plane_independent: cpi,
            demand,
            ..base
        };
        let mut wire = head.to_vec();
        wire.extend(hex("0318010203040a0b0c0d000493e00003d09000000000"));
        assert_eq!(repr.to_bytes().unwrap(), wire, "{repr:?}");
        assert_eq!(ControlRepr::parse(&wire).unwrap(), repr);
    }
}

#[test]
fn hand_built_auth_sections() {
    let base = ControlRepr {
        state: State::Down,
        ..up(7, 0, 1_000_000, 1_000_000)
    };
    let head = "0000000700000000000f4240000f424000000000";
    // §4.2: type 1, len 3 + 1, key id 9, password "x"; Length 28, A bit (0x04).
    let simple = ControlRepr {
        auth: Some(Auth::SimplePassword {
            key_id: 9,
            password: Password::new(b"x").unwrap(),
        }),
        ..base
    };
    assert_eq!(
        simple.to_bytes().unwrap(),
        hex(&format!("2044031c{head}01040978"))
    );
    // §4.3: type 2, len 24, key id 1, reserved 0, sequence 0x01020304, 16 digest bytes.
    let md5 = ControlRepr {
        auth: Some(Auth::KeyedMd5 {
            meticulous: false,
            key_id: 1,
            sequence: 0x0102_0304,
            digest: [0xaa; 16],
        }),
        ..base
    };
    assert_eq!(
        md5.to_bytes().unwrap(),
        hex(&format!(
            "20440330{head}0218010001020304{}",
            "aa".repeat(16)
        ))
    );
    // §4.4: type 5 (meticulous), len 28, key id 2, sequence 0xffffffff, 20 hash bytes.
    let sha1 = ControlRepr {
        auth: Some(Auth::KeyedSha1 {
            meticulous: true,
            key_id: 2,
            sequence: u32::MAX,
            hash: [0x55; 20],
        }),
        ..base
    };
    assert_eq!(
        sha1.to_bytes().unwrap(),
        hex(&format!(
            "20440334{head}051c0200ffffffff{}",
            "55".repeat(20)
        ))
    );
    for repr in [simple, md5, sha1] {
        assert_eq!(ControlRepr::parse(&repr.to_bytes().unwrap()).unwrap(), repr);
    }
}

#[test]
fn longest_password_and_bytes_after_length() {
    let password = Password::new(&[b'p'; 16]).unwrap();
    assert!(Password::new(&[b'p'; 17]).is_none());
    assert!(Password::new(b"").is_none());
    let repr = ControlRepr {
        auth: Some(Auth::SimplePassword {
            key_id: 0,
            password,
        }),
        ..up(1, 2, 1, 1)
    };
    let mut bytes = repr.to_bytes().unwrap();
    assert_eq!(bytes.len(), 24 + 19);
    assert_eq!(bytes[3], 43);
    // RFC 5880 §6.8.6 discards only a Length beyond the payload: a longer UDP payload is
    // accepted and the bytes after Length are ignored.
    bytes.extend([0xde, 0xad]);
    assert_eq!(ControlRepr::parse(&bytes).unwrap(), repr);
}

#[test]
fn emit_into_a_buffer() {
    let repr = up(1, 2, 3, 4);
    let mut buf = [0xffu8; 64];
    assert_eq!(repr.emit(&mut buf), Ok(24));
    assert_eq!(&buf[..24], &repr.to_bytes().unwrap()[..]);
    assert_eq!(buf[24], 0xff, "nothing written past Length");
    assert_eq!(
        repr.emit(&mut buf[..23]),
        Err(bfd::EmitError::BufferTooShort)
    );
}

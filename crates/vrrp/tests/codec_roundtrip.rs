//! Property tests: every valid advertisement survives emit → parse unchanged, and a single
//! flipped bit is either refused or yields an advertisement that re-emits to exactly the
//! flipped bytes (the checksum catches corruption).

#[path = "vectors/mod.rs"]
mod vectors;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use vrrp::{AdvertRepr, Auth, ChecksumForm, Version};

#[derive(Debug, Clone)]
struct Case {
    repr: AdvertRepr,
    src: IpAddr,
    dst: IpAddr,
    form: ChecksumForm,
}

fn addr(ipv6: bool) -> BoxedStrategy<IpAddr> {
    if ipv6 {
        any::<[u8; 16]>()
            .prop_map(|b| IpAddr::V6(Ipv6Addr::from(b)))
            .boxed()
    } else {
        any::<[u8; 4]>()
            .prop_map(|b| IpAddr::V4(Ipv4Addr::from(b)))
            .boxed()
    }
}

fn addr_count() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 1usize..=4, 1 => 5usize..=255]
}

fn form() -> impl Strategy<Value = ChecksumForm> {
    prop_oneof![
        Just(ChecksumForm::PseudoHeader),
        Just(ChecksumForm::MessageOnly)
    ]
}

fn case() -> impl Strategy<Value = Case> {
    case_with(addr_count().boxed())
}

/// Few addresses: for the flip test, which parses once per bit.
fn small_case() -> impl Strategy<Value = Case> {
    case_with((1usize..=6).boxed())
}

fn case_with(count: BoxedStrategy<usize>) -> impl Strategy<Value = Case> {
    // (version, ipv6): v2 is IPv4 only (RFC 3768 §1).
    prop_oneof![
        Just((Version::V2, false)),
        Just((Version::V3, false)),
        Just((Version::V3, true))
    ]
    .prop_flat_map(move |(version, ipv6)| {
        let interval = match version {
            Version::V2 => (1u16..=255).prop_map(|s| s * 100).boxed(),
            Version::V3 => (1u16..=4095).boxed(),
        };
        let auth = match version {
            Version::V2 => {
                prop_oneof![Just(Auth::None), any::<[u8; 8]>().prop_map(Auth::Pass)].boxed()
            }
            Version::V3 => Just(Auth::None).boxed(),
        };
        (
            any::<u8>(),
            any::<u8>(),
            interval,
            count
                .clone()
                .prop_flat_map(move |n| proptest::collection::vec(addr(ipv6), n)),
            auth,
            addr(ipv6),
            addr(ipv6),
            form(),
        )
            .prop_map(
                move |(vrid, priority, interval_cs, addresses, auth, src, dst, form)| Case {
                    repr: AdvertRepr {
                        version,
                        vrid,
                        priority,
                        interval_cs,
                        addresses,
                        auth,
                    },
                    src,
                    dst,
                    form,
                },
            )
    })
}

fn other(form: ChecksumForm) -> ChecksumForm {
    match form {
        ChecksumForm::PseudoHeader => ChecksumForm::MessageOnly,
        ChecksumForm::MessageOnly => ChecksumForm::PseudoHeader,
    }
}

/// The form parse must report: the one that applies (v2: message only, RFC 3768 §5.3.8;
/// IPv6: pseudo-header, RFC 5798 §5.2.8), the chosen one for v3 over IPv4 — unless both
/// forms give the same bytes (the pseudo-header sums to zero), when parse reports
/// `PseudoHeader`, the form it tries first.
fn expected_form(c: &Case, bytes: &[u8]) -> ChecksumForm {
    match (c.repr.version, c.src.is_ipv6()) {
        (Version::V2, _) => ChecksumForm::MessageOnly,
        (Version::V3, true) => ChecksumForm::PseudoHeader,
        (Version::V3, false) => {
            let alt = c.repr.to_bytes(c.src, c.dst, other(c.form)).unwrap();
            if alt == bytes {
                ChecksumForm::PseudoHeader
            } else {
                c.form
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn emit_then_parse_is_identity(c in case()) {
        let bytes = c.repr.to_bytes(c.src, c.dst, c.form).unwrap();
        prop_assert_eq!(bytes.len(), c.repr.buffer_len());
        let (repr, form) = AdvertRepr::parse(&bytes, c.src, c.dst).unwrap();
        prop_assert_eq!(&repr, &c.repr);
        prop_assert_eq!(form, expected_form(&c, &bytes));

        // The checksum agrees with the test's own one's-complement sum.
        let pseudo = match (c.repr.version, c.src.is_ipv6(), c.form) {
            (Version::V2, _, _) => vec![],
            (Version::V3, true, _) => vectors::ipv6_pseudo(c.src, c.dst, bytes.len()),
            (Version::V3, false, ChecksumForm::PseudoHeader) => {
                vectors::ipv4_pseudo(c.src, c.dst, bytes.len())
            }
            (Version::V3, false, ChecksumForm::MessageOnly) => vec![],
        };
        prop_assert!(vectors::verifies(&bytes, &pseudo));

        // emit writes exactly buffer_len bytes and leaves the rest of the buffer alone.
        let mut buf = vec![0xa5u8; bytes.len() + 7];
        prop_assert_eq!(c.repr.emit(&mut buf, c.src, c.dst, c.form), Ok(bytes.len()));
        prop_assert_eq!(&buf[..bytes.len()], &bytes[..]);
        prop_assert!(buf[bytes.len()..].iter().all(|&b| b == 0xa5));
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_single_bit_flip_is_caught(c in small_case()) {
        let bytes = c.repr.to_bytes(c.src, c.dst, c.form).unwrap();
        let original_form = expected_form(&c, &bytes);
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let Ok((repr, form)) = AdvertRepr::parse(&flipped, c.src, c.dst) else { continue };
            let reemitted = repr.to_bytes(c.src, c.dst, form).unwrap();
            if reemitted == flipped {
                continue;
            }
            // The one way a flip can verify: v3 over IPv4, where the flip moved the sum by
            // exactly the pseudo-header's sum and so turned one accepted form into the other.
            // The advert then differs only in what is not carried in the repr: the reserved
            // bits (ignored on receipt, RFC 5798 §5.2.6) or the checksum's ±0 encoding.
            prop_assert_eq!(c.repr.version, Version::V3);
            prop_assert!(!c.src.is_ipv6());
            prop_assert_ne!(form, original_form);
            for (i, (a, b)) in reemitted.iter().zip(&flipped).enumerate() {
                let allowed = match i { 4 => 0xf0, 6 | 7 => 0xff, _ => 0 };
                prop_assert_eq!((a ^ b) & !allowed, 0, "byte {} differs after flip {}", i, bit);
            }
        }
    }
}

/// The flip property on the captured and hand-built vectors, exhaustively.
#[test]
fn bit_flips_on_captured_vectors_are_rejected() {
    for c in vectors::CAPTURED {
        let bytes = c.bytes();
        let mut accepted = 0;
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            if let Ok((repr, form)) = AdvertRepr::parse(&flipped, c.src(), c.dst()) {
                accepted += 1;
                assert_eq!(
                    repr.to_bytes(c.src(), c.dst(), form).unwrap(),
                    flipped,
                    "{}",
                    c.name
                );
            }
        }
        // For these addresses no flip switches the v3 checksum form, so all are refused.
        assert_eq!(accepted, 0, "{}: a corrupted packet was accepted", c.name);
    }
}

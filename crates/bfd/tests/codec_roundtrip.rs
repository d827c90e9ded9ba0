//! Property tests: every valid control packet survives emit → parse unchanged; every
//! truncation and every single flipped bit of a valid packet either is refused or parses to
//! a packet that re-emits to the flipped bytes — never a panic.

use bfd::{Auth, ControlRepr, Diagnostic, Password, State};
use proptest::prelude::*;

fn state() -> impl Strategy<Value = State> {
    prop_oneof![
        Just(State::AdminDown),
        Just(State::Down),
        Just(State::Init),
        Just(State::Up)
    ]
}

fn auth() -> impl Strategy<Value = Option<Auth>> {
    prop_oneof![
        2 => Just(None),
        1 => (any::<u8>(), proptest::collection::vec(any::<u8>(), 1..=16)).prop_map(|(key_id, pw)| {
            Some(Auth::SimplePassword { key_id, password: Password::new(&pw).unwrap() })
        }),
        1 => (any::<bool>(), any::<u8>(), any::<u32>(), any::<[u8; 16]>()).prop_map(
            |(meticulous, key_id, sequence, digest)| {
                Some(Auth::KeyedMd5 { meticulous, key_id, sequence, digest })
            }
        ),
        1 => (any::<bool>(), any::<u8>(), any::<u32>(), any::<[u8; 20]>()).prop_map(
            |(meticulous, key_id, sequence, hash)| {
                Some(Auth::KeyedSha1 { meticulous, key_id, sequence, hash })
            }
        ),
    ]
}

prop_compose! {
    fn repr()(
        diag in (0u8..32).prop_map(Diagnostic::from_wire),
        state in state(),
        pf in 0u8..3,
        cpi in any::<bool>(),
        demand in any::<bool>(),
        detect_mult in 1u8..,
        my_discr in 1u32..,
        your_discr in any::<u32>(),
        tx in any::<u32>(),
        rx in any::<u32>(),
        echo in any::<u32>(),
        auth in auth(),
    ) -> ControlRepr {
        let your_discr = if matches!(state, State::Init | State::Up) { your_discr.max(1) } else { your_discr };
        ControlRepr {
            diag, state, poll: pf == 1, final_: pf == 2, control_plane_independent: cpi, demand,
            detect_mult, my_discr, your_discr, desired_min_tx_us: tx, required_min_rx_us: rx,
            required_min_echo_rx_us: echo, auth,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn emit_then_parse_is_identity(repr in repr()) {
        let bytes = repr.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), repr.buffer_len());
        prop_assert_eq!(usize::from(bytes[3]), bytes.len());
        prop_assert_eq!(ControlRepr::parse(&bytes).unwrap(), repr);
    }

    #[test]
    fn truncations_are_refused(repr in repr()) {
        let bytes = repr.to_bytes().unwrap();
        for len in 0..bytes.len() {
            prop_assert!(ControlRepr::parse(&bytes[..len]).is_err(), "{} of {:?}", len, repr);
        }
    }

    #[test]
    fn bit_flips_never_panic_and_reparse_consistently(repr in repr()) {
        let bytes = repr.to_bytes().unwrap();
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            bfd::packet::fuzz_parse(&flipped);
        }
    }
}

#[test]
fn diagnostic_and_state_wire_values_round_trip() {
    for v in 0u8..32 {
        assert_eq!(Diagnostic::from_wire(v).to_wire(), v);
    }
    for v in 0u8..4 {
        assert_eq!(State::from_wire(v).to_wire(), v);
    }
}

//! Property test of the session: any sequence of packets (from the peer, with random fields
//! and discriminators), timer expiries, administrative inputs and parameter changes never
//! panics, and the session keeps its promises: every packet it sends is one a receiver
//! accepts (RFC 5880 §6.8.6), state changes chain, Init / Up always know the remote
//! discriminator, timers are never in the past, and an Up session has a detection time.

mod session_support;

use std::time::Instant;

use bfd::{Action, ControlRepr, Diagnostic, Input, Session, State};
use proptest::prelude::*;
use session_support::*;

#[derive(Debug, Clone)]
enum Op {
    Wait(u64),
    Packet {
        state: u8,
        your: u8,
        flags: u8,
        mult: u8,
        tx_ms: u32,
        rx_ms: u32,
        diag: u8,
    },
    AdminDown,
    AdminUp,
    Params(u64, u64, u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..1500).prop_map(Op::Wait),
        6 => (0u8..4, 0u8..3, 0u8..8, 1u8..6, 0u32..1500, 0u32..1500, 0u8..10).prop_map(
            |(state, your, flags, mult, tx_ms, rx_ms, diag)| Op::Packet {
                state, your, flags, mult, tx_ms, rx_ms, diag
            }
        ),
        1 => Just(Op::AdminDown),
        1 => Just(Op::AdminUp),
        1 => (0u64..1500, 0u64..1500, 0u8..6).prop_map(|(t, r, m)| Op::Params(t, r, m)),
    ]
}

fn packet(op: &Op) -> Option<ControlRepr> {
    let Op::Packet {
        state,
        your,
        flags,
        mult,
        tx_ms,
        rx_ms,
        diag,
    } = *op
    else {
        return None;
    };
    let state = State::from_wire(state);
    let your_discr = match your {
        0 => 0,
        1 => 0x11,
        _ => 0x99,
    };
    let p = ControlRepr {
        diag: Diagnostic::from_wire(diag),
        state,
        poll: flags & 1 != 0,
        final_: flags & 2 != 0 && flags & 1 == 0,
        control_plane_independent: false,
        demand: flags & 4 != 0,
        detect_mult: mult,
        my_discr: 0x22,
        your_discr,
        desired_min_tx_us: tx_ms * 1000,
        required_min_rx_us: rx_ms * 1000,
        required_min_echo_rx_us: 0,
        auth: None,
    };
    // Only what the codec lets through reaches a session.
    ControlRepr::parse(&p.to_bytes().ok()?).ok()
}

fn check(s: &mut Session, now: Instant, state: &mut State) -> Result<(), TestCaseError> {
    while let Some(a) = s.poll_action() {
        match a {
            Action::Send(p) => {
                let bytes = p
                    .to_bytes()
                    .map_err(|e| TestCaseError::fail(format!("{e}: {p:?}")))?;
                prop_assert_eq!(ControlRepr::parse(&bytes).unwrap(), p);
                prop_assert_eq!(p.state, s.state());
                prop_assert_eq!(p.my_discr, 0x11);
            }
            Action::StateChanged { from, to, .. } => {
                prop_assert_eq!(from, *state);
                prop_assert_ne!(from, to);
                *state = to;
            }
        }
    }
    prop_assert_eq!(*state, s.state());
    if matches!(s.state(), State::Init | State::Up) {
        prop_assert_ne!(s.remote_discr(), 0);
    }
    if s.state() == State::Up {
        prop_assert!(s.detection_time().is_some());
    }
    if let Some(t) = s.poll_timeout() {
        prop_assert!(t >= now, "timer in the past");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn any_input_sequence_keeps_the_promises(ops in proptest::collection::vec(op(), 1..120)) {
        let t0 = Instant::now();
        let mut now = t0;
        let mut s = Session::new(t0, config(0x11, 2), 3);
        let mut state = State::Down;
        for op in &ops {
            match op {
                Op::Wait(d) => {
                    let until = now + ms(*d);
                    while let Some(t) = s.poll_timeout().filter(|t| *t <= until) {
                        now = now.max(t);
                        s.handle_timeout(now);
                        check(&mut s, now, &mut state)?;
                        prop_assert!(s.poll_timeout().is_none_or(|t| t > now), "timer not consumed");
                    }
                    now = until;
                }
                Op::AdminDown => { s.handle(now, Input::AdminDown).unwrap(); }
                Op::AdminUp => { s.handle(now, Input::AdminUp).unwrap(); }
                Op::Params(t, r, m) => {
                    s.handle(now, Input::Parameters {
                        desired_min_tx: ms(*t), required_min_rx: ms(*r), detect_mult: *m,
                    }).unwrap();
                }
                Op::Packet { .. } => {
                    if let Some(packet) = packet(op) {
                        let _ = s.handle(now, Input::Packet { from: addr(2), ttl: 255, packet });
                    }
                }
            }
            check(&mut s, now, &mut state)?;
        }
    }
}

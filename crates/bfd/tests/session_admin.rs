//! Administrative control (RFC 5880 §6.8.16) and a peer signalling Down (§6.8.6): the
//! diagnostics set on Down, the AdminDown packets, and coming back.

mod session_support;

use bfd::{Diagnostic, Discard, Input, State};
use session_support::*;

fn up_link() -> Link {
    let mut link = Link::pair();
    link.run_until(ms(1000));
    assert_eq!(link.nodes[1].state(), State::Up);
    link
}

#[test]
fn admin_down_tells_the_peer_then_falls_silent() {
    let mut link = up_link();
    let t = link.elapsed();
    link.input(0, Input::AdminDown).unwrap();
    assert_eq!(
        link.nodes[0].changes().last().copied(),
        Some((
            t,
            State::Up,
            State::AdminDown,
            Diagnostic::AdministrativelyDown
        ))
    );
    link.run_for(ms(5));
    // The peer goes Down at once with "Neighbor Signaled Session Down" and knows why.
    assert_eq!(
        link.nodes[1].changes().last().copied(),
        Some((
            t + ms(1),
            State::Up,
            State::Down,
            Diagnostic::NeighborSignaledSessionDown
        ))
    );
    assert_eq!(link.nodes[1].session.remote_state(), State::AdminDown);
    link.run_for(ms(10_000));
    // AdminDown packets for one Detection Time as the peer computes it for us (3 × our
    // 1 s transmit interval, §6.8.16 "at least a Detection Time"), the first at once, then
    // nothing.
    let sent = link.nodes[0].sent_between(t, link.elapsed());
    assert_eq!(sent[0].0, t);
    assert!(sent.len() >= 3, "{sent:?}");
    let last = sent.last().unwrap().0;
    assert!(last >= t + ms(2000) && last < t + ms(3000), "{sent:?}");
    for (_, p) in &sent {
        assert_eq!(
            (p.state, p.diag),
            (State::AdminDown, Diagnostic::AdministrativelyDown)
        );
    }
    assert_eq!(link.nodes[0].session.poll_timeout(), None, "no timer left");
    assert_eq!(
        link.nodes[1].changes().len(),
        3,
        "Down→Init→Up→Down, nothing after"
    );
    // Its Down packets are discarded by the AdminDown session (§6.8.6) and change nothing.
    assert!(link.nodes[0]
        .discards
        .iter()
        .all(|(_, d)| *d == Discard::AdminDown));
    assert!(!link.nodes[0].discards.is_empty());
    assert_eq!(link.nodes[0].state(), State::AdminDown);
    assert_eq!(link.nodes[1].state(), State::Down);
}

#[test]
fn admin_up_goes_to_down_and_the_session_returns() {
    let mut link = up_link();
    link.input(0, Input::AdminDown).unwrap();
    link.run_for(ms(5000));
    let t = link.elapsed();
    link.input(0, Input::AdminUp).unwrap();
    let c0 = link.nodes[0].changes();
    assert_eq!(
        c0.last().copied(),
        Some((
            t,
            State::AdminDown,
            State::Down,
            Diagnostic::AdministrativelyDown
        ))
    );
    link.run_for(ms(3000));
    assert_eq!(link.nodes[0].state(), State::Up);
    assert_eq!(link.nodes[1].state(), State::Up);
    assert_eq!(link.nodes[0].session.local_diag(), Diagnostic::None);
}

#[test]
fn admin_down_twice_and_admin_up_when_not_down_change_nothing() {
    let mut link = up_link();
    link.input(0, Input::AdminUp).unwrap();
    assert_eq!(link.nodes[0].changes().len(), 2, "Down→Init→Up only");
    link.input(0, Input::AdminDown).unwrap();
    link.input(0, Input::AdminDown).unwrap();
    assert_eq!(link.nodes[0].changes().len(), 3);
}

#[test]
fn admin_down_from_down_stays_quiet_for_the_peer() {
    let mut link = Link::pair();
    link.up = [false, false];
    link.run_until(ms(50));
    link.input(1, Input::AdminDown).unwrap();
    link.up[1] = true;
    link.run_for(ms(5000));
    assert!(link.nodes[0]
        .received
        .iter()
        .all(|(_, p)| p.state == State::AdminDown));
    assert!(
        link.nodes[0].received.len() >= 2,
        "the AdminDown packets after the first"
    );
    assert_eq!(link.nodes[1].state(), State::AdminDown);
    // Node 0 heard AdminDown while Down: no change (§6.8.6 "If bfd.SessionState is not
    // Down").
    assert!(link.nodes[0].changes().is_empty());
}

#[test]
fn peer_signalling_down_brings_us_down_with_diag_3() {
    let mut link = up_link();
    // Node 0's detection times out on its own (node 1's packets are lost); its Down packet
    // reaches node 1, which is Up: Down with diag 3 (§6.8.6).
    link.up[1] = false;
    link.run_for(ms(500));
    let c1 = link.nodes[1].changes();
    let (_, from, to, diag) = c1[2];
    assert_eq!(
        (from, to, diag),
        (
            State::Up,
            State::Down,
            Diagnostic::NeighborSignaledSessionDown
        )
    );
    assert_eq!(link.nodes[1].session.remote_state(), State::Down);
    // The Down packets node 1 sends now carry diag 3.
    let last = link.nodes[1].sent().last().unwrap().1;
    assert_eq!(
        (last.state, last.diag),
        (State::Down, Diagnostic::NeighborSignaledSessionDown)
    );
}

#[test]
fn init_hears_down_and_stays_init() {
    // A session in Init that hears Down again stays in Init (§6.8.6 has no such rule).
    let mut link = Link::pair();
    link.up[0] = false;
    link.up[1] = false;
    link.run_until(ms(10));
    let down = bfd::ControlRepr {
        diag: Diagnostic::None,
        state: State::Down,
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        detect_mult: 3,
        my_discr: 0x22,
        your_discr: 0,
        desired_min_tx_us: 1_000_000,
        required_min_rx_us: 100_000,
        required_min_echo_rx_us: 0,
        auth: None,
    };
    let input = || Input::Packet {
        from: addr(2),
        ttl: 255,
        packet: down,
    };
    link.input(0, input()).unwrap();
    assert_eq!(link.nodes[0].state(), State::Init);
    link.input(0, input()).unwrap();
    assert_eq!(link.nodes[0].state(), State::Init);
    // Init times out after 3 × 1 s (the peer's slow Desired Min TX) back to Down, diag 1.
    link.run_for(ms(3000));
    let (_, from, to, diag) = *link.nodes[0].changes().last().unwrap();
    assert_eq!(
        (from, to, diag),
        (
            State::Init,
            State::Down,
            Diagnostic::ControlDetectionTimeExpired
        )
    );
}

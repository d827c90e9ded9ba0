//! Parameter changes while Up verified by a Poll Sequence (RFC 5880 §6.5, §6.8.3): P on the
//! periodic packets until a Final arrives; a slower transmit interval and a faster receive
//! interval take effect only then; changes while not Up apply at once.

mod session_support;

use std::time::Duration;

use bfd::{Input, State};
use session_support::*;

fn params(tx: u64, rx: u64, mult: u8) -> Input {
    Input::Parameters {
        desired_min_tx: ms(tx),
        required_min_rx: ms(rx),
        detect_mult: mult,
    }
}

fn up_link() -> Link {
    let mut link = Link::pair();
    link.run_until(ms(1000));
    assert_eq!(link.nodes[0].state(), State::Up);
    assert!(!link.nodes[0].session.polling());
    link
}

#[test]
fn faster_transmit_is_polled_and_acknowledged() {
    let mut link = up_link();
    let t = link.elapsed();
    link.input(0, params(50, 100, 3)).unwrap();
    assert!(link.nodes[0].session.polling());
    // A decrease of Desired Min TX is safe at once (only an increase must wait, §6.8.3).
    assert_eq!(
        link.nodes[0].session.tx_interval(),
        Some(ms(100)),
        "peer's Required Min RX"
    );
    link.run_for(ms(200));
    let polls: Vec<_> = link.nodes[0].sent_between(t, link.elapsed());
    let (poll_at, poll) = polls[0];
    assert!(poll.poll && poll.desired_min_tx_us == 50_000);
    // The peer answers at once with a Final (§6.8.7 "without respect to the transmission
    // timer"), and the sequence ends.
    let finals: Vec<_> = link.nodes[1]
        .sent_between(poll_at, link.elapsed())
        .into_iter()
        .filter(|(_, p)| p.final_)
        .collect();
    assert_eq!(finals[0].0, poll_at + ms(1));
    assert!(!link.nodes[0].session.polling());
    assert!(
        polls[1..].iter().all(|(_, p)| !p.poll),
        "P only until the Final"
    );
    // The peer's detection time follows the advertised 50 ms: 3 × max(100, 50).
    assert_eq!(link.nodes[1].session.detection_time(), Some(ms(300)));
}

#[test]
fn slower_transmit_waits_for_the_final() {
    // Node 1 with multiplier 5, so node 0 (detection time 500 ms) survives the gap below.
    let mut b = config(0x22, 1);
    b.detect_mult = 5;
    let mut link = Link::new(config(0x11, 2), b, ms(1));
    link.run_until(ms(1000));
    // Make the peer slow to answer: drop node 1's packets for a while.
    link.up[1] = false;
    let t = link.elapsed();
    link.input(0, params(500, 100, 3)).unwrap();
    assert_eq!(
        link.nodes[0].session.tx_interval(),
        Some(ms(100)),
        "unchanged until Final"
    );
    link.run_for(ms(250));
    // Still polling, still at 100 ms, every packet carrying P and the new 500 ms.
    let sent = link.nodes[0].sent_between(t, link.elapsed());
    assert!(sent.len() >= 2, "{sent:?}");
    assert!(sent
        .iter()
        .all(|(_, p)| p.poll && p.desired_min_tx_us == 500_000));
    assert!(sent.windows(2).all(|w| w[1].0 - w[0].0 <= ms(100)));
    // The peer already uses the slower 500 ms for its detection time: 3 × 500.
    assert_eq!(link.nodes[1].session.detection_time(), Some(ms(1500)));
    // Let the Final through.
    link.up[1] = true;
    link.run_for(ms(200));
    assert!(!link.nodes[0].session.polling());
    assert_eq!(link.nodes[0].session.tx_interval(), Some(ms(500)));
    let t2 = link.elapsed();
    link.run_for(ms(3000));
    let sent = link.nodes[0].sent_between(t2, link.elapsed());
    let gaps: Vec<Duration> = sent.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert!(
        gaps.iter().all(|g| *g >= ms(375) && *g <= ms(500)),
        "{gaps:?}"
    );
    assert_eq!(
        link.nodes[1].state(),
        State::Up,
        "no false detection on the way"
    );
}

#[test]
fn faster_receive_keeps_the_old_detection_time_until_the_final() {
    // Node 1 would send every 20 ms; node 0 receives no faster than 100 ms.
    let mut b = config(0x22, 1);
    b.desired_min_tx = ms(20);
    let mut link = Link::new(config(0x11, 2), b, ms(1));
    link.run_until(ms(1000));
    assert_eq!(link.nodes[0].session.detection_time(), Some(ms(300)));
    link.up[1] = false; // hold the Final back
    link.input(0, params(100, 40, 3)).unwrap();
    // §6.8.3: "the previous value of bfd.RequiredMinRxInterval MUST be used when
    // calculating the Detection Time for the remote system until the Poll Sequence ... has
    // terminated."
    assert_eq!(link.nodes[0].session.detection_time(), Some(ms(300)));
    link.run_for(ms(150));
    assert_eq!(link.nodes[0].session.detection_time(), Some(ms(300)));
    link.up[1] = true;
    link.run_for(ms(250));
    assert!(!link.nodes[0].session.polling());
    assert_eq!(
        link.nodes[0].session.detection_time(),
        Some(ms(120)),
        "3 × max(40, 20)"
    );
    assert_eq!(link.nodes[1].session.tx_interval(), Some(ms(40)));
    assert_eq!(link.nodes[0].state(), State::Up);
}

#[test]
fn slower_receive_applies_at_once() {
    let mut link = up_link();
    link.input(0, params(100, 400, 3)).unwrap();
    assert_eq!(link.nodes[0].session.detection_time(), Some(ms(1200)));
    link.run_for(ms(500));
    assert_eq!(link.nodes[1].session.tx_interval(), Some(ms(400)));
    assert!(!link.nodes[0].session.polling());
}

#[test]
fn a_change_during_a_poll_is_polled_again() {
    let mut link = up_link();
    link.up[1] = false;
    link.input(0, params(200, 100, 3)).unwrap();
    link.run_for(ms(150));
    link.input(0, params(300, 100, 3)).unwrap();
    link.up[1] = true;
    // The first Final ends the first sequence (200 ms) and a second one starts for 300 ms.
    link.run_for(ms(1500));
    assert!(!link.nodes[0].session.polling());
    assert_eq!(link.nodes[0].session.tx_interval(), Some(ms(300)));
    let polls = link.nodes[0].sent().iter().filter(|(_, p)| p.poll).count();
    assert!(polls >= 3, "{polls}");
    assert_eq!(link.nodes[1].state(), State::Up);
}

#[test]
fn detect_mult_changes_need_no_poll() {
    let mut link = up_link();
    link.input(0, params(100, 100, 5)).unwrap();
    assert!(!link.nodes[0].session.polling());
    link.run_for(ms(300));
    assert_eq!(link.nodes[1].session.detection_time(), Some(ms(500)));
}

#[test]
fn changes_while_down_apply_at_once_and_are_polled() {
    let mut link = Link::pair();
    link.up = [false, false];
    link.run_until(ms(100));
    link.input(0, params(20, 20, 3)).unwrap();
    // §6.8.3 polls any change, Up or not; nobody answers yet.
    assert!(link.nodes[0].session.polling());
    // Still advertising the slow rate while not Up (§6.8.3), the new receive interval at
    // once, with P until a Final comes.
    link.run_for(ms(2000));
    let sent = link.nodes[0].sent_between(ms(100), ms(2100));
    assert!(sent
        .iter()
        .all(|(_, p)| p.desired_min_tx_us == 1_000_000 && p.poll));
    assert!(sent.iter().all(|(_, p)| p.required_min_rx_us == 20_000));
    assert_eq!(link.nodes[0].session.tx_interval(), Some(ms(1000)));
    link.up = [true, true];
    link.run_for(ms(3000));
    assert!(!link.nodes[0].session.polling());
    assert_eq!(
        link.nodes[0].session.tx_interval(),
        Some(ms(100)),
        "peer's Required Min RX"
    );
    assert_eq!(link.nodes[1].session.tx_interval(), Some(ms(100)));
    assert_eq!(
        link.nodes[1].session.detection_time(),
        Some(ms(300)),
        "3 × max(100, 20)"
    );
}

/// A lone session brought Up by hand-fed packets from 198.18.0.2, its own Poll (1 s →
/// 100 ms on coming Up) answered. Returns the session and the instant.
fn lone_up() -> (std::time::Instant, bfd::Session) {
    let t0 = std::time::Instant::now();
    let mut s = bfd::Session::new(t0, config(0x11, 2), 9);
    s.handle(t0, packet(State::Down, false, false)).unwrap();
    s.handle(t0, packet(State::Up, false, false)).unwrap();
    assert_eq!(s.state(), State::Up);
    assert!(s.polling());
    s.handle(t0, packet(State::Up, false, true)).unwrap();
    assert!(!s.polling());
    drain(&mut s);
    (t0, s)
}

fn packet(state: State, poll: bool, final_: bool) -> Input {
    Input::Packet {
        from: addr(2),
        ttl: 255,
        packet: bfd::ControlRepr {
            diag: bfd::Diagnostic::None,
            state,
            poll,
            final_,
            control_plane_independent: false,
            demand: false,
            detect_mult: 3,
            my_discr: 0x22,
            your_discr: if state == State::Down { 0 } else { 0x11 },
            desired_min_tx_us: 100_000,
            required_min_rx_us: 100_000,
            required_min_echo_rx_us: 0,
            auth: None,
        },
    }
}

#[test]
fn a_second_poll_waits_for_a_packet_without_final() {
    let (t0, mut s) = lone_up();
    s.handle(t0, params(200, 100, 3)).unwrap();
    s.handle(t0, params(300, 100, 3)).unwrap();
    assert!(s.polling());
    // The Final may answer the 200 ms packets: that sequence ends, 200 ms applies …
    s.handle(t0 + ms(10), packet(State::Up, false, true))
        .unwrap();
    assert!(!s.polling());
    assert_eq!(s.tx_interval(), Some(ms(200)));
    // … and the 300 ms one is polled only after a packet with F clear (§6.8.3, choice 3).
    s.handle(t0 + ms(20), packet(State::Up, false, true))
        .unwrap();
    assert!(!s.polling());
    s.handle(t0 + ms(30), packet(State::Up, false, false))
        .unwrap();
    assert!(s.polling());
    s.handle(t0 + ms(40), packet(State::Up, false, true))
        .unwrap();
    assert!(!s.polling());
    assert_eq!(s.tx_interval(), Some(ms(300)));
}

#[test]
fn a_faster_transmit_reschedules_the_next_packet() {
    let mut b = config(0x22, 1);
    b.required_min_rx = ms(10);
    let mut a = config(0x11, 2);
    a.desired_min_tx = ms(1000);
    let mut link = Link::new(a, b, ms(1));
    link.run_until(ms(5000));
    assert_eq!(link.nodes[0].session.tx_interval(), Some(ms(1000)));
    let t = link.elapsed();
    link.input(0, params(50, 100, 3)).unwrap();
    link.run_for(ms(60));
    // §6.8.7: recalculated at once; the next packet within 50 ms, not up to a second later.
    assert!(!link.nodes[0].sent_between(t + ms(1), t + ms(51)).is_empty());
}

#[test]
fn a_poll_is_sent_even_while_the_peer_demands_silence() {
    let (t0, mut s) = lone_up();
    let mut demand = packet(State::Up, false, false);
    if let Input::Packet { packet, .. } = &mut demand {
        packet.demand = true;
    }
    s.handle(t0 + ms(5), demand).unwrap();
    assert_eq!(s.tx_interval(), None);
    assert_eq!(
        s.poll_timeout(),
        Some(t0 + ms(5) + ms(300)),
        "detection only"
    );
    // §6.8.7: periodic transmission stops only while no Poll Sequence is being sent.
    s.handle(t0 + ms(10), params(50, 100, 3)).unwrap();
    assert_eq!(s.tx_interval(), Some(ms(100)));
    assert_eq!(s.poll_timeout(), Some(t0 + ms(10)));
    s.handle_timeout(t0 + ms(10));
    let sent = drain(&mut s);
    assert!(matches!(sent.as_slice(), [bfd::Action::Send(p)] if p.poll));
}

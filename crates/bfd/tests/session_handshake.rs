//! The three-way handshake (RFC 5880 §6.2, §6.8.6), discriminators, and the timer
//! negotiation once Up (§6.8.2–6.8.4, §6.8.7), on a virtual clock.

mod session_support;

use bfd::{Action, Diagnostic, State};
use session_support::*;

#[test]
fn two_sessions_come_up_within_the_handshake() {
    let mut link = Link::pair();
    link.run_until(ms(10));
    // t0: both send Down. t0+1: each hears Down → Init (sends Init at once).
    // t0+2: each hears Init → Up.
    for node in &link.nodes {
        assert_eq!(node.state(), State::Up);
        assert_eq!(
            node.changes(),
            vec![
                (ms(1), State::Down, State::Init, Diagnostic::None),
                (ms(2), State::Init, State::Up, Diagnostic::None),
            ]
        );
    }
    assert_eq!(link.nodes[0].session.remote_discr(), 0x22);
    assert_eq!(link.nodes[1].session.remote_discr(), 0x11);
}

#[test]
fn staggered_start_goes_down_init_up_on_one_side() {
    let mut link = Link::pair();
    // Node 1 is unreachable for its first 2.5 s: node 0 keeps sending Down at the slow rate.
    link.up[1] = false;
    link.nodes[1].alive = false;
    link.run_until(ms(2500));
    assert_eq!(link.nodes[0].state(), State::Down);
    let slow = link.nodes[0].sent();
    assert!(slow.len() >= 3, "{slow:?}");
    for (_, p) in &slow {
        assert_eq!((p.state, p.your_discr), (State::Down, 0));
        // RFC 5880 §6.8.3: at least 1 s advertised while not Up.
        assert_eq!(p.desired_min_tx_us, 1_000_000);
        assert_eq!(p.required_min_rx_us, 100_000);
    }
    link.up[1] = true;
    link.nodes[1].alive = true;
    link.run_until(ms(4000));
    assert_eq!(link.nodes[0].state(), State::Up);
    assert_eq!(link.nodes[1].state(), State::Up);
    // Node 1's first packet (overdue, sent when it comes to) finds node 0 Down: node 0 goes
    // Init, node 1 hears Init while Down and goes straight Up, node 0 follows one round trip
    // after its Init.
    let c0 = link.nodes[0].changes();
    let c1 = link.nodes[1].changes();
    assert_eq!(c0.len(), 2, "{c0:?}");
    assert_eq!(
        (c0[0].1, c0[0].2, c0[1].2),
        (State::Down, State::Init, State::Up)
    );
    assert_eq!(c0[1].0 - c0[0].0, ms(2), "Init to Up is one round trip");
    assert_eq!(c1.len(), 1, "{c1:?}");
    assert_eq!((c1[0].1, c1[0].2), (State::Down, State::Up));
}

#[test]
fn handshake_packets() {
    let mut link = Link::pair();
    link.run_until(ms(3));
    let sent: Vec<_> = link.nodes[1].sent().into_iter().map(|(_, p)| p).collect();
    // Down (your 0), Init (your = peer), Up with Poll: the slow 1 s gives way to 100 ms
    // (RFC 5880 §6.8.3 "a Poll Sequence MUST be initiated").
    assert_eq!((sent[0].state, sent[0].your_discr), (State::Down, 0));
    assert_eq!((sent[1].state, sent[1].your_discr), (State::Init, 0x11));
    assert_eq!(sent[1].desired_min_tx_us, 1_000_000);
    assert_eq!((sent[2].state, sent[2].poll), (State::Up, true));
    assert_eq!(sent[2].desired_min_tx_us, 100_000);
    assert!(sent
        .iter()
        .all(|p| p.my_discr == 0x22 && p.detect_mult == 3));
    assert!(sent
        .iter()
        .all(|p| p.required_min_echo_rx_us == 0 && !p.demand));
    // Each side answers the other's Poll with a Final at once; the polls end.
    link.run_until(ms(10));
    for i in 0..2 {
        assert!(!link.nodes[i].session.polling());
        assert!(link.nodes[i]
            .sent()
            .iter()
            .any(|(_, p)| p.final_ && !p.poll));
    }
}

#[test]
fn up_timers_are_the_negotiated_ones() {
    let mut link = Link::pair();
    link.run_until(ms(1000));
    for node in &link.nodes {
        assert_eq!(node.session.tx_interval(), Some(ms(100)));
        assert_eq!(node.session.detection_time(), Some(ms(300)));
    }
    // §6.8.7: periodic packets 75–100 % of the interval apart.
    let sent = link.nodes[0].sent_between(ms(100), ms(1000));
    let gaps: Vec<_> = sent.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert!(gaps.len() >= 8, "{gaps:?}");
    assert!(
        gaps.iter().all(|g| *g >= ms(75) && *g <= ms(100)),
        "{gaps:?}"
    );
    assert!(gaps.iter().any(|g| *g != gaps[0]), "jittered: {gaps:?}");
}

#[test]
fn slower_side_sets_the_rate_and_detection_time() {
    // Node 0 wants to send every 50 ms; node 1 will receive no faster than every 300 ms and
    // sends every 200 ms with multiplier 5.
    let mut a = config(0x11, 2);
    a.desired_min_tx = ms(50);
    let mut b = config(0x22, 1);
    b.required_min_rx = ms(300);
    b.desired_min_tx = ms(200);
    b.detect_mult = 5;
    let mut link = Link::new(a, b, ms(1));
    link.run_until(ms(2000));
    let (s0, s1) = (&link.nodes[0].session, &link.nodes[1].session);
    // §6.8.7: max(own Desired Min TX, remote Required Min RX).
    assert_eq!(s0.tx_interval(), Some(ms(300)));
    assert_eq!(s1.tx_interval(), Some(ms(200)));
    // §6.8.4: remote Detect Mult × max(own Required Min RX, remote Desired Min TX).
    assert_eq!(s0.detection_time(), Some(ms(1000)), "5 × max(100, 200)");
    assert_eq!(s1.detection_time(), Some(ms(900)), "3 × max(300, 50)");
}

#[test]
fn detect_mult_one_jitters_to_at_most_90_percent() {
    let mut a = config(0x11, 2);
    a.detect_mult = 1;
    let mut link = Link::new(a, config(0x22, 1), ms(1));
    link.run_until(ms(3000));
    let sent = link.nodes[0].sent_between(ms(100), ms(3000));
    let gaps: Vec<_> = sent.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert!(gaps.len() > 25, "{gaps:?}");
    assert!(
        gaps.iter().all(|g| *g >= ms(75) && *g <= ms(90)),
        "{gaps:?}"
    );
}

#[test]
fn every_action_is_a_send_or_a_state_change() {
    let mut link = Link::pair();
    link.run_until(ms(500));
    let log = &link.nodes[0].log;
    assert!(matches!(log[0].1, Action::Send(_)));
    assert!(log
        .iter()
        .any(|(_, a)| matches!(a, Action::StateChanged { .. })));
}

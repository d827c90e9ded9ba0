//! Detection (RFC 5880 §6.8.4): a peer that falls silent is declared Down after exactly the
//! Detection Time, with diagnostic 1; the survivor then slows to 1 s (§6.8.3), forgets the
//! remote discriminator (§6.8.1), and the session comes back when the peer does.

mod session_support;

use bfd::{Diagnostic, State};
use session_support::*;

#[test]
fn silent_peer_is_declared_down_after_exactly_the_detection_time() {
    let mut link = Link::pair();
    link.run_until(ms(1000));
    assert_eq!(link.nodes[1].state(), State::Up);
    // Node 0 crashes: it sends nothing more.
    link.nodes[0].alive = false;
    link.up[0] = false;
    link.run_until(ms(2000));
    let last = link.last_received(1).expect("node 1 heard node 0");
    let changes = link.nodes[1].changes();
    let (at, from, to, diag) = *changes.last().unwrap();
    assert_eq!(
        (from, to, diag),
        (
            State::Up,
            State::Down,
            Diagnostic::ControlDetectionTimeExpired
        )
    );
    // 100 ms × 3, to the nanosecond on the virtual clock.
    assert_eq!(at - last, ms(300));
    assert_eq!(
        link.nodes[1].session.local_diag(),
        Diagnostic::ControlDetectionTimeExpired
    );
    assert_eq!(
        link.nodes[1].session.remote_discr(),
        0,
        "§6.8.1: reset on expiry"
    );
}

#[test]
fn after_detection_the_survivor_sends_down_at_the_slow_rate() {
    let mut link = Link::pair();
    link.run_until(ms(1000));
    link.nodes[0].alive = false;
    link.up[0] = false;
    link.run_until(ms(6000));
    let down_at = link.nodes[1].changes().last().unwrap().0;
    let sent = link.nodes[1].sent_between(down_at, ms(6000));
    // The first Down packet goes at once, then every 750 ms–1 s (1 s jittered, §6.8.7).
    assert_eq!(sent[0].0, down_at);
    for (_, p) in &sent {
        assert_eq!(p.state, State::Down);
        assert_eq!(p.diag, Diagnostic::ControlDetectionTimeExpired);
        assert_eq!(p.your_discr, 0);
        assert_eq!(p.desired_min_tx_us, 1_000_000, "§6.8.3: ≥ 1 s while not Up");
    }
    let gaps: Vec<_> = sent.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert!(gaps.len() >= 4, "{gaps:?}");
    assert!(
        gaps.iter().all(|g| *g >= ms(750) && *g <= ms(1000)),
        "{gaps:?}"
    );
}

#[test]
fn detection_time_follows_the_remote_multiplier() {
    let mut a = config(0x11, 2);
    a.detect_mult = 5;
    let mut link = Link::new(a, config(0x22, 1), ms(1));
    link.run_until(ms(1000));
    let b = &link.nodes[1].session;
    assert_eq!(b.rx_interval(), Some(ms(100)));
    assert_eq!(b.remote_detect_mult(), Some(5));
    assert_eq!(b.detection_time(), Some(ms(500)));
    link.up[0] = false; // only the direction 0 → 1 fails
    link.run_until(ms(2000));
    let last = link.last_received(1).unwrap();
    let (at, _, to, _) = *link.nodes[1].changes().last().unwrap();
    assert_eq!(to, State::Down);
    assert_eq!(at - last, ms(500), "5 × 100 ms");
}

#[test]
fn one_way_failure_brings_both_sides_down() {
    let mut link = Link::pair();
    link.run_until(ms(1000));
    // Node 1's packets stop reaching node 0; node 0's still reach node 1.
    link.up[1] = false;
    link.run_until(ms(1500));
    // Node 0 times out (diag 1); its Down packet tells node 1 (diag 3, §6.8.6).
    let c0 = link.nodes[0].changes();
    let c1 = link.nodes[1].changes();
    assert_eq!(
        c0.last().unwrap().3,
        Diagnostic::ControlDetectionTimeExpired
    );
    let down1 = c1
        .iter()
        .find(|c| c.2 == State::Down)
        .expect("node 1 went down");
    assert_eq!(
        (down1.1, down1.3),
        (State::Up, Diagnostic::NeighborSignaledSessionDown)
    );
    assert_eq!(
        down1.0 - c0.last().unwrap().0,
        ms(1),
        "one link latency later"
    );
    // Node 1 keeps answering Down with Init, but node 0 never hears it: nobody is Up.
    assert_ne!(link.nodes[0].state(), State::Up);
    assert_ne!(link.nodes[1].state(), State::Up);
}

#[test]
fn the_session_returns_when_the_peer_does() {
    let mut link = Link::pair();
    link.run_until(ms(1000));
    link.up[0] = false;
    link.run_until(ms(3000));
    assert_eq!(link.nodes[1].state(), State::Down);
    link.up[0] = true;
    link.run_until(ms(6000));
    assert_eq!(link.nodes[0].state(), State::Up);
    assert_eq!(link.nodes[1].state(), State::Up);
    assert_eq!(link.nodes[1].session.local_diag(), Diagnostic::None);
    assert_eq!(link.nodes[1].session.tx_interval(), Some(ms(100)));
}

#[test]
fn no_detection_before_the_peer_is_heard() {
    let mut link = Link::pair();
    link.up = [false, false];
    link.run_until(ms(10_000));
    for node in &link.nodes {
        assert_eq!(node.state(), State::Down);
        assert!(node.changes().is_empty());
        assert_eq!(node.session.detection_time(), None);
    }
}

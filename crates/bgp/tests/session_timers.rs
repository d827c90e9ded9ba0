//! Time on a virtual clock: keepalives keep a session up for hours, the hold timer brings a
//! silent one down with NOTIFICATION 4 (RFC 4271 §6.5), hold time negotiation (RFC 4271
//! §4.2), ConnectRetry (RFC 4271 §8.2.2) and the damped IdleHoldTime (RFC 4271 §8.1.1).

mod session_support;

use std::time::Duration;

use bgp::session::{Action, DownReason, Input, State};
use bgp::wire::Message;
use session_support::*;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn keepalives_every_third_of_the_hold_time_keep_the_session_up_for_hours() {
    let (a, b) = ebgp();
    let mut p = Pair::established(a, b);
    let mark = p.log.len();
    p.advance(secs(3 * 3600));
    assert!(p.both(State::Established));
    let keepalives = p
        .sent(Side::A, mark)
        .iter()
        .filter(|m| **m == Message::Keepalive)
        .count();
    assert!(
        (3599..=3601).contains(&keepalives),
        "{keepalives} in 3 h at 3 s"
    );
}

#[test]
fn a_silent_peer_is_dropped_at_the_hold_time_with_notification_4() {
    let (a, b) = ebgp();
    let mut p = Pair::established(a, b);
    p.advance(secs(10));
    p.link_up = false;
    let cut = p.elapsed();
    let mark = p.log.len();
    assert!(p.run_until(secs(60), |p| p.a.state() == State::Idle));
    let down = p.log[mark..]
        .iter()
        .find(|(_, s, a)| *s == Side::A && matches!(a, Action::Down { .. }))
        .unwrap();
    let after = down.0 - cut;
    assert!(
        after > secs(6) && after <= secs(9),
        "down {after:?} after the cut"
    );
    assert!(matches!(
        &down.2,
        Action::Down {
            reason: DownReason::HoldTimerExpired,
            ..
        }
    ));
    let n = p.sent(Side::A, mark);
    assert!(
        matches!(n.last(), Some(Message::Notification(n)) if n.code.to_u8() == 4 && n.subcode == 0)
    );
}

#[test]
fn the_hold_time_is_the_smaller_of_both_and_zero_means_no_keepalives() {
    let (mut a, b) = ebgp();
    a.hold_time = 30;
    let p = Pair::established(a, b);
    assert_eq!(p.a.negotiated().unwrap().hold_time, secs(9));
    assert_eq!(p.b.negotiated().unwrap().hold_time, secs(9));

    let (mut a, mut b) = ebgp();
    a.hold_time = 0;
    b.hold_time = 0;
    let mut p = Pair::established(a, b);
    let mark = p.log.len();
    assert_eq!(p.a.poll_timeout(), None, "RFC 4271 §4.2: no timers at all");
    p.advance(secs(24 * 3600));
    assert!(p.both(State::Established));
    assert!(p.sent(Side::A, mark).is_empty());
}

#[test]
fn a_configured_hold_time_of_one_or_two_is_sent_as_three_and_keepalive_zero_is_the_default() {
    let (mut a, b) = ebgp();
    a.hold_time = 2;
    a.keepalive = Some(0);
    let p = Pair::established(a, b);
    let n = p.a.negotiated().unwrap();
    assert_eq!((n.hold_time, n.keepalive), (secs(3), secs(1)));
    assert_eq!(p.b.negotiated().unwrap().hold_time, secs(3));
}

#[test]
fn a_configured_keepalive_shorter_than_a_third_is_used() {
    let (mut a, b) = ebgp();
    a.keepalive = Some(1);
    let p = Pair::established(a, b);
    assert_eq!(p.a.negotiated().unwrap().keepalive, secs(1));
    assert_eq!(p.b.negotiated().unwrap().keepalive, secs(3));
}

#[test]
fn connect_retry_keeps_trying_until_the_peer_listens() {
    let (a, b) = ebgp();
    let mut p = Pair::new(a, b);
    p.input(Side::A, Input::ManualStart);
    p.advance(secs(22));
    assert_eq!(p.a.state(), State::Active);
    let connects: Vec<Duration> = p
        .log
        .iter()
        .filter(|(_, s, a)| *s == Side::A && *a == Action::Connect)
        .map(|(t, _, _)| *t)
        .collect();
    assert_eq!(connects, [secs(0), secs(5), secs(10), secs(15), secs(20)]);
    p.input(Side::B, Input::ManualStart);
    assert!(p.run_until(secs(5), |p| p.both(State::Established)));
    assert!(p.elapsed() <= secs(25));
}

#[test]
fn a_passive_session_never_connects() {
    let (_, b) = ebgp();
    let mut s = Solo::new(b);
    let out = s.handle(Input::ManualStart);
    assert_eq!(s.s.state(), State::Active);
    assert!(!out.contains(&Action::Connect));
    assert!(!s.advance(secs(3600)).contains(&Action::Connect));
    assert_eq!(s.s.state(), State::Active);
}

#[test]
fn the_open_wait_is_four_minutes() {
    let mut s = Solo::new(node_config());
    s.open_sent();
    assert!(s.advance(secs(239)).is_empty());
    let out = s.advance(secs(1));
    assert_eq!(
        notification(&out),
        Some((4, 0, vec![])),
        "RFC 4271 §8.2.2 OpenSent"
    );
    assert_eq!(s.s.state(), State::Idle);
}

#[test]
fn restarts_after_errors_are_damped_by_a_doubling_idle_hold_time() {
    // B expects another AS, so every OPEN of A is refused with 2/2.
    let (a, mut b) = ebgp();
    b.peer_as = 64999;
    b.idle_hold = Some(secs(1));
    let mut p = Pair::new(a, b);
    p.input(Side::B, Input::ManualStart);
    p.input(Side::A, Input::ManualStart);
    p.advance(secs(600));
    let connects: Vec<u64> = p
        .log
        .iter()
        .filter(|(_, s, a)| *s == Side::A && *a == Action::Connect)
        .map(|(t, _, _)| t.as_secs())
        .collect();
    // A is refused at once each time and waits 5, 10, 20, 40, 80, 160, 160 ... s.
    assert_eq!(&connects[..8], [0, 5, 15, 35, 75, 155, 315, 475]);
    assert_eq!(p.a.state(), State::Idle);
    assert!(matches!(
        p.a.last_down(),
        Some(DownReason::NotificationReceived(n)) if n.subcode == 2
    ));
    // A manual stop cancels the automatic start; a manual start resets the damping.
    p.input(Side::A, Input::ManualStop);
    assert_eq!(p.a.poll_timeout(), None);
}

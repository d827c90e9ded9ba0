//! Operator handover (`Input::HandOver`): a master sends priority 0 (RFC 5798 §6.4.3, as on
//! shutdown), becomes backup at the lowest priority and does not preempt back; it still takes
//! over when nobody else advertises; `EndHandOver` (a reload) restores its priority.

mod router_support;

use router_support::*;
use vrrp::{Action, Input, Reason, State};

#[test]
fn a_master_hands_over_and_does_not_take_the_vip_back() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![a.clone(), b.clone()]);
    net.run_until(ms(1_050));
    assert_eq!(net.masters(), vec![0]);
    net.input(0, Input::HandOver);
    assert_eq!(
        net.actions_at(0, ms(1_050)),
        vec![
            changed(State::Master, State::Backup, Reason::Resigned),
            Action::SendAdvert(advert_of(&a, 0)),
            Action::RemoveVips,
        ]
    );
    assert!(net.router(0).handed_over());
    assert_eq!(net.router(0).effective_priority(), 1);
    // B heard priority 0 and takes over after its Skew_Time only (60.9375 ms at 100).
    let t = ns(1_110_937_500);
    net.run_until(ms(1_200));
    assert_eq!(
        net.actions_at(1, t),
        becoming_master(&b, State::Backup, Reason::MasterStopped)
    );
    // Ten seconds on, A (preempt on, configured 150) has not taken it back.
    net.run_until(ms(11_000));
    assert_eq!(net.masters(), vec![1]);
    assert_eq!(net.state(0), State::Backup);
    assert_eq!(net.router(0).master_address(), Some(addr(2)));
    assert_eq!(net.transitions(0).len(), 3, "{:?}", net.transitions(0));
}

#[test]
fn a_handed_over_backup_still_takes_over_when_nobody_else_advertises() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![a, b]);
    net.run_until(ms(1_050));
    net.input(0, Input::HandOver);
    net.run_until(ms(2_000));
    assert_eq!(net.masters(), vec![1]);
    net.crash(1);
    // A at priority 1: Master_Down_Interval = 3 × 100 ms + (255 × 100 / 256) ms.
    net.run_until(ms(2_000) + ms(400));
    assert_eq!(net.masters(), vec![0]);
    let last = net.transitions(0).last().cloned().unwrap();
    assert_eq!(
        (last.1, last.2, last.3),
        (State::Backup, State::Master, Reason::MasterDown)
    );
    // As master it still advertises the lowered priority.
    assert_eq!(net.router(0).effective_priority(), 1);
}

#[test]
fn alone_the_vip_comes_back_after_master_down() {
    let a = v3(150, 1);
    let mut net = Net::started(vec![a]);
    net.run_until(ms(1_000));
    assert_eq!(net.masters(), vec![0]);
    net.input(0, Input::HandOver);
    assert_eq!(net.state(0), State::Backup);
    net.run_until(ms(1_400));
    assert_eq!(net.masters(), vec![0]);
}

#[test]
fn end_hand_over_restores_the_priority_and_preempt_takes_the_vip_back() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![a, b]);
    net.run_until(ms(1_050));
    net.input(0, Input::HandOver);
    net.run_until(ms(3_000));
    assert_eq!(net.masters(), vec![1]);
    net.input(0, Input::EndHandOver);
    assert!(!net.router(0).handed_over());
    assert_eq!(net.router(0).effective_priority(), 150);
    // A discards B's lower adverts now (RFC 5798 §6.4.2 preempt) and takes over when its
    // Master_Down_Timer fires: within one Master_Down_Interval of the last advert it took.
    net.run_until(ms(3_400));
    assert_eq!(net.masters(), vec![0]);
}

#[test]
fn trackers_do_not_lift_a_handover_but_count_after_it() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![a, b]);
    net.run_until(ms(1_050));
    net.input(0, Input::HandOver);
    net.input(0, Input::Priority(200));
    assert_eq!(net.router(0).effective_priority(), 1);
    net.run_until(ms(3_000));
    assert_eq!(net.masters(), vec![1]);
    net.input(0, Input::Priority(90));
    net.input(0, Input::EndHandOver);
    // The trackers said 90 meanwhile: below B's 100, so A stays backup.
    assert_eq!(net.router(0).effective_priority(), 90);
    net.run_until(ms(6_000));
    assert_eq!(net.masters(), vec![1]);
}

#[test]
fn a_backup_that_hands_over_stays_below_everyone() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![a, b]);
    net.run_until(ms(1_050));
    net.input(1, Input::HandOver);
    assert_eq!(net.state(1), State::Backup);
    assert_eq!(net.router(1).effective_priority(), 1);
    // Nothing was sent: a backup never advertises (RFC 5798 §6.4.2).
    assert!(!net
        .actions_at(1, ms(1_050))
        .iter()
        .any(|a| matches!(a, Action::SendAdvert(_))));
    net.run_until(ms(3_000));
    assert_eq!(net.masters(), vec![0]);
}

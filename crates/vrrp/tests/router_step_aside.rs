//! `Config::step_aside_below` (not RFC): with preempt off, a backup whose checks pass still
//! takes over from a master that stepped aside (advertises below the floor), exactly as a
//! preempting backup does (RFC 5798 §6.4.2); among routers on the same side of the floor,
//! nopreempt holds.

mod router_support;

use router_support::*;
use vrrp::{Action, Config, Input, Reason, State};

/// A (150) and B (100), preempt off, healthy routers advertise at least 100: kubegate's
/// step-aside weight for these priorities is −51.
fn nopreempt(priority: u8, host: u8) -> Config {
    Config {
        preempt: false,
        step_aside_below: Some(100),
        ..v3(priority, host)
    }
}

#[test]
fn a_healthy_backup_takes_over_from_a_master_that_stepped_aside() {
    let mut net = Net::started(vec![nopreempt(150, 1), nopreempt(100, 2)]);
    net.run_until(ms(2_000));
    net.input(0, Input::Priority(99));
    net.run_until(ms(5_000));
    // B discards A's 99 adverts as a preempting backup would and times out from A's last
    // 150 advert (1941.40625 ms): the same instant as with preempt on.
    assert_eq!(
        net.transitions(1).last().cloned(),
        Some((
            ns(2_302_343_750),
            State::Backup,
            State::Master,
            Reason::MasterDown
        ))
    );
    assert_eq!(net.masters(), vec![1]);

    // A's checks pass again: it outranks B, but preempt is off and B did not step aside.
    net.input(0, Input::Priority(150));
    net.run_until(ms(65_000));
    assert_eq!(net.masters(), vec![1]);
    assert_eq!(net.state(0), State::Backup);
}

#[test]
fn nobody_takes_over_when_every_router_stepped_aside() {
    let mut net = Net::started(vec![nopreempt(150, 1), nopreempt(100, 2)]);
    net.run_until(ms(2_000));
    // Every check fails everywhere: A 150 − 51, B 100 − 51. The VIP stays with A.
    net.input(0, Input::Priority(99));
    net.input(1, Input::Priority(49));
    net.run_until(ms(62_000));
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.transitions(1).len(), 1, "B never left Backup");

    // B's checks pass again first: it takes over from A, which still stands aside.
    net.input(1, Input::Priority(100));
    net.run_until(ms(65_000));
    assert_eq!(net.masters(), vec![1]);
}

#[test]
fn without_a_floor_nopreempt_keeps_the_master_whatever_it_advertises() {
    let mut a = nopreempt(150, 1);
    let mut b = nopreempt(100, 2);
    (a.step_aside_below, b.step_aside_below) = (None, None);
    let mut net = Net::started(vec![a, b]);
    net.run_until(ms(2_000));
    net.input(0, Input::Priority(1));
    net.run_until(ms(62_000));
    assert_eq!(net.masters(), vec![0]);
}

#[test]
fn a_reload_sets_the_floor_of_a_running_router() {
    let mut net = Net::started(vec![nopreempt(150, 1), nopreempt(100, 2)]);
    net.run_until(ms(2_000));
    let mut b = nopreempt(100, 2);
    b.step_aside_below = None;
    net.input(1, Input::Reconfigure(Box::new(b)));
    net.input(0, Input::Priority(99));
    net.run_until(ms(20_000));
    assert_eq!(
        net.masters(),
        vec![0],
        "B without a floor is plain nopreempt"
    );
    net.input(1, Input::Reconfigure(Box::new(nopreempt(100, 2))));
    net.run_until(ms(25_000));
    assert_eq!(net.masters(), vec![1]);
}

/// Preempt on, floor 100 (kubegate's step-aside weight for 150/100 is −102: a router whose
/// checks fail counts at most 48).
fn preempting(priority: u8, host: u8) -> Config {
    Config {
        preempt: true,
        ..nopreempt(priority, host)
    }
}

#[test]
fn a_handed_over_router_waits_between_the_classes() {
    let mut net = Net::started(vec![preempting(150, 1), preempting(100, 2)]);
    net.run_until(ms(2_000));
    // B goes away (its link, say); A, handed over, advertises 99 and stays master: nobody
    // else is there.
    net.crash(1);
    net.input(0, Input::HandOver);
    assert_eq!(net.router(0).effective_priority(), 99);
    assert_eq!(
        net.actions_at(0, ms(2_000)),
        vec![Action::SendAdvert(advert_of(&preempting(150, 1), 99))],
        "no priority 0, no state change: the lowered priority, at once"
    );
    net.run_until(ms(4_000));
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.transitions(0).len(), 2, "A never left Master");
    // B comes back before its checks pass (148 − 150 … stepped aside to 48): it does not take
    // the VIP from A, which can serve.
    net.restart(1);
    net.input(1, Input::Priority(48));
    net.run_until(ms(10_000));
    assert_eq!(
        net.masters(),
        vec![0],
        "B without a ready backend stays backup"
    );
    // B's checks pass: the handover goes where it was meant to, by preemption.
    net.input(1, Input::Priority(100));
    net.run_until(ms(12_000));
    assert_eq!(net.masters(), vec![1]);
    assert!(
        matches!(
            net.transitions(0).last(),
            Some((_, State::Master, State::Backup, Reason::Preempted { .. }))
        ),
        "{:?}",
        net.transitions(0)
    );
    // A's own checks failing while handed over: it drops below the floor too.
    net.input(0, Input::Priority(48));
    assert_eq!(net.router(0).effective_priority(), 48);
    net.input(0, Input::Priority(150));
    assert_eq!(net.router(0).effective_priority(), 99);
    net.input(0, Input::EndHandOver);
    assert_eq!(net.router(0).effective_priority(), 150);
}

#[test]
fn a_handover_never_goes_to_a_backup_that_stepped_aside() {
    let mut net = Net::started(vec![preempting(150, 1), preempting(120, 3)]);
    net.run_until(ms(2_000));
    // C's checks fail (120 − 102 = 18); A hands over. A priority-0 advert would have C take
    // over after its Skew_Time and A preempt it back: the VIP would bounce through a node
    // that cannot serve. A stays master; C never leaves Backup.
    net.input(1, Input::Priority(18));
    net.input(0, Input::HandOver);
    net.run_until(ms(6_000));
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.transitions(1).len(), 1, "C never left Backup");
    // C's checks pass: it takes the VIP as the handover meant.
    net.input(1, Input::Priority(120));
    net.run_until(ms(8_000));
    assert_eq!(net.masters(), vec![1]);
}

#[test]
fn without_a_floor_a_handed_over_router_runs_at_1() {
    let mut a = preempting(150, 1);
    a.step_aside_below = None;
    let mut net = Net::started(vec![a, preempting(100, 2)]);
    net.run_until(ms(2_000));
    net.input(0, Input::HandOver);
    assert_eq!(net.router(0).effective_priority(), 1);
}

/// As `preempting`, with the stopping master's offer of 4.5 intervals (kubegate's).
fn offering(priority: u8, host: u8) -> Config {
    Config {
        handover_offer: ms(450),
        ..preempting(priority, host)
    }
}

#[test]
fn a_stopping_master_offers_the_vip_to_routers_whose_checks_pass_first() {
    let mut net = Net::started(vec![offering(150, 1), offering(100, 2), offering(120, 3)]);
    net.run_until(ms(2_000));
    // C's checks fail (18). A stops: it advertises 99 (no priority 0, which any backup
    // answers), B preempts it when its Master_Down_Timer fires, and C stays backup.
    net.input(2, Input::Priority(18));
    net.input(0, Input::Shutdown);
    assert_eq!(
        net.actions_at(0, ms(2_000))
            .into_iter()
            .filter(|a| matches!(a, Action::SendAdvert(_)))
            .collect::<Vec<_>>(),
        vec![Action::SendAdvert(advert_of(&offering(150, 1), 99))]
    );
    net.run_until(ms(6_000));
    assert_eq!(net.masters(), vec![1]);
    assert_eq!(net.transitions(2).len(), 1, "C never left Backup");
    assert_eq!(net.state(0), State::Stopped);
    assert!(
        matches!(
            net.transitions(0).last(),
            Some((
                _,
                State::Stopping,
                State::Stopped,
                Reason::HandedOver { .. }
            ))
        ),
        "{:?}",
        net.transitions(0)
    );
}

#[test]
fn with_nobody_whose_checks_pass_the_offer_ends_in_priority_0() {
    let mut net = Net::started(vec![offering(150, 1), offering(120, 3)]);
    net.run_until(ms(2_000));
    net.input(1, Input::Priority(18));
    net.input(0, Input::Shutdown);
    // 450 ms of offers at 99, then priority 0: C, the only router left, takes over after its
    // Skew_Time (RFC 5798 §6.4.2).
    net.run_until(ms(2_440));
    assert_eq!(net.masters(), Vec::<usize>::new(), "A is stopping, C waits");
    assert_eq!(net.state(0), State::Stopping);
    net.run_until(ms(4_000));
    assert_eq!(net.masters(), vec![1]);
    let zero = net.nodes[0]
        .log
        .iter()
        .find(|(_, a)| matches!(a, Action::SendAdvert(adv) if adv.priority == 0))
        .map(|(t, _)| *t);
    assert_eq!(zero, Some(ms(2_450)), "priority 0 when the offer ends");
}

//! keepalived's FAULT state (link down, weight-0 tracker), recovery, and the announce repeat.

mod router_support;

use std::time::Instant;

use router_support::*;
use vrrp::{Action, Input, Reason, Router, State};

#[test]
fn link_down_on_master_goes_fault_without_priority_zero() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![a, b.clone()]);
    net.run_until(ms(2_000));
    net.unplug(0);
    // No advert: the link is down, nobody would hear it.
    assert_eq!(
        net.actions_at(0, ms(2_000)),
        vec![
            changed(State::Master, State::Fault, Reason::LinkDown),
            Action::RemoveVips
        ]
    );
    assert_eq!(net.router(0).poll_timeout(), None);
    assert_eq!(net.router(0).master_address(), None);
    net.run_until(ms(5_000));
    // B times out from A's last advert at 1941.40625 ms.
    assert_eq!(
        net.actions_at(1, ns(2_302_343_750)),
        becoming_master(&b, State::Backup, Reason::MasterDown)
    );
    assert_eq!(net.masters(), vec![1]);
}

#[test]
fn tracker_fault_on_master_sends_priority_zero_and_recovers() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![a.clone(), b.clone()]);
    net.run_until(ms(2_000));
    net.input(0, Input::TrackerFault(true));
    assert_eq!(
        net.actions_at(0, ms(2_000)),
        vec![
            changed(State::Master, State::Fault, Reason::TrackerFailed),
            Action::SendAdvert(advert_of(&a, 0)),
            Action::RemoveVips,
        ]
    );
    net.run_until(ms(5_000));
    // B takes over after Skew_Time only: 156 × 100 ms / 256 = 60.9375 ms.
    assert_eq!(
        net.actions_at(1, ns(2_060_937_500)),
        becoming_master(&b, State::Backup, Reason::MasterStopped)
    );

    net.input(0, Input::TrackerFault(false));
    assert_eq!(
        net.actions_at(0, ms(5_000)),
        vec![changed(
            State::Fault,
            State::Backup,
            Reason::TrackerRecovered
        )]
    );
    net.run_until(ms(10_000));
    // Like a fresh start: A (preempt) takes the VIP back after its Master_Down_Interval.
    let back = ns(5_341_406_250);
    assert_eq!(
        net.transitions(0).last().cloned(),
        Some((back, State::Backup, State::Master, Reason::MasterDown))
    );
    assert_eq!(net.masters(), vec![0]);
    // It discarded B's lower-priority adverts on the way, so besides answering B's parting
    // advert it announces again one advert interval after taking over.
    let announces: Vec<_> = net.nodes[0]
        .log
        .iter()
        .filter(|(at, a)| *at >= back && *a == Action::Announce)
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(announces, vec![back, back, back + ms(100)]);
    assert_eq!(
        net.actions_at(0, back + ms(100)),
        vec![Action::SendAdvert(advert_of(&a, 150)), Action::Announce]
    );
}

#[test]
fn link_down_on_backup_goes_fault_and_link_up_recovers() {
    let mut net = Net::started(vec![v3(150, 1), v3(100, 2)]);
    net.run_until(ms(2_000));
    net.unplug(1);
    assert_eq!(
        net.actions_at(1, ms(2_000)),
        vec![changed(State::Backup, State::Fault, Reason::LinkDown)]
    );
    net.run_until(ms(3_000));
    assert_eq!(net.state(1), State::Fault);
    net.plug(1);
    assert_eq!(
        net.actions_at(1, ms(3_000)),
        vec![changed(State::Fault, State::Backup, Reason::LinkUp)]
    );
    net.run_until(ms(10_000));
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.state(1), State::Backup);
    assert_eq!(net.router(1).master_address(), Some(addr(1)));
}

#[test]
fn recovery_needs_both_link_and_trackers() {
    let mut net = Net::started(vec![v3(150, 1), v3(100, 2)]);
    net.run_until(ms(2_000));
    net.unplug(0);
    net.run_until(ms(2_500));
    net.input(0, Input::TrackerFault(true));
    net.run_until(ms(3_000));
    net.plug(0);
    assert_eq!(net.state(0), State::Fault);
    assert!(net.actions_at(0, ms(2_500)).is_empty());
    assert!(net.actions_at(0, ms(3_000)).is_empty());
    net.run_until(ms(4_000));
    net.input(0, Input::TrackerFault(false));
    assert_eq!(
        net.actions_at(0, ms(4_000)),
        vec![changed(
            State::Fault,
            State::Backup,
            Reason::TrackerRecovered
        )]
    );
    net.run_until(ms(10_000));
    assert_eq!(
        net.transitions(0).last().cloned(),
        Some((
            ns(4_341_406_250),
            State::Backup,
            State::Master,
            Reason::MasterDown
        ))
    );
}

#[test]
fn owner_recovers_straight_to_master() {
    let (a, b) = (v3(255, 1), v3(100, 2));
    let mut net = Net::started(vec![a.clone(), b.clone()]);
    net.run_until(ms(2_000));
    net.unplug(0);
    net.run_until(ms(3_000));
    // B took over 360.9375 ms after the owner's last advert at 2.0 s.
    assert_eq!(net.transitions(1)[1].0, ns(2_360_937_500));
    net.plug(0);
    // B steps down with a parting advert; the owner answers it and announces once more.
    let mut owner = becoming_master(&a, State::Fault, Reason::LinkUp);
    owner.extend([Action::SendAdvert(advert_of(&a, 255)), Action::Announce]);
    assert_eq!(net.actions_at(0, ms(3_000)), owner);
    assert_eq!(
        net.actions_at(1, ms(3_000)),
        vec![
            Action::SendAdvert(advert_of(&b, 100)),
            changed(
                State::Master,
                State::Backup,
                Reason::Preempted {
                    by: addr(1),
                    priority: 255
                }
            ),
            Action::RemoveVips,
        ]
    );
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(
        net.transitions(1).last().cloned(),
        Some((
            ms(3_000),
            State::Master,
            State::Backup,
            Reason::Preempted {
                by: addr(1),
                priority: 255
            }
        ))
    );
}

#[test]
fn startup_with_link_down_goes_fault_then_backup_on_link_up() {
    let cfg = v3(100, 2);
    let t0 = Instant::now();
    let mut r = Router::new(cfg.clone());
    r.handle(t0, Input::LinkDown);
    assert!(drain(&mut r).is_empty());
    r.handle(t0, Input::Startup);
    assert_eq!(
        drain(&mut r),
        vec![
            changed(State::Initialize, State::Fault, Reason::LinkDown),
            Action::RemoveVips
        ]
    );
    assert_eq!(r.poll_timeout(), None);
    r.handle(t0 + ms(500), Input::LinkUp);
    assert_eq!(
        drain(&mut r),
        vec![changed(State::Fault, State::Backup, Reason::LinkUp)]
    );
    assert_eq!(r.poll_timeout(), Some(t0 + ms(500) + ns(360_937_500)));
}

#[test]
fn announce_is_repeated_after_becoming_master() {
    let mut a = v3(150, 1);
    a.announce_repeat_after = Some(ms(5_000));
    let mut net = Net::started(vec![a.clone(), v3(100, 2)]);
    net.run_until(ms(20_000));
    let announces: Vec<_> = net.nodes[0]
        .log
        .iter()
        .filter(|(_, a)| *a == Action::Announce)
        .map(|(at, _)| *at)
        .collect();
    // On becoming master at 341.40625 ms, and once more 5 s later (the Adver_Timer fires at
    // the same instant and goes first).
    assert_eq!(announces, vec![ns(341_406_250), ns(5_341_406_250)]);
    assert_eq!(
        net.actions_at(0, ns(5_341_406_250)),
        vec![Action::SendAdvert(advert_of(&a, 150)), Action::Announce]
    );
}

#[test]
fn announce_repeat_is_cancelled_when_no_longer_master() {
    let mut a = v3(150, 1);
    a.announce_repeat_after = Some(ms(5_000));
    let mut net = Net::started(vec![a, v3(100, 2)]);
    net.run_until(ms(2_000));
    net.input(0, Input::TrackerFault(true));
    net.run_until(ms(20_000));
    let announces = net.nodes[0]
        .log
        .iter()
        .filter(|(_, a)| *a == Action::Announce)
        .count();
    assert_eq!(announces, 1);
    assert_eq!(net.router(0).poll_timeout(), None);
}

//! Preemption, nopreempt, preempt_delay and tracker priority (RFC 5798 §6.4.2, §6.4.3;
//! keepalived's preempt_delay and weights).

mod router_support;

use std::time::Duration;

use router_support::*;
use vrrp::{Action, Config, Input, Reason, State};

/// A (150) is master from 341.40625 ms; it dies at 2 s after its advert at 1941.40625 ms;
/// B (100) takes over 360.9375 ms later, at 2302.34375 ms.
fn b_took_over(a: Config, b: Config) -> Net {
    let mut net = Net::started(vec![a, b]);
    net.run_until(ms(2_000));
    net.crash(0);
    net.run_until(ms(5_000));
    assert_eq!(
        net.transitions(1)[1],
        (
            ns(2_302_343_750),
            State::Backup,
            State::Master,
            Reason::MasterDown
        )
    );
    net
}

/// What a master outranked by `host` at `priority` emits: one parting advert at its own
/// `own` priority (so the winner answers and announces again), then the step down.
fn preempted_by(loser: &Config, own: u8, host: u8, priority: u8) -> Vec<Action> {
    vec![
        Action::SendAdvert(advert_of(loser, own)),
        changed(
            State::Master,
            State::Backup,
            Reason::Preempted {
                by: addr(host),
                priority,
            },
        ),
        Action::RemoveVips,
    ]
}

/// The winner's actions at the instant it takes over: becoming master, then answering the
/// loser's parting advert with its own and announcing once more.
fn taking_over(winner: &Config) -> Vec<Action> {
    let mut actions = becoming_master(winner, State::Backup, Reason::MasterDown);
    actions.extend([
        Action::SendAdvert(advert_of(winner, winner.priority)),
        Action::Announce,
    ]);
    actions
}

/// The winner discarded the loser's lower-priority adverts before taking over, so one
/// Master_Adver_Interval (100 ms) after `t` it announces again, right after the regular
/// advert due at the same instant; then only adverts follow until `until`.
fn assert_announced_again(net: &Net, i: usize, winner: &Config, t: Duration, until: Duration) {
    let again = t + ms(100);
    assert_eq!(
        net.actions_at(i, again),
        vec![
            Action::SendAdvert(advert_of(winner, winner.priority)),
            Action::Announce
        ]
    );
    let announces: Vec<_> = net.nodes[i]
        .log
        .iter()
        .filter(|(at, a)| *at >= t && *a == Action::Announce)
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(announces, vec![t, t, again]);
    let rest = net
        .log_after(i, again)
        .into_iter()
        .filter(|(at, _)| *at <= until)
        .collect::<Vec<_>>();
    let adverts: Vec<_> = (2..)
        .map(|k| t + ms(100 * k))
        .take_while(|at| *at <= until)
        .map(|at| (at, Action::SendAdvert(advert_of(winner, winner.priority))))
        .collect();
    assert!(!adverts.is_empty());
    assert_eq!(rest, adverts);
}

#[test]
fn preempt_higher_priority_returns_and_takes_back() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = b_took_over(a.clone(), b.clone());
    net.restart(0);
    assert_eq!(
        net.actions_at(0, ms(5_000)),
        vec![
            changed(State::Initialize, State::Backup, Reason::Started),
            Action::RemoveVips
        ]
    );
    net.run_until(ms(20_000));
    // A discards B's lower-priority adverts and times out 341.40625 ms after its start.
    let t = ns(5_341_406_250);
    assert_eq!(net.actions_at(0, t), taking_over(&a));
    assert_eq!(net.actions_at(1, t), preempted_by(&b, 100, 1, 150));
    assert_announced_again(&net, 0, &a, t, ms(20_000));
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.log_after(1, t), vec![]);
}

#[test]
fn nopreempt_higher_priority_returns_and_stays_backup() {
    let mut a = v3(150, 1);
    a.preempt = false;
    let mut net = b_took_over(a, v3(100, 2));
    net.restart(0);
    net.run_until(ms(65_000));
    assert_eq!(net.masters(), vec![1]);
    assert_eq!(net.state(0), State::Backup);
    // The restarted A only ever entered Backup (its log keeps its first life too).
    assert_eq!(
        net.transitions(0)[2..],
        [(ms(5_000), State::Initialize, State::Backup, Reason::Started)]
    );
    assert_eq!(net.transitions(1).len(), 2);
    assert_eq!(net.router(0).master_address(), Some(addr(2)));
}

#[test]
fn preempt_delay_holds_back_then_preempts() {
    let mut a = v3(150, 1);
    a.preempt_delay = ms(3_000);
    let b = v3(100, 2);
    let mut net = b_took_over(a.clone(), b.clone());
    net.restart(0);
    // Until 8 s B's adverts reset A's timer as if preempt were off; the last one before
    // 8 s is at 7902.34375 ms, so A takes over 341.40625 ms later.
    let t = ns(8_243_750_000);
    net.run_until(t - ns(1));
    assert_eq!(net.state(0), State::Backup);
    net.run_until(ms(20_000));
    assert_eq!(net.actions_at(0, t), taking_over(&a));
    assert_eq!(net.actions_at(1, t), preempted_by(&b, 100, 1, 150));
    // B's adverts from 8002.34375 ms on were discarded: A announces again at 8343.75 ms.
    assert_announced_again(&net, 0, &a, t, ms(20_000));
    assert_eq!(net.masters(), vec![0]);
}

#[test]
fn tracker_priority_drop_moves_the_vip_with_preempt() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![a.clone(), b.clone()]);
    net.run_until(ms(2_000));
    net.input(0, Input::Priority(80));
    assert_eq!(net.router(0).effective_priority(), 80);
    // The master advertises the drop at once.
    assert_eq!(
        net.actions_at(0, ms(2_000)),
        vec![Action::SendAdvert(advert_of(&a, 80))]
    );
    net.run_until(ms(5_000));
    // B discards adverts below its 100 and times out from A's last 150 advert (1941.40625 ms).
    let t = ns(2_302_343_750);
    assert_eq!(net.actions_at(1, t), taking_over(&b));
    assert_eq!(net.actions_at(0, t), preempted_by(&a, 80, 2, 100));
    // B discarded A's 80 adverts, so it announces again 100 ms later.
    assert_announced_again(&net, 1, &b, t, ms(5_000));
    // Meanwhile A kept advertising 80 every 100 ms after re-arming at 2.0 s, and its parting
    // advert (at its effective 80) went out as it stepped down.
    let a_adverts: Vec<_> = net.nodes[0]
        .log
        .iter()
        .filter(|(at, a)| *at > ms(2_000) && matches!(a, Action::SendAdvert(_)))
        .map(|(at, a)| (*at, a.clone()))
        .collect();
    assert_eq!(
        a_adverts,
        vec![
            (ms(2_100), Action::SendAdvert(advert_of(&a, 80))),
            (ms(2_200), Action::SendAdvert(advert_of(&a, 80))),
            (ms(2_300), Action::SendAdvert(advert_of(&a, 80))),
            (t, Action::SendAdvert(advert_of(&a, 80))),
        ]
    );

    // The tracker recovers: A (preempt) stops accepting B's 100 and takes back the VIP when
    // the timer armed by B's last accepted advert (4902.34375 ms, interval computed with
    // priority 80: 300 ms + 176 × 100 ms / 256 = 368.75 ms) fires.
    net.input(0, Input::Priority(150));
    assert!(net.actions_at(0, ms(5_000)).is_empty());
    net.run_until(ms(10_000));
    let back = ns(5_271_093_750);
    assert_eq!(
        net.transitions(0).last().cloned(),
        Some((back, State::Backup, State::Master, Reason::MasterDown))
    );
    assert_eq!(net.actions_at(0, back), taking_over(&a));
    assert_eq!(net.actions_at(1, back), preempted_by(&b, 100, 1, 150));
    assert_announced_again(&net, 0, &a, back, ms(10_000));
    assert_eq!(net.masters(), vec![0]);
}

#[test]
fn tracker_priority_drop_keeps_the_vip_without_preempt() {
    let mut b = v3(100, 2);
    b.preempt = false;
    let mut net = Net::started(vec![v3(150, 1), b]);
    net.run_until(ms(2_000));
    net.input(0, Input::Priority(80));
    net.run_until(ms(62_000));
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.transitions(1).len(), 1);
    assert_eq!(net.router(0).effective_priority(), 80);
}

#[test]
fn tracker_priority_is_clamped_to_1_through_254() {
    let mut net = Net::started(vec![v3(150, 1)]);
    net.input(0, Input::Priority(0));
    assert_eq!(net.router(0).effective_priority(), 1);
    net.input(0, Input::Priority(255));
    assert_eq!(net.router(0).effective_priority(), 254);
}

//! Planned shutdown: a stopping master hands over (priority 0, RFC 5798 §6.4.3) and keeps its
//! VIPs until the new master is heard or the handover timeout passes.

mod router_support;

use router_support::*;
use std::time::Duration;
use vrrp::{Action, Config, Input, Reason, State};

#[test]
fn shutdown_hands_over_when_the_new_master_is_heard() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![a.clone(), b.clone()]);
    net.run_until(ms(1_050));
    net.input(0, Input::Shutdown);
    assert_eq!(
        net.actions_at(0, ms(1_050)),
        vec![
            changed(State::Master, State::Stopping, Reason::ShutdownRequested),
            Action::SendAdvert(advert_of(&a, 0)),
        ]
    );
    assert_eq!(net.router(0).master_address(), Some(addr(1)));
    net.run_until(ms(5_000));
    // B takes over after Skew_Time (60.9375 ms); its first advert ends A's handover.
    let t = ns(1_110_937_500);
    assert_eq!(
        net.actions_at(1, t),
        becoming_master(&b, State::Backup, Reason::MasterStopped)
    );
    assert_eq!(
        net.actions_at(0, t),
        vec![
            changed(
                State::Stopping,
                State::Stopped,
                Reason::HandedOver { to: addr(2) }
            ),
            Action::RemoveVips,
        ]
    );
    // A held the VIPs until then: no RemoveVips earlier, nothing after.
    let removes: Vec<_> = net.nodes[0]
        .log
        .iter()
        .filter(|(_, a)| *a == Action::RemoveVips)
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(removes, vec![ms(0), t]);
    assert_eq!(net.log_after(0, t), vec![]);
    assert_eq!(net.router(0).poll_timeout(), None);
    assert_eq!(net.masters(), vec![1]);
}

#[test]
fn shutdown_times_out_when_nobody_takes_over() {
    let a = v3(150, 1);
    let mut net = Net::started(vec![a.clone()]);
    net.run_until(ms(2_000));
    net.input(0, Input::Shutdown);
    net.run_until(ms(10_000));
    // Priority-0 adverts every 100 ms from 2.0 s; the 3 s handover timeout at 5.0 s fires
    // before the advert due at the same instant.
    let zero_adverts: Vec<_> = net.nodes[0]
        .log
        .iter()
        .filter(|(at, _)| *at >= ms(2_000))
        .filter(|(_, action)| *action == Action::SendAdvert(advert_of(&a, 0)))
        .map(|(at, _)| *at)
        .collect();
    let expected: Vec<_> = (0..30).map(|k| ms(2_000 + 100 * k)).collect();
    assert_eq!(zero_adverts, expected);
    assert_eq!(
        net.actions_at(0, ms(5_000)),
        vec![
            changed(State::Stopping, State::Stopped, Reason::HandoverTimedOut),
            Action::RemoveVips,
        ]
    );
    assert_eq!(net.log_after(0, ms(5_000)), vec![]);
}

#[test]
fn shutdown_of_a_backup_stops_at_once() {
    let mut net = Net::started(vec![v3(150, 1), v3(100, 2)]);
    net.run_until(ms(2_000));
    net.input(1, Input::Shutdown);
    assert_eq!(
        net.actions_at(1, ms(2_000)),
        vec![changed(
            State::Backup,
            State::Stopped,
            Reason::ShutdownRequested
        )]
    );
    assert_eq!(net.router(1).poll_timeout(), None);
    net.run_until(ms(5_000));
    assert_eq!(net.log_after(1, ms(2_000)), vec![]);
    assert_eq!(net.router(1).stats().adverts_sent, 0);
    assert_eq!(net.masters(), vec![0]);
}

#[test]
fn link_down_while_stopping_stops_and_removes_vips() {
    let mut net = Net::started(vec![v3(150, 1)]);
    net.run_until(ms(2_000));
    net.input(0, Input::Shutdown);
    net.run_until(ms(2_250));
    net.unplug(0);
    assert_eq!(
        net.actions_at(0, ms(2_250)),
        vec![
            changed(State::Stopping, State::Stopped, Reason::LinkDown),
            Action::RemoveVips
        ]
    );
    assert_eq!(net.router(0).poll_timeout(), None);
}

#[test]
fn stopping_master_lingers_after_hearing_its_successor() {
    let a = Config {
        handover_linger: Duration::from_millis(150),
        ..v3(150, 1)
    };
    let b = v3(100, 2);
    let mut net = Net::started(vec![a.clone(), b.clone()]);
    net.run_until(ms(1_050));
    net.input(0, Input::Shutdown);
    net.run_until(ms(5_000));
    // B takes over after Skew_Time (60.9375 ms); A hears it and goes quiet, keeping the VIPs.
    let t = ns(1_110_937_500);
    assert_eq!(
        net.actions_at(1, t),
        becoming_master(&b, State::Backup, Reason::MasterStopped)
    );
    assert_eq!(net.actions_at(0, t), vec![]);
    // 150 ms later A removes them and stops; between the two it sent nothing.
    let end = t + Duration::from_millis(150);
    let between: Vec<_> = net.nodes[0]
        .log
        .iter()
        .filter(|(at, _)| *at > ms(1_050) && *at < end)
        .collect();
    assert!(between.is_empty(), "{between:?}");
    assert_eq!(
        net.actions_at(0, end),
        vec![
            changed(
                State::Stopping,
                State::Stopped,
                Reason::HandedOver { to: addr(2) }
            ),
            Action::RemoveVips,
        ]
    );
    assert_eq!(net.log_after(0, end), vec![]);
    assert_eq!(net.masters(), vec![1]);
}

#[test]
fn an_outranked_master_keeps_its_vips_for_the_linger_then_removes_them() {
    let linger = Duration::from_millis(150);
    let b = Config {
        handover_linger: linger,
        ..v3(100, 2)
    };
    // B is master alone; A (150) starts later and preempts it.
    let mut net = Net::started(vec![v3(150, 1), b]);
    net.crash(0);
    net.run_until(ms(2_000));
    assert_eq!(net.masters(), vec![1]);
    net.restart(0);
    net.run_until(ms(5_000));
    let removes: Vec<_> = net.nodes[1]
        .log
        .iter()
        .filter(|(_, a)| *a == Action::RemoveVips)
        .map(|(at, _)| *at)
        .collect();
    let stepped_down = net
        .transitions(1)
        .iter()
        .find(|t| t.2 == State::Backup && t.1 == State::Master)
        .map(|t| t.0)
        .expect("B stepped down");
    // The startup clean-up, then exactly one removal, the linger after stepping down.
    assert_eq!(removes, vec![ms(0), stepped_down + linger]);
    assert_eq!(net.masters(), vec![0]);
}

//! Giving the VIP away on purpose, on the virtual clock with the config file's defaults: a
//! planned stop (priority 0, keep until the successor is heard, linger), a stop nobody
//! answers, the operator's handover. Each protocol decision checked cites RFC 5798.

use std::time::Duration;

use vrrp::{Reason, State};

use super::cluster::{vip, Cluster};
use super::net::{What, LATENCY};
use super::probes::*;
use crate::vip::driver::Control;
use kubegate_config::handover::{handover_linger, handover_timeout};

#[test]
fn a_stopping_master_sends_priority_zero_and_the_next_takes_over_after_skew_time() {
    let mut c = Cluster::start(&[150, 100, 50]);
    c.run_until(ms(2000));
    let t0 = c.now();
    c.control(0, Control::Shutdown);
    c.run_until(ms(4000));

    // RFC 5798 §6.4.3: on Shutdown the master sends an advert with priority 0.
    assert_eq!(
        c.times(0, advert_at(0)).first(),
        Some(&t0),
        "n1 should send priority 0 the moment it is told to stop"
    );
    // RFC 5798 §6.4.2: a backup that receives priority 0 sets its Master_Down_Timer to
    // Skew_Time; the highest remaining priority has the shortest skew.
    let taken = t0 + LATENCY + skew(100);
    assert_eq!(
        c.entered(1, State::Master),
        [taken],
        "n2 takes over after Skew_Time"
    );
    assert_eq!(
        c.transitions(1).last(),
        Some(&(State::Master, Reason::MasterStopped)),
        "n2's reason for taking over"
    );
    assert_eq!(
        c.entered(2, State::Master),
        Vec::<Duration>::new(),
        "n3 (50) must not take over"
    );
    assert_eq!(c.states(), [State::Stopped, State::Master, State::Backup]);
    assert_eq!(c.holders(), [1]);
    let n2_announces = c.times(1, is_announce);
    assert_eq!(n2_announces, [taken; 5], "the successor announces at once");
}

#[test]
fn a_planned_stop_keeps_the_vip_until_the_successor_is_heard_then_lingers() {
    let mut c = Cluster::start(&[150, 100, 50]);
    c.run_until(ms(2000));
    let t0 = c.now();
    c.open_connections(0, 4);
    c.control(0, Control::Shutdown);

    let taken = t0 + LATENCY + skew(100);
    let heard = taken + LATENCY;
    let removed = heard + handover_linger(INTERVAL);

    c.run_until(taken - ms(1));
    assert_eq!(c.state(0), State::Stopping);
    assert_eq!(
        c.holders(),
        [0],
        "the stopping master keeps the VIP until a successor"
    );
    c.run_until(removed - ms(1));
    assert_eq!(
        c.holders(),
        [0, 1],
        "n1 lingers after hearing n2, n2 holds it already"
    );
    c.run_until(removed + ms(500));
    assert_eq!(c.holders(), [1], "n1 removes the VIP after the linger");

    let n1 = c.log_of(0);
    let end: Vec<_> = n1.iter().filter(|(at, _)| *at >= removed).collect();
    let reset = What::Reset {
        address: vip(),
        reset: 4,
    };
    assert_eq!(
        end,
        [
            &(
                removed,
                What::Notify {
                    state: State::Stopped,
                    priority: 150
                }
            ),
            &(removed, reset),
            &(removed, What::Del(vip()))
        ],
        "n1 stops, resets the 4 connections, then removes the VIP, at the end of the linger"
    );
    assert!(c.members[0].stopped, "n1's loop should have ended");
    assert_eq!(
        c.transitions(0)[2..],
        [
            (State::Stopping, Reason::ShutdownRequested),
            (State::Stopped, Reason::HandedOver { to: node(1) }),
        ],
        "n1's transitions after start-up and election"
    );
}

#[test]
fn a_stopping_master_nobody_answers_gives_up_after_the_handover_timeout() {
    let mut c = Cluster::start(&[150, 100]);
    c.run_until(ms(2000));
    c.set_link(1, false);
    c.run_until(ms(3000));
    let t0 = c.now();
    c.control(0, Control::Shutdown);
    c.run_until(ms(6000));

    assert_eq!(c.state(1), State::Fault, "n2 without link");
    let gone = t0 + handover_timeout(INTERVAL);
    assert_eq!(
        c.times(0, is_del).last(),
        Some(&gone),
        "n1 removes the VIP at the timeout"
    );
    assert_eq!(
        c.transitions(0).last(),
        Some(&(State::Stopped, Reason::HandoverTimedOut)),
        "n1's reason for stopping"
    );
    assert_eq!(c.holders(), Vec::<usize>::new());
}

#[test]
fn an_operator_handover_moves_the_vip_and_the_old_master_stays_away_until_released() {
    let mut c = Cluster::start(&[150, 100, 50]);
    c.run_until(ms(2000));
    let t0 = c.now();
    c.control(0, Control::HandOver);
    c.run_until(ms(5000));

    // One priority-0 advert (as RFC 5798 §6.4.3's Shutdown) to each peer, then Backup at
    // priority 1.
    let zero: Vec<_> = c
        .log_of(0)
        .into_iter()
        .filter(|(_, w)| matches!(w, What::Advert { priority: 0, .. }))
        .collect();
    let to = |i| What::Advert {
        priority: 0,
        to: node(i),
    };
    assert_eq!(zero, [(t0, to(1)), (t0, to(2))], "n1's priority-0 adverts");
    // RFC 5798 §6.4.2: the backups set Master_Down_Timer to Skew_Time; n2's is shortest.
    let taken = t0 + LATENCY + skew(100);
    assert_eq!(
        c.entered(1, State::Master),
        [taken],
        "n2 takes over after Skew_Time"
    );
    assert_eq!(c.states(), [State::Backup, State::Master, State::Backup]);
    assert_eq!(
        c.holders(),
        [1],
        "n1 does not preempt back while handed over"
    );
    assert_eq!(c.members[0].driver.router().effective_priority(), 1);

    let t1 = c.now();
    c.control(0, Control::EndHandOver);
    c.run_until(ms(7000));
    assert_eq!(
        c.states()[0],
        State::Master,
        "released, n1 preempts again (RFC 5798 §6.4.2)"
    );
    assert!(c
        .entered(0, State::Master)
        .last()
        .is_some_and(|&at| at > t1));
    assert_eq!(c.holders(), [0]);
}

//! `Config::step_aside_below` (not RFC): with preempt off, a backup whose checks pass still
//! takes over from a master that stepped aside (advertises below the floor), exactly as a
//! preempting backup does (RFC 5798 §6.4.2); among routers on the same side of the floor,
//! nopreempt holds.

mod router_support;

use router_support::*;
use vrrp::{Config, Input, Reason, State};

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

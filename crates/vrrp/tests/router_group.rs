//! `Input::GroupBackup` (keepalived's `vrrp_sync_group`, not RFC 5798): a master whose group
//! member was outranked becomes Backup without a priority-0 advert, the other node takes over
//! after its full Master_Down_Interval and keeps the VIP while the hold lasts; released, the
//! higher priority preempts again; a backup only records the hold.

mod router_support;

use router_support::*;
use vrrp::{Action, Input, Reason, State};

#[test]
fn a_master_steps_down_silently_and_the_backup_takes_over_after_master_down() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![a.clone(), b.clone()]);
    net.run_until(ms(1_050));
    assert_eq!(net.masters(), vec![0], "A (150) should be master first");
    net.input(0, Input::GroupBackup(true));
    assert_eq!(
        net.actions_at(0, ms(1_050)),
        vec![
            changed(State::Master, State::Backup, Reason::GroupSteppedDown),
            Action::RemoveVips,
        ],
        "stepping down sends no advert (no priority 0) and gives the addresses up"
    );
    assert_eq!(net.state(0), State::Backup);
    // B heard A's last advert at about 1 000 ms; with no priority 0 it waits its whole
    // Master_Down_Interval, not only Skew_Time.
    net.run_until(ms(1_300));
    assert_eq!(
        net.state(1),
        State::Backup,
        "B must not take over after skew only"
    );
    net.run_until(ms(2_000));
    assert_eq!(
        net.masters(),
        vec![1],
        "B should have taken over after master down"
    );
    let b_became = net.transitions(1);
    assert_eq!(
        b_became.last().map(|t| (t.2, t.3.clone())),
        Some((State::Master, Reason::MasterDown)),
        "B's takeover reason: {b_became:?}"
    );
    // Held, A (150, preempt) lets B (100) keep the VIP.
    net.run_until(ms(6_000));
    assert_eq!(net.masters(), vec![1], "held, A should not preempt B");
    // Released, A preempts B's lower-priority adverts as usual.
    net.input(0, Input::GroupBackup(false));
    net.run_until(ms(9_000));
    assert_eq!(
        net.masters(),
        vec![0],
        "released, A (150) should take the VIP back"
    );
}

#[test]
fn a_backup_only_records_the_hold() {
    let (a, b) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![a, b]);
    net.run_until(ms(1_050));
    let before = net.transitions(1).len();
    net.input(1, Input::GroupBackup(true));
    assert_eq!(
        net.actions_at(1, ms(1_050)),
        vec![],
        "a backup does nothing"
    );
    net.run_until(ms(3_000));
    assert_eq!(net.transitions(1).len(), before, "B's transitions changed");
    assert_eq!(net.masters(), vec![0]);
}

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

#[test]
fn a_group_fault_is_a_fault_of_its_own_kind_and_ends_with_the_last_cause() {
    let a = v3(150, 1);
    let mut net = Net::started(vec![a.clone(), v3(100, 2)]);
    net.run_until(ms(1_050));
    net.input(0, Input::GroupFault(true));
    assert_eq!(
        net.actions_at(0, ms(1_050)),
        vec![
            changed(State::Master, State::Fault, Reason::GroupFault),
            Action::SendAdvert(advert_of(&a, 0)),
            Action::RemoveVips,
        ],
        "as a tracker fault: priority 0 so the backup takes over after Skew_Time"
    );
    // A tracker of its own fails too; the group recovering leaves it in FAULT.
    net.input(0, Input::TrackerFault(true));
    net.input(0, Input::GroupFault(false));
    assert_eq!(net.state(0), State::Fault);
    net.input(0, Input::TrackerFault(false));
    assert_eq!(
        net.transitions(0).last().map(|t| (t.2, t.3.clone())),
        Some((State::Backup, Reason::TrackerRecovered))
    );
    // And the other way round: the group's fault is the last to clear.
    net.input(0, Input::GroupFault(true));
    net.input(0, Input::GroupFault(false));
    assert_eq!(
        net.transitions(0).last().map(|t| (t.2, t.3.clone())),
        Some((State::Backup, Reason::GroupRecovered))
    );
}

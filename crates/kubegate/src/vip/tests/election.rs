//! Who holds the VIP, on the virtual clock with the config file's defaults (v3, 200 ms,
//! unicast, preempt, 5 announcements and 5 more after 5 s): election, link loss, trackers.
//! Each protocol decision checked cites RFC 5798.

use std::time::Duration;

use vrrp::{Reason, State};

use super::cluster::{vip, Cluster};
use super::net::{What, LATENCY};
use super::probes::*;
use crate::vip::driver::Control;
use kubegate_config::handover::handover_linger;

#[test]
fn the_highest_priority_is_elected_adds_the_vip_and_announces_five_then_five_more() {
    let mut c = Cluster::start(&[150, 100, 50]);
    c.run_until(ms(7000));

    // RFC 5798 §6.4.1: non-owners start as Backup with Master_Down_Timer set to
    // Master_Down_Interval; §6.4.2: the first to fire (highest priority, shortest skew)
    // becomes master, and its first advert resets the others' timers.
    let elected = master_down(150);
    assert_eq!(
        c.entered(0, State::Master),
        [elected],
        "n1 (150) should become master once, after its Master_Down_Interval"
    );
    assert_eq!(c.states(), [State::Master, State::Backup, State::Backup]);
    assert_eq!(c.holders(), [0], "only the master should hold the VIP");

    // keepalived's defaults (docs/vrrp.md): 5 gratuitous ARPs on becoming master, 5 after 5 s.
    let mut expected = vec![elected; 5];
    expected.extend([elected + Duration::from_secs(5); 5]);
    assert_eq!(
        c.times(0, is_announce),
        expected,
        "announcements of the master"
    );

    // At start-up every node removes a leftover VIP (keepalived's crash clean-up), resetting
    // its connections first; only the master adds it.
    let changes: Vec<_> = c
        .log_of(0)
        .into_iter()
        .filter(|(_, w)| {
            !matches!(
                w,
                What::Advert { .. } | What::Announce(_) | What::Notify { .. }
            )
        })
        .collect();
    let reset = What::Reset {
        address: vip(),
        reset: 0,
    };
    assert_eq!(
        changes,
        [
            (ms(0), reset),
            (ms(0), What::Del(vip())),
            (elected, What::Add(vip()))
        ],
        "n1's address changes"
    );
    for backup in [1, 2] {
        assert_eq!(
            c.entered(backup, State::Master),
            Vec::<Duration>::new(),
            "n{} became master",
            backup + 1
        );
        assert_eq!(
            c.times(backup, is_add),
            Vec::<Duration>::new(),
            "n{} added the VIP",
            backup + 1
        );
        assert_eq!(
            c.times(backup, is_announce),
            Vec::<Duration>::new(),
            "n{} announced",
            backup + 1
        );
    }
}

#[test]
fn link_down_removes_the_vip_resets_its_connections_and_a_backup_takes_over() {
    let mut c = Cluster::start(&[150, 100]);
    c.run_until(ms(2000));
    let t0 = c.now();
    c.open_connections(0, 3);
    c.set_link(0, false);
    c.run_until(ms(3000));

    // keepalived's FAULT: link down removes the VIP at once, connections reset first.
    assert_eq!(
        c.entered(0, State::Fault),
        [t0],
        "n1 goes to FAULT when its link goes"
    );
    let after: Vec<_> = c
        .log_of(0)
        .into_iter()
        .filter(|(at, w)| *at >= t0 && !matches!(w, What::Notify { .. }))
        .collect();
    let reset = What::Reset {
        address: vip(),
        reset: 3,
    };
    assert_eq!(
        after,
        [(t0, reset), (t0, What::Del(vip()))],
        "n1 after its link went down"
    );

    // RFC 5798 §6.4.2: no advert for Master_Down_Interval → the backup becomes master.
    let last_heard = last_advert_before(&c, 0, 150, t0) + LATENCY;
    let taken = last_heard + master_down(100);
    assert_eq!(
        c.entered(1, State::Master),
        [taken],
        "n2 after Master_Down_Interval"
    );
    assert_eq!(
        c.transitions(1).last(),
        Some(&(State::Master, Reason::MasterDown)),
        "n2's reason for taking over"
    );
    assert_eq!(c.holders(), [1]);

    // The link comes back: Backup (RFC 5798 §6.4.1 again), then preempt (§6.4.2: n2's
    // lower-priority adverts are discarded, so n1's Master_Down_Timer fires).
    let t1 = c.now();
    c.set_link(0, true);
    c.run_until(ms(5000));
    assert_eq!(
        c.entered(0, State::Backup).last(),
        Some(&t1),
        "n1 back to Backup"
    );
    assert_eq!(
        c.entered(0, State::Master).last(),
        Some(&(t1 + master_down(150)))
    );
    assert_eq!(c.holders(), [0], "n1 holds the VIP again, n2 removed it");
}

#[test]
fn a_tracker_lowering_the_masters_priority_lets_a_backup_preempt_and_recovery_takes_it_back() {
    let mut c = Cluster::start(&[150, 100, 50]);
    c.run_until(ms(2000));
    let t0 = c.now();
    c.control(
        0,
        Control::Tracked {
            priority: 80,
            fault: false,
        },
    );
    c.run_until(ms(4000));

    assert_eq!(
        c.times(0, advert_at(80)).first(),
        Some(&t0),
        "the master advertises its lowered priority at once"
    );
    // RFC 5798 §6.4.2: with Preempt_Mode, n2 (100) discards the 80 adverts, so the timer
    // restarted by n1's last 150 advert fires; n3 (50) accepts them and stays backup.
    let last_150 = last_advert_before(&c, 0, 150, t0 + ms(1));
    let taken = last_150 + LATENCY + master_down(100);
    assert_eq!(c.entered(1, State::Master), [taken], "n2 preempts");
    assert_eq!(
        c.entered(2, State::Master),
        Vec::<Duration>::new(),
        "n3 must not take over"
    );
    // RFC 5798 §6.4.3: n1 hears a higher priority and becomes Backup; it keeps the VIP for
    // the linger, then removes it.
    let stepped_down = taken + LATENCY;
    assert_eq!(c.entered(0, State::Backup).last(), Some(&stepped_down));
    assert_eq!(
        c.times(0, is_del).last(),
        Some(&(stepped_down + handover_linger(INTERVAL))),
        "n1 removes the VIP after the linger"
    );
    assert_eq!(c.holders(), [1]);
    assert_eq!(c.members[0].driver.router().effective_priority(), 80);

    // The tracker recovers: n1 (150) discards n2's 100 adverts and takes the VIP back.
    let t1 = c.now();
    c.control(
        0,
        Control::Tracked {
            priority: 150,
            fault: false,
        },
    );
    c.run_until(ms(6000));
    let back = c.entered(0, State::Master);
    assert!(
        back.last().is_some_and(|&at| at > t1 && at <= t1 + master_down(150)),
        "n1 should take the VIP back within its Master_Down_Interval after {t1:?}; took it at {back:?}"
    );
    assert_eq!(c.states(), [State::Master, State::Backup, State::Backup]);
    assert_eq!(c.holders(), [0]);
}

//! Election, master-down timing and stability, on a virtual clock (RFC 5798 §6.1, §6.4).

mod router_support;

use std::time::Duration;

use router_support::*;
use vrrp::{Action, Input, Reason, Router, State};

const ZERO: Duration = Duration::ZERO;

#[test]
fn election_by_priority_highest_becomes_master() {
    let cfgs = vec![v3(150, 1), v3(100, 2), v3(50, 3)];
    let mut net = Net::started(cfgs.clone());
    net.run_until(ms(10_000));

    assert_eq!(net.masters(), vec![0]);
    // All start as backup; the highest priority has the shortest Master_Down_Interval:
    // 3 × 100 ms + (256 − 150) × 100 ms / 256 = 341.40625 ms.
    let t_master = ns(341_406_250);
    assert_eq!(
        net.transitions(0),
        vec![
            (ZERO, State::Initialize, State::Backup, Reason::Started),
            (t_master, State::Backup, State::Master, Reason::MasterDown),
        ]
    );
    assert_eq!(
        net.actions_at(0, ZERO),
        vec![
            changed(State::Initialize, State::Backup, Reason::Started),
            Action::RemoveVips
        ]
    );
    assert_eq!(
        net.actions_at(0, t_master),
        becoming_master(&cfgs[0], State::Backup, Reason::MasterDown)
    );
    for i in 1..3 {
        assert_eq!(
            net.transitions(i),
            vec![(ZERO, State::Initialize, State::Backup, Reason::Started)],
            "node {i}"
        );
        assert_eq!(net.router(i).master_address(), Some(addr(1)));
        assert!(!net.nodes[i].log.iter().any(|(_, a)| *a == Action::AddVips));
    }
    assert_eq!(net.router(0).master_address(), Some(addr(1)));
}

#[test]
fn equal_priority_tie_broken_by_higher_address() {
    // 198.18.0.200 > 198.18.0.2 compared unsigned (RFC 5798 §6.4.3).
    let cfgs = vec![v3(100, 2), v3(100, 200)];
    let mut net = Net::started(cfgs.clone());
    net.run_until(ms(10_000));

    // Both time out together at 3 × 100 ms + 156 × 100 ms / 256 and both become master;
    // each hears the other: the lower address steps down, the higher answers and announces.
    // Stepping down, the lower sends one parting advert, which the higher answers (and
    // announces) once more; the lower is Backup by then and stays quiet.
    let t = ns(360_937_500);
    let mut lower = becoming_master(&cfgs[0], State::Backup, Reason::MasterDown);
    lower.extend([
        Action::SendAdvert(advert_of(&cfgs[0], 100)),
        changed(
            State::Master,
            State::Backup,
            Reason::Preempted {
                by: addr(200),
                priority: 100,
            },
        ),
        Action::RemoveVips,
    ]);
    assert_eq!(net.actions_at(0, t), lower);
    let mut higher = becoming_master(&cfgs[1], State::Backup, Reason::MasterDown);
    higher.extend([
        Action::SendAdvert(advert_of(&cfgs[1], 100)),
        Action::Announce,
        Action::SendAdvert(advert_of(&cfgs[1], 100)),
        Action::Announce,
    ]);
    assert_eq!(net.actions_at(1, t), higher);
    assert_eq!(net.masters(), vec![1]);
    assert_eq!(net.transitions(0).len(), 3);
    assert_eq!(net.transitions(1).len(), 2);
}

#[test]
fn owner_with_priority_255_goes_straight_to_master() {
    let cfgs = vec![v3(255, 1), v3(254, 2)];
    let mut net = Net::started(cfgs.clone());
    assert_eq!(
        net.actions_at(0, ZERO),
        becoming_master(&cfgs[0], State::Initialize, Reason::Owner)
    );
    net.run_until(ms(2_050));
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.transitions(1).len(), 1);

    // Trackers never change an owner's priority.
    net.input(0, Input::Priority(100));
    assert_eq!(net.router(0).effective_priority(), 255);
    assert!(net.actions_at(0, ms(2_050)).is_empty());

    // The owner dies; the backup takes over after 300 ms + 2 × 100 ms / 256 = 300.78125 ms
    // from the last advert (at 2.0 s)...
    net.crash(0);
    net.run_until(ms(4_000));
    assert_eq!(
        net.transitions(1)[1],
        (
            ns(2_300_781_250),
            State::Backup,
            State::Master,
            Reason::MasterDown
        )
    );
    // ...and the returning owner takes the VIP back at once. The backup's parting advert
    // makes the owner answer and announce once more.
    net.restart(0);
    let mut owner = becoming_master(&cfgs[0], State::Initialize, Reason::Owner);
    owner.extend([
        Action::SendAdvert(advert_of(&cfgs[0], 255)),
        Action::Announce,
    ]);
    assert_eq!(net.actions_at(0, ms(4_000)), owner);
    assert_eq!(
        net.actions_at(1, ms(4_000)),
        vec![
            Action::SendAdvert(advert_of(&cfgs[1], 254)),
            changed(
                State::Master,
                State::Backup,
                Reason::Preempted {
                    by: addr(1),
                    priority: 255
                }
            ),
            Action::RemoveVips
        ]
    );
    assert_eq!(net.masters(), vec![0]);
}

#[test]
fn master_down_fires_at_exact_instant_v3() {
    let cfgs = vec![v3(150, 1), v3(100, 2)];
    let mut net = Net::started(cfgs.clone());
    net.run_until(ms(1_050));
    net.crash(0);
    // Last advert from node 0: 341.40625 ms + 7 × 100 ms = 1041.40625 ms. The backup's
    // Master_Down_Interval: 3 × 100 ms + 156 × 100 ms / 256 = 360.9375 ms.
    let t = ns(1_041_406_250 + 360_937_500);
    assert_eq!(down(&cfgs[1]), ns(360_937_500));
    net.run_until(t - ns(1));
    assert_eq!(net.state(1), State::Backup);
    net.run_until(t + ms(1));
    assert_eq!(
        net.actions_at(1, t),
        becoming_master(&cfgs[1], State::Backup, Reason::MasterDown)
    );
    assert_eq!(net.router(1).master_address(), Some(addr(2)));
}

#[test]
fn master_down_fires_at_exact_instant_v2() {
    let cfgs = vec![v2(150, 1), v2(100, 2)];
    let mut net = Net::started(cfgs.clone());
    // RFC 3768 §6.1: node 0 becomes master after 3 s + 106/256 s = 3.4140625 s.
    net.run_until(ms(10_500));
    assert_eq!(net.transitions(0)[1].0, ns(3_414_062_500));
    net.crash(0);
    // Last advert at 10.4140625 s; Master_Down_Interval 3 s + 156/256 s = 3.609375 s.
    net.run_until(ms(20_000));
    assert_eq!(
        net.transitions(1)[1],
        (
            ns(14_023_437_500),
            State::Backup,
            State::Master,
            Reason::MasterDown
        )
    );
}

#[test]
fn priority_zero_advert_means_takeover_after_skew_only() {
    // Driven by hand: a backup hears a master, then the master's priority-0 advert.
    let cfg = v3(100, 2);
    let master = v3(150, 1);
    let mut router = Router::new(cfg.clone());
    let t0 = std::time::Instant::now();
    router.handle(t0, Input::Startup);
    drain(&mut router);
    let hear = |router: &mut Router, at, priority| {
        router.handle(
            at,
            Input::Advert {
                from: addr(1),
                ttl: 255,
                advert: advert_of(&master, priority),
            },
        )
    };
    hear(&mut router, t0 + ms(50), 150);
    assert_eq!(router.poll_timeout(), Some(t0 + ms(50) + ns(360_937_500)));
    hear(&mut router, t0 + ms(120), 0);
    // Skew_Time = 156 × 100 ms / 256 = 60.9375 ms (RFC 5798 §6.4.2).
    let t = t0 + ms(120) + ns(60_937_500);
    assert_eq!(router.poll_timeout(), Some(t));
    assert!(drain(&mut router).is_empty());
    router.handle_timeout(t - ns(1));
    assert_eq!(router.state(), State::Backup);
    router.handle_timeout(t);
    assert_eq!(
        drain(&mut router),
        becoming_master(&cfg, State::Backup, Reason::MasterStopped)
    );
}

#[test]
fn v3_backup_learns_the_masters_interval() {
    let mut slow = v3(150, 1);
    slow.interval_cs = 50; // 500 ms
    let fast = v3(100, 2); // 100 ms configured
    let mut net = Net::new(vec![slow, fast.clone()]);
    net.input(0, Input::Startup);
    net.run_until(ms(2_000));
    // 3 × 500 ms + 106 × 500 ms / 256 = 1707.03125 ms.
    assert_eq!(net.transitions(0)[1].0, ns(1_707_031_250));
    net.input(1, Input::Startup);
    // Without learning, the backup would take over 360.9 ms after start; it follows the
    // master's 500 ms instead (RFC 5798 §6.4.2).
    net.run_until(ms(60_100));
    assert_eq!(net.transitions(1).len(), 1);
    assert_eq!(net.router(1).master_adver_interval(), ms(500));
    assert_eq!(net.masters(), vec![0]);

    net.crash(0);
    // Last advert at 1707.03125 ms + 116 × 500 ms; down = 1500 ms + 156 × 500 ms / 256.
    let t = ns(59_707_031_250 + 1_804_687_500);
    net.run_until(ms(70_000));
    assert_eq!(
        net.transitions(1)[1],
        (t, State::Backup, State::Master, Reason::MasterDown)
    );
    // As master it advertises its own configured interval.
    assert_eq!(
        net.actions_at(1, t),
        becoming_master(&fast, State::Backup, Reason::MasterDown)
    );
    assert_eq!(net.router(1).master_adver_interval(), ms(100));
}

#[test]
fn an_hour_of_stable_operation_has_one_master_and_no_transitions() {
    let mut net = Net::started(vec![v3(150, 1), v3(100, 2), v3(50, 3)]);
    for second in 1..=3_600u64 {
        net.run_until(Duration::from_secs(second));
        assert_eq!(net.masters(), vec![0], "at {second} s");
    }
    // Master from 341.40625 ms, an advert every 100 ms up to 3600 s: 35,997 adverts.
    let master = net.router(0).stats();
    assert_eq!(master.adverts_sent, 35_997);
    assert_eq!(master.transitions, 2);
    for i in 1..3 {
        let s = net.router(i).stats();
        assert_eq!(s.adverts_accepted, 35_997, "node {i}");
        assert_eq!(s.dropped.total(), 0, "node {i}");
        assert_eq!(s.adverts_sent, 0, "node {i}");
        assert_eq!(s.transitions, 1, "node {i}");
    }
}

#[test]
fn losing_two_adverts_in_three_causes_no_failover() {
    let mut net = Net::started(vec![v3(150, 1), v3(100, 2)]);
    net.run_until(ms(1_000));
    let sent_before = net.router(0).stats().adverts_sent;
    let accepted_before = net.router(1).stats().adverts_accepted;
    assert_eq!(sent_before, accepted_before);
    let mut seq = 0u64;
    net.set_loss(move |from, _to, _advert| {
        if from != 0 {
            return false;
        }
        // Deliver every third advert: phase 0 passes, phases 1 and 2 are lost.
        seq = (seq + 1) % 3;
        seq != 0
    });
    net.run_until(ms(600_000));
    // Gaps of 300 ms stay below the 360.9375 ms Master_Down_Interval.
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.transitions(1).len(), 1);
    let sent = net.router(0).stats().adverts_sent - sent_before;
    let accepted = net.router(1).stats().adverts_accepted - accepted_before;
    assert_eq!(accepted, sent / 3);
}

#[test]
fn zero_interval_is_treated_as_one_centisecond() {
    let mut cfg = v3(255, 1);
    cfg.interval_cs = 0;
    let t0 = std::time::Instant::now();
    let mut router = Router::new(cfg);
    router.handle(t0, Input::Startup);
    assert_eq!(router.poll_timeout(), Some(t0 + ms(10)));
    router.handle_timeout(t0 + ms(10));
    let sent = drain(&mut router)
        .into_iter()
        .filter(|a| matches!(a, Action::SendAdvert(ad) if ad.interval_cs == 1))
        .count();
    assert_eq!(sent, 2);
    assert_eq!(router.poll_timeout(), Some(t0 + ms(20)));
}

#[test]
fn equal_priority_backup_does_not_preempt_a_running_master() {
    // RFC 5798 §6.4.2: a backup accepts adverts of priority ≥ its own; the address
    // tie-break only applies between masters (§6.4.3).
    let mut net = Net::new(vec![v3(100, 2), v3(100, 200)]);
    net.input(0, Input::Startup);
    net.run_until(ms(1_000));
    net.input(1, Input::Startup);
    net.run_until(ms(61_000));
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(
        net.transitions(1),
        vec![(ms(1_000), State::Initialize, State::Backup, Reason::Started)]
    );
    assert_eq!(net.router(1).master_address(), Some(addr(2)));
}

//! Split brain: a partition makes both sides master; when it heals exactly one remains
//! (RFC 5798 §6.4.3), and the winner answers a lower-priority advert at once and announces
//! again (keepalived behaviour). The loser sends one parting advert as it steps down, so the
//! winner announces again whichever side spoke first.

mod router_support;

use router_support::*;
use std::time::Duration;

use vrrp::{Action, Input, Reason, State};

/// A (150) and B (100); the partition starts at 2 s and B becomes master at 2302.34375 ms.
/// From then on B advertises at …002.34375 and A at …041.40625 (every 100 ms).
fn partitioned() -> Net {
    let mut net = Net::started(vec![v3(150, 1), v3(100, 2)]);
    net.run_until(ms(2_000));
    net.set_group(1, 1);
    net.run_until(ms(10_000));
    assert_eq!(net.masters(), vec![0, 1]);
    assert_eq!(net.transitions(1)[1].0, ns(2_302_343_750));
    net
}

fn preempted_by_a() -> Action {
    changed(
        State::Master,
        State::Backup,
        Reason::Preempted {
            by: addr(1),
            priority: 150,
        },
    )
}

/// How many `SendAdvert`s node `i` has logged in all.
fn adverts_logged(net: &Net, i: usize) -> u64 {
    net.nodes[i]
        .log
        .iter()
        .filter(|(_, a)| matches!(a, Action::SendAdvert(_)))
        .count() as u64
}

#[test]
fn healed_partition_leaves_one_master_and_the_winner_announces_again() {
    let mut net = partitioned();
    let (a, b) = (net.nodes[0].config.clone(), net.nodes[1].config.clone());
    net.heal();
    net.run_until(ms(70_000));
    // B's advert comes first: A answers with its own at once and announces again; hearing
    // A, B sends one parting advert and steps down; A answers that one too (a second
    // advert and announce), which B, now Backup, does not answer.
    let t = ns(10_002_343_750);
    assert_eq!(
        net.actions_at(0, t),
        vec![
            Action::SendAdvert(advert_of(&a, 150)),
            Action::Announce,
            Action::SendAdvert(advert_of(&a, 150)),
            Action::Announce,
        ]
    );
    assert_eq!(
        net.actions_at(1, t),
        vec![
            Action::SendAdvert(advert_of(&b, 100)),
            Action::SendAdvert(advert_of(&b, 100)),
            preempted_by_a(),
            Action::RemoveVips,
        ]
    );
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.transitions(0).len(), 2);
    assert_eq!(net.transitions(1).len(), 3);
    assert_eq!(net.router(1).master_address(), Some(addr(1)));
}

#[test]
fn healed_partition_when_the_winner_speaks_first() {
    let mut net = partitioned();
    let (a, b) = (net.nodes[0].config.clone(), net.nodes[1].config.clone());
    net.run_until(ms(10_020));
    net.heal();
    net.run_until(ms(70_000));
    // A's advert at 10041.40625 ms reaches B first. B steps down, but first sends one
    // parting advert at its own 100; A, still master, answers that lower advert at once
    // and announces again, so hosts that learned B's MAC for the VIP move back to A.
    let t = ns(10_041_406_250);
    assert_eq!(
        net.actions_at(1, t),
        vec![
            Action::SendAdvert(advert_of(&b, 100)),
            preempted_by_a(),
            Action::RemoveVips,
        ]
    );
    assert_eq!(
        net.actions_at(0, t),
        vec![
            Action::SendAdvert(advert_of(&a, 150)),
            Action::SendAdvert(advert_of(&a, 150)),
            Action::Announce,
        ]
    );
    // That is A's only announce since it became master, apart from the one on the way in.
    let announces: Vec<_> = net.nodes[0]
        .log
        .iter()
        .filter(|(_, action)| *action == Action::Announce)
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(announces, vec![ns(341_406_250), t]);
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.transitions(1).len(), 3);
}

#[test]
fn parting_advert_does_not_loop() {
    let mut net = partitioned();
    let (a, b) = (net.nodes[0].config.clone(), net.nodes[1].config.clone());
    net.run_until(ms(10_020));
    let b_sent_before = net.router(1).stats().adverts_sent;
    net.heal();
    let delivered_before = net.delivered;
    let t = ns(10_041_406_250);
    net.run_until(t);

    // The exchange is exactly three adverts on the segment: A's regular one, B's parting
    // one, A's answer. B, Backup by the time the answer arrives, does not answer it.
    assert_eq!(net.delivered - delivered_before, 3);
    assert_eq!(
        net.actions_at(1, t)[0],
        Action::SendAdvert(advert_of(&b, 100))
    );
    assert_eq!(net.router(1).stats().adverts_sent, b_sent_before + 1);

    // In the next 3 s B sends nothing at all, and A sends exactly its 30 regular adverts,
    // 100 ms apart from the answer that re-armed its Adver_Timer, with no further announce.
    let delivered_at_t = net.delivered;
    net.run_until(t + ms(3_000));
    assert_eq!(net.log_after(1, t), vec![]);
    let expected: Vec<_> = (1..=30)
        .map(|k| (t + ms(100 * k), Action::SendAdvert(advert_of(&a, 150))))
        .collect();
    assert_eq!(net.log_after(0, t), expected);
    assert_eq!(net.delivered - delivered_at_t, 30);

    // The stats count every advert logged, the parting one included.
    for i in 0..2 {
        assert_eq!(
            net.router(i).stats().adverts_sent,
            adverts_logged(&net, i),
            "node {i}"
        );
    }
}

/// Found by `bench/chaos.sh` (lb-pair, seed 2): B, master in its island, is stopped while the
/// segment is split; hosts last heard B's announcement. The split heals while B says priority
/// 0: A answers and must announce too, or hosts keep sending to B's MAC after B lets the
/// VIP go (4 s without an answer in the lab, until their ARP entries expired).
#[test]
fn a_master_that_hears_a_stopping_master_announces() {
    let mut net = partitioned();
    net.input(1, Input::Shutdown);
    net.run_until(ms(10_050));
    net.heal();
    net.run_until(ms(12_000));
    let announced: Vec<Duration> = net.nodes[0]
        .log
        .iter()
        .filter(|(at, a)| *at >= ms(10_050) && *a == Action::Announce)
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(
        announced.len(),
        1,
        "A announces once, on the first priority-0 advert it hears: {:?}",
        net.log_after(0, ms(10_050))
    );
    assert_eq!(net.state(1), State::Stopped);
    assert_eq!(net.masters(), vec![0]);
}

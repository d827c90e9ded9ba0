//! Split brain: a partition makes both sides master; when it heals exactly one remains
//! (RFC 5798 §6.4.3), and the winner answers a lower-priority advert at once and announces
//! again (keepalived behaviour).

mod router_support;

use router_support::*;
use vrrp::{Action, Reason, State};

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

#[test]
fn healed_partition_leaves_one_master_and_the_winner_announces_again() {
    let mut net = partitioned();
    let (a, b) = (net.nodes[0].config.clone(), net.nodes[1].config.clone());
    net.heal();
    net.run_until(ms(70_000));
    // B's advert comes first: A answers with its own at once and announces again; hearing
    // A, B steps down.
    let t = ns(10_002_343_750);
    assert_eq!(
        net.actions_at(0, t),
        vec![Action::SendAdvert(advert_of(&a, 150)), Action::Announce]
    );
    assert_eq!(
        net.actions_at(1, t),
        vec![
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
    net.run_until(ms(10_020));
    net.heal();
    net.run_until(ms(70_000));
    // A's advert at 10041.40625 ms reaches B first: B steps down at once. A never hears B
    // again, so it has nothing to answer (it only announces when it hears a lower master).
    let t = ns(10_041_406_250);
    assert_eq!(
        net.actions_at(1, t),
        vec![preempted_by_a(), Action::RemoveVips]
    );
    assert_eq!(
        net.actions_at(0, t),
        vec![Action::SendAdvert(advert_of(&net.nodes[0].config, 150))]
    );
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.transitions(1).len(), 3);
}

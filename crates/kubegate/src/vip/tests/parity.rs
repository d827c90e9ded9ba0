//! keepalived parity on the virtual clock: a VIP with several addresses (added, announced,
//! listed in every advert, reset and removed together) and the per-state notify programs
//! (`notify_master` / `notify_backup` / `notify_fault`, run without arguments).

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use vrrp::State;

use super::cluster::{vip, Cluster};
use super::net::What;
use super::probes::*;
use crate::vip::driver::Control;

/// The VIP's second address (the first is `cluster::VIP`).
fn second() -> IpAddr {
    "198.18.0.101".parse().unwrap()
}

/// Two nodes, n1 (150) and n2 (100); one VIP whose address keys and notify settings are `vip`.
fn config(vip_keys: &str) -> String {
    format!(
        "nodes:\n  - {{ name: n1, address: 198.18.0.1 }}\n  - {{ name: n2, address: 198.18.0.2 }}\n\
         vips:\n  - name: api\n{vip_keys}    interface: eth0\n    vrrp:\n      vrid: 51\n      \
         priority: {{ n1: 150, n2: 100 }}\n"
    )
}

fn addresses_of(c: &Cluster, i: usize) -> BTreeSet<IpAddr> {
    c.world.borrow().hosts[i].addresses.clone()
}

#[test]
fn several_addresses_are_added_announced_advertised_reset_and_removed_together() {
    let mut c = Cluster::start_config(&config(
        "    addresses: [198.18.0.100/24, 198.18.0.101/24]\n",
    ));
    c.run_until(ms(7000));
    let both = BTreeSet::from([vip(), second()]);
    let elected = master_down(150);
    assert_eq!(c.states(), [State::Master, State::Backup]);
    assert_eq!(
        addresses_of(&c, 0),
        both,
        "the master should hold both addresses"
    );
    assert_eq!(
        addresses_of(&c, 1),
        BTreeSet::new(),
        "the backup holds none"
    );
    assert_eq!(
        c.times(0, |w| matches!(w, What::Add(_))),
        [elected, elected],
        "both addresses added at the election"
    );
    // One gratuitous ARP per address in each burst: 5 at the election, 5 more after 5 s.
    for a in [vip(), second()] {
        let mut expected = vec![elected; 5];
        expected.extend([elected + Duration::from_secs(5); 5]);
        assert_eq!(
            c.times(0, |w| *w == What::Announce(a)),
            expected,
            "announcements of {a}"
        );
    }
    // RFC 5798 §5.2.9: the advert lists every address of the virtual router.
    assert_eq!(
        c.world.borrow().hosts[0].advertised,
        [vip(), second()],
        "the master's adverts should list both addresses"
    );

    // Link loss: every connection to either address is reset, then both go, at one instant;
    // the backup takes both over.
    c.open_connections(0, 3);
    let lost = c.now();
    c.set_link(0, false);
    c.run_until(lost + ms(2000));
    let changes: Vec<(Duration, What)> = c
        .log_of(0)
        .into_iter()
        .filter(|(at, w)| *at >= lost && matches!(w, What::Reset { .. } | What::Del(_)))
        .collect();
    assert_eq!(
        changes,
        [
            (
                lost,
                What::Reset {
                    address: vip(),
                    reset: 3
                }
            ),
            (
                lost,
                What::Reset {
                    address: second(),
                    reset: 0
                }
            ),
            (lost, What::Del(vip())),
            (lost, What::Del(second())),
        ],
        "n1 should reset the connections to both addresses, then remove both, on link loss"
    );
    assert_eq!(addresses_of(&c, 0), BTreeSet::new());
    assert_eq!(addresses_of(&c, 1), both, "n2 should hold both addresses");
    let added = c.times(1, |w| matches!(w, What::Add(_)));
    assert!(
        added.len() == 2 && added[0] == added[1],
        "n2 should add both addresses at one instant, added at {added:?}"
    );
}

#[test]
fn per_state_programs_run_on_entering_their_state_beside_notify() {
    let master = PathBuf::from("/etc/keepalived/to-master.sh");
    let backup = PathBuf::from("/etc/keepalived/to-backup.sh");
    let fault = PathBuf::from("/etc/keepalived/to-fault.sh");
    let mut c = Cluster::start_config(&config(&format!(
        "    address: 198.18.0.100/24\n    notify: /usr/local/bin/vip-notify\n    \
         notify_master: {}\n    notify_backup: {}\n    notify_fault: {}\n",
        master.display(),
        backup.display(),
        fault.display()
    )));
    c.run_until(ms(2000));
    let ran = |c: &Cluster, i: usize| -> Vec<(Duration, PathBuf)> {
        c.log_of(i)
            .into_iter()
            .filter_map(|(at, w)| match w {
                What::Program(p) => Some((at, p)),
                _ => None,
            })
            .collect()
    };
    let elected = master_down(150);
    // Both start as Backup (RFC 5798 §6.4.1); n1 then becomes master.
    assert_eq!(
        ran(&c, 0),
        [(ms(0), backup.clone()), (elected, master.clone())],
        "n1's per-state programs"
    );
    assert_eq!(
        ran(&c, 1),
        [(ms(0), backup.clone())],
        "n2's per-state programs"
    );
    assert_eq!(
        c.entered(0, State::Master),
        [elected],
        "`notify` still runs beside them"
    );

    // A tracker failure puts n1 in FAULT: notify_fault there, notify_master on n2.
    let t = c.now();
    c.control(
        0,
        Control::Tracked {
            priority: 150,
            fault: true,
        },
    );
    c.run_until(t + ms(2000));
    assert_eq!(ran(&c, 0)[2..], [(t, fault)], "n1 goes to FAULT");
    let n2 = ran(&c, 1);
    assert_eq!(n2.len(), 2, "n2 should run notify_master once more: {n2:?}");
    assert_eq!(n2[1].1, master, "n2 becomes master");
}

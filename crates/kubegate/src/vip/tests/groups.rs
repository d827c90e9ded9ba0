//! VIP groups (keepalived's `vrrp_sync_group`, not RFC) on the virtual clock: two nodes, two
//! VIPs, each VIP on its own in-memory segment (`Cluster` per VIP); each node's reports go
//! through the daemon's `Groups` relay, whose messages reach the node's other VIP. A fault on
//! one member of the master's group moves both VIPs; without the group only that one moves;
//! an outranked member takes the other along and both come back together.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use vrrp::State;

use super::cluster::Cluster;
use super::probes::ms;
use crate::daemon::vip_group::Groups;
use crate::vip::driver::Control;

/// n1 (150) and n2 (100); VIPs api (VRID 51) and ingress (VRID 52), in group edge if `grouped`.
fn config(grouped: bool) -> String {
    let group = if grouped { "    group: edge\n" } else { "" };
    let vip = |name: &str, vrid: u8, last: u8| {
        format!(
            "  - name: {name}\n    address: 198.18.0.{last}/24\n    interface: eth0\n{group}    \
             vrrp:\n      vrid: {vrid}\n      priority: {{ n1: 150, n2: 100 }}\n"
        )
    };
    format!(
        "nodes:\n  - {{ name: n1, address: 198.18.0.1 }}\n  - {{ name: n2, address: 198.18.0.2 }}\n\
         vips:\n{}{}",
        vip("api", 51, 100),
        vip("ingress", 52, 110)
    )
}

/// Messages a node's relay sent: (node, VIP id, message).
type Outbox = Arc<Mutex<Vec<(usize, usize, Control)>>>;

/// Both VIPs' clusters (index = VIP id) and one relay per node, run in 5 ms lockstep.
struct Grouped {
    vips: Vec<Cluster>,
    relays: Vec<Groups>,
    outbox: Outbox,
    /// Reports already handed to the relays, per VIP and node.
    seen: Vec<Vec<usize>>,
    now: Duration,
}

impl Grouped {
    fn start(grouped: bool) -> Grouped {
        let text = config(grouped);
        let vips: Vec<Cluster> = (0..2)
            .map(|i| Cluster::start_config_vip(&text, i))
            .collect();
        let outbox: Outbox = Arc::default();
        let cfg = kubegate_config::parse_str(&text, std::path::Path::new("sim.yaml")).unwrap();
        let relays = (0..2)
            .map(|node| {
                let mut relay = Groups::default();
                for (id, vip) in cfg.vips.iter().enumerate() {
                    let out = outbox.clone();
                    relay.join(
                        id as u64,
                        vip.group.clone(),
                        Box::new(move |c| out.lock().unwrap().push((node, id, c))),
                    );
                }
                relay
            })
            .collect();
        let mut g = Grouped {
            vips,
            relays,
            outbox,
            seen: vec![vec![0; 2]; 2],
            now: Duration::ZERO,
        };
        g.deliver();
        g
    }

    /// Runs both segments to `end`, relaying each node's reports between its VIPs every 5 ms.
    fn run_until(&mut self, end: Duration) {
        while self.now < end {
            self.now = (self.now + ms(5)).min(end);
            for c in &mut self.vips {
                c.run_until(self.now);
            }
            for (id, c) in self.vips.iter().enumerate() {
                for (node, m) in c.members.iter().enumerate() {
                    let reports = m.reports.lock().unwrap();
                    for r in &reports[self.seen[id][node]..] {
                        self.relays[node].report(id as u64, r);
                    }
                    self.seen[id][node] = reports.len();
                }
            }
            self.deliver();
        }
    }

    fn deliver(&mut self) {
        let sent = std::mem::take(&mut *self.outbox.lock().unwrap());
        for (node, id, c) in sent {
            self.vips[id].control(node, c);
        }
    }

    /// What the daemon's trackers send to node `node`'s VIP `id`.
    fn tracked(&mut self, node: usize, id: usize, priority: u8, fault: bool) {
        self.vips[id].control(node, Control::Tracked { priority, fault });
    }

    /// [api's states on n1, n2], [ingress's states on n1, n2].
    fn states(&self) -> Vec<Vec<State>> {
        self.vips.iter().map(|c| c.states()).collect()
    }
}

const MASTER_ON_N1: [State; 2] = [State::Master, State::Backup];
const MASTER_ON_N2: [State; 2] = [State::Backup, State::Master];

#[test]
fn a_tracker_fault_on_one_member_moves_the_whole_group() {
    let mut g = Grouped::start(true);
    g.run_until(ms(2_000));
    assert_eq!(g.states(), [MASTER_ON_N1; 2], "n1 (150) should hold both");

    // api's weight-0 tracker fails on n1: ingress follows it into FAULT, n2 takes both.
    let t = g.now;
    g.tracked(0, 0, 150, true);
    g.run_until(t + ms(2_000));
    assert_eq!(
        g.states(),
        [[State::Fault, State::Master]; 2],
        "both VIPs should leave n1 for n2 (api at fault, ingress with its group)"
    );
    // Each says why: api's own tracker, ingress its group.
    let api_n1 = g.vips[0].transitions(0);
    assert_eq!(
        api_n1.last(),
        Some(&(State::Fault, vrrp::Reason::TrackerFailed)),
        "{api_n1:?}"
    );
    let ingress_n1 = g.vips[1].transitions(0);
    assert_eq!(
        ingress_n1.last(),
        Some(&(State::Fault, vrrp::Reason::GroupFault)),
        "n1's ingress should say its group put it in FAULT: {ingress_n1:?}"
    );

    // The tracker recovers: both members leave FAULT and n1 (preempt, 150) takes both back.
    let t = g.now;
    g.tracked(0, 0, 150, false);
    g.run_until(t + ms(3_000));
    assert_eq!(g.states(), [MASTER_ON_N1; 2], "both should be back on n1");
    let ingress_n1 = g.vips[1].transitions(0);
    assert!(
        ingress_n1.contains(&(State::Backup, vrrp::Reason::GroupRecovered)),
        "n1's ingress should leave FAULT when its group recovers: {ingress_n1:?}"
    );
}

#[test]
fn without_the_group_only_the_faulty_vip_moves() {
    let mut g = Grouped::start(false);
    g.run_until(ms(2_000));
    assert_eq!(g.states(), [MASTER_ON_N1; 2], "n1 (150) should hold both");
    let t = g.now;
    g.tracked(0, 0, 150, true);
    g.run_until(t + ms(2_000));
    assert_eq!(
        g.states(),
        [[State::Fault, State::Master], MASTER_ON_N1],
        "only api should move; ingress stays on n1"
    );
}

#[test]
fn an_outranked_member_takes_the_group_along_and_back() {
    let mut g = Grouped::start(true);
    g.run_until(ms(2_000));
    assert_eq!(g.states(), [MASTER_ON_N1; 2], "n1 (150) should hold both");

    // api's priority on n1 drops below n2's: n2 preempts api, n1's ingress steps down with it
    // and, held, lets n2 (100) keep ingress although n1 has 150 for it.
    let t = g.now;
    g.tracked(0, 0, 50, false);
    g.run_until(t + ms(6_000));
    assert_eq!(
        g.states(),
        [MASTER_ON_N2; 2],
        "both VIPs should sit on n2 and stay there"
    );
    let ingress_n1 = g.vips[1].transitions(0);
    assert_eq!(
        ingress_n1.last(),
        Some(&(State::Backup, vrrp::Reason::GroupSteppedDown)),
        "n1's ingress should have stepped down with its group: {ingress_n1:?}"
    );

    // api's priority comes back: n1 preempts api, which releases ingress, which preempts too.
    let t = g.now;
    g.tracked(0, 0, 150, false);
    g.run_until(t + ms(3_000));
    assert_eq!(g.states(), [MASTER_ON_N1; 2], "both should be back on n1");
}

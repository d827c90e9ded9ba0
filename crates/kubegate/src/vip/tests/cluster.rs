//! Two or three VIP drivers on one in-memory segment, on the virtual clock. Each round does
//! for every driver what its production loop does (`settle`, `wait`, `react`) at the instant
//! of the earliest event: a router or announcement deadline, a packet landing, a control
//! message or a link change injected by the test.

use std::net::IpAddr;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vrrp::State;

use super::net::{Record, Shared, SimIo, What, World};
use crate::vip::driver::{Control, Driver, DriverSetup, VipReport};
use crate::vip::io::VipIo;
use crate::vip::settings;

/// The VIP every test protects.
pub const VIP: &str = "198.18.0.100";

pub fn vip() -> IpAddr {
    VIP.parse().expect("the VIP constant is an address")
}

/// The config file of a cluster whose node `i` (`n1`, `n2` …) has `priorities[i]`; every
/// other VRRP setting keeps its default (v3, 200 ms, unicast, preempt, 5 + 5 announcements).
pub fn config_text(priorities: &[u8]) -> String {
    let mut text = String::from("nodes:\n");
    for i in 0..priorities.len() {
        text += &format!("  - {{ name: n{}, address: 198.18.0.{} }}\n", i + 1, i + 1);
    }
    text += &format!(
        "vips:\n  - name: api\n    address: {VIP}/24\n    interface: eth0\n    \
         notify: /usr/local/bin/vip-notify\n    vrrp:\n      vrid: 51\n      priority: {{ "
    );
    let list: Vec<String> = priorities
        .iter()
        .enumerate()
        .map(|(i, p)| format!("n{}: {p}", i + 1))
        .collect();
    text + &list.join(", ") + " }\n"
}

/// One node: its driver and what the daemon would hold for it.
pub struct Member {
    pub driver: Driver<SimIo>,
    control: Sender<Control>,
    inbox: Receiver<Control>,
    /// A control message was sent and not yet read.
    poked: bool,
    /// `settle` said the router has stopped: the production loop has returned.
    pub stopped: bool,
    pub reports: Arc<Mutex<Vec<VipReport>>>,
}

/// The nodes and the segment between them.
pub struct Cluster {
    pub world: Shared,
    pub members: Vec<Member>,
}

impl Cluster {
    /// Starts one driver per priority, all at time zero.
    pub fn start(priorities: &[u8]) -> Cluster {
        Cluster::start_config(&config_text(priorities))
    }

    /// Starts one driver per node of the config file `text` (its first VIP), all at time zero.
    pub fn start_config(text: &str) -> Cluster {
        Cluster::start_config_vip(text, 0)
    }

    /// As `start_config`, for the file's VIP number `index` (each VIP on its own segment).
    pub fn start_config_vip(text: &str, index: usize) -> Cluster {
        let text = text.to_string();
        let config = kubegate_config::parse_str(&text, Path::new("sim.yaml"))
            .unwrap_or_else(|e| panic!("the test config should be valid: {e:?}\n{text}"));
        let vip = &config.vips[index];
        let addresses: Vec<IpAddr> = config.nodes.iter().map(|n| n.address).collect();
        let world = World::new(&addresses);
        let members = config
            .nodes
            .iter()
            .enumerate()
            .map(|(me, node)| {
                let router = settings::router_config(&config, vip, node);
                let peers = settings::peers(&config, vip, node);
                let reports = Arc::new(Mutex::new(Vec::new()));
                let sink = reports.clone();
                let setup = DriverSetup {
                    name: vip.name.clone(),
                    initial_priority: router.priority,
                    router,
                    interface: "eth0".into(),
                    addresses: vip.addresses(),
                    label: vip.label.clone(),
                    checksum: vip.vrrp.checksum,
                    announce: vip.announce.clone(),
                    notify: vip.notify.clone(),
                    notify_on: vip.notify_on.clone(),
                    initial_fault: false,
                    peers,
                    report: Box::new(move |r| sink.lock().unwrap().push(r)),
                    alive: Box::new(|| {}),
                };
                let io = SimIo {
                    world: world.clone(),
                    me,
                };
                let (control, inbox) = mpsc::channel();
                Member {
                    driver: Driver::start(setup, io).expect("the in-memory adapter cannot fail"),
                    control,
                    inbox,
                    poked: false,
                    stopped: false,
                    reports,
                }
            })
            .collect();
        Cluster { world, members }
    }

    /// Runs every driver until `end` (from the start) on the virtual clock; everything due
    /// at `end` itself has happened when it returns.
    pub fn run_until(&mut self, end: Duration) {
        let end = self.world.borrow().start + end;
        for _round in 0..1_000_000 {
            for m in self.members.iter_mut().filter(|m| !m.stopped) {
                m.stopped = !m.driver.settle();
            }
            let now = self.world.borrow().now;
            let next = {
                let w = self.world.borrow();
                let live = self.members.iter().enumerate().filter(|(_, m)| !m.stopped);
                let mut next = w.next_delivery();
                for (i, m) in live {
                    if m.poked || w.pending(i) {
                        next = Some(now);
                    }
                    next = [next, m.driver.deadline()].into_iter().flatten().min();
                }
                next
            };
            match next {
                Some(t) if t <= end => self.world.borrow_mut().now = t.max(now),
                _ => {
                    self.world.borrow_mut().now = end.max(now);
                    return;
                }
            }
            self.world.borrow_mut().deliver_due();
            for m in self.members.iter_mut().filter(|m| !m.stopped) {
                let deadline = m.driver.deadline();
                let ready = m.driver.io_mut().wait(deadline).expect("never fails");
                m.driver.react(ready, &m.inbox);
                m.poked = false;
            }
        }
        panic!("the virtual clock did not reach {end:?} in a million rounds");
    }

    /// The daemon sends `control` to node `i` now.
    pub fn control(&mut self, i: usize, control: Control) {
        let m = &mut self.members[i];
        m.control.send(control).expect("the driver holds its inbox");
        m.poked = true;
    }

    /// Node `i`'s carrier goes up or down now.
    pub fn set_link(&mut self, i: usize, up: bool) {
        self.world.borrow_mut().set_link(i, up);
    }

    /// Node `i` serves `n` TCP connections on the VIP.
    pub fn open_connections(&mut self, i: usize, n: usize) {
        self.world.borrow_mut().hosts[i].connections = n;
    }

    pub fn now(&self) -> Duration {
        let w = self.world.borrow();
        w.now - w.start
    }

    pub fn state(&self, i: usize) -> State {
        self.members[i].driver.router().state()
    }

    pub fn states(&self) -> Vec<State> {
        (0..self.members.len()).map(|i| self.state(i)).collect()
    }

    /// The nodes whose interface holds the VIP.
    pub fn holders(&self) -> Vec<usize> {
        let w = self.world.borrow();
        (0..w.hosts.len())
            .filter(|&i| w.hosts[i].addresses.contains(&vip()))
            .collect()
    }

    /// What node `i` did, with when.
    pub fn log_of(&self, i: usize) -> Vec<(Duration, What)> {
        let w = self.world.borrow();
        w.log
            .iter()
            .filter(|r| r.node == i)
            .map(|Record { at, what, .. }| (*at, what.clone()))
            .collect()
    }

    /// When node `i`'s notify hook was run for `state`, in order.
    pub fn entered(&self, i: usize, state: State) -> Vec<Duration> {
        self.times(
            i,
            |w| matches!(w, What::Notify { state: s, .. } if *s == state),
        )
    }

    /// When node `i` did something that `pick` selects.
    pub fn times(&self, i: usize, pick: impl Fn(&What) -> bool) -> Vec<Duration> {
        self.log_of(i)
            .into_iter()
            .filter(|(_, w)| pick(w))
            .map(|(at, _)| at)
            .collect()
    }

    /// The reasons of node `i`'s state changes, as reported to the daemon.
    pub fn transitions(&self, i: usize) -> Vec<(State, vrrp::Reason)> {
        let reports = self.members[i].reports.lock().unwrap();
        reports
            .iter()
            .filter_map(|r| r.transition.clone())
            .map(|(_, to, why)| (to, why))
            .collect()
    }
}

//! The per-VIP driver: waits on its adapter (adverts, link events, control messages, the
//! router's next timeout), feeds what happened into the router, and carries out its actions
//! (send adverts, add/remove the address, announce it, reset connections, run the hook). It
//! decides nothing itself. Generic over `VipIo`, so tests run it on a virtual clock; `run`
//! is the production thread on `SysIo`.

use std::collections::HashSet;
use std::net::IpAddr;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Instant;

use vrrp::{Action, AdvertRepr, ChecksumForm, Input, Router, State};

use super::announce_queue::AnnounceQueue;
use super::counters::VrrpCounters;
use super::io::{Ready, VipIo};
use super::settings;
use super::sys_io::SysIo;
use kubegate_config::model::{AnnounceSettings, StateNotify};
use kubegate_sys as sys;

/// SCHED_RR priority of the VIP threads: above every normal task, far below the kernel's own
/// real-time threads (keepalived's default `vrrp_rt_priority` is of the same order).
pub const REALTIME_PRIORITY: i32 = 10;

/// Messages from the daemon to a VIP thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// Trackers changed the effective priority / fault.
    Tracked {
        priority: u8,
        fault: bool,
    },
    /// Planned stop: hand the VIP over and end the thread.
    Shutdown,
    /// The operator gives the VIP away and keeps it away until `EndHandOver`
    /// (`kubegate handover --release`, or a restart).
    HandOver,
    EndHandOver,
    /// Only wakes the thread (it beats its heartbeat on every round): `/healthz`.
    Ping,
    /// A reload: the settings a running VIP takes (a new priority comes as `Tracked`).
    Reconfigure(Box<Reconfigure>),
    /// keepalived's `vrrp_sync_group` (not RFC): another member of the VIP's group is in FAULT
    /// by its own cause (`true`) or no longer (`false`). ORed with the trackers' fault.
    GroupFault(bool),
    /// keepalived's `vrrp_sync_group`: another member was outranked (`true`: follow it into
    /// Backup and hold) or is master again (`false`); see `vrrp::Input::GroupBackup`.
    GroupBackup(bool),
}

/// What a reload changes in a running VIP: the router's settings (see
/// `vrrp::Input::Reconfigure` for the ones it takes), the peers (where unicast adverts go,
/// who is not foreign), the announcements and the hook.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconfigure {
    pub router: vrrp::Config,
    pub peers: Vec<IpAddr>,
    pub announce: AnnounceSettings,
    pub notify: Option<PathBuf>,
}

/// What the thread tells the daemon whenever the router's state, priority, master or
/// handover changed, and at every state change.
#[derive(Debug, Clone, PartialEq)]
pub struct VipReport {
    pub state: State,
    pub priority: u8,
    pub master: Option<IpAddr>,
    pub handed_over: bool,
    /// Set for a state change: from, to, why.
    pub transition: Option<(State, State, vrrp::Reason)>,
    /// Adverts sent and received, drops by reason, foreign routers, since the thread started.
    pub counters: VrrpCounters,
    /// A fault of the VIP's own (link down, a weight-0 tracker failing), not one its group
    /// imposed: what the daemon passes on to the other members.
    pub own_fault: bool,
}

/// Where reports go (the admin endpoint's hub).
pub type Reporter = Box<dyn FnMut(VipReport) + Send>;

/// Told on every round of the loop (the daemon's `/healthz` watches it).
pub type Alive = Box<dyn FnMut() + Send>;

/// Everything a driver needs; built by the daemon from the config.
pub struct DriverSetup {
    pub name: String,
    pub router: vrrp::Config,
    pub interface: String,
    /// Every address of the VIP with its prefix length (`Vip::addresses`), in the order of
    /// `router.vips`: added, announced, reset and removed together.
    pub addresses: Vec<(IpAddr, u8)>,
    pub label: Option<String>,
    pub checksum: ChecksumForm,
    pub announce: AnnounceSettings,
    pub notify: Option<PathBuf>,
    /// `notify_master` / `notify_backup` / `notify_fault`: run without arguments.
    pub notify_on: StateNotify,
    pub initial_priority: u8,
    pub initial_fault: bool,
    /// The other nodes of the file (this VIP's address family): an advert for our VRID from
    /// anyone else is a foreign router, logged once per source and counted.
    pub peers: Vec<IpAddr>,
    pub report: Reporter,
    /// Called on every round of the loop: the daemon's proof that the thread is alive.
    pub alive: Alive,
}

/// One VIP: the router, the adapter it acts through, and what the loop remembers.
pub struct Driver<Io: VipIo> {
    setup: DriverSetup,
    router: Router,
    io: Io,
    announces: AnnounceQueue,
    /// Protocol-112 datagrams that did not parse as an advertisement.
    malformed: u64,
    /// What the driver itself counts (sent, received, codec drops, foreign adverts); the
    /// router's drops are added when reporting.
    counters: VrrpCounters,
    /// Foreign sources already logged.
    foreign: HashSet<IpAddr>,
    label: Option<String>,
    destinations: Vec<IpAddr>,
    link_up: bool,
    /// The trackers' fault (the group's goes to the router alone: not ours to pass on).
    tracker_fault: bool,
    shutting_down: bool,
    /// What was last reported: state, priority, master, handed over, own fault, counters.
    reported: Option<(Published, VrrpCounters)>,
    buf: Vec<u8>,
}

/// What a report says of the router: state, priority, master, handed over, own fault.
type Published = (State, u8, Option<IpAddr>, bool, bool);

/// Runs the VIP until it has stopped. `wake` becomes readable whenever `control` has news.
pub fn run(
    setup: DriverSetup,
    control: Receiver<Control>,
    wake: UnixStream,
) -> std::io::Result<()> {
    // Adverts must leave on time even when every core is busy, or backups take over from a
    // healthy master (keepalived's maintainers give the same advice: real-time scheduling).
    // The thread only sleeps in poll(2) and handles a few packets per interval.
    if let Err(e) = sys::set_thread_realtime(REALTIME_PRIORITY) {
        tracing::warn!(
            "{}: no real-time scheduling for the VRRP thread ({e}); adverts may be late on a \
             saturated host (grant CAP_SYS_NICE)",
            setup.name
        );
    }
    let io = SysIo::open(
        &setup.interface,
        setup.router.primary_address,
        setup.router.unicast_peers.is_none(),
        wake,
    )?;
    Driver::start(setup, io)?.drive(&control)
}

impl<Io: VipIo> Driver<Io> {
    /// Starts the router: priority and fault from the trackers, the link as it is now.
    pub fn start(setup: DriverSetup, mut io: Io) -> std::io::Result<Self> {
        let link_up = io.link_up()?;
        let mut vip = Driver {
            router: Router::new(setup.router.clone()),
            announces: AnnounceQueue::new(setup.announce.clone()),
            malformed: 0,
            counters: VrrpCounters::default(),
            foreign: HashSet::new(),
            label: setup
                .label
                .as_deref()
                .map(|l| address_label(&setup.interface, l)),
            destinations: settings::destinations(&setup.router),
            link_up,
            tracker_fault: setup.initial_fault,
            shutting_down: false,
            reported: None,
            buf: vec![0u8; 65_536],
            io,
            setup,
        };
        let now = vip.io.now();
        vip.router
            .handle(now, Input::Priority(vip.setup.initial_priority));
        vip.router.handle(now, Input::Startup);
        if vip.setup.initial_fault {
            vip.router.handle(now, Input::TrackerFault(true));
        }
        if !link_up {
            vip.router.handle(now, Input::LinkDown);
        }
        Ok(vip)
    }

    /// The loop: settle, wait, react, until the router has stopped.
    pub fn drive(mut self, control: &Receiver<Control>) -> std::io::Result<()> {
        while self.settle() {
            let ready = self.io.wait(self.deadline())?;
            self.react(ready, control);
        }
        Ok(())
    }

    /// First half of a round: carries out the router's actions and the announcements due,
    /// reports, tells the daemon the loop is alive. False once the router has stopped.
    pub fn settle(&mut self) -> bool {
        self.carry_out_actions(self.io.now());
        self.report_if_changed();
        (self.setup.alive)();
        self.router.state() != State::Stopped
    }

    /// When the next round is due even if nothing arrives.
    pub fn deadline(&self) -> Option<Instant> {
        [self.router.poll_timeout(), self.announces.deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Second half of a round, after the wait: adverts, link events, control messages, then
    /// the router's timers, all at one instant.
    pub fn react(&mut self, ready: Ready, control: &Receiver<Control>) {
        let now = self.io.now();
        if ready.adverts {
            self.receive_adverts(now);
        }
        if ready.link {
            self.link_changed(now);
        }
        loop {
            match control.try_recv() {
                Ok(Control::Tracked { priority, fault }) => {
                    self.router.handle(now, Input::Priority(priority));
                    self.tracker_fault = fault;
                    self.router.handle(now, Input::TrackerFault(fault));
                }
                Ok(Control::GroupFault(fault)) => self.router.handle(now, Input::GroupFault(fault)),
                Ok(Control::GroupBackup(held)) => self.router.handle(now, Input::GroupBackup(held)),
                Ok(Control::HandOver) => self.router.handle(now, Input::HandOver),
                Ok(Control::EndHandOver) => self.router.handle(now, Input::EndHandOver),
                Ok(Control::Ping) => {}
                Ok(Control::Reconfigure(new)) => self.reconfigure(now, *new),
                Ok(Control::Shutdown) | Err(TryRecvError::Disconnected) => {
                    if !self.shutting_down {
                        self.shutting_down = true;
                        self.router.handle(now, Input::Shutdown);
                    }
                    break;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        if self.router.poll_timeout().is_some_and(|t| t <= now) {
            self.router.handle_timeout(now);
        }
    }

    /// A fault of our own making (what the group hears of), not the group's.
    fn own_fault(&self) -> bool {
        self.tracker_fault || !self.link_up
    }

    /// Takes a reload's settings: the router's, then where adverts go from the next one on.
    /// An announcement series under way finishes with the old settings.
    fn reconfigure(&mut self, now: Instant, new: Reconfigure) {
        let mut router = new.router;
        // What only a new router may change stays as it is (the daemon replaces the VIP).
        let old = &self.setup.router;
        (router.vrid, router.version) = (old.vrid, old.version);
        (router.primary_address, router.priority) = (old.primary_address, old.priority);
        router.vips = old.vips.clone();
        self.router
            .handle(now, Input::Reconfigure(Box::new(router.clone())));
        self.destinations = settings::destinations(&router);
        self.setup.router = router;
        self.setup.peers = new.peers;
        if new.announce != self.setup.announce {
            self.announces.set_settings(new.announce.clone());
            self.setup.announce = new.announce;
        }
        self.setup.notify = new.notify;
    }

    /// The counters as reported: the driver's own with the router's drops.
    pub fn counters(&self) -> VrrpCounters {
        self.counters.with_router(self.router.stats())
    }

    #[cfg(test)]
    pub fn router(&self) -> &Router {
        &self.router
    }

    #[cfg(test)]
    pub fn io_mut(&mut self) -> &mut Io {
        &mut self.io
    }

    /// Drains the router's actions and carries them out, then sends any announcement due.
    fn carry_out_actions(&mut self, now: Instant) {
        let name = &self.setup.name;
        while let Some(action) = self.router.poll_action() {
            match action {
                Action::SendAdvert(advert) => {
                    self.counters.adverts_sent +=
                        send(&mut self.io, &advert, &self.destinations, &self.setup)
                }
                Action::AddVips => {
                    let label = self.label.as_deref();
                    for &(address, prefix) in &self.setup.addresses {
                        if let Err(e) = self.io.add_address(address, prefix, label) {
                            tracing::warn!("{name}: adding {address}: {e}");
                        }
                    }
                }
                Action::RemoveVips => {
                    self.announces.cancel();
                    // Every connection is reset before any address goes, so no client of
                    // one address sees the node half gone.
                    for &(address, _) in &self.setup.addresses {
                        reset_connections(&mut self.io, name, address);
                    }
                    for &(address, prefix) in &self.setup.addresses {
                        if let Err(e) = self.io.del_address(address, prefix) {
                            tracing::warn!("{name}: removing {address}: {e}");
                        }
                    }
                }
                Action::Announce => self.announces.start(now),
                Action::StateChanged { from, to, why } => {
                    let priority = self.router.effective_priority();
                    (self.setup.report)(VipReport {
                        state: to,
                        priority,
                        master: self.router.master_address(),
                        handed_over: self.router.handed_over(),
                        transition: Some((from, to, why.clone())),
                        counters: self.counters.with_router(self.router.stats()),
                        own_fault: self.tracker_fault || !self.link_up,
                    });
                    tracing::info!("{name}: {from:?} -> {to:?} ({why:?}); priority {priority}");
                    if let Some(program) = &self.setup.notify {
                        self.io.notify(program, name, to, priority);
                    }
                    if let Some(program) = state_program(&self.setup.notify_on, to) {
                        self.io.run_program(program);
                    }
                }
            }
        }
        while self.announces.due(now) {
            if let Err(e) = self.io.announce(&self.setup.router.vips) {
                tracing::warn!("{name}: announcing {:?}: {e}", self.setup.router.vips);
            }
        }
    }

    /// Tells the daemon when the state, priority, master, handover or a counter changed (at
    /// most once a round).
    fn report_if_changed(&mut self) {
        let r = &self.router;
        let now = (
            r.state(),
            r.effective_priority(),
            r.master_address(),
            r.handed_over(),
            self.own_fault(),
        );
        let counters = self.counters();
        if self
            .reported
            .as_ref()
            .is_some_and(|(n, c)| *n == now && *c == counters)
        {
            return;
        }
        self.reported = Some((now, counters.clone()));
        (self.setup.report)(VipReport {
            state: now.0,
            priority: now.1,
            master: now.2,
            handed_over: now.3,
            transition: None,
            counters,
            own_fault: now.4,
        });
    }

    /// Reads every queued datagram; adverts go to the router, the rest is counted.
    fn receive_adverts(&mut self, now: Instant) {
        loop {
            let rx = match self.io.recv_advert(&mut self.buf) {
                Ok(Some(rx)) => rx,
                Ok(None) => return,
                // A receive error (the interface going away, say) is not the end of the VIP:
                // the link events and the timers carry on.
                Err(e) => {
                    tracing::warn!("{}: receiving adverts: {e}", self.setup.name);
                    return;
                }
            };
            self.counters.adverts_received += 1;
            match AdvertRepr::parse(&self.buf[rx.payload.clone()], rx.src, rx.dst) {
                Ok((advert, _form)) => {
                    self.note_foreign(rx.src, &advert);
                    self.router.handle(
                        now,
                        Input::Advert {
                            from: rx.src,
                            ttl: rx.ttl,
                            advert,
                        },
                    )
                }
                Err(e) => {
                    // RFC 5798 §7.1: the codec's refusals (version, checksum, length …),
                    // counted by reason; logged at 1, 2, 4, 8 … so a flood cannot flood the
                    // log.
                    self.counters.parse_dropped(&e);
                    self.malformed += 1;
                    if self.malformed.is_power_of_two() {
                        tracing::info!(
                            "{}: {} malformed VRRP packet(s) ignored; last from {}: {e}",
                            self.setup.name,
                            self.malformed,
                            rx.src
                        );
                    }
                }
            }
        }
    }

    /// An advert for our VRID from a source that is none of the file's nodes nor its
    /// `extra_peers`: another router (a stray keepalived, a second cluster reusing the VRID).
    /// The router ignores it unless `accept_any_source` is set (multicast); either way it is
    /// counted every time and logged once per source.
    fn note_foreign(&mut self, src: IpAddr, advert: &AdvertRepr) {
        let ours = advert.vrid == self.setup.router.vrid;
        if !ours || src == self.setup.router.primary_address || self.setup.peers.contains(&src) {
            return;
        }
        self.counters.foreign_adverts += 1;
        if self.foreign.insert(src) {
            let r = &self.setup.router;
            let heard = if r.unicast_peers.is_none() && r.multicast_sources.is_none() {
                "it takes part in our election (accept_any_source)"
            } else {
                "its adverts are ignored"
            };
            tracing::warn!(
                "{}: {src} sends VRRP adverts for our VRID {} (priority {}) but is neither a \
                 node of the file nor one of its extra_peers: {heard}. Another router uses this \
                 VRID on the segment; give one of them another vrid, or name it under \
                 `nodes:` or `vrrp: extra_peers`",
                self.setup.name,
                advert.vrid,
                advert.priority
            );
        }
    }

    /// Feeds a change of the interface's link state to the router.
    fn link_changed(&mut self, now: Instant) {
        let up = self.io.link_news();
        if let Some(up) = up.filter(|&up| up != self.link_up) {
            self.link_up = up;
            self.router
                .handle(now, if up { Input::LinkUp } else { Input::LinkDown });
        }
    }
}

/// Connections to an address this node gives away cannot go on from here: reset them while
/// the address is still present so their clients reconnect to the new holder at once instead
/// of waiting for a reply that can no longer be sent.
fn reset_connections(io: &mut impl VipIo, name: &str, address: IpAddr) {
    match io.reset_connections(address) {
        Ok(0) => {}
        Ok(n) => tracing::info!("{name}: reset {n} connection(s) to {address} before removing it"),
        Err(e) => tracing::warn!("{name}: cannot reset the connections to {address}: {e}"),
    }
}

/// Sends `advert` to every destination; how many left without error.
fn send(
    io: &mut impl VipIo,
    advert: &AdvertRepr,
    destinations: &[IpAddr],
    setup: &DriverSetup,
) -> u64 {
    let mut sent = 0;
    for &dst in destinations {
        let bytes = match advert.to_bytes(setup.router.primary_address, dst, setup.checksum) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!("{}: cannot encode advert for {dst}: {e:?}", setup.name);
                continue;
            }
        };
        match io.send_advert(&bytes, dst) {
            Ok(()) => sent += 1,
            Err(e) => tracing::warn!("{}: sending advert to {dst}: {e}", setup.name),
        }
    }
    sent
}

/// The per-state program for entering `to`, as keepalived picks it: MASTER → notify_master,
/// BACKUP → notify_backup, FAULT → notify_fault; none on STOP (and none while initialising).
fn state_program(on: &StateNotify, to: State) -> Option<&std::path::Path> {
    match to {
        State::Master => on.master.as_deref(),
        State::Backup => on.backup.as_deref(),
        State::Fault => on.fault.as_deref(),
        State::Initialize | State::Stopping | State::Stopped => None,
    }
}

/// keepalived-style address label: `IFNAME:LABEL`, at most 15 bytes (IFNAMSIZ − 1).
pub fn address_label(interface: &str, label: &str) -> String {
    let full = if label.starts_with(interface) {
        label.to_string()
    } else {
        format!("{interface}:{label}")
    };
    full.chars().take(15).collect()
}

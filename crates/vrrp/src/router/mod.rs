//! One VRRP virtual router (RFC 5798 §6 state machine, with keepalived-compatible extras:
//! FAULT, preempt_delay, planned handover on shutdown). Sans-IO: `handle*` in, `poll_*` out.
//!
//! This file owns the public types and the `Router` facade; the protocol lives in
//! `receive` (acceptance rules), `timers` (skew / master-down arithmetic) and `machine`
//! (transitions).

mod group;
mod machine;
mod receive;
mod stats;
pub mod timers;

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::packet::{AdvertRepr, Auth, Version};

pub use stats::{DropCounts, DropReason, Stats};

/// Router state (RFC 5798 §6.4, plus keepalived's FAULT and our STOPPING handover).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Initialize,
    Backup,
    Master,
    /// Link down or a weight-0 tracker failing: never master, VIPs removed.
    Fault,
    /// Shutdown requested while master: priority 0 sent, VIPs kept until a new master is
    /// heard or the bounded wait ends.
    Stopping,
    /// Shut down; nothing more will happen.
    Stopped,
}

/// Static configuration of one virtual router.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub version: Version,
    pub vrid: u8,
    /// Configured priority, 1..=255 (255 = address owner).
    pub priority: u8,
    /// Our advertisement interval in centiseconds (v2: multiple of 100). 0 is treated as 1.
    pub interval_cs: u16,
    /// RFC 5798 §6.1 Preempt_Mode; `false` is keepalived's `nopreempt`.
    pub preempt: bool,
    /// Not RFC: the lowest priority a router advertises while its health checks pass, when a
    /// failing check lowers its priority below every healthy router's (kubegate's step-aside
    /// weight). With `preempt` off, a backup at or above this priority still takes over from a
    /// master advertising below it, as with preempt on: nopreempt keeps the VIP where it is
    /// among healthy routers, not on a router that stepped aside. `None`: no such floor.
    pub step_aside_below: Option<u8>,
    /// keepalived's `preempt_delay`: for this long after entering Backup from Initialize or
    /// Fault, lower-priority adverts are honoured as if `preempt` were off.
    pub preempt_delay: Duration,
    /// This router's primary address on the interface: the advert's source and the tie-break.
    pub primary_address: IpAddr,
    /// The virtual addresses this router protects.
    pub vips: Vec<IpAddr>,
    /// Version 2 authentication; must be `Auth::None` for version 3.
    pub auth: Auth,
    /// `Some(peers)`: unicast, accept adverts only from these sources and skip the TTL check
    /// (as keepalived does). `None`: multicast, TTL must be 255 (RFC 5798 §7.1).
    pub unicast_peers: Option<Vec<IpAddr>>,
    /// Multicast only, not RFC: `Some(sources)` accepts adverts from these sources alone (the
    /// routers the operator named), so a stranger on the segment cannot win the election;
    /// `None` accepts any source, as RFC 5798 and keepalived do.
    pub multicast_sources: Option<Vec<IpAddr>>,
    /// Announce again this long after becoming master (keepalived's garp_master_delay, 5 s);
    /// `None` disables the repeat.
    pub announce_repeat_after: Option<Duration>,
    /// Longest a stopping master keeps its VIPs waiting for a new master to be heard, once
    /// it advertises priority 0.
    pub handover_timeout: Duration,
    /// Not RFC: with `step_aside_below`, a stopping master whose checks pass first advertises
    /// one below the floor for this long, so that a router whose checks pass takes over by
    /// preemption (as on a handover) and one that stepped aside does not; only then priority 0
    /// (RFC 5798 §6.4.3), which any backup answers. Zero: priority 0 at once.
    pub handover_offer: Duration,
    /// How long a stopping master keeps its VIPs after it has heard its successor (and a
    /// master that is outranked keeps them after stepping down), so that
    /// packets clients sent before the successor's announcement reached them are still
    /// answered. Zero removes them at once.
    pub handover_linger: Duration,
}

/// Something that happened to the router.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Start the protocol (RFC 5798 §6.4.1 Startup event). An owner becomes Master; anyone
    /// else becomes Backup (or Fault if the link is down or a tracker failed before) and asks
    /// for `RemoveVips` once, to clean up after a crash as keepalived does.
    Startup,
    /// A parsed advertisement received with the given source address and TTL / hop limit.
    Advert {
        from: IpAddr,
        ttl: u8,
        advert: AdvertRepr,
    },
    /// The interface carrying the router went up / down.
    LinkUp,
    LinkDown,
    /// Trackers changed the effective priority (clamped to 1..=254; ignored for an owner at
    /// 255). A master that drops advertises the new priority at once.
    Priority(u8),
    /// A weight-0 tracker failed (`true`) or recovered (`false`).
    TrackerFault(bool),
    /// Not RFC: keepalived's `vrrp_sync_group`. Another member of this router's group is in
    /// FAULT by its own cause (`true`: this one goes to FAULT with it) or no longer (`false`).
    GroupFault(bool),
    /// Planned stop (SIGTERM). A master enters Stopping (priority-0 adverts, VIPs kept until
    /// a new master is heard or `handover_timeout`); any other state goes to Stopped at once.
    Shutdown,
    /// The operator gives the VIP away without stopping (`kubegate handover`, maintenance).
    /// In every state the router then runs below every router it hands over to, so it does
    /// not preempt back, yet it still takes over as any backup does when nobody else
    /// advertises. Without `Config::step_aside_below` that is priority 1, and a master sends
    /// one priority-0 advertisement (as a stopping master does, RFC 5798 §6.4.3) and becomes
    /// Backup. With it, one below the floor: a master advertises that at once and stays
    /// master until a router whose checks pass takes over; one whose checks fail does not.
    /// Lasts until `EndHandOver`.
    HandOver,
    /// Back to the tracked priority (a reload). A backup with preempt then takes the VIP back
    /// from a lower-priority master as usual.
    EndHandOver,
    /// A reload: new settings for the running router, applied without a state change.
    /// Taken: preempt, preempt delay, unicast peers, advert interval, authentication, the
    /// announce repeat and the handover timings. Kept: VRID, version, primary address, the
    /// VIPs and the configured priority (a different router: the caller starts a new one);
    /// a new priority arrives as `Priority`, as the trackers' does.
    Reconfigure(Box<Config>),
    /// Not RFC: keepalived's `vrrp_sync_group`. `true`: another member of this router's group
    /// was outranked, so this one follows it into Backup: a master steps down as if outranked
    /// (no priority-0 advert; VIPs kept for `handover_linger`), and while held the router does
    /// not preempt, so the other node's member takes over and keeps the VIP even at a lower
    /// priority. Its Master_Down_Timer runs at priority 1's length, so that member (whose timer
    /// started at our last advert) fires first; with nobody advertising we still take over.
    /// `false`: a member is master again; the hold ends and preempt works as configured.
    GroupBackup(bool),
}

/// Why a state changed; reported with `Action::StateChanged` for logs, notify and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Startup as address owner (priority 255).
    Owner,
    /// Startup as a non-owner (to Backup).
    Started,
    /// No advertisement heard for Master_Down_Interval.
    MasterDown,
    /// The master announced priority 0 (it is stopping); we took over after Skew_Time.
    MasterStopped,
    /// An advertisement with higher priority (or equal priority, higher address) arrived.
    Preempted { by: IpAddr, priority: u8 },
    /// The link went down (to Fault, or Stopping → Stopped), or was down at startup.
    LinkDown,
    /// Leaving Fault because the link came back (and no tracker is failing).
    LinkUp,
    /// A weight-0 tracker failed (to Fault), or was failing at startup.
    TrackerFailed,
    /// Leaving Fault because the tracker recovered (and the link is up).
    TrackerRecovered,
    /// Another member of the sync group went to FAULT (`Input::GroupFault`).
    GroupFault,
    /// Leaving Fault because no member of the group is in FAULT any more.
    GroupRecovered,
    /// Shutdown began.
    ShutdownRequested,
    /// A new master was heard while stopping.
    HandedOver { to: IpAddr },
    /// Nobody took over within the handover timeout.
    HandoverTimedOut,
    /// The operator handed the VIP over (`Input::HandOver`).
    Resigned,
    /// Another member of the sync group was outranked (`Input::GroupBackup`).
    GroupSteppedDown,
}

/// What the I/O adapter must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send this advertisement (multicast, or to each unicast peer).
    SendAdvert(AdvertRepr),
    /// Add the virtual addresses to the interface.
    AddVips,
    /// Remove the virtual addresses from the interface.
    RemoveVips,
    /// Send gratuitous ARP (IPv4) / unsolicited neighbour advertisements (IPv6) for the VIPs.
    Announce,
    /// The state changed. Emitted first, before the actions that carry out the transition
    /// (e.g. `StateChanged{to: Master}`, `SendAdvert`, `AddVips`, `Announce`).
    StateChanged { from: State, to: State, why: Reason },
}

/// One virtual router instance.
///
/// Drive it with [`Router::handle`] and [`Router::handle_timeout`]; after each call drain
/// [`Router::poll_action`] until `None` and sleep until [`Router::poll_timeout`].
#[derive(Debug)]
pub struct Router {
    config: Config,
    state: State,
    /// Priority from trackers (1..=254), or 255 for an owner; what we advertise and compare.
    priority: u8,
    /// What the trackers ask for (1..=254, or the owner's 255), kept while handed over.
    tracked_priority: u8,
    /// `Input::HandOver` is in force: `priority` is held at 1.
    handed_over: bool,
    link_up: bool,
    tracker_fault: bool,
    /// Another member of the sync group is in FAULT (`Input::GroupFault`).
    group_fault: bool,
    /// RFC 5798 §6.1 Master_Adver_Interval, in centiseconds (learned from the master in v3).
    master_adver_interval_cs: u16,
    /// The source of the last accepted advertisement (the master as far as a backup knows).
    last_master: Option<IpAddr>,
    timers: timers::Timers,
    /// The running Master_Down_Timer was armed with Skew_Time after a priority-0 advert.
    down_timer_is_skew: bool,
    /// Since the running Master_Down_Timer was last restarted by an accepted advert (or we
    /// entered Backup), we discarded a lower-priority master's advert (preempt, RFC 5798
    /// §6.4.2): another master is active and taking over must out-announce it.
    lower_master_heard: bool,
    /// Lower-priority adverts are honoured as if preempt were off until this instant.
    preempt_blocked_until: Option<Instant>,
    /// While stopping: the successor heard, if any (the handover timer then ends the linger).
    successor: Option<IpAddr>,
    /// While stopping: still offering the VIP below the step-aside floor (`handover_offer`).
    offering: bool,
    /// `Input::GroupBackup(true)` is in force: no preemption (keepalived sync group).
    group_held: bool,
    /// After stepping down: the VIPs are removed at this instant (`handover_linger`).
    vips_linger_until: Option<Instant>,
    actions: VecDeque<Action>,
    stats: Stats,
}

impl Router {
    /// A router in `Initialize`; nothing happens until `Input::Startup`.
    pub fn new(mut config: Config) -> Self {
        // A zero interval would re-arm the Adver_Timer at `now` forever.
        config.interval_cs = config.interval_cs.max(1);
        let priority = config.priority.max(1);
        let master_adver_interval_cs = config.interval_cs;
        Router {
            config,
            state: State::Initialize,
            priority,
            tracked_priority: priority,
            handed_over: false,
            link_up: true,
            tracker_fault: false,
            group_fault: false,
            master_adver_interval_cs,
            last_master: None,
            timers: timers::Timers::default(),
            down_timer_is_skew: false,
            lower_master_heard: false,
            preempt_blocked_until: None,
            successor: None,
            offering: false,
            group_held: false,
            vips_linger_until: None,
            actions: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Feed one input at `now`.
    pub fn handle(&mut self, now: Instant, input: Input) {
        self.on_input(now, input);
    }

    /// Fire every timer that is due at `now`, earliest first.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.vips_linger_until.is_some_and(|t| t <= now) {
            self.vips_linger_until = None;
            self.actions.push_back(Action::RemoveVips);
        }
        while let Some(timer) = self.timers.next_due(now) {
            self.on_timer(now, timer);
        }
    }

    /// The next thing the I/O adapter must do, in order.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When `handle_timeout` must be called next; `None` when no timer is armed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.timers.earliest(), self.vips_linger_until]
            .into_iter()
            .flatten()
            .min()
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// The priority we advertise and compare with (configured priority adjusted by trackers;
    /// 255 for an owner). A stopping master advertises 0 regardless.
    pub fn effective_priority(&self) -> u8 {
        self.priority
    }

    /// The master as far as we know: ourselves while master (or stopping), the source of the
    /// last accepted advertisement while backup, `None` otherwise.
    pub fn master_address(&self) -> Option<IpAddr> {
        match self.state {
            State::Master | State::Stopping => Some(self.config.primary_address),
            State::Backup => self.last_master,
            State::Initialize | State::Fault | State::Stopped => None,
        }
    }

    /// The operator handed the VIP over (`Input::HandOver`) and no `EndHandOver` came since.
    pub fn handed_over(&self) -> bool {
        self.handed_over
    }

    /// RFC 5798 §6.1 Master_Adver_Interval as currently known (our own while master).
    pub fn master_adver_interval(&self) -> Duration {
        timers::cs(self.master_adver_interval_cs)
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

//! The state machine proper: what each input and each timer does in each state
//! (RFC 5798 §6.4, RFC 3768 §6.4), plus keepalived's FAULT and our planned handover.
//!
//! Invariant: every state change goes through `change_state`, which cancels all timers;
//! the code entering a state arms the timers that state runs. So a timer that fires always
//! belongs to the current state.

use std::net::IpAddr;
use std::time::Instant;

use super::receive;
use super::timers::{self, Timer};
use super::{Action, Input, Reason, Router, State};
use crate::packet::{AdvertRepr, Version};

/// The owner's priority (RFC 5798 §5.2.4): it owns the addresses and never defers.
const OWNER: u8 = 255;

impl Router {
    pub(super) fn on_input(&mut self, now: Instant, input: Input) {
        match input {
            Input::Startup => self.on_startup(now),
            Input::Advert { from, ttl, advert } => self.on_advert(now, from, ttl, &advert),
            Input::LinkUp => {
                self.link_up = true;
                self.leave_fault_if_clear(now, Reason::LinkUp);
            }
            Input::LinkDown => {
                self.link_up = false;
                self.enter_fault(Reason::LinkDown);
            }
            Input::TrackerFault(true) => {
                self.tracker_fault = true;
                self.enter_fault(Reason::TrackerFailed);
            }
            Input::TrackerFault(false) => {
                self.tracker_fault = false;
                self.leave_fault_if_clear(now, Reason::TrackerRecovered);
            }
            Input::GroupFault(true) => {
                self.group_fault = true;
                self.enter_fault(Reason::GroupFault);
            }
            Input::GroupFault(false) => {
                self.group_fault = false;
                self.leave_fault_if_clear(now, Reason::GroupRecovered);
            }
            Input::Priority(p) => self.on_priority(now, p),
            Input::Shutdown => self.on_shutdown(now),
            Input::HandOver => self.on_hand_over(now),
            Input::EndHandOver => self.on_end_hand_over(),
            Input::Reconfigure(config) => self.on_reconfigure(*config),
            Input::GroupBackup(held) => self.on_group_backup(now, held),
        }
    }

    pub(super) fn on_timer(&mut self, now: Instant, timer: Timer) {
        match (timer, self.state) {
            // RFC 5798 §6.4.2: Master_Down_Timer fires → send an advert, announce, become
            // master. Armed with Skew_Time after a priority-0 advert, it means the master
            // stopped on purpose.
            (Timer::MasterDown, State::Backup) => {
                let why = if self.down_timer_is_skew {
                    Reason::MasterStopped
                } else {
                    Reason::MasterDown
                };
                let lower_master_active = self.lower_master_heard;
                self.become_master(now, why);
                if lower_master_active {
                    self.arm_preempt_announce(now);
                }
            }
            // RFC 5798 §6.4.3: Adver_Timer fires → send an advert, reset the timer.
            (Timer::Adver, State::Master) => {
                self.send_advert(self.priority);
                self.arm_adver(now);
            }
            // A stopping master keeps saying priority 0 (RFC 5798 §6.4.3's Shutdown advert,
            // repeated) so a backup that missed the first one still takes over after skew;
            // while it offers the VIP to routers whose checks pass, its offer.
            (Timer::Adver, State::Stopping) => {
                let p = if self.offering {
                    self.handover_priority()
                } else {
                    0
                };
                self.send_advert(p);
                self.arm_adver(now);
            }
            // Nobody whose checks pass took over: RFC 5798 §6.4.3's priority 0 now, which any
            // backup answers after its Skew_Time.
            (Timer::OfferEnd, State::Stopping) => {
                self.offering = false;
                self.send_advert(0);
                self.arm_adver(now);
            }
            (Timer::AnnounceRepeat, State::Master) => self.actions.push_back(Action::Announce),
            (Timer::PreemptAnnounce, State::Master) => self.actions.push_back(Action::Announce),
            (Timer::Handover, State::Stopping) => {
                let why = match self.successor {
                    Some(to) => Reason::HandedOver { to },
                    None => Reason::HandoverTimedOut,
                };
                self.change_state(State::Stopped, why);
                self.actions.push_back(Action::RemoveVips);
            }
            // Unreachable by the invariant above; ignoring is the safe reading.
            _ => {}
        }
    }

    /// RFC 5798 §6.4.1: the Startup event leaves Initialize.
    fn on_startup(&mut self, now: Instant) {
        if self.state != State::Initialize {
            return;
        }
        if let Some(why) = self.fault_reason() {
            self.change_state(State::Fault, why);
            // keepalived removes configured VIPs at start-up: cleans up after a crash.
            self.actions.push_back(Action::RemoveVips);
            return;
        }
        if self.priority == OWNER {
            self.become_master(now, Reason::Owner);
        } else {
            self.become_backup_fresh(now, Reason::Started);
            // As above: a non-owner starting as backup must not hold the VIPs.
            self.actions.push_back(Action::RemoveVips);
        }
    }

    fn fault_reason(&self) -> Option<Reason> {
        if !self.link_up {
            Some(Reason::LinkDown)
        } else if self.tracker_fault {
            Some(Reason::TrackerFailed)
        } else if self.group_fault {
            Some(Reason::GroupFault)
        } else {
            None
        }
    }

    /// keepalived's FAULT: a router that cannot serve neither holds the VIPs nor competes.
    fn enter_fault(&mut self, why: Reason) {
        match self.state {
            // Before Startup the condition is only recorded; Startup looks at it.
            State::Initialize | State::Fault | State::Stopped => {}
            State::Backup => self.change_state(State::Fault, why),
            State::Master => {
                self.change_state(State::Fault, why);
                if self.link_up {
                    // Tracker fault with a working link: tell the backups at once, as a
                    // stopping master does (RFC 5798 §6.4.3 Shutdown), so they take over
                    // after Skew_Time instead of Master_Down_Interval.
                    self.send_advert(0);
                }
                self.actions.push_back(Action::RemoveVips);
            }
            State::Stopping => {
                // Without a link there is nobody to hand over to. A tracker fault while
                // stopping changes nothing: we already advertise priority 0.
                if !self.link_up {
                    self.change_state(State::Stopped, why);
                    self.actions.push_back(Action::RemoveVips);
                }
            }
        }
    }

    /// Leaving FAULT when both the link and the trackers are fine is a fresh Startup
    /// (RFC 5798 §6.4.1), reported with the reason that cleared it.
    fn leave_fault_if_clear(&mut self, now: Instant, why: Reason) {
        if self.state != State::Fault || self.fault_reason().is_some() {
            return;
        }
        if self.priority == OWNER {
            self.become_master(now, why);
        } else {
            self.become_backup_fresh(now, why);
        }
    }

    /// Trackers set the effective priority. An owner's 255 never changes; others are
    /// clamped to 1..=254 (0 means "stopping" and 255 "owner" on the wire, RFC 5798 §5.2.4).
    fn on_priority(&mut self, now: Instant, priority: u8) {
        if self.config.priority == OWNER {
            return;
        }
        let old = self.priority;
        self.tracked_priority = priority.clamp(1, OWNER - 1);
        // The handover holds the priority down (`handover_priority`); the trackers' full word
        // counts after it ends.
        self.priority = if self.handed_over {
            self.handover_priority()
        } else {
            self.tracked_priority
        };
        // Skew_Time and Master_Down_Interval follow from `self.priority` whenever they are
        // next computed (RFC 5798 §6.1). A master advertises a drop at once so preempting
        // backups stop accepting it and take over one Master_Down_Interval later.
        if self.state == State::Master && self.priority < old {
            self.send_advert(self.priority);
            self.arm_adver(now);
        }
    }

    /// Planned stop. RFC 5798 §6.4.3 has a master send priority 0 and leave at once; we keep
    /// the VIPs until a successor is heard (or the timeout passes) so the address never has
    /// nobody answering for it.
    fn on_shutdown(&mut self, now: Instant) {
        match self.state {
            State::Master => {
                // With a step-aside floor and checks that pass, first the offer (see
                // `Config::handover_offer`): as a handover, below the floor.
                let offer = match self.config.step_aside_below {
                    Some(floor) if self.tracked_priority >= floor => self.config.handover_offer,
                    _ => std::time::Duration::ZERO,
                };
                self.change_state(State::Stopping, Reason::ShutdownRequested);
                if offer.is_zero() {
                    self.send_advert(0);
                } else {
                    self.offering = true;
                    self.send_advert(self.handover_priority());
                    self.timers.offer_end = Some(now + offer);
                }
                self.arm_adver(now);
                self.timers.handover = Some(now + offer + self.config.handover_timeout);
            }
            // RFC 5798 §6.4.2: a backup cancels Master_Down_Timer and stops; nothing to hand over.
            State::Initialize | State::Backup | State::Fault => {
                self.change_state(State::Stopped, Reason::ShutdownRequested);
            }
            State::Stopping | State::Stopped => {}
        }
    }

    /// The operator gives the VIP away (see `Input::HandOver`).
    fn on_hand_over(&mut self, now: Instant) {
        if self.handed_over || matches!(self.state, State::Stopping | State::Stopped) {
            return;
        }
        self.handed_over = true;
        // See `handover_priority`: every router we hand over to outranks us, so we neither
        // keep nor take the VIP back while one of them runs; Skew_Time and
        // Master_Down_Interval follow (RFC 5798 §6.1).
        self.priority = self.handover_priority();
        if self.state != State::Master {
            return;
        }
        if self.config.step_aside_below.is_some() {
            // With a step-aside floor, a priority-0 advert would hand the VIP to the first
            // backup whatever its health (RFC 5798 §6.4.2: any backup takes over after
            // Skew_Time). Advertise the lowered priority at once instead, as a tracker drop
            // does: a backup above it takes over after its Master_Down_Interval (preempt,
            // RFC 5798 §6.4.2, or with preempt off the step-aside rule), one that stepped aside
            // does not, and this router serves until its successor is heard (RFC 5798 §6.4.3).
            self.send_advert(self.priority);
            self.arm_adver(now);
            return;
        }
        // RFC 5798 §6.4.3 (Shutdown event while Master): send an advertisement with priority
        // 0 so the backups take over after Skew_Time instead of Master_Down_Interval. Unlike
        // a shutdown we then stay in the protocol as a backup (RFC 5798 §6.4.1's Backup
        // entry: Master_Down_Timer armed), so the VIP comes back here if nobody else
        // advertises.
        self.change_state(State::Backup, Reason::Resigned);
        self.send_advert(0);
        self.last_master = None;
        self.master_adver_interval_cs = self.config.interval_cs;
        self.arm_master_down(now);
        // As a master that is outranked: keep the VIPs for the linger so connections opened
        // before the successor's announcement complete.
        if self.config.handover_linger.is_zero() {
            self.actions.push_back(Action::RemoveVips);
        } else {
            self.vips_linger_until = Some(now + self.config.handover_linger);
        }
    }

    /// The priority a handed-over router runs at. Without a step-aside floor, 1: the lowest a
    /// router may advertise (0 means "stopping", RFC 5798 §5.2.4), so every other router
    /// outranks it. With one (`Config::step_aside_below`), one below the floor: every router
    /// whose checks pass still outranks it, but one whose checks fail (and that stepped aside
    /// below that) does not take the VIP from a handed-over router that can serve; a
    /// handed-over router whose own checks fail keeps its lower tracked priority.
    fn handover_priority(&self) -> u8 {
        match self.config.step_aside_below {
            Some(floor) => self.tracked_priority.min(floor.saturating_sub(1)).max(1),
            None => 1,
        }
    }

    /// The handover ends (a reload): the trackers' priority (or the owner's 255) is back.
    fn on_end_hand_over(&mut self) {
        if !self.handed_over {
            return;
        }
        self.handed_over = false;
        self.priority = if self.config.priority == OWNER {
            OWNER
        } else {
            self.tracked_priority
        };
        // Nothing else changes now: a backup with preempt discards the lower-priority
        // master's adverts from here on (RFC 5798 §6.4.2) and takes over when its
        // Master_Down_Timer fires, as after any priority rise.
    }

    /// See `Input::Reconfigure`. Timers already armed run out as they are; the next ones
    /// use the new interval (RFC 5798 §6.1: Master_Adver_Interval is our own while master,
    /// and version 2 never learns it, RFC 3768 §6.4.2). A preempt delay only applies from
    /// the next entry into Backup.
    fn on_reconfigure(&mut self, new: super::Config) {
        let c = &mut self.config;
        c.preempt = new.preempt;
        c.step_aside_below = new.step_aside_below;
        c.preempt_delay = new.preempt_delay;
        c.unicast_peers = new.unicast_peers;
        c.multicast_sources = new.multicast_sources;
        c.interval_cs = new.interval_cs.max(1);
        c.auth = new.auth;
        c.announce_repeat_after = new.announce_repeat_after;
        c.handover_timeout = new.handover_timeout;
        c.handover_linger = new.handover_linger;
        if self.state == State::Master || c.version == Version::V2 {
            self.master_adver_interval_cs = c.interval_cs;
        }
        if self.handed_over {
            self.priority = self.handover_priority();
        }
    }

    fn on_advert(&mut self, now: Instant, from: IpAddr, ttl: u8, advert: &AdvertRepr) {
        self.stats.adverts_received += 1;
        if matches!(
            self.state,
            State::Initialize | State::Fault | State::Stopped
        ) {
            self.stats.dropped.count(super::DropReason::NotListening);
            return;
        }
        // RFC 5798 §7.1 / RFC 3768 §7.1, before any state logic.
        if let Err(reason) = receive::check(&self.config, from, ttl, advert) {
            self.stats.dropped.count(reason);
            return;
        }
        self.stats.adverts_accepted += 1;
        if !receive::address_list_matches(&self.config, advert) {
            self.stats.address_list_mismatch += 1;
        }
        match self.state {
            State::Backup => self.backup_rx(now, from, advert),
            State::Master => self.master_rx(now, from, advert),
            State::Stopping => {
                // Someone advertising a real priority is a master: the handover is done.
                // Stop advertising, and keep the VIPs for the linger only: packets that
                // clients addressed to us before the successor's gratuitous ARP reached
                // them still get an answer, so a planned stop fails no connection.
                if advert.priority > 0 && self.successor.is_none() {
                    self.successor = Some(from);
                    self.timers.adver = None;
                    if self.config.handover_linger.is_zero() {
                        self.change_state(State::Stopped, Reason::HandedOver { to: from });
                        self.actions.push_back(Action::RemoveVips);
                    } else {
                        self.timers.handover = Some(now + self.config.handover_linger);
                    }
                }
            }
            State::Initialize | State::Fault | State::Stopped => {}
        }
    }

    /// RFC 5798 §6.4.2 (RFC 3768 §6.4.2): an advertisement received in Backup.
    fn backup_rx(&mut self, now: Instant, from: IpAddr, advert: &AdvertRepr) {
        self.last_master = Some(from);
        if advert.priority == 0 {
            // The master is stopping: take over after Skew_Time only.
            self.timers.master_down = Some(now + self.skew_time());
            self.down_timer_is_skew = true;
            // The timer restarts: only lower-priority adverts heard from now on count.
            self.lower_master_heard = false;
            return;
        }
        // preempt_delay (keepalived): for a while after start / fault recovery we behave as
        // if preempt were off, so a returning node lets the current master keep the VIP.
        let preempt_now = (self.config.preempt || self.stepped_aside(advert.priority))
            && !self.group_held
            && self.preempt_blocked_until.is_none_or(|until| now >= until);
        if !preempt_now || advert.priority >= self.priority {
            self.learn_interval(advert);
            self.arm_master_down(now);
            self.lower_master_heard = false;
        } else {
            // Preempt and a lower priority → discard; our Master_Down_Timer keeps running
            // and we take over when it fires. Remember that a lower-priority master is
            // active: see `arm_preempt_announce`.
            self.lower_master_heard = true;
        }
    }

    /// Not RFC (see `Config::step_aside_below`): a master advertising `priority` has stepped
    /// aside (its checks fail) while ours pass, so even without preempt we take over from it
    /// as RFC 5798 §6.4.2 has a preempting backup do.
    fn stepped_aside(&self, priority: u8) -> bool {
        self.config
            .step_aside_below
            .is_some_and(|floor| priority < floor && self.priority >= floor)
    }

    /// RFC 5798 §6.4.3 (RFC 3768 §6.4.3): an advertisement received in Master.
    fn master_rx(&mut self, now: Instant, from: IpAddr, advert: &AdvertRepr) {
        let our_addr = self.config.primary_address;
        if advert.priority == 0 {
            // A master that is stopping: answer at once so backups need not take over
            // (RFC 5798 §6.4.3). Beyond the RFC, as keepalived does for any lower priority:
            // two masters means the segment was split, and hosts may have learned the
            // stopping one's MAC for the VIPs; announce so they come back to us.
            self.send_advert(self.priority);
            self.arm_adver(now);
            self.actions.push_back(Action::Announce);
        } else if receive::outranks(advert.priority, from, self.priority, our_addr) {
            // Higher priority, or equal and a greater primary address: step down.
            //
            // Beyond RFC 5798 §6.4.3 (which only says "transition to Backup"): first send
            // one parting advert at our own effective priority. Hosts on the segment may
            // have learned our MAC for the VIPs (split brain after a partition healed, or
            // a preempting backup that only announced once); if the winner's advert reached
            // us first, it has heard nobody below it and would never announce again. As a
            // master, the winner answers this lower-priority advert at once with its own
            // advert and an Announce (the branch below), so the stale MAC gets replaced.
            // It cannot ping-pong: by the time the answer arrives we are Backup, and a
            // backup never answers an advert (RFC 5798 §6.4.2).
            self.send_advert(self.priority);
            self.change_state(
                State::Backup,
                Reason::Preempted {
                    by: from,
                    priority: advert.priority,
                },
            );
            self.last_master = Some(from);
            self.learn_interval(advert);
            self.arm_master_down(now);
            // Like a stopping master (handover_linger), keep the VIPs a moment: connections
            // clients opened to us before the winner's gratuitous ARP reached them still
            // complete instead of being reset. Zero removes them at once.
            if self.config.handover_linger.is_zero() {
                self.actions.push_back(Action::RemoveVips);
            } else {
                self.vips_linger_until = Some(now + self.config.handover_linger);
            }
        } else {
            // Deviation from RFC 5798 §6.4.3 ("discard"), as keepalived does: a lower-priority
            // master exists (split brain after a partition healed). Advertise at once so it
            // steps down now, and announce again so hosts that learned its MAC come back.
            self.send_advert(self.priority);
            self.arm_adver(now);
            self.actions.push_back(Action::Announce);
        }
    }

    /// Enter Master: RFC 5798 §6.4.1 / §6.4.2 — send an advert, announce, set Adver_Timer.
    fn become_master(&mut self, now: Instant, why: Reason) {
        self.change_state(State::Master, why);
        self.group_held = false;
        self.master_adver_interval_cs = self.config.interval_cs;
        self.send_advert(self.priority);
        self.actions.push_back(Action::AddVips);
        self.actions.push_back(Action::Announce);
        self.arm_adver(now);
        self.timers.announce_repeat = self.config.announce_repeat_after.map(|d| now + d);
    }

    /// Beyond RFC 5798: a backup that takes over from an active lower-priority master
    /// announces once more, one Master_Adver_Interval after becoming master (if still
    /// master then).
    ///
    /// RFC 5798 §6.4.2 has the backup discard that master's adverts, so it never answers
    /// them; the old master only steps down on hearing our first advert, and until then it
    /// keeps announcing its own MAC (FRR 8.4 vrrpd sends gratuitous ARPs around that time and
    /// no parting advert). Those can reach hosts after our announcement, and as master we
    /// hear nothing below us that would make us announce again, so hosts keep the stale MAC
    /// (FIELD-NOTES: the stale-MAC trap after split brain) until the announce repeat, seconds
    /// later. One interval later the old master has heard our advert, so this announcement
    /// is the last word. A takeover from a silent master or after priority 0 has nobody
    /// competing and does not do this.
    fn arm_preempt_announce(&mut self, now: Instant) {
        self.timers.preempt_announce = Some(now + timers::cs(self.master_adver_interval_cs));
    }

    /// Enter Backup from Initialize or Fault: RFC 5798 §6.4.1 — Master_Adver_Interval =
    /// Advertisement_Interval, Master_Down_Timer = Master_Down_Interval.
    fn become_backup_fresh(&mut self, now: Instant, why: Reason) {
        self.change_state(State::Backup, why);
        self.master_adver_interval_cs = self.config.interval_cs;
        self.last_master = None;
        self.preempt_blocked_until = Some(now + self.config.preempt_delay);
        self.arm_master_down(now);
    }

    /// RFC 5798 §6.4.2 / §6.4.3: a v3 backup follows the master's interval. A v2 router only
    /// accepts its own interval (RFC 3768 §7.1), so there is nothing to learn.
    fn learn_interval(&mut self, advert: &AdvertRepr) {
        if self.config.version == Version::V3 {
            self.master_adver_interval_cs = advert.interval_cs;
        }
    }

    fn skew_time(&self) -> std::time::Duration {
        timers::skew_time(
            self.config.version,
            self.priority,
            self.master_adver_interval_cs,
        )
    }

    fn arm_master_down(&mut self, now: Instant) {
        let interval = timers::master_down_interval(
            self.config.version,
            self.priority,
            self.master_adver_interval_cs,
        );
        self.timers.master_down = Some(now + interval);
        self.down_timer_is_skew = false;
    }

    fn arm_adver(&mut self, now: Instant) {
        self.timers.adver = Some(now + timers::cs(self.config.interval_cs));
    }

    /// RFC 5798 §7.2 (RFC 3768 §7.2): our advertisement.
    fn send_advert(&mut self, priority: u8) {
        self.stats.adverts_sent += 1;
        self.actions.push_back(Action::SendAdvert(AdvertRepr {
            version: self.config.version,
            vrid: self.config.vrid,
            priority,
            interval_cs: self.config.interval_cs,
            addresses: self.config.vips.clone(),
            auth: self.config.auth,
        }));
    }

    pub(super) fn change_state(&mut self, to: State, why: Reason) {
        let from = self.state;
        // VIPs still lingering after a step-down: a new master keeps them; any other state
        // gives them up now.
        if self.vips_linger_until.take().is_some() && to != State::Master {
            self.actions.push_back(Action::RemoveVips);
        }
        self.state = to;
        self.offering = false;
        self.timers.cancel_all();
        self.down_timer_is_skew = false;
        self.lower_master_heard = false;
        self.stats.transitions += 1;
        self.actions
            .push_back(Action::StateChanged { from, to, why });
    }
}

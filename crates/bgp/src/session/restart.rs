//! The graceful restart helper (RFC 4724 §4.2, the Receiving Speaker): when a peer that
//! advertised graceful restart loses its connection, its routes stay, marked stale, for its
//! restart time; once it is back they are refreshed by its UPDATEs and the rest flushed at
//! its End-of-RIB, or when the stale-routes timer ends.

use std::time::Instant;

use super::timers::Timer;
use super::{Action, DownReason, Session};
use crate::wire::{Family, Prefix};

impl Session {
    fn report_withdrawn(&mut self, withdrawn: Vec<Prefix>) {
        if !withdrawn.is_empty() {
            self.actions.push_back(Action::Routes {
                announced: Vec::new(),
                withdrawn,
            });
        }
    }

    fn flush_all(&mut self) {
        self.stale_families.clear();
        self.timers.stop(Timer::GrRestart);
        self.timers.stop(Timer::GrStale);
        let gone = self.rib_in.clear();
        self.report_withdrawn(gone);
    }

    /// Decides what happens to the peer's routes when the session goes down; true if they
    /// are kept (stale).
    pub(super) fn routes_on_down(
        &mut self,
        now: Instant,
        reason: DownReason,
        was_established: bool,
    ) -> bool {
        if reason == DownReason::ManualStop {
            self.flush_all();
            return false;
        }
        if !was_established {
            // RFC 4724 §4.2: a failed attempt to come back does not stop the restart timer;
            // stale routes stay until it ends.
            return !self.stale_families.is_empty();
        }
        let restart = self.negotiated.as_ref().and_then(|n| {
            let r = n.peer_restart.as_ref()?;
            let keep: Vec<Family> = r
                .families
                .iter()
                .map(|(f, _)| *f)
                .filter(|f| n.families.contains(f))
                .collect();
            Some((r.restart_time, keep))
        });
        // RFC 4724 §4.2: on the end of the TCP connection (not a NOTIFICATION: RFC 4724
        // predates RFC 8538) with a peer that advertised the capability, retain its routes
        // of the families it listed, marked stale, and start the restart timer. A restart
        // time of zero, or no family, keeps nothing.
        match restart {
            Some((time, keep))
                if reason == DownReason::ConnectionLost && !time.is_zero() && !keep.is_empty() =>
            {
                let gone = self.rib_in.mark_stale(&keep);
                self.report_withdrawn(gone);
                self.stale_families = keep;
                self.timers.stop(Timer::GrStale);
                self.timers.start(Timer::GrRestart, now + time);
                true
            }
            _ => {
                self.flush_all();
                false
            }
        }
    }

    /// RFC 4724 §4.2 on re-establishment: stop the restart timer; without the capability
    /// now, or without the F bit for a family, that family's stale routes go at once; the
    /// others wait for End-of-RIB under the stale-routes timer.
    pub(super) fn restart_on_established(&mut self, now: Instant) {
        if self.stale_families.is_empty() {
            return;
        }
        self.timers.stop(Timer::GrRestart);
        let restart = self
            .negotiated
            .as_ref()
            .and_then(|n| n.peer_restart.clone());
        let Some(restart) = restart else {
            let gone = self.rib_in.flush_stale(None);
            self.stale_families.clear();
            self.report_withdrawn(gone);
            return;
        };
        for family in self.stale_families.clone() {
            if !restart.families.contains(&(family, true)) {
                let gone = self.rib_in.flush_stale(Some(family));
                self.stale_families.retain(|f| *f != family);
                self.report_withdrawn(gone);
            }
        }
        if !self.stale_families.is_empty() {
            let wait = self
                .config
                .graceful_restart
                .as_ref()
                .map(|g| g.stale_routes_time)
                .unwrap_or_default();
            self.timers.start(Timer::GrStale, now + wait);
        }
    }

    /// RFC 4724 §4.2: End-of-RIB from the peer: its routes of that family not refreshed
    /// since the restart are deleted.
    pub(super) fn on_end_of_rib(&mut self, family: Family) {
        if !self.stale_families.contains(&family) {
            return;
        }
        let gone = self.rib_in.flush_stale(Some(family));
        self.stale_families.retain(|f| *f != family);
        if self.stale_families.is_empty() {
            self.timers.stop(Timer::GrStale);
        }
        self.report_withdrawn(gone);
    }

    /// RFC 4724 §4.2: the restart timer (peer not back in time) or the stale-routes timer
    /// (no End-of-RIB in time) ended: delete every stale route.
    pub(super) fn on_restart_timer(&mut self) {
        let gone = self.rib_in.flush_stale(None);
        self.stale_families.clear();
        self.timers.stop(Timer::GrRestart);
        self.timers.stop(Timer::GrStale);
        self.report_withdrawn(gone);
    }
}

//! The session's deadlines (RFC 4271 §8: ConnectRetryTimer, HoldTimer, KeepaliveTimer,
//! IdleHoldTimer; RFC 4724 §4.2: the restart and stale-routes timers of the helper). Each is
//! an `Option<Instant>`: `None` is a stopped timer.

use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    ConnectRetry,
    Hold,
    Keepalive,
    IdleHold,
    GrRestart,
    GrStale,
}

const ALL: [Timer; 6] = [
    Timer::ConnectRetry,
    Timer::Hold,
    Timer::Keepalive,
    Timer::IdleHold,
    Timer::GrRestart,
    Timer::GrStale,
];

#[derive(Debug, Clone, Default)]
pub struct Timers {
    deadlines: [Option<Instant>; 6],
}

impl Timers {
    fn slot(timer: Timer) -> usize {
        timer as usize
    }

    pub fn start(&mut self, timer: Timer, at: Instant) {
        self.deadlines[Self::slot(timer)] = Some(at);
    }

    pub fn stop(&mut self, timer: Timer) {
        self.deadlines[Self::slot(timer)] = None;
    }

    /// The earliest running deadline.
    pub fn next(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// Stops and returns the first timer (in a fixed order) whose deadline is at or before
    /// `now`.
    pub fn take_expired(&mut self, now: Instant) -> Option<Timer> {
        let timer = ALL
            .into_iter()
            .find(|t| self.deadlines[Self::slot(*t)].is_some_and(|d| d <= now))?;
        self.stop(timer);
        Some(timer)
    }
}

//! The health checker's memory for people: the last N backend state changes (a bounded ring)
//! and the per-backend view the status page shows.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::SystemTime;

use super::latency::LatencyHistogram;
use super::pool::Health;
use super::probe::ProbeResult;

/// How many events the checker keeps by default.
pub const DEFAULT_EVENT_CAPACITY: usize = 256;

/// One backend changing state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthEvent {
    pub at: SystemTime,
    pub frontend: String,
    pub backend: SocketAddr,
    pub from: Health,
    pub to: Health,
    /// The detail of the probe that decided it (`HTTPS 500 in 2 ms`), or why else it changed.
    pub reason: String,
    /// The number of that probe for this backend (1 = its first), `None` when no probe decided.
    pub check: Option<u64>,
}

/// The last `capacity` events, oldest first; older ones are dropped (and counted).
#[derive(Debug, Clone)]
pub struct EventRing {
    capacity: usize,
    events: VecDeque<HealthEvent>,
    dropped: u64,
}

impl EventRing {
    /// A ring of at least one event.
    pub fn new(capacity: usize) -> EventRing {
        let capacity = capacity.max(1);
        EventRing {
            capacity,
            events: VecDeque::with_capacity(capacity.min(DEFAULT_EVENT_CAPACITY)),
            dropped: 0,
        }
    }

    /// Keep the event, and say it in the log: operators see every backend going up or down.
    pub fn push(&mut self, event: HealthEvent) {
        tracing::info!(
            "frontend {}: backend {} {:?} -> {:?}: {}",
            event.frontend,
            event.backend,
            event.from,
            event.to,
            event.reason
        );
        if self.events.len() == self.capacity {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(event);
    }

    /// Oldest first.
    pub fn snapshot(&self) -> Vec<HealthEvent> {
        self.events.iter().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Events pushed out by newer ones since the start.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// Where a backend stands, with haproxy's transitional states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckState {
    Up,
    /// Up, but the last probes failed (fewer than `fall`).
    GoingDown,
    Down,
    /// Down, but the last probes succeeded (fewer than `rise`).
    GoingUp,
}

/// What the checker knows about one backend now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendCheck {
    pub frontend: String,
    pub backend: SocketAddr,
    pub state: CheckState,
    /// Probes run so far for this backend (kept across reloads).
    pub checks: u64,
    /// The most recent probe, and when it finished.
    pub last: Option<ProbeResult>,
    pub last_at: Option<SystemTime>,
    /// When the checker last changed the backend's health (`None`: not since it started).
    pub changed_at: Option<SystemTime>,
    /// How long the probes took (every probe since the start, failed ones included).
    pub latency: LatencyHistogram,
}

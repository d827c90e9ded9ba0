//! One backend of a pool: its address and weight from the config, its health and admin state,
//! and its connection counters. Read-only to everyone but the pool.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// What the health checker last concluded. Its own "going up / going down" steps (rise/fall
/// counting) stay inside the checker; the pool only hears the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Up,
    Down,
}

/// What the operator (or a reload) wants, independent of health (haproxy's admin states).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminState {
    /// Takes new connections when up.
    Ready,
    /// No new connections while another member is Up and Ready; established ones continue.
    Drain,
    /// Maintenance: no new connections; established ones continue (closing them is the
    /// caller's decision); health is still tracked.
    Maint,
}

/// A backend as the pool keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub(super) address: SocketAddr,
    pub(super) weight: u32,
    pub(super) health: Health,
    /// When `health` last changed; `None` = it has been so since the pool (or this member)
    /// was created, which also means "no slow start".
    pub(super) since: Option<Instant>,
    pub(super) admin: AdminState,
    pub(super) active: u32,
    pub(super) max_active: u32,
    pub(super) connections: u64,
    pub(super) failures: u64,
    pub(super) strikes: u32,
    /// Bytes relayed by connections to this backend that have ended (counted at close:
    /// nothing per byte on the data path).
    pub(super) bytes_from_clients: u64,
    pub(super) bytes_from_backend: u64,
    /// Time spent Down before the current stretch of health.
    pub(super) down_before: Duration,
    /// Smooth weighted round robin's running weight (nginx's `current_weight`).
    pub(super) current: i64,
    /// Added by a reload and not yet checked: held Down until the health checker's first
    /// verdict (haproxy's `init-state down`).
    pub(super) unchecked: bool,
    /// What the health checker's own probes say, without the passive marks of the data path
    /// (which only this node's clients cause): the view every node shares. Down until the
    /// first probe: a node that has not checked a backend does not vouch for it.
    pub(super) probed: Health,
}

impl Member {
    pub(super) fn new(address: SocketAddr, weight: u32) -> Member {
        Member {
            address,
            weight,
            health: Health::Up,
            since: None,
            admin: AdminState::Ready,
            active: 0,
            max_active: 0,
            connections: 0,
            failures: 0,
            strikes: 0,
            bytes_from_clients: 0,
            bytes_from_backend: 0,
            down_before: Duration::ZERO,
            current: 0,
            unchecked: false,
            probed: Health::Down,
        }
    }

    /// A member added to a running pool: Down until its first health check passes.
    pub(super) fn new_unchecked(address: SocketAddr, weight: u32) -> Member {
        Member {
            health: Health::Down,
            unchecked: true,
            ..Member::new(address, weight)
        }
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }
    /// Configured weight (1..=256).
    pub fn weight(&self) -> u32 {
        self.weight
    }
    pub fn health(&self) -> Health {
        self.health
    }
    /// When the health last changed (haproxy's "last change"; with `health()` = Down, the start
    /// of the downtime). `None`: unchanged since the member was configured.
    pub fn since(&self) -> Option<Instant> {
        self.since
    }
    pub fn admin(&self) -> AdminState {
        self.admin
    }
    /// Up and Ready: may receive new connections.
    pub fn is_ready(&self) -> bool {
        self.health == Health::Up && self.admin == AdminState::Ready
    }
    /// Up and drained: receives new connections only when no member is ready.
    pub fn is_draining_up(&self) -> bool {
        self.health == Health::Up && self.admin == AdminState::Drain
    }
    /// Connections open or being opened to this backend now (picked and not yet released).
    pub fn active(&self) -> u32 {
        self.active
    }
    /// Most `active` ever seen.
    pub fn max_active(&self) -> u32 {
        self.max_active
    }
    /// Connections established to this backend, ever.
    pub fn connections(&self) -> u64 {
        self.connections
    }
    /// Failed connection attempts (passive check failures), ever.
    pub fn failures(&self) -> u64 {
        self.failures
    }
    /// Bytes from clients / from the backend, of connections that have ended.
    pub fn bytes_from_clients(&self) -> u64 {
        self.bytes_from_clients
    }
    pub fn bytes_from_backend(&self) -> u64 {
        self.bytes_from_backend
    }
    /// Total time spent Down up to `now`, the current downtime included.
    pub fn downtime(&self, now: Instant) -> Duration {
        match (self.health, self.since) {
            (Health::Down, Some(since)) => self.down_before + now.saturating_duration_since(since),
            _ => self.down_before,
        }
    }
    /// Added by a reload and not checked yet (Down until the first check passes).
    pub fn unchecked(&self) -> bool {
        self.unchecked
    }
    /// Failed attempts since the last success or the last transition to Up.
    pub fn strikes(&self) -> u32 {
        self.strikes
    }
}

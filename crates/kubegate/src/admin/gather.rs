//! What the snapshot is built from, as plain data: the VIPs as their threads last published
//! them, the frontends' counters and pool members copied out under their locks, the health
//! checker's view, and the events. Building the [`Status`](super::snapshot::Status) from it is
//! the pure function in `build.rs`.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kubegate_balancer::health_events::{BackendCheck, HealthEvent};
use kubegate_balancer::pool::{AdminState, Health};
use kubegate_balancer::shared::FrontendState;
use kubegate_config::model::Balance;

use super::snapshot::{Event, VipState};

/// Milliseconds since the Unix epoch (0 before it).
pub fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One VIP: what the config says and what its thread last published.
#[derive(Debug, Clone, PartialEq)]
pub struct VipSample {
    pub name: String,
    pub address: String,
    pub interface: String,
    pub vrid: u8,
    pub base_priority: u8,
    pub state: VipState,
    pub priority: u8,
    pub master: Option<String>,
    pub since: SystemTime,
    pub transitions: u64,
    pub handed_over: bool,
    /// From the trackers: which one lowers the priority, with its weight.
    pub tracker_reasons: Vec<String>,
    /// The VIP thread's VRRP counters, as last published.
    pub vrrp: super::snapshot::VrrpStatus,
}

/// One backend as its pool holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberSample {
    pub address: SocketAddr,
    pub weight: u32,
    pub health: Health,
    pub admin: AdminState,
    pub active: u64,
    pub connections: u64,
    pub failures: u64,
    pub bytes_from_clients: u64,
    pub bytes_from_backend: u64,
    /// When the health last changed, `None`: unchanged since configured.
    pub since: Option<SystemTime>,
    pub downtime: Duration,
}

/// One frontend's settings, counters and members.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontendSample {
    pub name: String,
    pub bind: SocketAddr,
    pub balance: Balance,
    pub accepted: u64,
    pub current: u64,
    pub refused_no_backend: u64,
    pub refused_limit: u64,
    pub connect_failed: u64,
    pub bytes_from_clients: u64,
    pub bytes_from_backends: u64,
    pub members: Vec<MemberSample>,
}

impl FrontendSample {
    /// Copies the frontend's counters and members (the pool lock is held for the copy only).
    pub fn take(f: &FrontendState, now: Instant, wall: SystemTime) -> FrontendSample {
        use std::sync::atomic::Ordering::Relaxed;
        let settings = f.settings();
        let members = f
            .pool()
            .members()
            .iter()
            .map(|m| MemberSample {
                address: m.address(),
                weight: m.weight(),
                health: m.health(),
                admin: m.admin(),
                active: u64::from(m.active()),
                connections: m.connections(),
                failures: m.failures(),
                bytes_from_clients: m.bytes_from_clients(),
                bytes_from_backend: m.bytes_from_backend(),
                since: m.since().map(|s| wall - now.saturating_duration_since(s)),
                downtime: m.downtime(now),
            })
            .collect();
        FrontendSample {
            name: f.name.clone(),
            bind: settings.bind,
            balance: settings.balance,
            accepted: f.stats.accepted.load(Relaxed),
            current: f.stats.current.load(Relaxed),
            refused_no_backend: f.stats.refused_no_backend.load(Relaxed),
            refused_limit: f.stats.refused_limit.load(Relaxed),
            connect_failed: f.stats.connect_failed.load(Relaxed),
            bytes_from_clients: f.stats.bytes_from_clients.load(Relaxed),
            bytes_from_backends: f.stats.bytes_from_backends.load(Relaxed),
            members,
        }
    }
}

/// Everything one snapshot is built from.
#[derive(Debug, Clone)]
pub struct Gathered {
    pub now: SystemTime,
    pub started: SystemTime,
    pub node: Option<String>,
    pub vips: Vec<VipSample>,
    pub frontends: Vec<FrontendSample>,
    pub checks: Vec<BackendCheck>,
    pub health_events: Vec<HealthEvent>,
    /// VIP transitions and operator actions, oldest first.
    pub events: Vec<Event>,
    /// BGP mode, when this node runs BGP VIPs.
    pub bgp: Option<super::bgp_build::BgpSample>,
}

//! The one read-only picture of the daemon that the admin endpoint shows: VIPs, frontends with
//! their backends, the recent events, and BGP mode (`snapshot_bgp`). The same types are the
//! JSON of `/api/v1/status` (documented in docs/admin.md), the input of the status page and of
//! `/metrics`, and what `kubegate status` reads back. Times are milliseconds since the Unix epoch.

use serde::{Deserialize, Serialize};

pub use super::snapshot_bgp::{BfdSessionStatus, BgpRouteStatus, BgpSessionStatus, BgpStatus};

/// Everything `/api/v1/status` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// kubegate's version (`CARGO_PKG_VERSION`).
    pub version: String,
    /// This node's name in the file; `None` when it runs frontends only (no node matched).
    pub node: Option<String>,
    /// When the snapshot was taken and when the daemon started.
    pub now_ms: u64,
    pub started_ms: u64,
    pub vips: Vec<VipStatus>,
    pub frontends: Vec<FrontendStatus>,
    /// The most recent events, oldest first (at most [`EVENTS_SHOWN`]).
    pub events: Vec<Event>,
    /// The config file running and how its last reload went.
    #[serde(default)]
    pub config: ConfigStatus,
    /// BGP mode: sessions, routes, BFD; absent when this node runs no BGP VIP (and from
    /// older daemons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bgp: Option<BgpStatus>,
}

/// The config the daemon runs and its last reload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigStatus {
    /// The file the daemon reads (on every reload).
    pub path: String,
    /// The first 12 hex digits of the SHA-256 of the running file's content: the same file
    /// gives the same value on every node.
    pub fingerprint: String,
    /// When the running config was loaded (start or the last accepted reload).
    pub loaded_ms: u64,
    /// The last reload was accepted (true before any reload).
    pub last_reload_ok: bool,
    /// When the last reload was asked (`None`: none since start).
    pub last_reload_ms: Option<u64>,
    /// Why the last reload was rejected, one located error per line (`None` when accepted).
    pub last_reload_error: Option<String>,
}

/// How many events the snapshot carries.
pub const EVENTS_SHOWN: usize = 50;

/// One VIP as this node runs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VipStatus {
    pub name: String,
    /// `ADDRESS/PREFIX`.
    pub address: String,
    pub interface: String,
    pub vrid: u8,
    pub state: VipState,
    /// The priority it advertises now, and the one configured for this node.
    pub priority: u8,
    pub base_priority: u8,
    /// Why `priority` differs from `base_priority` or why it is in fault, one line per cause
    /// (`frontend api: no ready backend (-50)`, `handed over by the operator`); empty when
    /// nothing lowers it.
    pub reasons: Vec<String>,
    /// The master as this node knows it: itself when master, else the source of the last
    /// advertisement heard; `None` when nobody has been heard.
    pub master: Option<String>,
    /// When this node entered `state`.
    pub since_ms: u64,
    /// State changes since the daemon started.
    pub transitions: u64,
    /// `kubegate handover` gave the VIP away; it stays backup until `kubegate handover
    /// --release` or restart (reloads keep it).
    pub handed_over: bool,
    /// VRRP packet counters since the VIP's thread started (absent from older daemons).
    #[serde(default)]
    pub vrrp: VrrpStatus,
}

/// A VIP's VRRP counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VrrpStatus {
    /// Advertisements sent (one per destination: each unicast peer, or the group).
    pub adverts_sent: u64,
    /// VRRP packets received, dropped ones included.
    pub adverts_received: u64,
    /// Received packets dropped, by reason (every reason listed, zeros included): the
    /// RFC 5798 §7.1 receive checks `ttl`, `version`, `checksum`, `vrid`, `auth`, `interval`,
    /// and `unknown_peer` (unicast), `own_address`, `not_listening` (fault, init), and the
    /// malformed: `truncated`, `length`, `type`, `address_count`, `family`.
    pub dropped: std::collections::BTreeMap<String, u64>,
    /// Accepted adverts whose address list differs from ours (counted, not dropped).
    pub address_list_mismatch: u64,
    /// Adverts for our VRID from a source that is neither a node of the file nor an extra peer.
    pub foreign_adverts: u64,
}

/// A VIP's state on this node (RFC 5798 §6.4 plus fault and the states around a run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VipState {
    Init,
    Backup,
    Master,
    Fault,
    Stopped,
}

/// One frontend of the balancer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontendStatus {
    pub name: String,
    /// The configured listen address.
    pub bind: String,
    /// `round-robin` | `least-conn` | `random-two` | `source-hash`.
    pub balance: String,
    pub sessions_current: u64,
    pub sessions_total: u64,
    /// Bytes from clients (in) and from backends (out).
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Client connections refused or failed: no ready backend, connection limit, every
    /// connect attempt failed.
    pub refused_no_backend: u64,
    pub refused_limit: u64,
    pub connect_failed: u64,
    pub backends: Vec<BackendStatus>,
}

/// One backend of a frontend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendStatus {
    /// `IP:PORT`.
    pub address: String,
    pub weight: u32,
    /// What the page colours the row by.
    pub state: BackendState,
    pub sessions_current: u64,
    pub sessions_total: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Connect attempts that failed (passive strikes).
    pub connect_failures: u64,
    /// The most recent health check, `None` before the first.
    pub last_check: Option<CheckStatus>,
    /// Health checks run so far.
    pub checks: u64,
    /// When the state last changed (`None`: unchanged since start or since configured).
    pub last_change_ms: Option<u64>,
    /// Total time spent down since start, including the current downtime.
    pub downtime_ms: u64,
}

/// A backend's state: health combined with the operator's admin state. Admin states win
/// (a drained backend that is down shows as `drain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendState {
    Up,
    Down,
    Drain,
    Maint,
    /// Down, with recent checks succeeding (fewer than `rise`).
    GoingUp,
    /// Up, with recent checks failing (fewer than `fall`).
    GoingDown,
}

/// The outcome of one health check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckStatus {
    pub ok: bool,
    /// For people: `HTTPS 200 in 3 ms`, `TCP refused in 0 ms`.
    pub detail: String,
    pub latency_ms: f64,
    pub at_ms: u64,
}

/// Something that changed: a VIP transition, a backend going up or down, an operator action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at_ms: u64,
    pub kind: EventKind,
    /// The VIP name, or `FRONTEND/BACKEND`.
    pub subject: String,
    /// One line for people: `backup -> master (master down)`,
    /// `up -> down: HTTPS 500 in 2 ms`, `drain (by the operator)`.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Vip,
    Backend,
    Operator,
    /// A reload of the config file, accepted or rejected.
    Config,
}

//! What the admin endpoint asks of the daemon: a snapshot, readiness, liveness of its loops,
//! the operator's actions and reloads. A trait, so the HTTP side is tested without a daemon and the
//! daemon keeps its internals.

use kubegate_balancer::latency::LatencyHistogram;

use super::snapshot::Status;

/// The snapshot with what `/metrics` needs beyond the JSON.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub status: Status,
    /// One per backend, in the order of `status`.
    pub backends: Vec<BackendExtra>,
}

/// A backend's health apart from the operator's state, and its check latencies.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendExtra {
    pub frontend: String,
    pub backend: String,
    pub healthy: bool,
    /// `None` for a backend the checker does not know (yet).
    pub latency: Option<LatencyHistogram>,
}

/// An operator's wish for one backend (haproxy's admin states).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendAction {
    /// No new connections; established ones continue.
    Drain,
    /// Back to normal.
    Ready,
    /// Maintenance: no new connections; established ones continue; shown apart from drain.
    Maint,
}

impl BackendAction {
    pub fn parse(word: &str) -> Option<BackendAction> {
        match word {
            "drain" => Some(BackendAction::Drain),
            "ready" => Some(BackendAction::Ready),
            "maint" => Some(BackendAction::Maint),
            _ => None,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            BackendAction::Drain => "drain",
            BackendAction::Ready => "ready",
            BackendAction::Maint => "maint",
        }
    }
}

/// Why an action was not carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionError {
    /// No such frontend, backend or VIP (the message names what exists).
    NotFound(String),
    /// It exists but cannot be acted on now (a VIP that is stopping).
    Conflict(String),
}

/// See the module doc.
pub trait Api: Send + Sync {
    fn snapshot(&self) -> Snapshot;
    /// `Ok` once the listeners are bound and the VIP threads started; else why not.
    fn ready(&self) -> Result<(), String>;
    /// Wake every loop of the daemon; each beats its heartbeat when it goes round.
    fn ping(&self);
    /// `Ok` when every loop has beaten at or after `since_ms`; else the ones that have not.
    fn alive_since(&self, since_ms: u64) -> Result<(), String>;
    /// Set a backend's admin state; the answer says what changed, for people.
    fn backend(
        &self,
        frontend: &str,
        backend: &str,
        action: BackendAction,
    ) -> Result<String, ActionError>;
    /// Give a VIP away now (until released or restart; reloads keep it).
    fn hand_over(&self, vip: &str) -> Result<String, ActionError>;
    /// End a handover: the VIP runs at its own priority again.
    fn release(&self, vip: &str) -> Result<String, ActionError>;
    /// Reload the config file as SIGHUP does; the receiver gets the outcome (dropped if the
    /// daemon is stopping).
    fn reload(&self) -> tokio::sync::oneshot::Receiver<crate::daemon::ReloadOutcome>;
    /// Every node of the file with its admin endpoint, this one included (the cluster view);
    /// none by default.
    fn peers(&self) -> Vec<super::peers::Peer> {
        Vec::new()
    }
}

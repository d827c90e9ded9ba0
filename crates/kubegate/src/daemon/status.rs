//! What a running daemon tells its caller: where it listens (the admin endpoint, each
//! frontend), whether it is ready or stopping, and how each reload went. The daemon publishes;
//! the caller reads, or waits (bounded) for a condition.

use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The daemon as last published.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    /// Listeners bound and VIP threads started, not stopping (as `/readyz`).
    pub ready: bool,
    /// A stop was asked for (or a VIP failed): handing over, then draining.
    pub stopping: bool,
    /// The admin endpoint's address; `None` without `admin.bind` or when it could not listen.
    pub admin: Option<SocketAddr>,
    /// Why the admin endpoint is not running although `admin.bind` asks for it.
    pub admin_error: Option<String>,
    /// Each running frontend's name and the address it listens on (ports as bound).
    pub frontends: Vec<(String, SocketAddr)>,
    /// Every reload in order: applied, or rejected with why (the running config kept).
    pub reloads: Vec<Result<(), String>>,
}

impl Status {
    /// The address frontend `name` listens on.
    pub fn frontend(&self, name: &str) -> Option<SocketAddr> {
        self.frontends
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| *a)
    }
}

/// Shared by the daemon (writer) and its caller (reader); cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct StatusHandle(Arc<(Mutex<Status>, Condvar)>);

impl StatusHandle {
    pub fn new() -> Self {
        Self::default()
    }

    /// The status now.
    pub fn get(&self) -> Status {
        self.lock().clone()
    }

    /// Waits until `pred` holds, at most `timeout`; on timeout the error says what was awaited
    /// and what was seen last.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Status) -> bool,
    ) -> Result<Status, String> {
        let until = Instant::now() + timeout;
        let (_, changed) = &*self.0;
        let mut status = self.lock();
        loop {
            if pred(&status) {
                return Ok(status.clone());
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "the daemon was not {what} within {timeout:?}; its status: {:?}",
                    *status
                ));
            }
            status = changed
                .wait_timeout(status, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// The daemon's side: change the status and wake the waiters.
    pub(crate) fn update(&self, change: impl FnOnce(&mut Status)) {
        change(&mut self.lock());
        self.0 .1.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, Status> {
        self.0 .0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

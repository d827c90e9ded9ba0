//! The wake-ups behind `/healthz`, shared: probes that arrive within [`SHARE`] of a wake-up
//! wait for the loops to answer that one instead of waking every loop again, so a flood of
//! `/healthz` requests costs the VIP threads, the main loop and the health checker at most one
//! wake-up per [`SHARE`].

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use super::api::Api;
use super::gather::epoch_ms;

/// How long a wake-up answers for the probes that follow it.
pub const SHARE: Duration = Duration::from_millis(100);

/// The last wake-up: when it was sent, and its time as the loops' heartbeats count it.
#[derive(Default)]
pub struct Liveness {
    last: Mutex<Option<(Instant, u64)>>,
}

impl Liveness {
    /// The time (ms since the epoch) after which every loop must have beaten for the daemon
    /// to be alive: a wake-up sent now, or one sent less than [`SHARE`] ago.
    pub fn round(&self, api: &dyn Api) -> u64 {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, since)) = *last {
            if at.elapsed() < SHARE {
                return since;
            }
        }
        let since = epoch_ms(SystemTime::now());
        api.ping();
        *last = Some((Instant::now(), since));
        since
    }
}

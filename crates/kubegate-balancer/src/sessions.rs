//! The established connections of one frontend on one worker, as the worker controls them:
//! how many are open (to wait for a drain), a stop signal for the accept loop, a kill signal
//! for all of them (drain time over), and per-backend signals that close the connections of a
//! backend marked down (`shutdown_sessions_on_down`) or removed by a reload (after the drain
//! time). A watcher task polls the pool a few times a second to raise the backend signals, so
//! the pool needs no callback and the data path pays nothing per byte.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::connlog::Termination;
use super::pool::Health;
use super::shared::FrontendState;

/// How often the watcher looks at the pool.
pub const WATCH_EVERY: Duration = Duration::from_millis(200);

/// A one-way signal: a reason, set once, that wakes every waiter.
#[derive(Debug, Default)]
pub struct Signal {
    reason: AtomicU8,
    notify: Notify,
}

impl Signal {
    pub fn raise(&self, why: Termination) {
        self.reason.store(code(why), Ordering::Release);
        self.notify.notify_waiters();
    }

    pub fn reason(&self) -> Option<Termination> {
        decode(self.reason.load(Ordering::Acquire))
    }

    /// Resolves with the reason once raised (at once if it is already).
    pub async fn wait(&self) -> Termination {
        loop {
            let mut notified = pin!(self.notify.notified());
            notified.as_mut().enable();
            if let Some(why) = self.reason() {
                return why;
            }
            notified.await;
        }
    }
}

fn code(t: Termination) -> u8 {
    match t {
        Termination::Shutdown => 1,
        Termination::BackendDown => 2,
        Termination::BackendRemoved => 3,
        _ => 4,
    }
}

fn decode(c: u8) -> Option<Termination> {
    match c {
        0 => None,
        1 => Some(Termination::Shutdown),
        2 => Some(Termination::BackendDown),
        3 => Some(Termination::BackendRemoved),
        _ => Some(Termination::Shutdown),
    }
}

/// See the module doc.
#[derive(Debug, Default)]
pub struct Sessions {
    open: AtomicUsize,
    idle: Notify,
    accepting: AtomicBool,
    /// Raised to stop the accept loop.
    pub stop: Signal,
    /// Raised to close every connection.
    pub kill: Signal,
    backends: Mutex<HashMap<SocketAddr, Arc<BackendSignal>>>,
}

#[derive(Debug, Default)]
pub struct BackendSignal {
    pub signal: Signal,
    /// When the watcher first saw the backend gone from the pool.
    removed_since: Mutex<Option<Instant>>,
}

/// Counts one open connection while alive.
#[derive(Debug)]
pub struct OpenGuard(Arc<Sessions>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        if self.0.open.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Sessions {
    pub fn new() -> Arc<Sessions> {
        Arc::new(Sessions {
            accepting: AtomicBool::new(true),
            ..Sessions::default()
        })
    }

    pub fn open(self: &Arc<Self>) -> OpenGuard {
        self.open.fetch_add(1, Ordering::AcqRel);
        OpenGuard(self.clone())
    }

    pub fn open_count(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    pub fn is_accepting(&self) -> bool {
        self.accepting.load(Ordering::Acquire)
    }

    /// Stop accepting (the listener closes); established connections go on.
    pub fn stop_accepting(&self) {
        self.accepting.store(false, Ordering::Release);
        self.stop.raise(Termination::Shutdown);
    }

    /// Resolves when no connection is open.
    pub async fn all_closed(&self) {
        loop {
            let mut notified = pin!(self.idle.notified());
            notified.as_mut().enable();
            if self.open_count() == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Stop accepting, wait up to `drain` for the connections to end, then close the rest
    /// (`Shutdown`) and wait for them to be gone (they end at their next poll).
    pub async fn drain(&self, drain: Duration) {
        self.stop_accepting();
        if tokio::time::timeout(drain, self.all_closed())
            .await
            .is_err()
        {
            self.kill.raise(Termination::Shutdown);
            self.all_closed().await;
        }
    }

    /// The signal that closes the connections to `backend`.
    pub fn backend(&self, backend: SocketAddr) -> Arc<BackendSignal> {
        let mut map = self.backends.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(backend).or_default().clone()
    }

    /// One look at the pool: raise the signal of backends marked down (when the frontend
    /// closes their sessions) or removed for longer than the drain time; forget signals no
    /// connection holds.
    pub fn watch_once(&self, frontend: &FrontendState, now: Instant) {
        let settings = frontend.settings();
        let mut map = self.backends.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, s| Arc::strong_count(s) > 1);
        if map.is_empty() {
            return;
        }
        let pool = frontend.pool();
        let mut raised = Vec::new();
        for (addr, s) in map.iter() {
            let member = pool.index_of(*addr).map(|i| &pool.members()[i]);
            let mut removed = s.removed_since.lock().unwrap_or_else(|p| p.into_inner());
            match member {
                Some(m) => {
                    *removed = None;
                    if m.health() == Health::Down && settings.shutdown_sessions_on_down {
                        raised.push((*addr, Termination::BackendDown));
                    }
                }
                None => {
                    let since = *removed.get_or_insert(now);
                    if now.saturating_duration_since(since) >= settings.timeouts.drain {
                        raised.push((*addr, Termination::BackendRemoved));
                    }
                }
            }
        }
        drop(pool);
        // Raised signals leave the map: connections made later get a fresh one.
        for (addr, why) in raised {
            if let Some(s) = map.remove(&addr) {
                s.signal.raise(why);
            }
        }
    }

    /// The watcher task: runs until the listener stopped and every connection is gone.
    pub async fn watcher(self: Arc<Self>, frontend: Arc<FrontendState>) {
        let mut tick = tokio::time::interval(WATCH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !self.is_accepting() && self.open_count() == 0 {
                return;
            }
            self.watch_once(&frontend, Instant::now());
        }
    }
}

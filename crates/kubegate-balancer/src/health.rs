//! Active health checks: one thread running a single-threaded tokio runtime, one task per
//! (frontend, backend) probing every `interval`, on the instants of the wall clock that
//! `probe_schedule` gives the backend (the same on every node; a frontend's backends spread
//! over the interval so checks do not burst). Each result goes through
//! rise/fall; a change is written to the pool (`set_health`) and to a bounded ring of events.
//!
//! The pool starts every member present at start Up (as haproxy does); the checker takes one
//! Down after `fall` failed probes in a row and back Up after `rise` good ones. A member a
//! reload adds waits Down for its first probe, which decides.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;
use tokio::task::AbortHandle;
use tokio::time::sleep;

use super::health_events::{BackendCheck, HealthEvent, DEFAULT_EVENT_CAPACITY};
use super::health_state::{Key, Registry};
use super::probe::Prober;
use super::probe_schedule;
use super::shared::FrontendState;
use kubegate_config::model::HealthCheck;

const MIN_INTERVAL: std::time::Duration = std::time::Duration::from_millis(10);

/// The running checker. Dropping it stops it, like [`HealthChecker::stop`].
#[derive(Debug)]
pub struct HealthChecker {
    shared: Arc<Shared>,
    runtime: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

struct Shared {
    registry: Mutex<Registry>,
    tasks: Mutex<HashMap<Key, AbortHandle>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl HealthChecker {
    /// Start checking every backend of `frontends`.
    ///
    /// # Panics
    /// When the OS refuses a thread or an event loop (see [`HealthChecker::try_start`]).
    pub fn start(frontends: Vec<Arc<FrontendState>>) -> HealthChecker {
        Self::try_start(frontends, DEFAULT_EVENT_CAPACITY)
            .unwrap_or_else(|e| panic!("cannot start the health checker: {e}"))
    }

    /// [`HealthChecker::start`], keeping the last `event_capacity` events.
    pub fn try_start(
        frontends: Vec<Arc<FrontendState>>,
        event_capacity: usize,
    ) -> io::Result<HealthChecker> {
        let runtime = Builder::new_current_thread().enable_all().build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("health-checks".to_owned())
            .spawn(move || {
                // Until stop() (or the checker is dropped); dropping the runtime then cancels
                // every probe.
                let _ = runtime.block_on(stopped);
            })?;
        let checker = HealthChecker {
            shared: Arc::new(Shared {
                registry: Mutex::new(Registry::new(event_capacity)),
                tasks: Mutex::new(HashMap::new()),
            }),
            runtime: handle,
            stop: Some(stop),
            thread: Some(thread),
        };
        checker.reload(frontends);
        Ok(checker)
    }

    /// Take a new list of frontends (after a config reload). Backends whose frontend name and
    /// address are unchanged keep their state and counters; new ones (unchecked in their pool,
    /// see `health_state`) are probed at once and take clients once that probe passes;
    /// removed ones stop being probed.
    pub fn reload(&self, frontends: Vec<Arc<FrontendState>>) {
        let applied = self.shared.registry().apply(&frontends);
        let mut tasks = lock(&self.shared.tasks);
        for key in applied.removed {
            if let Some(task) = tasks.remove(&key) {
                task.abort();
            }
        }
        for key in applied.added {
            let task = self
                .runtime
                .spawn(probe_loop(self.shared.clone(), key.clone()));
            tasks.insert(key, task.abort_handle());
        }
    }

    /// What the checker knows about each backend, in frontend then pool order.
    pub fn last_results(&self) -> Vec<BackendCheck> {
        self.shared.registry().backends()
    }

    /// The last health changes, oldest first.
    pub fn events(&self) -> Vec<HealthEvent> {
        self.shared.registry().events()
    }

    /// A handle that reads what the checker knows, for the admin endpoint (cheap to clone).
    pub fn view(&self) -> HealthView {
        HealthView(self.shared.clone(), self.runtime.clone())
    }

    /// Stop probing and wait for the thread to end. Pools keep their last health.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Read access to a checker's results and events (see [`HealthChecker::view`]).
#[derive(Clone, Debug)]
pub struct HealthView(Arc<Shared>, Handle);

impl HealthView {
    /// As [`HealthChecker::last_results`].
    pub fn last_results(&self) -> Vec<BackendCheck> {
        self.0.registry().backends()
    }

    /// As [`HealthChecker::events`].
    pub fn events(&self) -> Vec<HealthEvent> {
        self.0.registry().events()
    }

    /// Runs `f` on the checker's event loop (`/healthz`: it only runs if the loop turns).
    pub fn run_on_loop(&self, f: impl FnOnce() + Send + 'static) {
        self.1.spawn(async move { f() });
    }
}

impl Drop for HealthChecker {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Shared {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        lock(&self.registry)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Probe one backend forever (until aborted or its target disappears): at once (a node that
/// starts, or a reload that adds a backend, knows its state without waiting), then at each of
/// its slots.
async fn probe_loop(shared: Arc<Shared>, key: Key) {
    let mut prober: Option<(HealthCheck, Prober)> = None;
    loop {
        let Some(check) = shared.registry().settings(&key) else {
            return;
        };
        let current = match prober.take() {
            Some((old, p)) if old == check => (old, p),
            _ => (check.clone(), Prober::new(&check)),
        };
        let result = current.1.probe(key.1).await;
        shared.registry().record(&key, result);
        prober = Some(current);
        sleep(next_slot(&key, &check)).await;
    }
}

/// The wait until this backend's next probe slot (a zero interval, never valid in a config,
/// must not spin).
fn next_slot(key: &Key, check: &HealthCheck) -> std::time::Duration {
    let interval = check.interval.max(MIN_INTERVAL);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    probe_schedule::until_next_slot(now_ms, interval, probe_schedule::phase(key.1, interval))
}

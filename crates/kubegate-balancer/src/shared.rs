//! What the balancer's threads share about one frontend: its current settings (replaced on
//! reload), its backend pool (selection and states) and its counters. The data path, the
//! health checker, VIP tracking and (later) the admin endpoint all read and write through it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use super::pool::Pool;
use kubegate_config::model::Frontend;

/// Counters of one frontend; monotonic unless named `current`.
#[derive(Debug, Default)]
pub struct FrontendStats {
    /// Client connections accepted.
    pub accepted: AtomicU64,
    /// Client connections open now.
    pub current: AtomicU64,
    /// Refused: no backend ready / connection limit reached / every connect failed.
    pub refused_no_backend: AtomicU64,
    pub refused_limit: AtomicU64,
    pub connect_failed: AtomicU64,
    pub bytes_from_clients: AtomicU64,
    pub bytes_from_backends: AtomicU64,
    /// Accept loops alive now (one per worker): held by [`AcceptGuard`]s, so a worker that
    /// dies (its runtime dropped, even by a panic) takes its count with it.
    pub accept_loops: AtomicU64,
}

impl FrontendStats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// One frontend as the running balancer sees it.
#[derive(Debug)]
pub struct FrontendState {
    pub name: String,
    settings: RwLock<Arc<Frontend>>,
    pool: Mutex<Pool>,
    pub stats: FrontendStats,
}

impl FrontendState {
    /// A frontend present at start: its backends start Up (as haproxy's do).
    pub fn new(frontend: &Frontend) -> Arc<Self> {
        Self::with_pool(
            frontend,
            Pool::new(&frontend.backends, frontend.balance, frontend.slowstart),
        )
    }

    /// A frontend a reload adds: its backends take no client until their first check passes
    /// (a backend the health checker already knows under this name takes its verdict).
    pub fn added(frontend: &Frontend) -> Arc<Self> {
        Self::with_pool(
            frontend,
            Pool::added(&frontend.backends, frontend.balance, frontend.slowstart),
        )
    }

    fn with_pool(frontend: &Frontend, pool: Pool) -> Arc<Self> {
        Arc::new(FrontendState {
            name: frontend.name.clone(),
            pool: Mutex::new(pool),
            settings: RwLock::new(Arc::new(frontend.clone())),
            stats: FrontendStats::default(),
        })
    }

    /// The settings in force now (cheap: an `Arc` clone).
    pub fn settings(&self) -> Arc<Frontend> {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replace the settings (reload); the caller reconfigures the pool in the same step.
    pub fn replace_settings(&self, frontend: &Frontend) {
        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(frontend.clone());
    }

    /// Serving: something accepts its connections and the health checker's probes hold a
    /// backend ready for them. VIP trackers (`track: - frontend:`) ask this, so a node whose
    /// balancer has stopped accepting gives the VIP away (never a VIP without a service
    /// behind it); passive marks from this node's own clients do not count (see
    /// [`Pool::has_probed_ready`](crate::pool::Pool::has_probed_ready)).
    pub fn serving(&self) -> bool {
        self.stats.accept_loops.load(Ordering::Acquire) > 0 && self.pool().has_probed_ready()
    }

    /// Counts one accept loop for [`serving`](Self::serving) until the guard is dropped.
    pub fn accept_guard(self: &Arc<Self>) -> AcceptGuard {
        self.stats.accept_loops.fetch_add(1, Ordering::AcqRel);
        AcceptGuard(self.clone())
    }

    /// The pool; hold the guard briefly (never across an await or a syscall).
    pub fn pool(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One accept loop of a frontend, counted while it lives (see [`FrontendState::accept_guard`]).
#[derive(Debug)]
pub struct AcceptGuard(Arc<FrontendState>);

impl Drop for AcceptGuard {
    fn drop(&mut self) {
        self.0.stats.accept_loops.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::Health;
    use kubegate_config::model::ClusterConfig;

    fn frontend() -> Arc<FrontendState> {
        let yaml = "frontends:\n  - { name: api, bind: 127.0.0.1:1, backends: [127.0.0.1:2] }\n";
        let cfg: ClusterConfig =
            kubegate_config::parse_str(yaml, std::path::Path::new("test.yaml")).unwrap();
        FrontendState::new(&cfg.frontends[0])
    }

    #[test]
    fn serving_needs_a_live_accept_loop_and_a_probed_ready_backend() {
        let f = frontend();
        assert!(
            f.pool().has_ready(),
            "clients are served before the first probe"
        );
        let first = f.accept_guard();
        assert!(
            !f.serving(),
            "a frontend whose backends were never probed must not vouch for them"
        );
        assert!(f.pool().set_probed(0, Health::Up));
        drop(first);
        assert!(!f.serving(), "nothing accepts");
        let first = f.accept_guard();
        let second = f.accept_guard();
        assert!(f.serving());
        drop(first);
        assert!(f.serving(), "one worker still accepts");
        drop(second);
        assert!(!f.serving(), "every accept loop is gone");
    }

    #[test]
    fn serving_follows_the_probes_not_this_nodes_passive_marks() {
        let f = frontend();
        let _accepting = f.accept_guard();
        assert!(f.pool().set_probed(0, Health::Up));
        // Failed connects of this node's clients mark the backend down for them at once...
        assert!(f
            .pool()
            .set_health(0, Health::Down, std::time::Instant::now()));
        assert!(!f.pool().has_ready(), "clients get no backend");
        // ...but the VIP tracker waits for the probes every node shares.
        assert!(f.serving(), "a passive mark alone moved the tracker");
        assert!(f.pool().set_probed(0, Health::Down));
        assert!(!f.serving(), "the probes hold the only backend down");
        assert!(f.pool().set_probed(0, Health::Up));
        assert!(f.serving());
        f.pool().set_admin(0, crate::pool::AdminState::Drain);
        assert!(
            !f.serving(),
            "a drained backend is not ready for the tracker either"
        );
    }
}

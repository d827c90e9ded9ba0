//! What the balancer's threads share about one frontend: its current settings (replaced on
//! reload), its backend pool (selection and states) and its counters. The data path, the
//! health checker, VIP tracking and (later) the admin endpoint all read and write through it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use super::pool::Pool;
use crate::config::model::Frontend;

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
    pub fn new(frontend: &Frontend) -> Arc<Self> {
        Arc::new(FrontendState {
            name: frontend.name.clone(),
            pool: Mutex::new(Pool::new(
                &frontend.backends,
                frontend.balance,
                frontend.slowstart,
            )),
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

    /// The pool; hold the guard briefly (never across an await or a syscall).
    pub fn pool(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }
}

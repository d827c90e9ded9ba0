//! The daemon's frontends: their shared states, the balancer's workers and the health
//! checker, and reload (same name and bind: settings and backends change in place, counters,
//! health and operator states kept; otherwise a new listener, and the old one drains).
//! Backends a reload adds take no client before their first health check passes.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::track::FrontendReady;
use kubegate_balancer::health::HealthChecker;
use kubegate_balancer::health_events::DEFAULT_EVENT_CAPACITY;
use kubegate_balancer::runtime::{Balancer, RuntimeOptions};
use kubegate_balancer::shared::FrontendState;
use kubegate_config::model::{ClusterConfig, Frontend};

use super::binds::Binds;

pub struct Frontends {
    states: Arc<RwLock<Vec<Arc<FrontendState>>>>,
    balancer: Balancer,
    checker: HealthChecker,
    binds: Binds,
}

impl Frontends {
    pub fn start(cluster: &ClusterConfig, options: RuntimeOptions, binds: Binds) -> Result<Self> {
        if !cluster.frontends.is_empty() {
            if let Err(e) = kubegate_sys::raise_fd_limit() {
                tracing::warn!("cannot raise the open-file limit: {e}");
            }
        }
        let states: Vec<Arc<FrontendState>> = cluster
            .frontends
            .iter()
            .map(|f| FrontendState::new(&binds.frontend(f)))
            .collect();
        let balancer = Balancer::start(states.clone(), options).context("starting the balancer")?;
        for f in &states {
            settle(&balancer, f);
            tracing::info!(
                "frontend {} listening on {} with {} backend(s)",
                f.name,
                f.settings().bind,
                f.settings().backends.len()
            );
        }
        let checker = HealthChecker::try_start(states.clone(), DEFAULT_EVENT_CAPACITY)
            .context("starting the health checker")?;
        Ok(Frontends {
            states: Arc::new(RwLock::new(states)),
            balancer,
            checker,
            binds,
        })
    }

    /// Each running frontend's name and the address it listens on.
    pub fn bound(&self) -> Vec<(String, SocketAddr)> {
        self.states
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|f| (f.name.clone(), f.settings().bind))
            .collect()
    }

    /// The frontends running now (shared with the admin endpoint).
    pub fn states(&self) -> Arc<RwLock<Vec<Arc<FrontendState>>>> {
        self.states.clone()
    }

    /// What the health checker knows, for the admin endpoint.
    pub fn health_view(&self) -> kubegate_balancer::health::HealthView {
        self.checker.view()
    }

    /// For VIP trackers: does frontend NAME have a backend that is up and ready?
    pub fn ready_lookup(&self) -> FrontendReady {
        let states = self.states.clone();
        Arc::new(move |name| {
            states
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .find(|f| f.name == name)
                .is_some_and(|f| f.serving())
        })
    }

    /// Apply the frontends of a newly loaded file. New listeners are opened first: if one
    /// cannot be opened nothing changes and the error says why.
    pub fn reload(&mut self, cluster: &ClusterConfig) -> Result<()> {
        let old = self
            .states
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut next = Vec::new();
        let mut in_place = Vec::new();
        for f in &cluster.frontends {
            match old
                .iter()
                .find(|s| s.name == f.name && self.binds.same(s.settings().bind, f.bind))
            {
                Some(state) => {
                    in_place.push((state.clone(), f));
                    next.push(state.clone());
                }
                None => {
                    tracing::info!("frontend {}: new listener on {}", f.name, f.bind);
                    // Its backends take no client before their first check passes.
                    next.push(FrontendState::added(&self.binds.frontend(f)));
                }
            }
        }
        self.balancer
            .reload(next.clone())
            .context("opening the new listeners")?;
        for f in &next {
            settle(&self.balancer, f);
        }
        for (state, f) in in_place {
            // The listener stays where it is (with `Binds::AnyPort`, on the kernel's port).
            state.replace_settings(&Frontend {
                bind: state.settings().bind,
                ..f.clone()
            });
            let changed = state
                .pool()
                .reconfigure(&f.backends, f.balance, f.slowstart);
            for gone in changed.removed {
                tracing::info!(
                    "frontend {}: backend {} removed; its connections drain",
                    f.name,
                    gone.address()
                );
            }
        }
        for gone in old
            .iter()
            .filter(|o| !next.iter().any(|n| Arc::ptr_eq(o, n)))
        {
            tracing::info!("frontend {}: removed; its connections drain", gone.name);
        }
        self.checker.reload(next.clone());
        *self.states.write().unwrap_or_else(|p| p.into_inner()) = next;
        Ok(())
    }

    /// Stop accepting, let established connections finish for up to `drain`, stop checking.
    pub fn shutdown(self, drain: Duration) {
        self.balancer.shutdown(drain);
        self.checker.stop();
    }

    /// The longest drain bound of the frontends.
    pub fn drain_bound(&self) -> Duration {
        self.states
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|f| f.settings().timeouts.drain)
            .max()
            .unwrap_or_default()
    }
}

/// A frontend bound to port 0 takes the port the kernel chose as its `bind` (so the log, the
/// status and its reloads show where it really listens).
fn settle(balancer: &Balancer, state: &Arc<FrontendState>) {
    let settings = state.settings();
    if settings.bind.port() != 0 {
        return;
    }
    if let Some(bound) = balancer.local_addr(&state.name) {
        state.replace_settings(&Frontend {
            bind: bound,
            ..(*settings).clone()
        });
    }
}

//! The health checker's bookkeeping, without I/O or tasks: one entry per (frontend, backend
//! address) with its rise/fall counter, the last probe, and the pool it reports to. A probe
//! result goes in, a pool update and maybe an event come out.
//!
//! The pool is kept in line with the checker's verdict: a member the pool shows Up while the
//! checker holds it Down (a reload built a new pool) is set Down again; a member someone else
//! took Down (passive checks in the data path) is adopted as Down, so `rise` good probes bring
//! it back, as haproxy does after `observe` marks a server down.
//!
//! A backend a reload added is *unchecked* in its pool (Down, taking no client): its target
//! is probed at once, and its first probe decides (Up on success, without waiting for `rise`;
//! Down on failure, then `rise` good probes as usual). A backend the checker already knows
//! under the same frontend name (a frontend rebuilt on a new address) takes its verdict.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::health_events::{BackendCheck, CheckState, EventRing, HealthEvent};
use super::latency::LatencyHistogram;
use super::pool::Health;
use super::probe::ProbeResult;
use super::shared::FrontendState;
use crate::rise_fall::{Health as Verdict, Hysteresis};
use kubegate_config::model::HealthCheck;

/// A probe target: the frontend's name and the backend's address (indices change on reload).
pub type Key = (String, SocketAddr);

struct Target {
    frontend: Arc<FrontendState>,
    rise: u32,
    fall: u32,
    counter: Hysteresis,
    /// rise/fall over the probes alone: never adopts a passive mark (the pool's `probed`).
    probes: Hysteresis,
    checks: u64,
    last: Option<ProbeResult>,
    last_at: Option<SystemTime>,
    changed_at: Option<SystemTime>,
    latency: LatencyHistogram,
    /// Its pool member is unchecked (added by a reload): the next probe decides.
    first: bool,
}

/// What [`Registry::apply`] changed: targets to start probing (at once, then at their slots,
/// see `probe_schedule`) and targets to stop.
#[derive(Debug, Default)]
pub struct Applied {
    pub added: Vec<Key>,
    pub removed: Vec<Key>,
}

pub struct Registry {
    order: Vec<Key>,
    targets: HashMap<Key, Target>,
    events: EventRing,
}

impl Registry {
    pub fn new(event_capacity: usize) -> Registry {
        Registry {
            order: Vec::new(),
            targets: HashMap::new(),
            events: EventRing::new(event_capacity),
        }
    }

    /// Take a (new) list of frontends. Backends whose (frontend, address) stays keep their
    /// state; their rise/fall follow the new settings.
    pub fn apply(&mut self, frontends: &[Arc<FrontendState>]) -> Applied {
        let mut applied = Applied::default();
        let mut order = Vec::new();
        for fs in frontends {
            let check = fs.settings().check.clone();
            let addresses: Vec<SocketAddr> =
                fs.pool().members().iter().map(|m| m.address()).collect();
            for addr in addresses {
                let key = (fs.name.clone(), addr);
                if order.contains(&key) {
                    continue;
                }
                order.push(key.clone());
                match self.targets.get_mut(&key) {
                    Some(t) => {
                        t.frontend = fs.clone();
                        if (t.rise, t.fall) != (check.rise, check.fall) {
                            let verdict = t.counter.health();
                            t.counter = Hysteresis::new(check.rise, check.fall);
                            t.counter.reset(verdict);
                            let probed = t.probes.health();
                            t.probes = Hysteresis::new(check.rise, check.fall);
                            t.probes.reset(probed);
                            (t.rise, t.fall) = (check.rise, check.fall);
                        }
                    }
                    None => {
                        let mut target = Target::new(fs.clone(), &check);
                        let unchecked = {
                            let pool = fs.pool();
                            pool.index_of(addr)
                                .is_some_and(|i| pool.members()[i].unchecked())
                        };
                        // A backend added by a reload is probed now: it takes no client
                        // before its first check passes.
                        if unchecked {
                            target.first = true;
                            target.counter.reset(Verdict::Failed);
                            target.probes.reset(Verdict::Failed);
                        }
                        self.targets.insert(key.clone(), target);
                        applied.added.push(key);
                    }
                }
            }
        }
        let keep: HashSet<&Key> = order.iter().collect();
        applied.removed = self
            .order
            .iter()
            .filter(|k| !keep.contains(k))
            .cloned()
            .collect();
        for key in &applied.removed {
            self.targets.remove(key);
        }
        self.order = order;
        for key in &self.order {
            if let Some(t) = self.targets.get_mut(key) {
                t.sync(key, &mut self.events);
            }
        }
        applied
    }

    /// The frontend and check settings a probe of `key` should use now; `None` once the
    /// target is gone.
    pub fn settings(&self, key: &Key) -> Option<HealthCheck> {
        self.targets
            .get(key)
            .map(|t| t.frontend.settings().check.clone())
    }

    /// Take one probe result for `key` (ignored if the target is gone).
    pub fn record(&mut self, key: &Key, result: ProbeResult) {
        let Some(t) = self.targets.get_mut(key) else {
            return;
        };
        t.checks += 1;
        t.latency.observe(result.latency);
        t.sync(key, &mut self.events);
        let first = t.first;
        if std::mem::take(&mut t.first) {
            // An unchecked backend: the first probe decides (see the module doc).
            let to = if result.ok { Health::Up } else { Health::Down };
            t.counter.reset(if result.ok {
                Verdict::Healthy
            } else {
                Verdict::Failed
            });
            t.set_pool(key.1, to);
            if result.ok {
                t.changed_at = Some(SystemTime::now());
                self.events.push(HealthEvent {
                    at: SystemTime::now(),
                    frontend: key.0.clone(),
                    backend: key.1,
                    from: Health::Down,
                    to,
                    reason: format!("{} (first check since added)", result.detail),
                    check: Some(t.checks),
                });
            }
        } else if let Some(verdict) = t.counter.record(result.ok) {
            let to = pool_health(verdict);
            t.set_pool(key.1, to);
            t.changed_at = Some(SystemTime::now());
            self.events.push(HealthEvent {
                at: SystemTime::now(),
                frontend: key.0.clone(),
                backend: key.1,
                from: opposite(to),
                to,
                reason: result.detail.clone(),
                check: Some(t.checks),
            });
        }
        t.record_probed(key.1, result.ok, first);
        t.last = Some(result);
        t.last_at = Some(SystemTime::now());
    }

    /// Every target, in frontend then pool order.
    pub fn backends(&self) -> Vec<BackendCheck> {
        self.order
            .iter()
            .filter_map(|key| {
                let t = self.targets.get(key)?;
                Some(BackendCheck {
                    frontend: key.0.clone(),
                    backend: key.1,
                    state: t.state(),
                    checks: t.checks,
                    last: t.last.clone(),
                    last_at: t.last_at,
                    changed_at: t.changed_at,
                    latency: t.latency.clone(),
                })
            })
            .collect()
    }

    pub fn events(&self) -> Vec<HealthEvent> {
        self.events.snapshot()
    }
}

impl Target {
    fn new(frontend: Arc<FrontendState>, check: &HealthCheck) -> Target {
        let mut target = Target {
            frontend,
            rise: check.rise,
            fall: check.fall,
            counter: Hysteresis::new(check.rise, check.fall),
            probes: Hysteresis::new(check.rise, check.fall),
            checks: 0,
            last: None,
            last_at: None,
            changed_at: None,
            latency: LatencyHistogram::default(),
            first: false,
        };
        // Nothing vouches for a backend before its first probe (see `record_probed`).
        target.probes.reset(Verdict::Failed);
        target
    }

    fn state(&self) -> CheckState {
        match (self.counter.health(), self.counter.streak() > 0) {
            (Verdict::Healthy, false) => CheckState::Up,
            (Verdict::Healthy, true) => CheckState::GoingDown,
            (Verdict::Failed, false) => CheckState::Down,
            (Verdict::Failed, true) => CheckState::GoingUp,
        }
    }

    /// One probe into the probes-only counter; its verdict to the pool's `probed`. The first
    /// probe of a target decides (of an unchecked backend as for the pool; of any other
    /// because until then the counter vouches for nothing: a node that just started must
    /// not claim ready backends for its VIPs before it has checked one).
    fn record_probed(&mut self, addr: SocketAddr, ok: bool, first: bool) {
        if first || self.last.is_none() {
            self.probes.reset(if ok {
                Verdict::Healthy
            } else {
                Verdict::Failed
            });
        } else {
            self.probes.record(ok);
        }
        self.set_pool_probed(addr);
    }

    /// The probes-only verdict to the pool's member.
    fn set_pool_probed(&self, addr: SocketAddr) {
        let verdict = pool_health(self.probes.health());
        let mut pool = self.frontend.pool();
        if let Some(i) = pool.index_of(addr) {
            pool.set_probed(i, verdict);
        }
    }

    fn set_pool(&self, addr: SocketAddr, health: Health) {
        let mut pool = self.frontend.pool();
        if let Some(i) = pool.index_of(addr) {
            pool.set_health(i, health, Instant::now());
        }
    }

    /// Bring the pool and the checker into agreement (see the module comment).
    fn sync(&mut self, key: &Key, events: &mut EventRing) {
        let (in_pool, unchecked) = {
            let pool = self.frontend.pool();
            let Some(i) = pool.index_of(key.1) else {
                return;
            };
            let m = &pool.members()[i];
            (m.health(), m.unchecked())
        };
        if self.first {
            return;
        }
        // A rebuilt pool's members take the probes' view the checker keeps.
        self.set_pool_probed(key.1);
        let mine = pool_health(self.counter.health());
        match (mine, in_pool) {
            // A rebuilt frontend's unchecked member the checker knows: its verdict holds.
            (_, _) if unchecked => self.set_pool(key.1, mine),
            (Health::Down, Health::Up) => self.set_pool(key.1, Health::Down),
            (Health::Up, Health::Down) => {
                self.counter.reset(Verdict::Failed);
                self.changed_at = Some(SystemTime::now());
                events.push(HealthEvent {
                    at: SystemTime::now(),
                    frontend: key.0.clone(),
                    backend: key.1,
                    from: Health::Up,
                    to: Health::Down,
                    reason: "marked down outside the health checker".to_owned(),
                    check: None,
                });
            }
            _ => {}
        }
    }
}

fn pool_health(v: Verdict) -> Health {
    match v {
        Verdict::Healthy => Health::Up,
        Verdict::Failed => Health::Down,
    }
}

fn opposite(h: Health) -> Health {
    match h {
        Health::Up => Health::Down,
        Health::Down => Health::Up,
    }
}

//! The status hub the daemon shares with the admin endpoint: each VIP's last published view
//! (its thread publishes only on change), the trackers' reasons, the VIP and operator events
//! (a bounded ring), a heartbeat per loop for `/healthz`, readiness for `/readyz`, and the
//! running config's fingerprint with the outcome of its last reload.
//! Frontends are not copied here: their counters live in `FrontendState` and are read when a
//! snapshot is taken.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use super::gather::{epoch_ms, VipSample};
use super::snapshot::{ConfigStatus, Event, EventKind, VipState, EVENTS_SHOWN};

/// See the module doc.
#[derive(Debug)]
pub struct Hub {
    pub started: SystemTime,
    pub node: Option<String>,
    vips: Mutex<Vec<VipSample>>,
    events: Mutex<VecDeque<Event>>,
    ready: AtomicBool,
    config: Mutex<ConfigStatus>,
}

/// A loop's proof of life: the last time (epoch ms) it went round.
#[derive(Debug, Default)]
pub struct Heartbeat(AtomicU64);

impl Heartbeat {
    pub fn beat(&self) {
        self.0.store(epoch_ms(SystemTime::now()), Ordering::Relaxed);
    }
    pub fn last_ms(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// What a VIP thread publishes when something changed.
#[derive(Debug, Clone, PartialEq)]
pub struct VipUpdate {
    pub state: VipState,
    pub priority: u8,
    pub master: Option<String>,
    pub handed_over: bool,
    /// `Some(message)` when this update is a state change (`backup -> master (master down)`).
    pub transition: Option<String>,
    /// The VRRP counters now.
    pub vrrp: super::snapshot::VrrpStatus,
}

impl Hub {
    pub fn new(node: Option<String>) -> Arc<Hub> {
        Arc::new(Hub {
            started: SystemTime::now(),
            node,
            vips: Mutex::new(Vec::new()),
            events: Mutex::new(VecDeque::with_capacity(EVENTS_SHOWN)),
            ready: AtomicBool::new(false),
            config: Mutex::new(ConfigStatus::default()),
        })
    }

    /// A VIP the daemon starts (in `Init`, at its configured priority).
    pub fn add_vip(&self, sample: VipSample) {
        let mut vips = lock(&self.vips);
        // A VIP started again by a reload takes its predecessor's place.
        match vips.iter_mut().find(|v| v.name == sample.name) {
            Some(v) => *v = sample,
            None => vips.push(sample),
        }
    }

    /// A VIP removed by a reload, once its thread has ended.
    pub fn remove_vip(&self, name: &str) {
        lock(&self.vips).retain(|v| v.name != name);
    }

    /// A reload changed the VIP's configured priority.
    pub fn set_base_priority(&self, name: &str, base: u8) {
        if let Some(v) = lock(&self.vips).iter_mut().find(|v| v.name == name) {
            v.base_priority = base;
        }
    }

    /// A VIP thread's news.
    pub fn update_vip(&self, name: &str, update: VipUpdate) {
        let now = SystemTime::now();
        {
            let mut vips = lock(&self.vips);
            let Some(v) = vips.iter_mut().find(|v| v.name == name) else {
                return;
            };
            if update.transition.is_some() {
                v.since = now;
                v.transitions += 1;
            }
            v.state = update.state;
            v.priority = update.priority;
            v.master = update.master;
            v.handed_over = update.handed_over;
            v.vrrp = update.vrrp;
        }
        if let Some(message) = update.transition {
            self.push_event(EventKind::Vip, name, message);
        }
    }

    /// The trackers' word on why a VIP's priority is lowered (or why it is in fault).
    pub fn set_tracker_reasons(&self, name: &str, reasons: Vec<String>) {
        if let Some(v) = lock(&self.vips).iter_mut().find(|v| v.name == name) {
            v.tracker_reasons = reasons;
        }
    }

    pub fn push_event(&self, kind: EventKind, subject: &str, message: String) {
        let mut events = lock(&self.events);
        if events.len() == EVENTS_SHOWN {
            events.pop_front();
        }
        events.push_back(Event {
            at_ms: epoch_ms(SystemTime::now()),
            kind,
            subject: subject.to_string(),
            message,
        });
    }

    /// The running config and its last reload.
    pub fn config(&self) -> ConfigStatus {
        lock(&self.config).clone()
    }

    pub fn update_config(&self, change: impl FnOnce(&mut ConfigStatus)) {
        change(&mut lock(&self.config));
    }

    pub fn vips(&self) -> Vec<VipSample> {
        lock(&self.vips).clone()
    }

    pub fn events(&self) -> Vec<Event> {
        lock(&self.events).iter().cloned().collect()
    }

    /// Listeners bound and VIP threads started.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

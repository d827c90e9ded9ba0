//! Runs a VIP's trackers: one thread per probing tracker, one aggregator that keeps the
//! rise/fall state and reports the effective priority whenever it changes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::probe::{self, FrontendReady};
use super::score::{carried_over, effective, fresh, Effective, Health, Hysteresis};
use kubegate_config::model::Tracker;

/// What the trackers say now, with each tracker's health for status output.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerUpdate {
    pub effective: Effective,
    pub health: Vec<Health>,
}

/// Stops the tracker threads when dropped.
pub struct TrackerHandle {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    initial: TrackerUpdate,
    trackers: Vec<Tracker>,
    /// What the trackers say now (the aggregator keeps it).
    current: Arc<Mutex<TrackerUpdate>>,
}

impl TrackerHandle {
    /// The state before any probe ran: the health each tracker started with.
    pub fn initial(&self) -> &TrackerUpdate {
        &self.initial
    }

    /// The health `new` trackers start with when they replace these (a reload): see
    /// `score::carried_over`.
    pub fn carried_to(&self, new: &[Tracker]) -> Vec<Option<Health>> {
        let now = self.current.lock().unwrap_or_else(|p| p.into_inner());
        carried_over(&self.trackers, &now.health, new)
    }
}

impl Drop for TrackerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Start probing, each tracker at its `starting` health (carried over on a reload; where
/// there is none, `score::fresh`); `on_change` is called from a tracker thread after each
/// change.
pub fn spawn(
    base: u8,
    trackers: Vec<Tracker>,
    mut starting: Vec<Option<Health>>,
    frontend_ready: FrontendReady,
    on_change: impl Fn(TrackerUpdate) + Send + 'static,
) -> TrackerHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let weights: Vec<i16> = trackers.iter().map(|t| t.weight).collect();
    starting.resize(trackers.len(), None);
    let initial_health: Vec<Health> = trackers
        .iter()
        .zip(starting)
        .map(|(t, h)| h.unwrap_or_else(|| fresh(&t.kind, |name| frontend_ready(name))))
        .collect();
    let initial = TrackerUpdate {
        effective: effective(
            base,
            weights.iter().copied().zip(initial_health.iter().copied()),
        ),
        health: initial_health,
    };
    let mut threads = Vec::new();
    let current = Arc::new(Mutex::new(initial.clone()));
    if trackers.is_empty() {
        return TrackerHandle {
            stop,
            threads,
            initial,
            trackers,
            current,
        };
    }
    let (tx, rx) = mpsc::channel::<(usize, bool)>();
    for (index, tracker) in trackers.iter().cloned().enumerate() {
        let tx = tx.clone();
        let stop = stop.clone();
        let ready = frontend_ready.clone();
        threads.push(thread::spawn(move || {
            probe_loop(index, tracker, ready, tx, stop)
        }));
    }
    drop(tx);
    let mut states: Vec<Hysteresis> = trackers
        .iter()
        .zip(&initial.health)
        .map(|(t, &h)| {
            let mut state = Hysteresis::new(t.rise, t.fall);
            state.reset(h);
            state
        })
        .collect();
    let mut last = initial.clone();
    let agg_stop = stop.clone();
    let agg_current = current.clone();
    threads.push(thread::spawn(move || loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok((index, ok)) => {
                if states[index].record(ok).is_some() {
                    let health: Vec<Health> = states.iter().map(Hysteresis::health).collect();
                    let now = TrackerUpdate {
                        effective: effective(
                            base,
                            weights.iter().copied().zip(health.iter().copied()),
                        ),
                        health,
                    };
                    if now != last {
                        last = now.clone();
                        *agg_current.lock().unwrap_or_else(|p| p.into_inner()) = now.clone();
                        on_change(now);
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) if agg_stop.load(Ordering::SeqCst) => return,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }));
    TrackerHandle {
        stop,
        threads,
        initial,
        trackers,
        current,
    }
}

fn probe_loop(
    index: usize,
    tracker: Tracker,
    frontend_ready: FrontendReady,
    tx: Sender<(usize, bool)>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::SeqCst) {
        let ok = probe::run(&tracker.kind, tracker.timeout, &frontend_ready);
        if tx.send((index, ok)).is_err() {
            return;
        }
        // Sleep in short steps so a stop request is honoured promptly.
        let mut left = tracker.interval;
        while !left.is_zero() && !stop.load(Ordering::SeqCst) {
            let step = left.min(Duration::from_millis(50));
            thread::sleep(step);
            left -= step;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubegate_config::model::TrackerKind;
    use std::time::Instant;

    /// Waits until `seen` holds `n` entries (5 s at most).
    fn wait_for<T>(seen: &Mutex<Vec<T>>, n: usize) {
        let until = Instant::now() + Duration::from_secs(5);
        while seen.lock().unwrap().len() < n && Instant::now() < until {
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn script(command: &str, weight: i16) -> Tracker {
        Tracker {
            kind: TrackerKind::Script(command.to_string()),
            weight,
            weight_is_default: false,
            interval: Duration::from_millis(20),
            timeout: Duration::from_secs(1),
            rise: 2,
            fall: 2,
        }
    }

    #[test]
    fn trackers_restarted_by_a_reload_keep_a_failure() {
        let seen = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = seen.clone();
        let failing = script("false", -20);
        let first = spawn(
            100,
            vec![failing.clone()],
            Vec::new(),
            Arc::new(|_| false),
            move |u| sink.lock().unwrap().push(u.effective.priority),
        );
        wait_for(&seen, 1);
        assert_eq!(*seen.lock().unwrap(), [80], "the script fails: 100 − 20");
        // The reload changes the weight and the base priority of the same check.
        let reloaded = script("false", -30);
        let starting = first.carried_to(std::slice::from_ref(&reloaded));
        assert_eq!(starting, [Some(Health::Failed)]);
        drop(first);
        let again = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = again.clone();
        let second = spawn(
            120,
            vec![reloaded],
            starting,
            Arc::new(|_| false),
            move |u| sink.lock().unwrap().push(u.effective.priority),
        );
        assert_eq!(
            second.initial().effective.priority,
            90,
            "120 − 30 from the start"
        );
        thread::sleep(Duration::from_millis(200));
        drop(second);
        assert!(
            again.lock().unwrap().is_empty(),
            "the still-failing check changed nothing: {:?}",
            again.lock().unwrap()
        );
    }

    #[test]
    fn script_failure_lowers_priority_after_fall_and_recovers_after_rise() {
        let dir = std::env::temp_dir().join(format!("kg-track-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let flag = dir.join("healthy");
        std::fs::write(&flag, b"").unwrap();
        let tracker = script(&format!("test -f {}", flag.display()), -20);
        let seen = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = seen.clone();
        let handle = spawn(
            100,
            vec![tracker],
            Vec::new(),
            Arc::new(|_| false),
            move |u| sink.lock().unwrap().push(u.effective.priority),
        );
        assert_eq!(handle.initial().effective.priority, 100);
        std::fs::remove_file(&flag).unwrap();
        wait_for(&seen, 1);
        std::fs::write(&flag, b"").unwrap();
        wait_for(&seen, 2);
        drop(handle);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![80, 100]);
    }
}

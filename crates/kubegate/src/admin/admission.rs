//! Who gets into the admin endpoint when more clients come than it serves at once.
//!
//! Every accepted connection is admitted: when [`MAX_OPEN`] are open, the oldest one that is
//! still *waiting* (reading its head, or queued for a lane) is closed to make room. A probe
//! sends its head as soon as it connects, so it is read long before it could become the
//! oldest waiter; clients that hold connections open without finishing a request only ever
//! push each other out. A connection stops being evictable once it is answered: a probe at
//! once, any other request when it holds a permit of its lane ([`Lanes`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

/// Connections held at once (the head being read, queued, or being answered). Beyond it the
/// oldest waiting one is closed; when none waits, the newcomer is refused with 503.
pub const MAX_OPEN: usize = 256;
/// Requests without the operator's token answered at once (the page, the API, /metrics).
pub const ANONYMOUS_SLOTS: usize = 8;
/// Requests carrying the operator's token answered at once, apart from everyone else's.
pub const OPERATOR_SLOTS: usize = 4;
/// Longest wait in a lane's queue before the answer is 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(3);

/// The open connections; see the module doc.
pub struct Admission {
    max_open: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    /// Answered connections (not evictable).
    settled: usize,
    /// Waiting connections by age; dropping a sender closes its connection.
    waiting: BTreeMap<u64, oneshot::Sender<()>>,
}

impl Admission {
    pub fn new(max_open: usize) -> Arc<Admission> {
        Arc::new(Admission {
            max_open,
            state: Mutex::new(State::default()),
        })
    }

    /// A place for a new connection, made by closing the oldest waiting one when full;
    /// `None` when full of connections being answered.
    pub fn admit(self: &Arc<Self>) -> Option<Entry> {
        let mut s = self.lock();
        if s.settled + s.waiting.len() >= self.max_open {
            // Dropping the sender wakes the evicted connection's task, which closes it.
            s.waiting.pop_first()?;
        }
        let id = s.next_id;
        s.next_id += 1;
        let (tx, rx) = oneshot::channel();
        s.waiting.insert(id, tx);
        Some(Entry {
            admission: self.clone(),
            id,
            evicted: Some(rx),
            settled: false,
        })
    }

    /// Connections open now (waiting or answered), evicted ones not counted.
    #[cfg(test)]
    pub fn open(&self) -> usize {
        let s = self.lock();
        s.settled + s.waiting.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One admitted connection; dropping it frees its place.
pub struct Entry {
    admission: Arc<Admission>,
    id: u64,
    /// `Some` while waiting (evictable).
    evicted: Option<oneshot::Receiver<()>>,
    /// Counted among the answered connections.
    settled: bool,
}

impl Entry {
    /// Resolves when a newer connection took this one's place (never once settled).
    pub async fn evicted(&mut self) {
        match &mut self.evicted {
            Some(rx) => {
                let _ = rx.await;
            }
            None => std::future::pending().await,
        }
    }

    /// Being answered now: no longer evictable. `false` when it was evicted already.
    pub fn settle(&mut self) -> bool {
        if self.settled {
            return true;
        }
        let mut s = self.admission.lock();
        if s.waiting.remove(&self.id).is_none() {
            return false;
        }
        s.settled += 1;
        self.settled = true;
        self.evicted = None;
        true
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        let mut s = self.admission.lock();
        if self.settled {
            s.settled -= 1;
        } else {
            s.waiting.remove(&self.id);
        }
    }
}

/// The two queues requests other than probes wait in, so a flood of anonymous requests
/// cannot keep the operator (who sends the token) out.
pub struct Lanes {
    anonymous: Arc<Semaphore>,
    operator: Arc<Semaphore>,
}

impl Default for Lanes {
    fn default() -> Lanes {
        Lanes {
            anonymous: Arc::new(Semaphore::new(ANONYMOUS_SLOTS)),
            operator: Arc::new(Semaphore::new(OPERATOR_SLOTS)),
        }
    }
}

impl Lanes {
    /// A permit of the operator's lane (`operator`) or everyone else's, in arrival order,
    /// within [`QUEUE_WAIT`]; `None` when none came in time.
    pub async fn enter(&self, operator: bool) -> Option<OwnedSemaphorePermit> {
        let lane = if operator {
            &self.operator
        } else {
            &self.anonymous
        };
        tokio::time::timeout(QUEUE_WAIT, lane.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_waiting_connection_makes_room() {
        let a = Admission::new(2);
        let mut first = a.admit().unwrap();
        let mut second = a.admit().unwrap();
        assert_eq!(a.open(), 2);
        let mut third = a.admit().unwrap();
        assert_eq!(a.open(), 2, "the first was evicted");
        assert!(!first.settle(), "evicted: cannot settle");
        assert!(second.settle());
        assert!(third.settle());
        // Both answered: nobody can be evicted, a newcomer is refused.
        assert!(a.admit().is_none());
        drop(second);
        assert_eq!(a.open(), 1);
        let _fourth = a.admit().unwrap();
        drop(first);
        assert_eq!(a.open(), 2);
    }

    #[test]
    fn eviction_wakes_the_evicted_connection() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let a = Admission::new(1);
            let mut old = a.admit().unwrap();
            let mut new = a.admit().unwrap();
            tokio::time::timeout(Duration::from_secs(1), old.evicted())
                .await
                .expect("the old one is told");
            let still = tokio::time::timeout(Duration::from_millis(20), new.evicted()).await;
            assert!(still.is_err(), "the new one waits on");
            assert!(new.settle());
            drop(old);
            assert_eq!(a.open(), 1);
        });
    }
}

//! What the daemon's main loop reacts to, and the caller's handle on it: [`Control`] asks for
//! a reload or a stop (`kubegate run` sends these on SIGHUP and SIGTERM/SIGINT; tests send
//! them in-process); the daemon's own threads report on the same [`Inbox`].

use std::sync::mpsc::{self, Receiver, Sender};

/// A reload's outcome: the one-line summary when accepted, the located errors (one per line)
/// when rejected (the running config kept).
pub type ReloadOutcome = Result<String, String>;

/// Where a reload's outcome is sent.
pub(crate) type ReloadReply = tokio::sync::oneshot::Sender<ReloadOutcome>;

/// Something the main loop must react to.
pub(crate) enum Event {
    /// Read the file again and apply it; the outcome goes to `reply` too (the admin
    /// endpoint's `POST /api/v1/reload` waits on it; SIGHUP has none).
    Reload { reply: Option<ReloadReply> },
    /// Hand every VIP over, then drain and return; `why` starts the log line
    /// (`signal 15: handing over …`).
    Stop { why: String },
    VipEnded {
        name: String,
        /// Which thread of that name (a VIP replaced by a reload runs again under it).
        id: u64,
        result: std::io::Result<()>,
    },
    /// `/healthz`: the main loop answers by beating its heartbeat.
    Ping,
}

/// The caller's side: cheap to clone, usable from any thread (a signal handler's too).
#[derive(Clone)]
pub struct Control(Sender<Event>);

/// The daemon's side, given to [`super::run`].
pub struct Inbox {
    pub(crate) sender: Sender<Event>,
    pub(crate) receiver: Receiver<Event>,
}

/// A control and the inbox it sends to.
pub fn channel() -> (Control, Inbox) {
    let (sender, receiver) = mpsc::channel();
    (Control(sender.clone()), Inbox { sender, receiver })
}

impl Control {
    /// As SIGHUP: parse → validate → apply the file; on error the running config is kept.
    pub fn reload(&self) {
        let _ = self.0.send(Event::Reload { reply: None });
    }

    /// As SIGTERM: hand every VIP over, then drain the connections and return. `why` names the
    /// cause in the log (`signal 15`).
    pub fn stop(&self, why: impl Into<String>) {
        let _ = self.0.send(Event::Stop { why: why.into() });
    }
}

//! The BFD driver: every BFD session of this node (RFC 5880 asynchronous mode over UDP, RFC
//! 5881 single hop, RFC 5883 multihop) on one thread, around the sans-IO `bfd` crate.
//!
//! [`Bfd::start`] opens the sockets, starts the thread and returns a handle; the thread
//! demultiplexes received packets to sessions (`sessions`), authenticates keyed packets
//! (`auth`), drives the sessions' timers, sends what they ask and reports every state change
//! to a callback. [`Bfd::status`] reads the last snapshot; [`Bfd::stop`] takes every session
//! AdminDown, so the peers tell a shutdown from a failure (RFC 5880 §6.8.16), and ends the
//! thread.
//!
//! - `config`: what a session is configured with ([`BfdPeer`], [`BfdAuth`]).
//! - `auth`: keyed MD5 / SHA1 (RFC 5880 §6.7.3, §6.7.4).
//! - `sessions`: the sessions, demultiplexing (§6.3, §6.8.6) and counters; no sockets.
//! - `status`: [`BfdStatus`], what the status page and API show of a session.
//! - `driver`: the thread: sockets, `poll(2)`, the control channel.

mod auth;
mod config;
mod driver;
mod sessions;
mod status;

use std::io::{self, Write as _};
use std::net::IpAddr;
use std::os::unix::net::UnixStream;
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;

pub use ::bfd::{Diagnostic, State as BfdState};
pub use auth::KeyedKind;
pub use config::{BfdAuth, BfdPeer};
pub use status::{diagnostic_name, BfdStatus};

/// Called on the BFD thread for every state change of a session: the peer, the new state,
/// bfd.LocalDiag, why (RFC 5880 §6.8.1), and the peer's last state. A change to Down means the
/// path failed (or the peer said so): a BGP session over it goes down at once (RFC 5882
/// §3.2), unless the peer's state is AdminDown (it took the session down on purpose).
pub type OnChange = Box<dyn Fn(IpAddr, BfdState, Diagnostic, BfdState) + Send>;

/// What the handle asks of the thread.
#[derive(Debug)]
enum Command {
    /// Every session AdminDown (§6.8.16), a short linger for the peers to hear it, then end.
    Stop,
    /// One session AdminDown (`true`) or enabled again (`false`), RFC 5880 §6.8.16.
    AdminDown(IpAddr, bool),
}

/// The running BFD sessions of this node.
pub struct Bfd {
    control: mpsc::Sender<Command>,
    wake: UnixStream,
    status: Arc<Mutex<Vec<BfdStatus>>>,
    thread: Option<JoinHandle<()>>,
}

impl Bfd {
    /// Opens the sockets (in the calling thread's network namespace) and starts one thread
    /// that runs a session per peer. Fails on an invalid peer (a bad key, two sessions to one
    /// peer) or a socket that cannot be bound (port 3784 needs no privilege, but an address
    /// that is not local fails to send).
    pub fn start(peers: Vec<BfdPeer>, on_change: OnChange) -> io::Result<Bfd> {
        let (control, commands) = mpsc::channel();
        let (wake, wake_rx) = UnixStream::pair()?;
        let status = Arc::new(Mutex::new(Vec::new()));
        let thread = driver::spawn(peers, on_change, commands, wake_rx, Arc::clone(&status))?;
        Ok(Bfd {
            control,
            wake,
            status,
            thread: Some(thread),
        })
    }

    /// One entry per session, as of the thread's last round.
    pub fn status(&self) -> Vec<BfdStatus> {
        self.status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Takes the session with `peer` administratively down (`true`: the peer sees AdminDown,
    /// diagnostic 7, and does not count it as a path failure) or enables it again (`false`:
    /// Down, then the usual three-way handshake), RFC 5880 §6.8.16. Unknown peers are ignored.
    pub fn set_admin_down(&self, peer: IpAddr, down: bool) {
        self.send(Command::AdminDown(peer, down));
    }

    fn send(&self, command: Command) {
        if self.control.send(command).is_ok() {
            let _ = (&self.wake).write(&[1]);
        }
    }

    /// Takes every session AdminDown (RFC 5880 §6.8.16: the peers see diagnostic 7 and do not
    /// count it as a path failure, RFC 5882 §3.2), repeats that for up to one detection time
    /// (at most a second), then closes the sockets. Returns once the thread has ended.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.send(Command::Stop);
        if thread.join().is_err() {
            tracing::error!("the BFD thread panicked");
        }
    }
}

impl Drop for Bfd {
    fn drop(&mut self) {
        self.shutdown();
    }
}

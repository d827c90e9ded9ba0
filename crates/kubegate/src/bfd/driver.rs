//! The BFD thread: the sockets (one receiver per local address and control port, one sender
//! per session with its own source port, RFC 5881 §4), `poll(2)` on the receivers and the
//! wake socket until the next session timer, and the control channel.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ::bfd::transport;
use kubegate_sys::bfd_socket::BfdSocket;

use super::sessions::{first_source_port, Sessions, MAX_PACKET};
use super::status::{diagnostic_name, BfdStatus};
use super::{BfdPeer, Command, OnChange};

/// At most this long is spent repeating AdminDown on stop.
const MAX_LINGER: Duration = Duration::from_secs(1);
/// Room for a datagram: a control packet is at most `MAX_PACKET` (52) bytes, but a payload
/// may run past its Length field (RFC 5880 §6.8.6 discards only the opposite), so padding
/// is tolerated; anything longer is dropped as truncated.
const RECV_BUFFER: usize = 4 * MAX_PACKET;
/// Datagrams read from one socket per round, so one busy socket cannot starve the timers.
const READ_BUDGET: usize = 64;

/// A receiver and whether it is the multihop port.
struct Receiver {
    socket: BfdSocket,
    multihop: bool,
}

struct Driver {
    sessions: Sessions,
    receivers: Vec<Receiver>,
    /// One per session, in the sessions' order.
    senders: Vec<BfdSocket>,
    on_change: OnChange,
    commands: mpsc::Receiver<Command>,
    wake: UnixStream,
    status: Arc<Mutex<Vec<BfdStatus>>>,
}

/// A seed no other process shares: the standard library's per-process random hash keys.
fn random_seed() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// Opens every socket, then starts the thread.
pub(super) fn spawn(
    peers: Vec<BfdPeer>,
    on_change: OnChange,
    commands: mpsc::Receiver<Command>,
    wake: UnixStream,
    status: Arc<Mutex<Vec<BfdStatus>>>,
) -> io::Result<JoinHandle<()>> {
    let sessions = Sessions::new(Instant::now(), peers, random_seed())?;
    let mut receivers: Vec<Receiver> = Vec::new();
    let mut senders = Vec::new();
    for (i, peer) in sessions.peers().enumerate() {
        let port = if peer.multihop {
            transport::MULTIHOP_CONTROL_PORT
        } else {
            transport::CONTROL_PORT
        };
        let bound = |r: &Receiver| r.socket.local_addr() == SocketAddr::new(peer.local, port);
        if !receivers.iter().any(bound) {
            let socket = BfdSocket::receiver(peer.local, port).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("BFD: cannot bind {}:{port}: {e}", peer.local),
                )
            })?;
            receivers.push(Receiver {
                socket,
                multihop: peer.multihop,
            });
        }
        let first = first_source_port(sessions.local_discr(i));
        let sender = BfdSocket::sender(peer.local, transport::SOURCE_PORTS, first)?;
        senders.push(sender);
    }
    wake.set_nonblocking(true)?;
    let mut driver = Driver {
        sessions,
        receivers,
        senders,
        on_change,
        commands,
        wake,
        status,
    };
    driver.publish();
    std::thread::Builder::new()
        .name("bfd".into())
        .spawn(move || driver.run())
}

impl Driver {
    fn run(&mut self) {
        let mut stopping: Option<(Instant, Duration)> = None;
        let mut next_repeat: Option<Instant> = None;
        let mut buf = [0u8; RECV_BUFFER];
        loop {
            let now = Instant::now();
            self.sessions.timeout(now);
            if let (Some((until, every)), Some(at)) = (stopping, next_repeat) {
                if now >= at && now < until {
                    self.sessions.repeat_admin_down();
                    next_repeat = Some(now + every);
                }
            }
            self.flush();
            if let Some((until, _)) = stopping {
                if now >= until || self.sessions.all_quiet() {
                    return;
                }
            }
            let mut deadline = self.sessions.next_timeout();
            if let Some((until, _)) = stopping {
                deadline = Some(deadline.map_or(until, |d| d.min(until)));
                deadline = next_repeat.map_or(deadline, |r| deadline.map(|d| d.min(r)));
            }
            let timeout = deadline.map(|d| d.saturating_duration_since(now));
            let ready = match self.wait(timeout) {
                Ok(ready) => ready,
                Err(e) => {
                    tracing::error!("BFD: poll failed: {e}");
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            for (r, readable) in ready.iter().enumerate().take(self.receivers.len()) {
                if *readable {
                    self.read(r, &mut buf);
                }
            }
            if ready.last().copied().unwrap_or(false) || stopping.is_none() {
                if let Some(linger) = self.commands_pending() {
                    let now = Instant::now();
                    self.sessions.admin_down_all(now);
                    let every = self.repeat_interval();
                    stopping = Some((now + linger, every));
                    next_repeat = Some(now + every);
                }
            }
        }
    }

    fn wait(&self, timeout: Option<Duration>) -> io::Result<Vec<bool>> {
        let mut fds: Vec<BorrowedFd<'_>> =
            self.receivers.iter().map(|r| r.socket.as_fd()).collect();
        fds.push(self.wake.as_fd());
        kubegate_sys::wait_any(&fds, timeout)
    }

    fn read(&mut self, r: usize, buf: &mut [u8]) {
        for _ in 0..READ_BUDGET {
            let receiver = &self.receivers[r];
            match receiver.socket.recv(buf) {
                Ok(Some(d)) => {
                    let (multihop, src) = (receiver.multihop, d.src.ip());
                    self.sessions
                        .receive(Instant::now(), multihop, src, d.ttl, &buf[..d.len]);
                }
                Ok(None) => return,
                Err(e) => {
                    tracing::debug!("BFD: receive failed: {e}");
                    return;
                }
            }
        }
    }

    /// Drains the wake socket and the channel and carries out the commands; `Some(linger)`
    /// when asked to stop (or when the handle is gone).
    fn commands_pending(&mut self) -> Option<Duration> {
        let mut sink = [0u8; 64];
        while matches!(self.wake.read(&mut sink), Ok(n) if n > 0) {}
        loop {
            match self.commands.try_recv() {
                Ok(Command::AdminDown(peer, down)) => {
                    self.sessions.set_admin_down(Instant::now(), peer, down);
                }
                Ok(Command::Stop) | Err(mpsc::TryRecvError::Disconnected) => {
                    return Some(self.linger());
                }
                Err(mpsc::TryRecvError::Empty) => return None,
            }
        }
    }

    /// One Detection Time as the peers see it (interval × multiplier), at most a second.
    fn linger(&self) -> Duration {
        self.sessions
            .peers()
            .map(|p| p.interval * u32::from(p.multiplier))
            .max()
            .unwrap_or_default()
            .min(MAX_LINGER)
    }

    fn repeat_interval(&self) -> Duration {
        self.sessions
            .peers()
            .map(|p| p.interval)
            .min()
            .unwrap_or(MAX_LINGER)
            .max(Duration::from_millis(10))
    }

    /// Sends what the sessions asked for, publishes the status, then reports the changes (so
    /// whoever hears of a change reads a status at least as new).
    fn flush(&mut self) {
        let (outgoing, changes) = self.sessions.take();
        for packet in outgoing {
            let peer = self.senders_peer(packet.index);
            let port = self.sessions.destination_port(packet.index);
            let dst = SocketAddr::new(peer, port);
            if let Err(e) = self.senders[packet.index].send_to(&packet.bytes, dst) {
                tracing::debug!("BFD: send to {dst} failed: {e}");
                self.sessions.send_failed(packet.index);
            }
        }
        self.publish();
        for change in &changes {
            tracing::info!(
                peer = %change.peer,
                "BFD session {:?} ({})",
                change.to,
                diagnostic_name(change.diag)
            );
            (self.on_change)(change.peer, change.to, change.diag, change.remote);
        }
    }

    fn senders_peer(&self, index: usize) -> IpAddr {
        self.sessions
            .peers()
            .nth(index)
            .map(|p| p.peer)
            .unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn publish(&self) {
        let snapshot = self.sessions.status();
        *self
            .status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = snapshot;
    }
}

//! Moving bytes both ways between a client and its backend until both directions end.
//!
//! Per direction: wait until the source is readable (tokio readiness, no buffer owned while
//! waiting), borrow a pipe from the worker's pool, `splice(2)` source → pipe → destination
//! until the source would block, give the pipe back empty. Idle connections hold no pipe and
//! no buffer. If no pipe can be had, one turn is copied through a short-lived buffer.
//!
//! End of file from one side is passed on as a half-close (`shutdown(SHUT_WR)`) toward the
//! other while the other direction goes on (`kubectl exec` relies on it). An error on either
//! socket (reset, broken pipe) ends the whole connection.

use std::io;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use tokio::io::Interest;
use tokio::net::TcpStream;

use super::connlog::Termination;
use super::pipes;
use crate::sys::splice::{self, Pipe};
use crate::sys::tcp;

/// Turns of fill + drain before waiting on readiness again, so one busy connection cannot
/// starve the others of its worker (the readiness wait takes part in tokio's budget).
const TURNS_PER_WAKE: usize = 16;

/// Buffer of the copy path (used only when no pipe can be made).
const COPY_BUF: usize = 16 * 1024;

/// What one connection has moved, readable by the idle watchdog and the log while the relay
/// runs (and after it was cancelled).
#[derive(Debug)]
pub struct Traffic {
    start: Instant,
    pub from_client: AtomicU64,
    pub from_backend: AtomicU64,
    /// Milliseconds after `start` of the last bytes moved either way.
    last_ms: AtomicU64,
    /// 0 = no end of file yet, 1 = the client's came first, 2 = the backend's.
    first_eof: AtomicU8,
}

impl Traffic {
    pub fn new(start: Instant) -> Traffic {
        Traffic {
            start,
            from_client: AtomicU64::new(0),
            from_backend: AtomicU64::new(0),
            last_ms: AtomicU64::new(0),
            first_eof: AtomicU8::new(0),
        }
    }

    /// When bytes last moved either way (the start if none did).
    pub fn last_activity(&self) -> Instant {
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    fn touch(&self) {
        let ms = self.start.elapsed().as_millis() as u64;
        self.last_ms.store(ms, Ordering::Relaxed);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Client,
    Backend,
}

impl Side {
    fn closed(self) -> Termination {
        match self {
            Side::Client => Termination::ClientClosed,
            Side::Backend => Termination::BackendClosed,
        }
    }
}

/// Relay until both directions have ended (then: whose end of file came first) or either
/// socket fails (then: that side). `on_bytes(from_client, n)` is called once per turn for
/// the frontend's counters.
pub async fn relay(
    client: &TcpStream,
    backend: &TcpStream,
    traffic: &Traffic,
    on_bytes: &(dyn Fn(bool, u64) + Sync),
) -> Termination {
    let up = one_way(client, backend, Side::Client, traffic, on_bytes);
    let down = one_way(backend, client, Side::Backend, traffic, on_bytes);
    match tokio::try_join!(up, down) {
        Ok(_) => match traffic.first_eof.load(Ordering::Relaxed) {
            2 => Termination::BackendClosed,
            _ => Termination::ClientClosed,
        },
        Err(side) => side.closed(),
    }
}

/// One direction; `Err(side)` names the side whose socket failed.
async fn one_way(
    src: &TcpStream,
    dst: &TcpStream,
    from: Side,
    traffic: &Traffic,
    on_bytes: &(dyn Fn(bool, u64) + Sync),
) -> Result<(), Side> {
    let to = if from == Side::Client {
        Side::Backend
    } else {
        Side::Client
    };
    let counter = if from == Side::Client {
        &traffic.from_client
    } else {
        &traffic.from_backend
    };
    loop {
        src.readable().await.map_err(|_| from)?;
        let (moved, eof) = match pipes::take() {
            Some(pipe) => {
                let outcome = splice_turn(src, dst, &pipe).await;
                if outcome.pipe_empty {
                    pipes::give_back(pipe);
                }
                (outcome.moved, outcome.result)
            }
            None => copy_turn(src, dst).await,
        };
        if moved > 0 {
            counter.fetch_add(moved, Ordering::Relaxed);
            on_bytes(from == Side::Client, moved);
            traffic.touch();
        }
        match eof {
            Ok(false) => {}
            Ok(true) => {
                let code = if from == Side::Client { 1 } else { 2 };
                let _ = traffic.first_eof.compare_exchange(
                    0,
                    code,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
                // The other side may be gone already; its own direction reports that.
                let _ = tcp::shutdown_write(dst.as_fd());
                return Ok(());
            }
            Err(Fault::Read) => return Err(from),
            Err(Fault::Write) => return Err(to),
        }
    }
}

enum Fault {
    Read,
    Write,
}

struct TurnOutcome {
    moved: u64,
    /// `Ok(true)`: end of file read from the source.
    result: Result<bool, Fault>,
    pipe_empty: bool,
}

/// Splice while the source has bytes (at most `TURNS_PER_WAKE` pipe loads).
async fn splice_turn(src: &TcpStream, dst: &TcpStream, pipe: &Pipe) -> TurnOutcome {
    let mut moved = 0u64;
    for _ in 0..TURNS_PER_WAKE {
        let n = match src.try_io(Interest::READABLE, || {
            pipe.fill_from(src.as_fd(), pipe.capacity())
        }) {
            Ok(0) => return outcome(moved, Ok(true), true),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return outcome(moved, Err(Fault::Read), true),
        };
        let mut left = n;
        while left > 0 {
            match dst.try_io(Interest::WRITABLE, || {
                pipe.drain_to(dst.as_fd(), left, false)
            }) {
                Ok(m) => left -= m.min(left),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if dst.writable().await.is_err() {
                        return outcome(moved, Err(Fault::Write), false);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return outcome(moved, Err(Fault::Write), false),
            }
        }
        moved += n as u64;
    }
    outcome(moved, Ok(false), true)
}

fn outcome(moved: u64, result: Result<bool, Fault>, pipe_empty: bool) -> TurnOutcome {
    TurnOutcome {
        moved,
        result,
        pipe_empty,
    }
}

/// The copy path: one buffer's worth through user space, the buffer freed afterwards.
async fn copy_turn(src: &TcpStream, dst: &TcpStream) -> (u64, Result<bool, Fault>) {
    let mut buf = vec![0u8; COPY_BUF];
    let n = loop {
        match src.try_io(Interest::READABLE, || splice::read(src.as_fd(), &mut buf)) {
            Ok(0) => return (0, Ok(true)),
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return (0, Ok(false)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return (0, Err(Fault::Read)),
        }
    };
    let mut sent = 0;
    while sent < n {
        match dst.try_io(Interest::WRITABLE, || {
            splice::send(dst.as_fd(), &buf[sent..n])
        }) {
            Ok(m) => sent += m,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if dst.writable().await.is_err() {
                    return (sent as u64, Err(Fault::Write));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return (sent as u64, Err(Fault::Write)),
        }
    }
    (n as u64, Ok(false))
}

//! Moving bytes both ways between a client and its backend until both directions end.
//!
//! Per direction: wait until the source is readable (tokio readiness, registered from `poll`,
//! nothing owned while waiting), then move what is there in one of two modes, chosen per
//! direction as haproxy's `splice-auto` does:
//! - small transfers (requests, watch events): `recv` into the worker's one shared buffer and
//!   `send` at once; a short read means the socket is drained (as nginx and haproxy assume
//!   with edge-triggered epoll), which saves the `EAGAIN` call. Only bytes the destination
//!   cannot take at once are copied into a buffer of the connection's own, until written.
//! - bulk transfers (a read filled the shared buffer): borrow a pipe from the worker's pool,
//!   `splice(2)` source → pipe → destination until the source would block, give the pipe back
//!   empty; back to the first mode when a splice moves little.
//!
//! Idle connections hold no pipe and no buffer, and the relay itself is a small hand-written
//! future (a few dozen bytes per direction), because its size is most of what an idle
//! connection costs.
//!
//! End of file from one side is passed on as a half-close (`shutdown(SHUT_WR)`) toward the
//! other while the other direction goes on (`kubectl exec` relies on it). An error on either
//! socket (reset, broken pipe) ends the whole connection.

use std::future::Future;
use std::io;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::Interest;
use tokio::net::TcpStream;

use super::connlog::Termination;
use super::pipes;
use kubegate_sys::splice::{self, Pipe};
use kubegate_sys::tcp;

/// Pipe loads moved per direction in one poll before yielding to the worker's other
/// connections (tokio's budget also bounds the readiness polls).
const LOADS_PER_POLL: u32 = 16;

/// The worker's shared read buffer. A read that fills it switches the direction to splice.
const SHARED_BUF: usize = 16 * 1024;

/// A splice that moves less than this switches the direction back to the shared buffer.
const SPLICE_MIN: usize = 8 * 1024;

thread_local! {
    static SHARED: std::cell::RefCell<Box<[u8]>> =
        std::cell::RefCell::new(vec![0u8; SHARED_BUF].into_boxed_slice());
}

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

    /// When the relay began (the backend connection was established).
    pub fn started(&self) -> Instant {
        self.start
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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
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
    fn other(self) -> Side {
        match self {
            Side::Client => Side::Backend,
            Side::Backend => Side::Client,
        }
    }
}

/// Bytes read from the source and not yet written to the destination.
enum Held {
    /// In a pipe (`left` bytes).
    Pipe { pipe: Pipe, left: usize },
    /// In a buffer (the copy path): `buf[at..end]`.
    Buf {
        buf: Box<[u8]>,
        at: usize,
        end: usize,
    },
}

enum State {
    /// Waiting for the source (holds nothing).
    Open,
    /// Waiting for the destination to take held bytes.
    Writing(Held),
    /// End of file passed on.
    Done,
}

/// One direction of the relay.
struct Dir {
    from: Side,
    state: State,
    /// Bulk mode: splice through a pipe.
    splice: bool,
}

/// Relay until both directions have ended (then: whose end of file came first) or either
/// socket fails (then: that side). `on_bytes(from_client, n)` feeds the frontend's counters.
pub fn relay<'a>(
    client: &'a TcpStream,
    backend: &'a TcpStream,
    traffic: &'a Traffic,
    on_bytes: &'a (dyn Fn(bool, u64) + Sync),
) -> Relay<'a> {
    Relay {
        client,
        backend,
        traffic,
        on_bytes,
        up: Dir {
            from: Side::Client,
            state: State::Open,
            splice: false,
        },
        down: Dir {
            from: Side::Backend,
            state: State::Open,
            splice: false,
        },
    }
}

/// The future `relay` returns.
pub struct Relay<'a> {
    client: &'a TcpStream,
    backend: &'a TcpStream,
    traffic: &'a Traffic,
    on_bytes: &'a (dyn Fn(bool, u64) + Sync),
    up: Dir,
    down: Dir,
}

impl Future for Relay<'_> {
    type Output = Termination;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Termination> {
        let this = self.get_mut();
        let io = Io {
            client: this.client,
            backend: this.backend,
            traffic: this.traffic,
            on_bytes: this.on_bytes,
        };
        let up = io.poll_dir(&mut this.up, cx, matches!(this.down.state, State::Done));
        if let Poll::Ready(Err(side)) = up {
            return Poll::Ready(side.closed());
        }
        let down = io.poll_dir(&mut this.down, cx, matches!(this.up.state, State::Done));
        if let Poll::Ready(Err(side)) = down {
            return Poll::Ready(side.closed());
        }
        if up.is_ready() && down.is_ready() {
            return Poll::Ready(match this.traffic.first_eof.load(Ordering::Relaxed) {
                2 => Termination::BackendClosed,
                _ => Termination::ClientClosed,
            });
        }
        Poll::Pending
    }
}

struct Io<'a> {
    client: &'a TcpStream,
    backend: &'a TcpStream,
    traffic: &'a Traffic,
    on_bytes: &'a (dyn Fn(bool, u64) + Sync),
}

impl Io<'_> {
    /// `Ready(Ok)`: this direction is done; `Ready(Err(side))`: that side's socket failed.
    /// `other_done`: the other direction has ended (no half-close to pass on: both sockets
    /// close next).
    fn poll_dir(
        &self,
        dir: &mut Dir,
        cx: &mut Context<'_>,
        other_done: bool,
    ) -> Poll<Result<(), Side>> {
        let mut moved = 0u64;
        let r = self.advance(dir, cx, &mut moved, other_done);
        if moved > 0 {
            let counter = match dir.from {
                Side::Client => &self.traffic.from_client,
                Side::Backend => &self.traffic.from_backend,
            };
            counter.fetch_add(moved, Ordering::Relaxed);
            (self.on_bytes)(dir.from == Side::Client, moved);
            self.traffic.touch();
        }
        r
    }

    fn advance(
        &self,
        dir: &mut Dir,
        cx: &mut Context<'_>,
        moved: &mut u64,
        other_done: bool,
    ) -> Poll<Result<(), Side>> {
        let (src, dst) = match dir.from {
            Side::Client => (self.client, self.backend),
            Side::Backend => (self.backend, self.client),
        };
        let (from, to) = (dir.from, dir.from.other());
        let mut loads = 0;
        loop {
            match std::mem::replace(&mut dir.state, State::Done) {
                State::Done => return Poll::Ready(Ok(())),
                State::Writing(mut held) => match write_held(dst, &mut held, cx, moved) {
                    Poll::Pending => {
                        dir.state = State::Writing(held);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(())) => return Poll::Ready(Err(to)),
                    Poll::Ready(Ok(())) => {
                        loads += 1;
                        match held {
                            Held::Pipe { pipe, .. } if loads < LOADS_PER_POLL => {
                                // Read again at once while the pipe is at hand.
                                match fill(src, pipe) {
                                    Filled::Some(held) => {
                                        dir.splice = held_len(&held) >= SPLICE_MIN;
                                        dir.state = State::Writing(held);
                                    }
                                    Filled::Moved | Filled::Empty => dir.state = State::Open,
                                    Filled::Eof => return self.eof(dir, dst, other_done),
                                    Filled::Failed => return Poll::Ready(Err(from)),
                                }
                            }
                            Held::Pipe { pipe, .. } => {
                                pipes::give_back(pipe);
                                dir.state = State::Open;
                                // Let the others run; come back at once.
                                cx.waker().wake_by_ref();
                                return Poll::Pending;
                            }
                            Held::Buf { .. } => dir.state = State::Open,
                        }
                    }
                },
                State::Open => {
                    if loads >= LOADS_PER_POLL {
                        dir.state = State::Open;
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    match src.poll_read_ready(cx) {
                        Poll::Pending => {
                            dir.state = State::Open;
                            return Poll::Pending;
                        }
                        Poll::Ready(Err(_)) => return Poll::Ready(Err(from)),
                        Poll::Ready(Ok(())) => {}
                    }
                    loads += 1;
                    let filled = match dir.splice.then(pipes::take).flatten() {
                        Some(pipe) => {
                            let filled = fill(src, pipe);
                            if let Filled::Some(held) = &filled {
                                dir.splice = held_len(held) >= SPLICE_MIN;
                            }
                            filled
                        }
                        None => {
                            let (filled, full) = copy_through(src, dst, moved);
                            dir.splice = full;
                            filled
                        }
                    };
                    match filled {
                        Filled::Some(held) => dir.state = State::Writing(held),
                        Filled::Moved | Filled::Empty => dir.state = State::Open,
                        Filled::Eof => return self.eof(dir, dst, other_done),
                        Filled::Failed => return Poll::Ready(Err(from)),
                    }
                }
            }
        }
    }

    fn eof(&self, dir: &mut Dir, dst: &TcpStream, other_done: bool) -> Poll<Result<(), Side>> {
        let code = if dir.from == Side::Client { 1 } else { 2 };
        let _ =
            self.traffic
                .first_eof
                .compare_exchange(0, code, Ordering::Relaxed, Ordering::Relaxed);
        // The other side may be gone already; its own direction reports that.
        if !other_done {
            let _ = tcp::shutdown_write(dst.as_fd());
        }
        dir.state = State::Done;
        Poll::Ready(Ok(()))
    }
}

enum Filled {
    /// Bytes read and not all written yet.
    Some(Held),
    /// Bytes read and all written at once (the shared-buffer path).
    Moved,
    /// Nothing to read now (readiness cleared; the pipe went back to the pool).
    Empty,
    Eof,
    /// The source failed.
    Failed,
}

fn held_len(held: &Held) -> usize {
    match held {
        Held::Pipe { left, .. } => *left,
        Held::Buf { at, end, .. } => end - at,
    }
}

/// One splice from the socket into the (empty) pipe.
fn fill(src: &TcpStream, pipe: Pipe) -> Filled {
    loop {
        match src.try_io(Interest::READABLE, || {
            pipe.fill_from(src.as_fd(), pipe.capacity())
        }) {
            Ok(0) => {
                pipes::give_back(pipe);
                return Filled::Eof;
            }
            Ok(n) => return Filled::Some(Held::Pipe { pipe, left: n }),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                pipes::give_back(pipe);
                return Filled::Empty;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                pipes::give_back(pipe);
                return Filled::Failed;
            }
        }
    }
}

/// The shared-buffer path: one `recv` into the worker's buffer, then `send` at once. A short
/// read clears the read readiness without another call (the socket was drained; data that
/// arrives later raises a new edge). Bytes the destination cannot take now are copied into a
/// buffer of their own. Returns whether the read filled the buffer (bulk: switch to splice).
fn copy_through(src: &TcpStream, dst: &TcpStream, moved: &mut u64) -> (Filled, bool) {
    SHARED.with(|shared| {
        let mut buf = shared.borrow_mut();
        let mut got = 0usize;
        let read = src.try_io(Interest::READABLE, || {
            let n = splice::read(src.as_fd(), &mut buf)?;
            got = n;
            if n > 0 && n < buf.len() {
                // Drained: let tokio clear the readiness now.
                return Err(io::ErrorKind::WouldBlock.into());
            }
            Ok(n)
        });
        let n = match read {
            Ok(0) => return (Filled::Eof, false),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && got > 0 => got,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return (Filled::Empty, false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return (Filled::Empty, false),
            Err(_) => return (Filled::Failed, false),
        };
        let full = n == buf.len();
        let mut at = 0;
        while at < n {
            match dst.try_io(Interest::WRITABLE, || {
                splice::send(dst.as_fd(), &buf[at..n])
            }) {
                Ok(m) => {
                    at += m;
                    *moved += m as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Full, or failed: the held bytes go through `write_held`, which waits for
                // room or reports the failure on the right side.
                Err(_) => break,
            }
        }
        if at == n {
            return (Filled::Moved, full);
        }
        let rest = buf[at..n].to_vec().into_boxed_slice();
        let end = rest.len();
        (
            Filled::Some(Held::Buf {
                buf: rest,
                at: 0,
                end,
            }),
            full,
        )
    })
}

/// Write held bytes to `dst` until none are left (`Ready(Ok)`), the socket is full
/// (`Pending`, woken when writable) or fails.
fn write_held(
    dst: &TcpStream,
    held: &mut Held,
    cx: &mut Context<'_>,
    moved: &mut u64,
) -> Poll<Result<(), ()>> {
    loop {
        let r = match held {
            Held::Pipe { left: 0, .. } => return Poll::Ready(Ok(())),
            Held::Buf { at, end, .. } if at == end => return Poll::Ready(Ok(())),
            Held::Pipe { pipe, left } => {
                let len = *left;
                dst.try_io(Interest::WRITABLE, || {
                    pipe.drain_to(dst.as_fd(), len, false)
                })
                .map(|n| {
                    let n = n.min(*left);
                    *left -= n;
                    n
                })
            }
            Held::Buf { buf, at, end } => dst
                .try_io(Interest::WRITABLE, || {
                    splice::send(dst.as_fd(), &buf[*at..*end])
                })
                .inspect(|&n| *at += n),
        };
        match r {
            Ok(n) => *moved += n as u64,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if ready!(dst.poll_write_ready(cx)).is_err() {
                    return Poll::Ready(Err(()));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Poll::Ready(Err(())),
        }
    }
}

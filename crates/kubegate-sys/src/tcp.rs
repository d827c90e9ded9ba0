//! TCP socket options the balancer sets on accepted and dialled sockets, through socket2:
//! liveness options for long connections (keepalive, user timeout), half-close and
//! reset-on-close. (Listening options, address reuse and free bind, are socket2 calls where
//! the listening socket is made.)

use std::io;
use std::net::Shutdown;
use std::os::fd::BorrowedFd;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

/// Whole seconds, at least one (the kernel refuses a zero keepalive time or interval).
fn secs(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs().clamp(1, i32::MAX as u64))
}

/// The liveness settings of one proxied socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liveness {
    /// `TCP_KEEPIDLE`: silence before the first keepalive probe.
    pub keepalive_idle: Duration,
    /// `TCP_KEEPINTVL`: between probes.
    pub keepalive_interval: Duration,
    /// `TCP_KEEPCNT`: unanswered probes before the connection is dropped.
    pub keepalive_count: u32,
    /// `TCP_USER_TIMEOUT`: data unacknowledged this long kills the connection (it also bounds
    /// keepalive probing). Zero leaves the kernel default.
    pub user_timeout: Duration,
}

impl Liveness {
    /// Probes every quarter of the idle time (1 s..75 s), four of them.
    pub fn new(keepalive: Duration, user_timeout: Duration) -> Liveness {
        Liveness {
            keepalive_idle: keepalive,
            keepalive_interval: (keepalive / 4)
                .clamp(Duration::from_secs(1), Duration::from_secs(75)),
            keepalive_count: 4,
            user_timeout,
        }
    }
}

/// `TCP_NODELAY`, `SO_KEEPALIVE` with `TCP_KEEPIDLE`/`TCP_KEEPINTVL`/`TCP_KEEPCNT`, and
/// `TCP_USER_TIMEOUT`. Set on a listening socket, they are inherited by accepted sockets.
pub fn set_liveness(fd: BorrowedFd<'_>, l: &Liveness) -> io::Result<()> {
    set_nodelay(fd)?;
    set_keepalive(fd, l)
}

/// `TCP_NODELAY`: small writes (requests, watch events) leave at once.
pub fn set_nodelay(fd: BorrowedFd<'_>) -> io::Result<()> {
    SockRef::from(&fd).set_tcp_nodelay(true)
}

/// The dead-peer options of `set_liveness` without `TCP_NODELAY`: `SO_KEEPALIVE`,
/// `TCP_KEEPIDLE`/`TCP_KEEPINTVL`/`TCP_KEEPCNT` and `TCP_USER_TIMEOUT`.
pub fn set_keepalive(fd: BorrowedFd<'_>, l: &Liveness) -> io::Result<()> {
    let socket = SockRef::from(&fd);
    let keepalive = TcpKeepalive::new()
        .with_time(secs(l.keepalive_idle))
        .with_interval(secs(l.keepalive_interval))
        .with_retries(l.keepalive_count.clamp(1, 127));
    socket.set_tcp_keepalive(&keepalive)?;
    if !l.user_timeout.is_zero() {
        let most = Duration::from_millis(i32::MAX as u64);
        socket.set_tcp_user_timeout(Some(l.user_timeout.min(most)))?;
    }
    Ok(())
}

/// Half-close: the peer reads end-of-file after the bytes already sent; reading goes on.
pub fn shutdown_write(fd: BorrowedFd<'_>) -> io::Result<()> {
    SockRef::from(&fd).shutdown(Shutdown::Write)
}

/// Make the next close send a TCP RST (`SO_LINGER` `{ on, 0 }`): a fast, unambiguous refusal.
pub fn reset_on_close(fd: BorrowedFd<'_>) -> io::Result<()> {
    SockRef::from(&fd).set_linger(Some(Duration::ZERO))
}

//! TCP socket options the balancer sets: listening options (address reuse across worker
//! threads, binding an address the node does not hold yet), liveness options for long
//! connections (keepalive, user timeout), half-close and reset-on-close.

use std::io;
use std::os::fd::BorrowedFd;
use std::time::Duration;

use super::ffi;

fn secs(d: Duration) -> libc::c_int {
    d.as_secs().clamp(1, i32::MAX as u64) as libc::c_int
}

/// `SO_REUSEADDR` and `SO_REUSEPORT`: every worker binds its own listening socket to the
/// same address and the kernel spreads new connections across them.
pub fn set_reuse(fd: BorrowedFd<'_>) -> io::Result<()> {
    ffi::setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    ffi::setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEPORT, 1)
}

/// `IP_FREEBIND` (`IPV6_FREEBIND` for IPv6 sockets): bind an address that is not (yet) on
/// any interface, such as a VIP held by another node, without the `ip_nonlocal_bind` sysctl.
pub fn set_freebind(fd: BorrowedFd<'_>, ipv6: bool) -> io::Result<()> {
    if ipv6 {
        ffi::setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_FREEBIND, 1)
    } else {
        ffi::setsockopt_int(fd, libc::IPPROTO_IP, libc::IP_FREEBIND, 1)
    }
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
    ffi::setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)
}

/// The dead-peer options of `set_liveness` without `TCP_NODELAY`: `SO_KEEPALIVE`,
/// `TCP_KEEPIDLE`/`TCP_KEEPINTVL`/`TCP_KEEPCNT` and `TCP_USER_TIMEOUT`.
pub fn set_keepalive(fd: BorrowedFd<'_>, l: &Liveness) -> io::Result<()> {
    ffi::setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1)?;
    ffi::setsockopt_int(
        fd,
        libc::IPPROTO_TCP,
        libc::TCP_KEEPIDLE,
        secs(l.keepalive_idle),
    )?;
    ffi::setsockopt_int(
        fd,
        libc::IPPROTO_TCP,
        libc::TCP_KEEPINTVL,
        secs(l.keepalive_interval),
    )?;
    ffi::setsockopt_int(
        fd,
        libc::IPPROTO_TCP,
        libc::TCP_KEEPCNT,
        l.keepalive_count.clamp(1, 127) as libc::c_int,
    )?;
    if !l.user_timeout.is_zero() {
        let ms = l.user_timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
        ffi::setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, ms)?;
    }
    Ok(())
}

/// Half-close: the peer reads end-of-file after the bytes already sent; reading goes on.
pub fn shutdown_write(fd: BorrowedFd<'_>) -> io::Result<()> {
    ffi::shutdown_write(fd)
}

/// Make the next close send a TCP RST (`SO_LINGER` `{ on, 0 }`): a fast, unambiguous refusal.
pub fn reset_on_close(fd: BorrowedFd<'_>) -> io::Result<()> {
    ffi::linger_zero(fd)
}

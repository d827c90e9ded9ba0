//! Listening sockets and the accept loop of one frontend on one worker. Every worker opens its
//! own socket on the frontend's address (`SO_REUSEPORT`: the kernel spreads new connections
//! across workers), bound with `IP_FREEBIND` so a VIP this node does not hold yet can be
//! bound. A connection that cannot be served — no backend Up and Ready, or the frontend's
//! connection limit reached — is refused at once with a TCP RST, counted and logged.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, TcpStream};

use super::connlog::{ConnRecord, Termination};
use super::logsink::LogSink;
use super::proxy;
use super::sessions::Sessions;
use super::shared::{AcceptGuard, FrontendState, FrontendStats};
use kubegate_sys::tcp::{self, Liveness};

/// Listen backlog (the kernel caps it at `net.core.somaxconn`).
const BACKLOG: i32 = 4096;

/// Pause after an accept error such as the descriptor limit, so the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(20);

/// A non-blocking listening socket on `bind` with address reuse, free bind and the liveness
/// options that accepted sockets inherit.
pub fn open(bind: SocketAddr, liveness: &Liveness) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(
        Domain::for_address(bind),
        Type::STREAM.nonblocking().cloexec(),
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    if bind.is_ipv6() {
        socket.set_freebind_v6(true)?;
        // `[::]` takes IPv4 clients too, as haproxy's `bind :::port v4v6` does.
        socket.set_only_v6(false)?;
    } else {
        socket.set_freebind_v4(true)?;
    }
    tcp::set_liveness(socket.as_fd(), liveness)?;
    socket
        .bind(&bind.into())
        .map_err(|e| io::Error::new(e.kind(), format!("bind {bind}: {e}")))?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// Accept until `sessions.stop` is raised; each connection becomes its own task.
pub async fn accept_loop(
    listener: TcpListener,
    liveness: Liveness,
    frontend: Arc<FrontendState>,
    sessions: Arc<Sessions>,
    log: Arc<LogSink>,
    // Counts this loop as accepting for as long as it runs.
    _accepting: AcceptGuard,
) {
    let mut stopped = pin!(sessions.stop.wait());
    loop {
        let accepted = tokio::select! {
            biased;
            _ = &mut stopped => return,
            r = listener.accept() => r,
        };
        let (client, peer) = match accepted {
            Ok(c) => c,
            Err(e) if is_transient(&e) => continue,
            Err(_) => {
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let settings = frontend.settings();
        let stats = &frontend.stats;
        let previous = stats.current.fetch_add(1, Ordering::Relaxed);
        let refused = if settings
            .max_connections
            .is_some_and(|max| previous >= u64::from(max))
        {
            Some(Termination::ConnectionLimit)
        } else if !frontend.pool().can_serve() {
            Some(Termination::NoBackend)
        } else {
            None
        };
        if let Some(why) = refused {
            stats.current.fetch_sub(1, Ordering::Relaxed);
            FrontendStats::add(
                if why == Termination::ConnectionLimit {
                    &stats.refused_limit
                } else {
                    &stats.refused_no_backend
                },
                1,
            );
            refuse(client, peer, &frontend, &log, why);
            continue;
        }
        FrontendStats::add(&stats.accepted, 1);
        let open = sessions.open();
        let fut = proxy::serve(
            client,
            peer,
            frontend.clone(),
            sessions.clone(),
            log.clone(),
            liveness,
            open,
        );
        tokio::spawn(fut);
    }
}

/// Errors that concern one pending connection only (it went away before being accepted).
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ECONNABORTED | libc::EPROTO | libc::EPERM | libc::EINTR)
    )
}

/// Close with a RST and log it.
fn refuse(
    client: TcpStream,
    peer: SocketAddr,
    frontend: &FrontendState,
    log: &LogSink,
    why: Termination,
) {
    let now = Instant::now();
    let _ = tcp::reset_on_close(client.as_fd());
    drop(client);
    log.emit(&ConnRecord {
        client: peer,
        frontend: frontend.name.clone(),
        backend: None,
        accepted: SystemTime::now(),
        connect: None,
        total: now.elapsed(),
        bytes_from_client: 0,
        bytes_from_backend: 0,
        retries: 0,
        end: why,
    });
}

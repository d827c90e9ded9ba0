//! One client connection's life: choose a backend and connect (retrying other backends at
//! once when a connect fails, so a dead backend costs no client connection), send the PROXY
//! header if configured, relay until the end (both sides closed, an error, the idle timeout,
//! the backend going down, or the drain time running out), release the backend's slot and
//! write one record to the connection log.

use std::cell::Cell;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::io::Interest;
use tokio::net::TcpStream;

use super::connlog::{ConnRecord, Termination};
use super::dial;
use super::logsink::LogSink;
use super::pool::{Health, Pool};
use super::proxy_protocol;
use super::relay::{relay, Traffic};
use super::sessions::{OpenGuard, Sessions};
use super::shared::{FrontendState, FrontendStats};
use kubegate_config::model::Frontend;
use kubegate_sys::tcp::{self, Liveness};

/// Failed connects in a row after which the proxy marks a backend Down by itself (a passive
/// check); the health checker brings it back Up.
pub const PASSIVE_FALL: u32 = 3;

/// The longest a backend connection runs without its dead-peer options (`keepalive_delay`).
const LIVENESS_DELAY: Duration = Duration::from_secs(1);

/// The liveness options a frontend's settings ask for.
pub fn liveness(settings: &Frontend) -> Liveness {
    Liveness::new(settings.timeouts.keepalive, settings.timeouts.dead_peer)
}

/// Serve one accepted client connection to its end. `client_liveness`: the options the
/// client socket already has (inherited from the listener).
pub async fn serve(
    client: TcpStream,
    peer: SocketAddr,
    frontend: Arc<FrontendState>,
    sessions: Arc<Sessions>,
    log: Arc<LogSink>,
    client_liveness: Liveness,
    open: OpenGuard,
) {
    let accepted = SystemTime::now();
    let start = Instant::now();
    let settings = frontend.settings();
    let wanted = liveness(&settings);
    if wanted != client_liveness {
        let _ = tcp::set_liveness(client.as_fd(), &wanted);
    }
    // The connection's record is assembled at the end: only what it needs is kept across the
    // waits (the task's size is most of what an idle connection costs).
    let mut tried = Tried::default();
    let mut connected = None;
    let mut moved = (0, 0);
    let end = match connect(&frontend, &settings, peer, &mut tried).await {
        Some(slot) => {
            connected = Some(start.elapsed());
            let traffic = Traffic::new(Instant::now());
            let end = carry(
                &client,
                &slot.stream,
                peer,
                &frontend,
                &settings,
                &sessions,
                &slot,
                &traffic,
            )
            .await;
            moved = (
                traffic
                    .from_client
                    .load(std::sync::atomic::Ordering::Relaxed),
                traffic
                    .from_backend
                    .load(std::sync::atomic::Ordering::Relaxed),
            );
            drop(slot.stream);
            let mut pool = frontend.pool();
            if let Some(i) = current_index(&pool, slot.index, slot.generation, slot.address) {
                pool.finished(i, moved.0, moved.1);
            }
            drop(pool);
            end
        }
        None => {
            FrontendStats::add(&frontend.stats.connect_failed, 1);
            // Tell the client at once rather than with a FIN it may take for an empty reply.
            let _ = tcp::reset_on_close(client.as_fd());
            Termination::ConnectFailed
        }
    };
    drop(client);
    frontend
        .stats
        .current
        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    drop(open);
    let total = start.elapsed();
    log.emit(&ConnRecord {
        client: peer,
        frontend: frontend.name.clone(),
        backend: tried.backend,
        accepted,
        connect: connected,
        total,
        bytes_from_client: moved.0,
        bytes_from_backend: moved.1,
        retries: tried.retries,
        end,
    });
}

/// The backend last tried and how many attempts came before it (for the record).
#[derive(Default)]
struct Tried {
    backend: Option<SocketAddr>,
    retries: u32,
}

/// An established backend connection and the pool slot it holds.
struct Slot {
    stream: TcpStream,
    index: usize,
    generation: u64,
    address: SocketAddr,
}

/// Pick and connect, retrying other backends (see the module doc). `None`: every attempt
/// failed or nothing was eligible.
async fn connect(
    frontend: &FrontendState,
    settings: &Frontend,
    peer: SocketAddr,
    record: &mut Tried,
) -> Option<Slot> {
    let mut tried: Vec<usize> = Vec::new();
    let mut attempts = 0u32;
    loop {
        let (index, address, generation) = {
            let mut pool = frontend.pool();
            let i = pool.pick(Instant::now(), peer.ip(), &tried, random())?;
            (i, pool.members()[i].address(), pool.generation())
        };
        record.backend = Some(address);
        record.retries = attempts;
        attempts += 1;
        let socket = match dial::socket(address) {
            Ok(s) => s,
            Err(_) => {
                // A local failure (descriptor limit): not the backend's fault.
                release(&mut frontend.pool(), index, generation, address);
                return None;
            }
        };
        match tokio::time::timeout(settings.timeouts.connect, dial::connect(socket, address)).await
        {
            Ok(Ok(stream)) => {
                let mut pool = frontend.pool();
                if let Some(i) = current_index(&pool, index, generation, address) {
                    pool.connected(i);
                }
                return Some(Slot {
                    stream,
                    index,
                    generation,
                    address,
                });
            }
            Ok(Err(_)) | Err(_) => {
                let mut pool = frontend.pool();
                if let Some(i) = current_index(&pool, index, generation, address) {
                    if pool.strike(i) >= PASSIVE_FALL {
                        pool.set_health(i, Health::Down, Instant::now());
                    }
                    tried.push(i);
                }
                drop(pool);
                if attempts > settings.retries {
                    return None;
                }
            }
        }
    }
}

/// The index of `address` now, given the index and pool generation it was picked with.
fn current_index(pool: &Pool, index: usize, generation: u64, address: SocketAddr) -> Option<usize> {
    if pool.generation() == generation {
        Some(index)
    } else {
        pool.index_of(address)
    }
}

fn release(pool: &mut Pool, index: usize, generation: u64, address: SocketAddr) {
    if let Some(i) = current_index(pool, index, generation, address) {
        pool.closed(i);
    }
}

/// How long a backend connection runs before its dead-peer options are set: at most 1 s, and
/// at most a quarter of the keepalive idle time and of the dead-peer timeout, so the first
/// keepalive probe and the dead-peer verdict come at most that much later than configured.
/// Before then neither can act on an established connection anyway; most short connections
/// (health probes of clients, one-request clients) end first and save five system calls.
fn keepalive_delay(liveness: &Liveness) -> Duration {
    let mut delay = LIVENESS_DELAY.min(liveness.keepalive_idle / 4);
    if !liveness.user_timeout.is_zero() {
        delay = delay.min(liveness.user_timeout / 4);
    }
    delay
}

/// From the established backend connection to the end; returns how it ended.
#[allow(clippy::too_many_arguments)]
async fn carry(
    client: &TcpStream,
    backend: &TcpStream,
    peer: SocketAddr,
    frontend: &FrontendState,
    settings: &Frontend,
    sessions: &Sessions,
    slot: &Slot,
    traffic: &Traffic,
) -> Termination {
    if settings.proxy_protocol {
        let local = client.local_addr().unwrap_or(settings.bind);
        if write_all(backend, &proxy_protocol::encode(peer, local))
            .await
            .is_err()
        {
            return Termination::BackendClosed;
        }
    }
    let backend_signal = sessions.backend(slot.address);
    let stats = &frontend.stats;
    let count = |from_client: bool, n: u64| {
        let c = if from_client {
            &stats.bytes_from_clients
        } else {
            &stats.bytes_from_backends
        };
        FrontendStats::add(c, n);
    };
    tokio::select! {
        end = relay(client, backend, traffic, &count) => end,
        () = watch(traffic, settings, backend) => Termination::IdleTimeout,
        why = sessions.kill.wait() => why,
        why = backend_signal.signal.wait() => why,
    }
}

/// Resolves once no byte has moved either way for the idle timeout: one timer, re-armed only
/// when it fires early (the relay just stamps the time of its last transfer). On the way,
/// once the connection has run `keepalive_delay`, sets the backend socket's dead-peer options
/// (the client socket has them from the listener). It keeps little across its waits (the
/// options are derived from `settings` when applied): idle connections are mostly this.
async fn watch(traffic: &Traffic, settings: &Frontend, backend: &TcpStream) {
    let mut options_pending = true;
    let mut timer = pin!(tokio::time::sleep(Duration::ZERO));
    loop {
        let deadline = traffic.last_activity() + settings.timeouts.idle;
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        let mut wake = deadline;
        if options_pending {
            let wanted = liveness(settings);
            let at = traffic.started() + keepalive_delay(&wanted);
            if at <= now {
                let _ = tcp::set_keepalive(backend.as_fd(), &wanted);
                options_pending = false;
            } else {
                wake = wake.min(at);
            }
        }
        timer.as_mut().reset(wake.into());
        timer.as_mut().await;
    }
}

async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_io(Interest::WRITABLE, || {
            kubegate_sys::splice::send(stream.as_fd(), bytes)
        }) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

thread_local! {
    static RNG: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let t = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let local = 0u8;
    let addr = &local as *const u8 as u64;
    (t ^ addr.rotate_left(32)) | 1
}

/// xorshift64*: cheap per-worker randomness for random-two (not for anything secret).
fn random() -> u64 {
    RNG.with(|s| {
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

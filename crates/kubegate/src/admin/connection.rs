//! One admin connection's life: the request read within its deadlines, probes answered at
//! once, any other request answered when its lane has room (`admission.rs`), then the answer
//! written and the connection closed. A connection evicted while it waits is closed with a
//! 503 (best effort).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::admission::{Entry, Lanes};
use super::api::Api;
use super::http;
use super::liveness::Liveness;
use super::routes::{self, Policy};

/// Time allowed for the first byte of a request: a connection that stays silent that long is
/// closed (with 408).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(1);
/// Time allowed for the whole request (head and body).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);
/// Time allowed for writing an answer.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// What every connection of one endpoint shares.
pub struct Shared {
    pub policy: Policy,
    pub api: Arc<dyn Api>,
    pub liveness: Liveness,
    pub lanes: Lanes,
}

/// One request, one answer, close.
pub async fn serve(mut stream: TcpStream, mut entry: Entry, shared: Arc<Shared>) {
    let read = tokio::select! {
        biased;
        () = entry.evicted() => return evicted(stream).await,
        read = read_request(&mut stream) => read,
    };
    let request = match read {
        Read::Gone => return,
        Read::Refused(status, message) => {
            return answer(stream, routes::error(status, message)).await;
        }
        Read::Request(r) => r,
    };
    let _permit = if routes::is_probe(&request) {
        None
    } else {
        let operator = shared
            .policy
            .token
            .as_ref()
            .is_some_and(|t| t.accepts(request.authorization.as_deref()));
        let permit = tokio::select! {
            biased;
            () = entry.evicted() => return evicted(stream).await,
            permit = shared.lanes.enter(operator) => permit,
        };
        match permit {
            Some(p) => Some(p),
            None => return answer(stream, routes::error(503, "the endpoint is busy")).await,
        }
    };
    if !entry.settle() {
        return evicted(stream).await;
    }
    let reply = routes::handle(
        &request,
        &shared.policy,
        shared.api.as_ref(),
        &shared.liveness,
    )
    .await;
    drop(_permit);
    answer(stream, reply).await;
}

async fn answer(mut stream: TcpStream, bytes: Vec<u8>) {
    let _ = tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(&bytes)).await;
    let _ = stream.shutdown().await;
}

async fn evicted(mut stream: TcpStream) {
    let bytes = routes::error(503, "too many admin connections; this one waited longest");
    let _ = tokio::time::timeout(Duration::from_millis(200), stream.write_all(&bytes)).await;
}

enum Read {
    Request(http::Request),
    Refused(u16, &'static str),
    /// The client went away first.
    Gone,
}

/// The head and any (small) body within [`IDLE_TIMEOUT`] and [`REQUEST_TIMEOUT`].
async fn read_request(stream: &mut TcpStream) -> Read {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT;
    let first = tokio::time::Instant::now() + IDLE_TIMEOUT;
    let late = Read::Refused(408, "request not received in time");
    let request = loop {
        let until = if buf.is_empty() { first } else { deadline };
        let n = match tokio::time::timeout_at(until, stream.read(&mut chunk)).await {
            Err(_) => return late,
            Ok(Ok(0) | Err(_)) => return Read::Gone,
            Ok(Ok(n)) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        match http::parse_head(&buf) {
            Ok(Some(r)) => break r,
            Ok(None) => {}
            Err(refused) => return Read::Refused(refused.status, refused.message),
        }
    };
    // The body is read (so closing does not reset the client) and ignored.
    let mut have = buf.len() - request.head_len;
    while have < request.content_length {
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Err(_) => return late,
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => have += n,
        }
    }
    Read::Request(request)
}

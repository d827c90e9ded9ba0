//! One client connection to the fake apiserver: the TLS handshake, then requests one after
//! another (keep-alive) until the client closes, asks to close, or starts a watch.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{interval, timeout, Instant, MissedTickBehavior};
use tokio_rustls::TlsAcceptor;

use super::http::{self, Head, Request, Route};

/// What the server answered to one request, handed to the observer before the answer is
/// written (so an observer sees requests in the order their clients will see answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub target: String,
    pub status: u16,
    /// The client presented a certificate the server's CA signed.
    pub client_cert: bool,
}

/// Called for every answered request.
pub type Observer = Arc<dyn Fn(&Served) + Send + Sync>;

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

pub(super) struct Ctx {
    pub ready: Arc<AtomicBool>,
    pub anonymous: bool,
    pub watch_every: Duration,
    pub on_request: Option<Observer>,
    pub requests: AtomicU64,
}

enum Answer {
    Full(Vec<u8>),
    Watch(Option<u64>),
}

pub(super) async fn serve(tcp: TcpStream, acceptor: TlsAcceptor, ctx: Arc<Ctx>) {
    let _ = tcp.set_nodelay(true);
    let Ok(Ok(mut tls)) = timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await else {
        return;
    };
    let client_cert = tls
        .get_ref()
        .1
        .peer_certificates()
        .is_some_and(|c| !c.is_empty());
    let mut buf = Vec::with_capacity(1024);
    loop {
        let request = match read_head(&mut tls, &mut buf).await {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(status) => {
                let _ = tls
                    .write_all(&http::response(status, "text/plain", "bad request\n", true))
                    .await;
                let _ = tls.shutdown().await;
                return;
            }
        };
        ctx.requests.fetch_add(1, Ordering::Relaxed);
        let (status, answer) = decide(&ctx, &request, client_cert);
        if let Some(observe) = &ctx.on_request {
            observe(&Served {
                target: request.target.clone(),
                status,
                client_cert,
            });
        }
        let close = request.close || request.has_body;
        match answer {
            Answer::Full(bytes) => {
                if tls.write_all(&bytes).await.is_err() {
                    return;
                }
                if close {
                    let _ = tls.shutdown().await;
                    return;
                }
            }
            Answer::Watch(limit) => {
                watch(&mut tls, ctx.watch_every, limit).await;
                let _ = tls.shutdown().await;
                return;
            }
        }
    }
}

/// The next request head; `Ok(None)` when the client is gone or idle; `Err(status)` for a
/// request the server refuses to read.
async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> Result<Option<Request>, u16> {
    let mut chunk = [0u8; 2048];
    loop {
        match http::parse_head(buf) {
            Head::Complete(request, used) => {
                buf.drain(..used);
                return Ok(Some(request));
            }
            Head::Invalid => return Err(400),
            Head::TooLarge => return Err(431),
            Head::NeedMore => {}
        }
        match timeout(IDLE_TIMEOUT, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return Ok(None),
        }
    }
}

fn decide(ctx: &Ctx, request: &Request, client_cert: bool) -> (u16, Answer) {
    let full = |status: u16, content_type: &str, body: &str| {
        let close = request.close || request.has_body;
        (
            status,
            Answer::Full(http::response(status, content_type, body, close)),
        )
    };
    if request.method != "GET" {
        return full(405, "text/plain", "only GET here\n");
    }
    // The apiserver with --anonymous-auth=false: no credentials, no answer but 401.
    if !ctx.anonymous && !client_cert {
        return full(401, "application/json", http::UNAUTHORIZED);
    }
    match http::route(&request.target) {
        Route::Readyz if ctx.ready.load(Ordering::SeqCst) => full(200, "text/plain", "ok"),
        Route::Readyz => full(500, "text/plain", http::NOT_READY),
        Route::Livez => full(200, "text/plain", "ok"),
        Route::Version => full(200, "application/json", http::VERSION),
        Route::List => full(
            200,
            "application/json",
            "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"1\"},\
             \"items\":[]}\n",
        ),
        Route::Watch { timeout_seconds } => (200, Answer::Watch(timeout_seconds)),
        Route::NotFound => full(404, "text/plain", "404 page not found\n"),
    }
}

/// Stream one event line every `every` until the client goes or `limit` seconds pass.
async fn watch<S: AsyncWrite + Unpin>(stream: &mut S, every: Duration, limit: Option<u64>) {
    if stream.write_all(http::stream_head()).await.is_err() || stream.flush().await.is_err() {
        return;
    }
    let end = limit.map(|s| Instant::now() + Duration::from_secs(s));
    let mut ticks = interval(every.max(Duration::from_millis(1)));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticks.tick().await;
    for n in 1u64.. {
        ticks.tick().await;
        if end.is_some_and(|end| Instant::now() >= end) {
            let _ = stream.write_all(&http::chunk(b"")).await;
            return;
        }
        let line = http::chunk(http::watch_event(n).as_bytes());
        if stream.write_all(&line).await.is_err() || stream.flush().await.is_err() {
            return;
        }
    }
}

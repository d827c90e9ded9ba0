//! The admin endpoint's server: its own thread with a single-threaded tokio runtime, one
//! short task per connection (one request, then close). Bounded: at most
//! [`MAX_CONNECTIONS`] at once, the head within [`READ_TIMEOUT`] and [`http::MAX_HEAD`] bytes.
//! Routing and the token policy are in `routes.rs`.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use super::api::Api;
use super::auth::Token;
use super::http;
use super::routes::{self, Policy};

/// Connections served at once; more are answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 32;
/// Time allowed for a client to send its request.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// A running admin endpoint; dropping it stops it.
pub struct AdminServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl AdminServer {
    /// Bind `bind` now (errors surface here) and serve from a thread of its own.
    pub fn start(bind: SocketAddr, token: Option<Token>, api: Arc<dyn Api>) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(bind)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let policy = Arc::new(Policy {
            loopback: bind.ip().is_loopback(),
            token,
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("admin".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::warn!("admin endpoint: cannot register the listener: {e}");
                            return;
                        }
                    };
                    tokio::select! {
                        () = accept_loop(listener, policy, api) => {}
                        _ = stopped => {}
                    }
                });
            })?;
        Ok(AdminServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for AdminServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, policy: Arc<Policy>, api: Arc<dyn Api>) {
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let (mut stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(_) => {
                // Out of descriptors and the like: wait a little rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::SeqCst);
            let body = b"too many admin connections; try again\n";
            let _ = tokio::time::timeout(
                Duration::from_millis(200),
                stream.write_all(&http::response(503, "text/plain", body, &[])),
            )
            .await;
            continue;
        }
        let (policy, api, open) = (policy.clone(), api.clone(), open.clone());
        tokio::spawn(async move {
            serve(stream, &policy, api.as_ref()).await;
            open.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// One request, one answer, close.
async fn serve(mut stream: TcpStream, policy: &Policy, api: &dyn Api) {
    let answer = match tokio::time::timeout(READ_TIMEOUT, read_request(&mut stream)).await {
        Err(_) => routes::error(408, "request not received in time"),
        Ok(Err(refused)) => routes::error(refused.status, refused.message),
        Ok(Ok(None)) => return,
        Ok(Ok(Some(request))) => routes::handle(&request, policy, api).await,
    };
    let _ = tokio::time::timeout(READ_TIMEOUT, stream.write_all(&answer)).await;
    let _ = stream.shutdown().await;
}

/// The head and any (small) body; `Ok(None)` when the client went away first.
async fn read_request(stream: &mut TcpStream) -> Result<Option<http::Request>, http::Refused> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let request = loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(r) = http::parse_head(&buf)? {
            break r;
        }
    };
    // The body is read (so closing does not reset the client) and ignored.
    let mut have = buf.len() - request.head_len;
    while have < request.content_length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => have += n,
        }
    }
    Ok(Some(request))
}

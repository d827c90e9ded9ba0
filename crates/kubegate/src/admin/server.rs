//! The admin endpoint's server: its own thread with a single-threaded tokio runtime, one
//! short task per connection (one request, then close; `connection.rs`). Who gets in when
//! too many come is `admission.rs`; routing and the token policy are `routes.rs`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;

use super::admission::{Admission, Lanes, MAX_OPEN};
use super::api::Api;
use super::auth::Token;
use super::connection::{self, Shared};
use super::http;
use super::liveness::Liveness;
use super::routes::Policy;

/// Connections the kernel queues for the endpoint before it accepts them: enough that a burst
/// of clients never makes a probe's connection wait for a SYN to be sent again (a second).
pub const BACKLOG: i32 = 1024;

/// A running admin endpoint; dropping it stops it.
pub struct AdminServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl AdminServer {
    /// Bind `bind` now (errors surface here) and serve from a thread of its own.
    pub fn start(bind: SocketAddr, token: Option<Token>, api: Arc<dyn Api>) -> io::Result<Self> {
        let listener = listen(bind)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            policy: Policy {
                loopback: bind.ip().is_loopback(),
                token,
            },
            api,
            liveness: Liveness::default(),
            lanes: Lanes::default(),
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
                        () = accept_loop(listener, shared) => {}
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

/// A non-blocking listener on `bind` with [`BACKLOG`] (SO_REUSEADDR as std sets it).
fn listen(bind: SocketAddr) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(bind), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&bind.into())?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

async fn accept_loop(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    let admission = Admission::new(MAX_OPEN);
    loop {
        let (mut stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(_) => {
                // Out of descriptors and the like: wait a little rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(entry) = admission.admit() else {
            // Every place is taken by a connection being answered (they end within seconds).
            let body = b"too many admin connections; try again\n";
            let _ = tokio::time::timeout(
                Duration::from_millis(200),
                stream.write_all(&http::response(503, "text/plain", body, &[])),
            )
            .await;
            continue;
        };
        tokio::spawn(connection::serve(stream, entry, shared.clone()));
    }
}

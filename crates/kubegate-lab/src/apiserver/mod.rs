//! A fake kube-apiserver for tests and the lab: real TLS with a certificate from a lab CA
//! (SANs as given: node IPs, the VIP), `/readyz` answering 200 `ok` or 500 as a shared switch
//! says, `/livez`, `/version` (JSON), list calls under `/api/` (an empty list) and watches
//! (`/api/v1/namespaces/default/pods?watch=1`: a chunked stream, one JSON line every
//! `watch_every`, ended by `timeoutSeconds`). With `anonymous: false` it answers 401 to
//! clients without a certificate from its CA, like an apiserver with `--anonymous-auth=false`.
//!
//! It runs on a thread of its own with a single-threaded runtime, so a test (or `kubegate
//! lab`, inside a namespace) starts it with one call and stops it by dropping the handle.

mod conn;
mod http;
mod pki;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

pub use conn::{Observer, Served};
pub use pki::{Identity, LabCa};

/// How to run a fake apiserver.
#[derive(Clone)]
pub struct Options {
    /// Subject alternative names of the serving certificate: IPs and/or DNS names.
    pub sans: Vec<String>,
    /// `/readyz` answers 200 while true, 500 while false.
    pub ready: Arc<AtomicBool>,
    /// Answer requests without a client certificate (default true); false = 401 to them.
    pub anonymous: bool,
    /// Gap between two watch events (default 1 s).
    pub watch_every: Duration,
    /// Called for every answered request, before the answer is sent.
    pub on_request: Option<Observer>,
    /// The CA that signs the serving certificate and that client certificates must chain
    /// to; `None` = a new one. Share one between servers to model one cluster.
    pub ca: Option<Arc<LabCa>>,
}

impl Options {
    pub fn new(sans: &[&str], ready: Arc<AtomicBool>) -> Options {
        Options {
            sans: sans.iter().map(|s| s.to_string()).collect(),
            ready,
            anonymous: true,
            watch_every: Duration::from_secs(1),
            on_request: None,
            ca: None,
        }
    }
}

/// A running fake apiserver; dropping it stops the server and closes its connections.
pub struct Handle {
    addr: SocketAddr,
    ca: Arc<LabCa>,
    ready: Arc<AtomicBool>,
    ctx: Arc<conn::Ctx>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

/// Serve on `addr` (port 0 picks one; see [`Handle::local_addr`]) with a new CA and a serving
/// certificate for `sans`; `/readyz` follows `ready`.
pub fn serve(addr: SocketAddr, sans: &[&str], ready: Arc<AtomicBool>) -> io::Result<Handle> {
    serve_with(addr, Options::new(sans, ready))
}

/// Serve on `addr` with all the options.
pub fn serve_with(addr: SocketAddr, options: Options) -> io::Result<Handle> {
    let ca = match options.ca {
        Some(ca) => ca,
        None => Arc::new(LabCa::new("kubernetes")?),
    };
    let acceptor = TlsAcceptor::from(Arc::new(tls_config(&ca, &options.sans)?));
    let listener = TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let ctx = Arc::new(conn::Ctx {
        ready: options.ready.clone(),
        anonymous: options.anonymous,
        watch_every: options.watch_every,
        on_request: options.on_request,
        requests: AtomicU64::new(0),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let thread_ctx = ctx.clone();
    let thread = thread::Builder::new()
        .name(format!("fake-apiserver-{}", addr.port()))
        .spawn(move || {
            runtime.block_on(async move {
                if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                    tokio::spawn(accept_loop(listener, acceptor, thread_ctx));
                }
                let _ = stopped.await;
            });
            // Dropping the runtime here cancels the accept loop and every connection.
        })?;
    Ok(Handle {
        addr,
        ca,
        ready: options.ready,
        ctx,
        stop: Some(stop),
        thread: Some(thread),
    })
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
    ctx: Arc<conn::Ctx>,
) {
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                tokio::spawn(conn::serve(tcp, acceptor.clone(), ctx.clone()));
            }
            // Out of file descriptors and the like: wait instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// The serving certificate for `sans`; client certificates are asked for and verified
/// against the CA but not required (the 401 for anonymous clients is an HTTP answer, as
/// the apiserver gives it).
fn tls_config(ca: &LabCa, sans: &[String]) -> io::Result<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(ca.cert_der()).map_err(io::Error::other)?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(io::Error::other)?;
    let (chain, key) = ca.issue_server(sans)?.rustls_pair();
    ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(io::Error::other)
}

impl Handle {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The CA of this server (to write a `ca_file`, or to issue client certificates).
    pub fn ca(&self) -> &Arc<LabCa> {
        &self.ca
    }

    /// Write the CA certificate as PEM, for a check's `ca_file`.
    pub fn write_ca_pem(&self, path: &Path) -> io::Result<()> {
        self.ca.write_pem(path)
    }

    /// A client certificate this server accepts.
    pub fn issue_client(&self, user: &str) -> io::Result<Identity> {
        self.ca.issue_client(user, Some("system:masters"))
    }

    /// Flip `/readyz` (the same switch as the one passed in).
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        self.ctx.requests.load(Ordering::Relaxed)
    }

    /// Stop serving and wait for the server thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

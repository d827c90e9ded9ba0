//! The lab's HTTPS client, as a Kubernetes client sees the control-plane address: every
//! `period` it starts `GET /version` on a fresh TLS connection to the target (verified
//! against the lab CA, so the certificate's SANs must hold the address it dials), without
//! waiting for earlier requests to finish; and it holds one streaming watch, reconnecting at
//! once when the watch is cut. It runs in the client's namespace as the hidden
//! `kubegate lab-https-probe` and prints one line per event; [`analyse`] turns the lines
//! into the numbers of the lab's table.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

mod events;
mod outage;
pub use events::{analyse, format_events, parse_events, Event, Outcome};
pub use outage::{analyse_outage, OutageOutcome};

/// A watch that delivers nothing for this long counts as cut (the fake apiservers send an
/// event every 250 ms in the lab).
pub const WATCH_STALL: Duration = Duration::from_millis(1500);
/// Longest response accepted from `/version` (bounded reads of untrusted bytes).
const MAX_RESPONSE: usize = 16 * 1024;
const WATCH_PATH: &str = "/api/v1/namespaces/default/pods?watch=1";

/// What the probe does.
#[derive(Debug, Clone)]
pub struct Options {
    pub target: SocketAddr,
    /// The address the certificate must hold as a SAN (the VIP; `127.0.0.1` node-local).
    pub server_name: IpAddr,
    pub period: Duration,
    pub duration: Duration,
    /// Bound on one request, connect to last byte.
    pub timeout: Duration,
    pub watch: bool,
}

/// Runs the probe for `options.duration` and returns what it saw, in order.
pub fn run(options: &Options, ca_pem: &Path) -> io::Result<Vec<Event>> {
    let connector = connector(ca_pem)?;
    let name = ServerName::IpAddress(options.server_name.into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let events = Arc::new(Mutex::new(Vec::new()));
    runtime.block_on(probe(options.clone(), connector, name, events.clone()));
    drop(runtime);
    let mut events = std::mem::take(&mut *events.lock().unwrap_or_else(|p| p.into_inner()));
    events.sort_by_key(|e| match e {
        Event::Request { end, .. } => *end,
        Event::WatchOpened { at } | Event::WatchCut { at, .. } => *at,
    });
    Ok(events)
}

fn connector(ca_pem: &Path) -> io::Result<TlsConnector> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_pem).map_err(io::Error::other)? {
        roots
            .add(cert.map_err(io::Error::other)?)
            .map_err(io::Error::other)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

type Log = Arc<Mutex<Vec<Event>>>;

fn push(log: &Log, event: Event) {
    log.lock().unwrap_or_else(|p| p.into_inner()).push(event);
}

async fn probe(options: Options, connector: TlsConnector, name: ServerName<'static>, log: Log) {
    let start = Instant::now();
    let ms = move || start.elapsed().as_millis() as u64;
    let end = start + options.duration;
    if options.watch {
        let (c, n, l, target) = (connector.clone(), name.clone(), log.clone(), options.target);
        tokio::spawn(async move { hold_watch(c, n, target, l, ms).await });
    }
    let mut tasks = Vec::new();
    let mut ticks = tokio::time::interval(options.period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while Instant::now() < end {
        ticks.tick().await;
        let (c, n, l) = (connector.clone(), name.clone(), log.clone());
        let (target, limit) = (options.target, options.timeout);
        tasks.push(tokio::spawn(async move {
            let begun = ms();
            let mut retries = 0;
            let error = match timeout(limit, version_retrying(&c, n, target, &mut retries)).await {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e.why),
                Err(_) => Some("timeout".to_string()),
            };
            push(
                &l,
                Event::Request {
                    start: begun,
                    end: ms(),
                    retries,
                    error,
                },
            );
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
}

/// Why a request failed, and whether a Kubernetes client would send it again.
#[derive(Debug)]
struct Failure {
    why: String,
    /// The connection was reset or ended before an answer.
    reset: bool,
}

impl Failure {
    fn io(step: &str, e: &io::Error) -> Failure {
        use io::ErrorKind::*;
        Failure {
            why: format!("{step}: {e}"),
            reset: matches!(
                e.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            ),
        }
    }

    fn answer(why: String) -> Failure {
        Failure { why, reset: false }
    }
}

/// Attempts a GET once more after a reset, as client-go does for GETs whose connection was
/// reset or ended early (its `IsConnectionReset` / `IsProbableEOF` retry; the request is
/// idempotent). A connection in flight when the VIP moves to another node is reset by it.
async fn version_retrying(
    connector: &TlsConnector,
    name: ServerName<'static>,
    target: SocketAddr,
    retries: &mut u8,
) -> Result<(), Failure> {
    match version(connector, name.clone(), target).await {
        Err(e) if e.reset => {
            *retries += 1;
            version(connector, name, target).await
        }
        other => other,
    }
}

async fn connect(
    connector: &TlsConnector,
    name: ServerName<'static>,
    target: SocketAddr,
) -> Result<TlsStream<TcpStream>, Failure> {
    let tcp = TcpStream::connect(target)
        .await
        .map_err(|e| Failure::io("connect", &e))?;
    let _ = tcp.set_nodelay(true);
    connector
        .connect(name, tcp)
        .await
        .map_err(|e| Failure::io("tls", &e))
}

/// One `GET /version` on its own connection: Ok when the answer is 200 with the version.
async fn version(
    connector: &TlsConnector,
    name: ServerName<'static>,
    target: SocketAddr,
) -> Result<(), Failure> {
    let mut tls = connect(connector, name, target).await?;
    let request = format!(
        "GET /version HTTP/1.1\r\nHost: {target}\r\nAccept: application/json\r\n\
         Connection: close\r\n\r\n"
    );
    tls.write_all(request.as_bytes())
        .await
        .map_err(|e| Failure::io("write", &e))?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tls.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) if answer.len() + n <= MAX_RESPONSE => answer.extend_from_slice(&chunk[..n]),
            Ok(_) => return Err(Failure::answer("answer too long".into())),
            Err(e) if answer.is_empty() => return Err(Failure::io("read", &e)),
            // A peer that closes without close_notify after a complete answer is tolerated.
            Err(_) => break,
        }
    }
    if answer.is_empty() {
        return Err(Failure {
            why: "closed without an answer".into(),
            reset: true,
        });
    }
    let head = match kubegate_http::parse_response(&answer, MAX_RESPONSE) {
        Ok(Some(head)) if head.code == 200 => head,
        _ => {
            let text = String::from_utf8_lossy(&answer);
            let line = text.lines().next().unwrap_or("no answer");
            return Err(Failure::answer(format!("status: {line}")));
        }
    };
    if !String::from_utf8_lossy(&answer[head.len..]).contains("\"gitVersion\"") {
        return Err(Failure::answer("no version in the answer".into()));
    }
    Ok(())
}

/// Holds one watch for the probe's life: opens it, reads until it ends or stalls, records
/// the cut and opens it again (retrying every 50 ms while the address does not answer).
async fn hold_watch(
    connector: TlsConnector,
    name: ServerName<'static>,
    target: SocketAddr,
    log: Log,
    ms: impl Fn() -> u64,
) {
    loop {
        let opened = match timeout(WATCH_STALL, open_watch(&connector, name.clone(), target)).await
        {
            Ok(Ok(stream)) => stream,
            _ => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        push(&log, Event::WatchOpened { at: ms() });
        let why = follow(opened).await;
        push(&log, Event::WatchCut { at: ms(), why });
    }
}

async fn open_watch(
    connector: &TlsConnector,
    name: ServerName<'static>,
    target: SocketAddr,
) -> Result<TlsStream<TcpStream>, String> {
    let mut tls = connect(connector, name, target).await.map_err(|e| e.why)?;
    let request = format!("GET {WATCH_PATH} HTTP/1.1\r\nHost: {target}\r\n\r\n");
    tls.write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    // The head only; the events after it are `follow`'s.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        match kubegate_http::parse_response(&buf, MAX_RESPONSE) {
            Ok(Some(head)) if head.code == 200 => return Ok(tls),
            Ok(Some(_)) | Err(_) => return Err("watch refused".into()),
            Ok(None) => {}
        }
        match tls.read(&mut chunk).await {
            Ok(0) => return Err("closed before the answer's head ended".into()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Reads the watch stream until it ends; returns why.
async fn follow(mut tls: TlsStream<TcpStream>) -> String {
    let mut chunk = [0u8; 4096];
    loop {
        match timeout(WATCH_STALL, tls.read(&mut chunk)).await {
            Ok(Ok(0)) => return "closed".into(),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return format!("error: {e}"),
            Err(_) => return format!("no event for {} ms", WATCH_STALL.as_millis()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the fake apiserver over loopback: requests succeed only when the certificate
    /// holds the dialled address, and a stopped server cuts the watch.
    #[test]
    fn probes_the_fake_apiserver_over_loopback() {
        use std::sync::atomic::AtomicBool;
        let ready = Arc::new(AtomicBool::new(true));
        let mut opts = super::super::apiserver::Options::new(&["127.0.0.1"], ready);
        opts.watch_every = Duration::from_millis(50);
        let server =
            super::super::apiserver::serve_with("127.0.0.1:0".parse().unwrap(), opts).unwrap();
        let dir = std::env::temp_dir().join(format!("kg-https-probe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        server.write_ca_pem(&ca).unwrap();
        let options = Options {
            target: server.local_addr(),
            server_name: "127.0.0.1".parse().unwrap(),
            period: Duration::from_millis(20),
            duration: Duration::from_millis(400),
            timeout: Duration::from_millis(500),
            watch: true,
        };
        let events = run(&options, &ca).unwrap();
        let o = analyse(&events, 400);
        assert!(o.succeeded >= 10 && o.failed == 0, "{o:?}");
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::WatchOpened { .. })),
            "no watch opened: {events:?}"
        );
        assert_eq!(o.watches_cut, 0, "{events:?}");
        let wrong_name = Options {
            server_name: "198.18.0.50".parse().unwrap(),
            duration: Duration::from_millis(100),
            watch: false,
            ..options
        };
        let o = analyse(&run(&wrong_name, &ca).unwrap(), 100);
        assert_eq!(o.succeeded, 0, "{o:?}");
        assert!(o.first_error.unwrap().starts_with("tls:"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

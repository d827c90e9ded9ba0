//! One active health probe of one backend: a TCP connect, or an HTTP(S) `GET` whose status
//! code is compared with the accepted ones. Every probe ends within the check's timeout and
//! answers with a one-line detail for the status page, in the spirit of haproxy's
//! "L7OK/200 in 3ms": `HTTPS 200 in 3 ms`, `TCP connect refused`, `timeout after 1000 ms
//! (TLS handshake)`. The peer is never trusted: at most a few bytes of its answer are read.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};
use tokio_rustls::TlsConnector;

use super::probe_http::{self, StatusLine, STATUS_PREFIX_LEN};
use super::probe_tls::ProbeTls;
use kubegate_config::model::{CheckKind, HealthCheck};

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    pub ok: bool,
    /// One line for people: `HTTPS 200 in 3 ms`, `HTTP 500 in 2 ms`, `TCP connect refused`,
    /// `TLS handshake failed: …`, `timeout after 1000 ms (…)`.
    pub detail: String,
    /// From the start of the probe to its verdict.
    pub latency: Duration,
    /// The HTTP status code the backend answered, when the probe got that far (HTTP checks).
    pub status: Option<u16>,
}

/// A probe ready to run, built once from a check's settings (TLS files are read here).
#[derive(Debug, Clone)]
pub struct Prober {
    kind: Kind,
    timeout: Duration,
}

#[derive(Debug, Clone)]
enum Kind {
    Tcp,
    Http {
        path: String,
        statuses: Vec<u16>,
        /// `None`: plain HTTP. `Some(Err)`: the TLS settings could not be loaded; every
        /// probe fails with that reason.
        tls: Option<Result<ProbeTls, String>>,
    },
}

/// A step of a probe that failed, with the detail to show.
struct Failed(String);

/// A probe that ran to its end: passed, what it saw, the HTTP status code if any.
type Verdict = (bool, String, Option<u16>);

impl Prober {
    pub fn new(check: &HealthCheck) -> Prober {
        let kind = match &check.kind {
            CheckKind::Tcp => Kind::Tcp,
            CheckKind::Http {
                path,
                statuses,
                tls,
            } => Kind::Http {
                path: path.clone(),
                statuses: if statuses.is_empty() {
                    vec![200]
                } else {
                    statuses.clone()
                },
                tls: tls.as_ref().map(ProbeTls::new),
            },
        };
        Prober {
            kind,
            timeout: check.timeout,
        }
    }

    /// Probe `addr` once; returns within the check's timeout (plus scheduling noise).
    pub async fn probe(&self, addr: SocketAddr) -> ProbeResult {
        let start = Instant::now();
        let deadline = start + self.timeout;
        let verdict = match &self.kind {
            Kind::Tcp => self.tcp(addr, deadline).await,
            Kind::Http {
                path,
                statuses,
                tls,
            } => {
                self.http(addr, path, statuses, tls.as_ref(), deadline)
                    .await
            }
        };
        let latency = start.elapsed();
        let ms = latency.as_millis();
        let (ok, detail, status) = match verdict {
            Ok((ok, what, status)) => (ok, format!("{what} in {ms} ms"), status),
            Err(Failed(detail)) => (false, detail, None),
        };
        ProbeResult {
            ok,
            detail,
            latency,
            status,
        }
    }

    async fn tcp(&self, addr: SocketAddr, deadline: Instant) -> Result<Verdict, Failed> {
        connect(addr, deadline, self.timeout).await?;
        Ok((true, "TCP connect".to_owned(), None))
    }

    async fn http(
        &self,
        addr: SocketAddr,
        path: &str,
        statuses: &[u16],
        tls: Option<&Result<ProbeTls, String>>,
        deadline: Instant,
    ) -> Result<Verdict, Failed> {
        let tls = match tls {
            None => None,
            Some(Ok(tls)) => Some(tls),
            Some(Err(e)) => return Err(Failed(format!("TLS setup failed: {e}"))),
        };
        let host = tls.and_then(ProbeTls::host);
        let request = probe_http::request(path, host.as_deref(), addr)
            .map_err(|e| Failed(format!("cannot build the request: {e}")))?;
        let tcp = connect(addr, deadline, self.timeout).await?;
        let (scheme, status) = match tls {
            None => ("HTTP", self.exchange(tcp, &request, deadline).await?),
            Some(tls) => {
                let connector = TlsConnector::from(tls.config());
                let stream = step(
                    deadline,
                    self.timeout,
                    "TLS handshake",
                    connector.connect(tls.server_name(addr.ip()), tcp),
                )
                .await?
                .map_err(|e| Failed(format!("TLS handshake failed: {}", tls_reason(&e))))?;
                ("HTTPS", self.exchange(stream, &request, deadline).await?)
            }
        };
        Ok((
            statuses.contains(&status),
            format!("{scheme} {status}"),
            Some(status),
        ))
    }

    /// Send the request and read just enough of the answer to know its status code.
    async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        mut stream: S,
        request: &[u8],
        deadline: Instant,
    ) -> Result<u16, Failed> {
        step(deadline, self.timeout, "sending the request", async {
            stream.write_all(request).await?;
            stream.flush().await
        })
        .await?
        .map_err(|e| Failed(format!("sending the request failed: {e}")))?;
        let mut buf = [0u8; STATUS_PREFIX_LEN];
        let mut have = 0;
        loop {
            match probe_http::parse_status(&buf[..have]) {
                StatusLine::Status(code) => return Ok(code),
                StatusLine::Invalid => {
                    return Err(Failed("bad answer: not an HTTP/1.x status line".to_owned()))
                }
                StatusLine::NeedMore => {}
            }
            let n = step(
                deadline,
                self.timeout,
                "waiting for the status line",
                stream.read(&mut buf[have..]),
            )
            .await?
            .map_err(|e| Failed(format!("reading the answer failed: {e}")))?;
            if n == 0 {
                return Err(Failed(
                    "connection closed before the status line".to_owned(),
                ));
            }
            have += n;
        }
    }
}

async fn connect(
    addr: SocketAddr,
    deadline: Instant,
    limit: Duration,
) -> Result<TcpStream, Failed> {
    let stream = step(deadline, limit, "TCP connect", TcpStream::connect(addr))
        .await?
        .map_err(|e| {
            Failed(match e.kind() {
                io::ErrorKind::ConnectionRefused => "TCP connect refused".to_owned(),
                _ => format!("TCP connect failed: {e}"),
            })
        })?;
    // Nagle would only delay the one small request.
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Run one step of a probe against the probe's deadline.
async fn step<T>(
    deadline: Instant,
    limit: Duration,
    what: &str,
    fut: impl Future<Output = T>,
) -> Result<T, Failed> {
    timeout_at(deadline, fut)
        .await
        .map_err(|_| Failed(format!("timeout after {} ms ({what})", limit.as_millis())))
}

/// rustls reports handshake failures as an `io::Error` wrapping its own error; show that one.
fn tls_reason(e: &io::Error) -> String {
    match e.get_ref() {
        Some(inner) => inner.to_string(),
        None => e.to_string(),
    }
}

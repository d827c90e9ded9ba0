//! Shared pieces of the balancer data-path tests: test backends (echo, reply-after-EOF,
//! banner-then-read, PROXY-header reader) on loopback, each on its own thread and runtime and
//! stopped by Drop; a balancer started on 127.0.0.1:0 whose connection records are collected;
//! frontend settings for tests.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kubegate_balancer::connlog::ConnRecord;
use kubegate_balancer::proxy_protocol::{self, Header};
use kubegate_balancer::shared::FrontendState;
use kubegate_balancer::{Balancer, LogFormat, RecordHook, RuntimeOptions};
use kubegate_config::model::{Backend, Balance, CheckKind, Frontend, HealthCheck, Timeouts};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

/// A frontend on 127.0.0.1:0 with test-friendly timeouts (connect 1 s, drain 1 s).
pub fn frontend(backends: &[SocketAddr]) -> Frontend {
    Frontend {
        name: "test".into(),
        bind: "127.0.0.1:0".parse().unwrap(),
        backends: backends
            .iter()
            .map(|a| Backend {
                address: *a,
                weight: 1,
            })
            .collect(),
        balance: Balance::RoundRobin,
        check: HealthCheck {
            kind: CheckKind::Tcp,
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(1),
            rise: 2,
            fall: 2,
        },
        timeouts: Timeouts {
            connect: Duration::from_secs(1),
            idle: Duration::from_secs(3600),
            dead_peer: Duration::from_secs(30),
            keepalive: Duration::from_secs(60),
            drain: Duration::from_secs(1),
        },
        max_connections: None,
        proxy_protocol: false,
        retries: 2,
        shutdown_sessions_on_down: false,
        slowstart: None,
    }
}

/// What a test backend does with each connection.
#[derive(Clone)]
pub enum Kind {
    /// Echo everything; after the client's EOF, half-close back.
    Echo,
    /// Read to EOF, then answer `got N` and close.
    ReplyAfterEof,
    /// Send `banner`, half-close, read to EOF and report what was read.
    BannerThenRead(mpsc::Sender<Vec<u8>>),
    /// Read a PROXY v2 header, report it, then echo.
    ProxyHeader(mpsc::Sender<Header>),
}

/// A backend on 127.0.0.1:0 (see `Kind`).
pub struct TestBackend {
    pub addr: SocketAddr,
    stop_listening: Arc<Notify>,
    stop_all: Arc<Notify>,
    thread: Option<JoinHandle<()>>,
}

impl TestBackend {
    pub fn spawn(kind: Kind) -> TestBackend {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let stop_listening = Arc::new(Notify::new());
        let stop_all = Arc::new(Notify::new());
        let (sl, sa) = (stop_listening.clone(), stop_all.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                let accept = async {
                    loop {
                        let Ok((s, _)) = listener.accept().await else {
                            continue;
                        };
                        tokio::spawn(handle(s, kind.clone()));
                    }
                };
                tokio::select! {
                    () = accept => {}
                    () = sl.notified() => {}
                }
                drop(listener);
                sa.notified().await;
            });
        });
        TestBackend {
            addr,
            stop_listening,
            stop_all,
            thread: Some(thread),
        }
    }

    /// Close the listening socket (new connects are refused); connections go on.
    pub fn stop_listening(&self) {
        self.stop_listening.notify_one();
    }
}

impl Drop for TestBackend {
    fn drop(&mut self) {
        self.stop_listening.notify_one();
        self.stop_all.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn handle(mut s: tokio::net::TcpStream, kind: Kind) {
    match kind {
        Kind::Echo => echo(s).await,
        Kind::ReplyAfterEof => {
            let mut all = Vec::new();
            if s.read_to_end(&mut all).await.is_ok() {
                let _ = s.write_all(format!("got {}", all.len()).as_bytes()).await;
            }
        }
        Kind::BannerThenRead(tx) => {
            if s.write_all(b"banner").await.is_err() || s.shutdown().await.is_err() {
                return;
            }
            let mut all = Vec::new();
            let _ = s.read_to_end(&mut all).await;
            let _ = tx.send(all);
        }
        Kind::ProxyHeader(tx) => {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 256];
            let header = loop {
                match proxy_protocol::decode(&buf) {
                    Ok(h) => break h,
                    Err(proxy_protocol::DecodeError::Incomplete { .. }) => {}
                    Err(_) => return,
                }
                match s.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            };
            let _ = tx.send(header);
            let rest = buf[header.len..].to_vec();
            if s.write_all(&rest).await.is_ok() {
                echo(s).await;
            }
        }
    }
}

async fn echo(s: tokio::net::TcpStream) {
    let (mut r, mut w) = s.into_split();
    if tokio::io::copy(&mut r, &mut w).await.is_ok() {
        let _ = w.shutdown().await;
    }
}

/// A running balancer with one frontend; records of finished connections are collected.
pub struct TestProxy {
    pub balancer: Option<Balancer>,
    pub addr: SocketAddr,
    pub state: Arc<FrontendState>,
    pub records: Arc<Mutex<Vec<ConnRecord>>>,
}

impl TestProxy {
    pub fn start(frontend: Frontend) -> TestProxy {
        Self::start_with(frontend, 1)
    }

    pub fn start_with(frontend: Frontend, workers: usize) -> TestProxy {
        let state = FrontendState::new(&frontend);
        let records = Arc::new(Mutex::new(Vec::new()));
        let sink = records.clone();
        let balancer = Balancer::start(
            vec![state.clone()],
            RuntimeOptions {
                workers,
                log: LogFormat::None,
                hook: Some(RecordHook(Arc::new(move |r: &ConnRecord| {
                    sink.lock().unwrap().push(r.clone())
                }))),
            },
        )
        .expect("balancer starts");
        let addr = balancer.local_addr(&frontend.name).unwrap();
        TestProxy {
            balancer: Some(balancer),
            addr,
            state,
            records,
        }
    }

    /// Waits (bounded) for `n` records and returns them all.
    pub fn wait_records(&self, n: usize, within: Duration) -> Vec<ConnRecord> {
        let deadline = Instant::now() + within;
        loop {
            let r = self.records.lock().unwrap().clone();
            if r.len() >= n || Instant::now() > deadline {
                return r;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).expect("connect to the proxy");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }
}

/// One echo round trip on `s`.
pub fn ping(s: &mut TcpStream, msg: &[u8]) -> std::io::Result<()> {
    s.write_all(msg)?;
    let mut back = vec![0u8; msg.len()];
    s.read_exact(&mut back)?;
    if back != msg {
        return Err(std::io::Error::other("echo differs"));
    }
    Ok(())
}

/// Polls `cond` every 2 ms until true or `within` passes; true when it became true.
pub fn eventually(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    cond()
}

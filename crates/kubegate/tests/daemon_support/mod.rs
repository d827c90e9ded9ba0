//! An in-process `kubegate run` for tests: the config written to a temporary directory, the
//! daemon on ports the kernel picks (read back from its status), every finished connection's
//! record kept, raw HTTP to its admin endpoint, and bounded waits that say what they waited
//! for and what they saw. The daemon is stopped and the directory removed when the guard
//! drops, also on failure.
#![allow(dead_code)] // each test crate uses a different part

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use kubegate::admin::snapshot::Status as AdminStatus;
use kubegate::daemon::{self, Binds, Control, RunOptions, Status, StatusHandle};
use kubegate_balancer::connlog::ConnRecord;
use kubegate_balancer::logsink::{LogFormat, RecordHook};
use kubegate_balancer::runtime::RuntimeOptions;

/// Longest wait for a daemon to start or to stop.
pub const START_STOP: Duration = Duration::from_secs(10);

pub struct Daemon {
    pub dir: PathBuf,
    pub control: Control,
    pub status: StatusHandle,
    records: Arc<Mutex<Vec<ConnRecord>>>,
    /// The daemon's result, sent when `run` returns.
    ended: Option<mpsc::Receiver<Result<(), String>>>,
}

impl Daemon {
    /// Writes `yaml` to `DIR/kubegate.yaml` (`DIR` in it replaced by the directory) and runs
    /// the daemon on it with one balancer worker; returns once it is ready.
    pub fn start(name: &str, yaml: &str) -> Daemon {
        let dir = std::env::temp_dir().join(format!("kg-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kubegate.yaml");
        std::fs::write(&path, yaml.replace("DIR", dir.to_str().unwrap())).unwrap();
        let cluster = kubegate::host::load_config(&path)
            .unwrap_or_else(|e| panic!("the test's config is invalid:\n{e}\n{yaml}"));
        let records = Arc::new(Mutex::new(Vec::new()));
        let hook = {
            let records = records.clone();
            RecordHook(Arc::new(move |r: &ConnRecord| {
                records.lock().unwrap().push(r.clone())
            }))
        };
        let options = RunOptions {
            config_path: path,
            balancer: RuntimeOptions {
                workers: 1,
                log: LogFormat::None,
                hook: Some(hook),
            },
            binds: Binds::AnyPort,
        };
        let (control, inbox) = daemon::channel();
        let status = StatusHandle::new();
        let (done, ended) = mpsc::channel();
        {
            let status = status.clone();
            thread::Builder::new()
                .name(format!("daemon-{name}"))
                .spawn(move || {
                    let result = daemon::run(cluster, None, options, inbox, status);
                    let _ = done.send(result.map_err(|e| format!("{e:#}")));
                })
                .unwrap();
        }
        let d = Daemon {
            dir,
            control,
            status,
            records,
            ended: Some(ended),
        };
        d.wait_for("ready", START_STOP, |s| s.ready);
        d
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("kubegate.yaml")
    }

    /// Replaces the config file (`DIR` replaced as in `start`); applied on `reload`.
    pub fn rewrite(&self, yaml: &str) {
        std::fs::write(
            self.config_path(),
            yaml.replace("DIR", self.dir.to_str().unwrap()),
        )
        .unwrap();
    }

    /// Waits (bounded) until the daemon's status satisfies `pred`; panics saying what it
    /// waited for and what it saw.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&Status) -> bool) -> Status {
        self.status
            .wait_for(what, timeout, pred)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Asks for a reload (as SIGHUP does) and waits for its outcome.
    pub fn reload(&self) -> Result<(), String> {
        let before = self.status.get().reloads.len();
        self.control.reload();
        let s = self.wait_for("done reloading", Duration::from_secs(5), |s| {
            s.reloads.len() > before
        });
        s.reloads[before].clone()
    }

    /// Where frontend `name` listens.
    pub fn frontend(&self, name: &str) -> SocketAddr {
        let s = self.status.get();
        s.frontend(name)
            .unwrap_or_else(|| panic!("no frontend {name:?} runs: {s:?}"))
    }

    /// Where the admin endpoint listens.
    pub fn admin(&self) -> SocketAddr {
        let s = self.status.get();
        s.admin
            .unwrap_or_else(|| panic!("the admin endpoint does not run: {s:?}"))
    }

    /// Every connection record so far.
    pub fn records(&self) -> Vec<ConnRecord> {
        self.records.lock().unwrap().clone()
    }

    /// Waits (bounded) until at least `n` connections have ended; all records so far.
    pub fn wait_records(&self, n: usize, timeout: Duration) -> Vec<ConnRecord> {
        wait_until(&format!("{n} connection records"), timeout, || {
            let r = self.records();
            if r.len() >= n {
                Ok(r)
            } else {
                Err(format!("{} records: {r:#?}", r.len()))
            }
        })
    }

    /// `/api/v1/status` of the admin endpoint.
    pub fn admin_status(&self) -> AdminStatus {
        let (code, body) = request(self.admin(), "GET", "/api/v1/status", None);
        assert_eq!(code, 200, "GET /api/v1/status: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    /// Polls `/api/v1/status` until `pred` holds (at most `timeout`).
    pub fn wait_admin_status(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&AdminStatus) -> bool,
    ) -> AdminStatus {
        wait_until(what, timeout, || {
            let s = self.admin_status();
            if pred(&s) {
                Ok(s)
            } else {
                Err(format!("{s:#?}"))
            }
        })
    }

    /// Asks for a stop (as SIGTERM does) and waits for `run` to return: its result.
    pub fn stop(mut self) -> Result<(), String> {
        self.control.stop("the test");
        self.ended()
    }

    fn ended(&mut self) -> Result<(), String> {
        let ended = self.ended.take().expect("the daemon's end is awaited once");
        ended
            .recv_timeout(START_STOP)
            .unwrap_or_else(|e| panic!("the daemon did not return within {START_STOP:?}: {e}"))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.ended.is_some() {
            self.control.stop("the test ended");
            let ended = self.ended.take().unwrap();
            if ended.recv_timeout(START_STOP).is_err() {
                eprintln!("the daemon did not stop within {START_STOP:?}");
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Polls `probe` every 20 ms until it gives `Ok` (at most `timeout`); panics with what was
/// awaited and the last `Err` (what was seen).
pub fn wait_until<T>(what: &str, timeout: Duration, mut probe: impl FnMut() -> Result<T, String>) -> T {
    let until = Instant::now() + timeout;
    loop {
        match probe() {
            Ok(t) => return t,
            Err(seen) if Instant::now() >= until => {
                panic!("waited {timeout:?} for {what}; last seen: {seen}")
            }
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// A backend on loopback (port 0) that answers every connection with its name and closes.
pub fn name_server(name: &str) -> SocketAddr {
    name_server_on("127.0.0.1:0".parse().unwrap(), name)
}

/// The same on `bind` (port 0 for a free one).
pub fn name_server_on(bind: SocketAddr, name: &str) -> SocketAddr {
    let listener = TcpListener::bind(bind).unwrap();
    let addr = listener.local_addr().unwrap();
    let reply = format!("{name}\n");
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let _ = conn.write_all(reply.as_bytes());
        }
    });
    addr
}

/// A port free on loopback now (the kernel's choice for port 0), for a process the test
/// starts and cannot ask; in-process daemons use `Binds::AnyPort` instead.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One client connection through `frontend`: the answering backend's name.
pub fn ask(frontend: SocketAddr) -> Result<String, String> {
    let mut c = TcpStream::connect_timeout(&frontend, Duration::from_secs(1))
        .map_err(|e| format!("connect {frontend}: {e}"))?;
    c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut s = String::new();
    c.read_to_string(&mut s)
        .map_err(|e| format!("read from {frontend}: {e}"))?;
    let s = s.trim().to_string();
    if s.is_empty() {
        Err(format!("{frontend} closed without an answer"))
    } else {
        Ok(s)
    }
}

/// Waits (bounded) until a connection through `frontend` is answered.
pub fn wait_answering(frontend: SocketAddr) -> String {
    wait_until(
        &format!("an answer through {frontend}"),
        Duration::from_secs(5),
        || ask(frontend),
    )
}

/// One HTTP request; the status and body. Panics when nothing answers.
pub fn request(addr: SocketAddr, method: &str, path: &str, token: Option<&str>) -> (u16, String) {
    try_request(addr, method, path, token).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

pub fn try_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    head.push_str("\r\n");
    raw(addr, head.as_bytes())
}

/// Sends `bytes` as they are; the status and body of the answer.
pub fn raw(addr: SocketAddr, bytes: &[u8]) -> std::io::Result<(u16, String)> {
    let mut c = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    c.set_read_timeout(Some(Duration::from_secs(8)))?;
    c.write_all(bytes)?;
    let mut answer = Vec::new();
    c.read_to_end(&mut answer)?;
    let text = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_string()))
}

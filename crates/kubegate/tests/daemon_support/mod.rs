//! `kubegate run` for tests. In-process ([`Daemon`]): the config written to a temporary
//! directory, the daemon on ports the kernel picks (read back from its status), every finished
//! connection's record kept. As a process ([`Binary`]) for what only the binary shows (its
//! stdout and stderr, signals, exit codes). Raw HTTP to an admin endpoint, backends on
//! loopback, and bounded waits that say what they waited for and what they saw. Daemons are
//! stopped and directories removed when their guards drop, also on failure.
#![allow(dead_code)] // each test crate uses a different part

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
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
        Daemon::start_with_files(name, yaml, &[])
    }

    /// The same with more files in `DIR` (a token file), as (name, contents).
    pub fn start_with_files(name: &str, yaml: &str, files: &[(&str, &str)]) -> Daemon {
        let dir = test_dir(name, yaml, files);
        let path = dir.join("kubegate.yaml");
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
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Status) -> bool,
    ) -> Status {
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

/// A fresh `TMP/kg-NAME-PID` holding `kubegate.yaml` (`DIR` in `yaml` replaced by the
/// directory) and `files`, readable by their owner only (a token file must be).
fn test_dir(name: &str, yaml: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("kubegate.yaml"),
        yaml.replace("DIR", dir.to_str().unwrap()),
    )
    .unwrap();
    for (file, contents) in files {
        write_private(&dir.join(file), contents);
    }
    dir
}

/// Writes a file only its owner may read (mode 0600), as a token file must be.
pub fn write_private(path: &Path, contents: &str) {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    f.write_all(contents.as_bytes()).unwrap();
}

/// `kubegate run --workers 1 --config DIR/kubegate.yaml ARGS…` as a process: stdout (the
/// connection log) in `DIR/connections.log`, stderr (its log) in `DIR/daemon.log`.
pub struct Binary {
    pub child: Child,
    pub dir: PathBuf,
}

impl Binary {
    pub fn spawn(name: &str, yaml: &str, files: &[(&str, &str)], args: &[&str]) -> Binary {
        let dir = test_dir(name, yaml, files);
        Binary::run_in(dir, args, None)
    }

    /// The same, returning once the daemon tells `$NOTIFY_SOCKET` it is ready (`READY=1`, as
    /// systemd's `Type=notify` waits for), at most [`START_STOP`].
    pub fn spawn_ready(name: &str, yaml: &str, files: &[(&str, &str)], args: &[&str]) -> Binary {
        let dir = test_dir(name, yaml, files);
        let path = dir.join("notify.sock");
        let notify = UnixDatagram::bind(&path).unwrap();
        let b = Binary::run_in(dir, args, Some(&path));
        notify.set_read_timeout(Some(START_STOP)).unwrap();
        let mut buf = [0u8; 256];
        match notify.recv(&mut buf) {
            Ok(n) if &buf[..n] == b"READY=1" => b,
            other => panic!(
                "expected READY=1 on $NOTIFY_SOCKET within {START_STOP:?}, got {:?}; its log:\n{}",
                other.map(|n| String::from_utf8_lossy(&buf[..n]).into_owned()),
                b.log()
            ),
        }
    }

    fn run_in(dir: PathBuf, args: &[&str], notify: Option<&Path>) -> Binary {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kubegate"));
        command
            .args(["run", "--workers", "1", "--config"])
            .arg(dir.join("kubegate.yaml"))
            .args(args)
            .env_remove("NOTIFY_SOCKET")
            .stdout(std::fs::File::create(dir.join("connections.log")).unwrap())
            .stderr(std::fs::File::create(dir.join("daemon.log")).unwrap());
        if let Some(path) = notify {
            command.env("NOTIFY_SOCKET", path);
        }
        let child = command.spawn().unwrap();
        Binary { child, dir }
    }

    /// A file of its directory, as it is now.
    pub fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join(file)).unwrap_or_default()
    }

    /// Its stderr so far.
    pub fn log(&self) -> String {
        self.read("daemon.log")
    }

    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{sig}: {status}");
    }

    /// Waits (bounded) for the process to exit.
    pub fn wait_exit(&mut self, what: &str, timeout: Duration) -> ExitStatus {
        let child = &mut self.child;
        let log = self.dir.join("daemon.log");
        wait_until(what, timeout, || match child.try_wait().unwrap() {
            Some(status) => Ok(status),
            None => Err(format!(
                "still running; its log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )),
        })
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!("kubegate's log:\n{}", self.log());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Polls `probe` every 20 ms until it gives `Ok` (at most `timeout`); panics with what was
/// awaited and the last `Err` (what was seen).
pub fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> Result<T, String>,
) -> T {
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

/// A loopback address whose port is held by a socket that never listens: every connect to
/// it is refused, and nothing else can take the port while the test process lives.
pub fn dead_backend() -> SocketAddr {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    let addr = s.local_addr().unwrap().as_socket().unwrap();
    // Held until the test process ends, like the backends' threads.
    std::mem::forget(s);
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
    // Status 0: no complete, valid answer head.
    let (status, body_at) = match kubegate_http::parse_response(&answer, 64 * 1024) {
        Ok(Some(head)) => (head.code, head.len),
        _ => (0, answer.len()),
    };
    Ok((
        status,
        String::from_utf8_lossy(&answer[body_at..]).into_owned(),
    ))
}

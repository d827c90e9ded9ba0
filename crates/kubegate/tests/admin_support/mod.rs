//! A running `kubegate run` for the admin tests: frontends on loopback with real TCP
//! backends, the admin endpoint on a free loopback port, a token file; raw HTTP requests to
//! it. Everything is removed when the guard drops, also on failure.
#![allow(dead_code)] // each test crate uses a different part

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output};
use std::thread;
use std::time::{Duration, Instant};

use kubegate::admin::snapshot::Status;

pub const TOKEN: &str = "test-token-7f3a9c";

/// A port free on loopback now (the kernel's choice for port 0).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A backend that answers every connection with its name and closes.
pub fn name_server(name: &str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
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

/// A loopback address nobody listens on (a dead backend).
pub fn dead_backend() -> SocketAddr {
    format!("127.0.0.1:{}", free_port()).parse().unwrap()
}

pub struct Daemon {
    pub child: Child,
    pub dir: PathBuf,
    pub admin: SocketAddr,
    pub frontend: SocketAddr,
}

/// The config for frontend `api` over `backends` (TCP checks every 200 ms, rise/fall 1), with
/// the admin endpoint on `admin` and a token file unless `token` is false.
pub fn config(frontend: SocketAddr, backends: &[SocketAddr], admin: &str, token: bool) -> String {
    let list: Vec<String> = backends.iter().map(|b| b.to_string()).collect();
    let token_line = if token {
        "  token_file: TOKEN_FILE\n"
    } else {
        ""
    };
    format!(
        "frontends:
  - name: api
    bind: {frontend}
    backends: [{}]
    check: {{ tcp: true, interval: 200ms, timeout: 200ms, rise: 1, fall: 1 }}
    timeouts: {{ drain: 1s }}
admin:
  bind: {admin}
{token_line}",
        list.join(", ")
    )
}

impl Daemon {
    /// Writes the config (`TOKEN_FILE` replaced by the token file's path) and starts the
    /// daemon without waiting.
    pub fn spawn(name: &str, yaml: &str, admin: SocketAddr, frontend: SocketAddr) -> Daemon {
        let dir = std::env::temp_dir().join(format!("kg-admin-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let token_file = dir.join("token");
        std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
        let yaml = yaml.replace("TOKEN_FILE", token_file.to_str().unwrap());
        std::fs::write(dir.join("kubegate.yaml"), yaml).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_kubegate"))
            .args(["run", "--workers", "1", "--config"])
            .arg(dir.join("kubegate.yaml"))
            .stdout(std::fs::File::create(dir.join("connections.log")).unwrap())
            .stderr(std::fs::File::create(dir.join("daemon.log")).unwrap())
            .spawn()
            .unwrap();
        Daemon {
            child,
            dir,
            admin,
            frontend,
        }
    }

    /// A daemon with frontend `api` over `backends`, admin on a free loopback port, and a
    /// token file; returns once `/readyz` answers 200.
    pub fn start(name: &str, backends: &[SocketAddr], token: bool) -> Daemon {
        let admin: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let frontend: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let yaml = config(frontend, backends, &admin.to_string(), token);
        let d = Daemon::spawn(name, &yaml, admin, frontend);
        d.wait_ready();
        d
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("kubegate.yaml")
    }

    pub fn token_path(&self) -> PathBuf {
        self.dir.join("token")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }

    pub fn wait_ready(&self) {
        let until = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok((200, _)) = try_request(self.admin, "GET", "/readyz", None) {
                return;
            }
            assert!(
                Instant::now() < until,
                "the admin endpoint never became ready; log:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        request(self.admin, "GET", path, None)
    }

    pub fn post(&self, path: &str, token: Option<&str>) -> (u16, String) {
        request(self.admin, "POST", path, token)
    }

    pub fn status(&self) -> Status {
        let (code, body) = self.get("/api/v1/status");
        assert_eq!(code, 200, "{body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    /// Polls the status until `pred` holds (at most `timeout`).
    pub fn wait_status(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Status) -> bool,
    ) -> Status {
        let until = Instant::now() + timeout;
        loop {
            let s = self.status();
            if pred(&s) {
                return s;
            }
            assert!(Instant::now() < until, "never {what}: {s:#?}");
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// One client connection through the frontend: the answering backend's name.
    pub fn ask(&self) -> String {
        let mut c = TcpStream::connect_timeout(&self.frontend, Duration::from_secs(2)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut s = String::new();
        let _ = c.read_to_string(&mut s);
        s.trim().to_string()
    }

    /// `kubegate ARGS…` run to its end.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kubegate"))
            .args(args)
            .output()
            .unwrap()
    }

    pub fn signal(&self, sig: &str) {
        Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap();
    }

    /// SIGTERM and the exit code (within 10 s).
    pub fn stop(mut self) -> Option<i32> {
        self.signal("TERM");
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < until,
                "kubegate did not exit after SIGTERM"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!("daemon log:\n{}", self.log());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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

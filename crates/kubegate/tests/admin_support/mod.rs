//! A `kubegate run` for the admin tests, in-process on ports the kernel picks: frontend `api`
//! on loopback with real TCP backends, the admin endpoint, a token file; raw HTTP requests to
//! it and the CLI run against it. Everything is removed when the guard drops, also on
//! failure.
#![allow(dead_code, unused_imports)] // each test crate uses a different part

#[path = "../daemon_support/mod.rs"]
pub mod daemon_support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

pub use daemon_support::{dead_backend, free_port, name_server, raw, request, try_request};
use kubegate::admin::snapshot::Status;

pub const TOKEN: &str = "test-token-7f3a9c";

/// The config for frontend `api` over `backends` (TCP checks every 200 ms, rise/fall 1), with
/// the admin endpoint on `admin` and the token file `DIR/token` unless `token` is false.
pub fn config(frontend: SocketAddr, backends: &[SocketAddr], admin: &str, token: bool) -> String {
    let list: Vec<String> = backends.iter().map(|b| b.to_string()).collect();
    let token_line = if token {
        "  token_file: DIR/token\n"
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

/// The token file's contents.
pub fn token_file() -> String {
    format!("{TOKEN}\n")
}

pub struct Daemon {
    pub daemon: daemon_support::Daemon,
    pub admin: SocketAddr,
    pub frontend: SocketAddr,
}

impl Daemon {
    /// A daemon with frontend `api` over `backends`, the admin endpoint, and a token file
    /// (read by the daemon only if `token`); returns once it is ready. Its config file is then
    /// rewritten with the addresses it really listens on, so `kubegate … --config` finds it
    /// as an operator's would.
    pub fn start(name: &str, backends: &[SocketAddr], token: bool) -> Daemon {
        // Placeholders: the daemon binds these addresses on ports the kernel picks.
        let (frontend, admin) = ("127.0.0.1:6443".parse().unwrap(), "127.0.0.1:9099");
        let yaml = config(frontend, backends, admin, token);
        let daemon = daemon_support::Daemon::start_with_files(
            &format!("admin-{name}"),
            &yaml,
            &[("token", &token_file())],
        );
        let (admin, frontend) = (daemon.admin(), daemon.frontend("api"));
        daemon.rewrite(&config(frontend, backends, &admin.to_string(), token));
        let d = Daemon {
            daemon,
            admin,
            frontend,
        };
        d.wait_ready();
        d
    }

    pub fn config_path(&self) -> PathBuf {
        self.daemon.config_path()
    }

    pub fn token_path(&self) -> PathBuf {
        self.daemon.dir.join("token")
    }

    /// Waits (bounded) until `/readyz` answers 200.
    pub fn wait_ready(&self) {
        daemon_support::wait_until("/readyz to answer 200", Duration::from_secs(5), || {
            match try_request(self.admin, "GET", "/readyz", None) {
                Ok((200, _)) => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        request(self.admin, "GET", path, None)
    }

    pub fn post(&self, path: &str, token: Option<&str>) -> (u16, String) {
        request(self.admin, "POST", path, token)
    }

    pub fn status(&self) -> Status {
        self.daemon.admin_status()
    }

    /// Polls the status until `pred` holds (at most `timeout`).
    pub fn wait_status(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Status) -> bool,
    ) -> Status {
        self.daemon.wait_admin_status(what, timeout, pred)
    }

    /// One client connection through the frontend: the answering backend's name.
    pub fn ask(&self) -> String {
        daemon_support::ask(self.frontend).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `kubegate ARGS…` run to its end.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kubegate"))
            .args(args)
            .output()
            .unwrap()
    }

    /// As SIGHUP: the config file again; its outcome.
    pub fn reload(&self) -> Result<(), String> {
        self.daemon.reload()
    }

    /// As SIGTERM: hand over, drain, return; the daemon's result.
    pub fn stop(self) -> Result<(), String> {
        self.daemon.stop()
    }
}

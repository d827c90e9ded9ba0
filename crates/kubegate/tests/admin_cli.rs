//! `kubegate status` (table and `--json`) against a running daemon, its advice when nothing
//! answers, and the start-up refusals: a non-loopback admin bind without a token, an empty
//! token file.

mod admin_support;

use std::process::Command;
use std::time::Duration;

use admin_support::daemon_support::{self, Binary};
use admin_support::*;
use kubegate::admin::snapshot::{BackendState, Status};

#[test]
fn status_prints_a_table_and_json() {
    let live = name_server("live");
    let dead = dead_backend();
    let d = Daemon::start("cli", &[live, dead], true);
    d.wait_status("dead backend down", Duration::from_secs(3), |s| {
        s.frontends[0].backends[1].state == BackendState::Down
    });
    let config = d.config_path();
    let out = d.cli(&["status", "--config", config.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("kubegate "), "{table}");
    assert!(
        table.contains(&format!("frontend api on {} (round-robin)", d.frontend)),
        "{table}"
    );
    let row = |addr: &str| {
        table
            .lines()
            .find(|l| l.trim_start().starts_with(addr))
            .unwrap_or_else(|| panic!("no row for {addr}:\n{table}"))
            .to_string()
    };
    assert!(row(&live.to_string()).contains(" up "), "{table}");
    assert!(row(&dead.to_string()).contains(" DOWN "), "{table}");
    assert!(
        row(&dead.to_string()).contains("TCP connect refused"),
        "{table}"
    );
    assert!(table.contains("recent events"), "{table}");

    let out = d.cli(&["status", "--json", "--admin", &d.admin.to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: Status = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status.frontends[0].backends.len(), 2);
    assert_eq!(status.frontends[0].backends[1].state, BackendState::Down);
    assert_eq!(d.stop(), Ok(()));
}

#[test]
fn status_without_a_daemon_says_what_to_check() {
    // A port held by a socket that does not listen: nothing answers there.
    let addr = dead_backend().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["status", "--admin", &addr])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "expected a failure, got {}: {err}",
        out.status
    );
    assert!(
        err.contains(&format!(
            "no daemon answers on {addr}: is kubegate running? is admin.bind elsewhere?"
        )),
        "{err}"
    );
}

/// Runs `kubegate run` on `yaml` (with `token` as the token file) and expects it to exit
/// non-zero within 5 s; its stderr.
fn refused_start(name: &str, yaml: &str, token: &str) -> String {
    let mut d = Binary::spawn(&format!("admin-{name}"), yaml, &[("token", token)], &[]);
    let status = d.wait_exit("kubegate to refuse to start", Duration::from_secs(5));
    assert!(
        !status.success(),
        "expected a failure, got {status}; log:\n{}",
        d.log()
    );
    d.log()
}

#[test]
fn a_non_loopback_bind_without_a_token_is_refused_at_start() {
    let a = name_server("a");
    let port = free_port();
    let yaml = config(
        format!("127.0.0.1:{}", free_port()).parse().unwrap(),
        &[a],
        &format!("0.0.0.0:{port}"),
        false,
    );
    let log = refused_start("nonloop", &yaml, &token_file());
    assert!(
        log.contains(&format!("admin.bind: 0.0.0.0:{port} is not a loopback address, so the endpoint needs a token: add `token_file:")),
        "{log}"
    );
    // Nothing listens there.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn an_empty_token_file_is_refused_at_start() {
    let a = name_server("a");
    let yaml = config(
        format!("127.0.0.1:{}", free_port()).parse().unwrap(),
        &[a],
        &format!("127.0.0.1:{}", free_port()),
        true,
    );
    let log = refused_start("emptytoken", &yaml, "  \n");
    assert!(
        log.contains("is empty; write a long random secret"),
        "{log}"
    );
}

#[test]
fn a_taken_admin_port_is_reported_and_the_balancer_runs_on() {
    let a = name_server("a");
    // The binary cannot be asked for its ports: the admin port is one the test holds, the
    // frontend's one that was free a moment ago.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let admin = taken.local_addr().unwrap();
    let frontend = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let yaml = config(frontend, &[a], &admin.to_string(), false);
    let mut d = Binary::spawn_ready("admin-taken", &yaml, &[], &[]);
    let log = d.log();
    assert!(
        log.contains(&format!("admin endpoint: cannot listen on {admin}"))
            && log.contains("running WITHOUT it"),
        "expected the taken admin port reported loudly before READY=1; log:\n{log}"
    );
    assert_eq!(daemon_support::ask(frontend), Ok("a".to_string()));
    d.signal("TERM");
    let status = d.wait_exit("kubegate to exit after SIGTERM", Duration::from_secs(10));
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM: {status}"
    );
}

#[test]
fn status_to_a_closed_pipe_ends_quietly() {
    let d = Daemon::start("pipe", &[name_server("live")], true);
    let config = d.config_path();
    for json in [false, true] {
        let mut args = vec!["status", "--config", config.to_str().unwrap()];
        if json {
            args.push("--json");
        }
        // `kubegate status | head` after head has gone: every write fails with EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_kubegate"))
            .args(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
            .wait_with_output()
            .unwrap();
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).as_ref()
            ),
            (Some(0), ""),
            "kubegate {args:?} to a closed pipe: expected a quiet exit 0"
        );
    }
    assert_eq!(d.stop(), Ok(()));
}

//! Reloads of a running `kubegate run` (in-process, its config file rewritten by the test):
//! `kubegate reload` prints the summary and exits 0 when the daemon accepts the file, prints
//! the located errors and exits non-zero when it rejects it; both are events, in the status
//! and in `/metrics` (the running file's fingerprint, the last reload's outcome and time);
//! SIGHUP takes the same path. Operator states survive a valid reload, and a backend removed
//! by it takes its state along. A dead backend a reload adds gets no client connection.

mod admin_support;

use std::time::Duration;

use admin_support::daemon_support::wait_until;
use admin_support::*;
use kubegate::admin::snapshot::{BackendState, EventKind, Status};
use prometheus_parse::{Scrape, Value};

fn scrape(d: &Daemon) -> Scrape {
    let (code, body) = d.get("/metrics");
    assert_eq!(code, 200, "{body}");
    Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).unwrap()
}

/// The value of the one sample of `metric` (no labels asked).
fn gauge(s: &Scrape, metric: &str) -> f64 {
    let found: Vec<_> = s.samples.iter().filter(|x| x.metric == metric).collect();
    assert_eq!(found.len(), 1, "one sample of {metric} expected: {found:?}");
    match found[0].value {
        Value::Gauge(v) => v,
        ref other => panic!("{metric}: expected a gauge, got {other:?}"),
    }
}

/// The fingerprint label of `kubegate_config_info` (and that its value is 1).
fn fingerprint_metric(s: &Scrape) -> String {
    assert_eq!(gauge(s, "kubegate_config_info"), 1.0);
    let info = s
        .samples
        .iter()
        .find(|x| x.metric == "kubegate_config_info")
        .unwrap();
    info.labels
        .get("fingerprint")
        .unwrap_or_else(|| panic!("no fingerprint label: {info:?}"))
        .to_string()
}

fn file_fingerprint(d: &Daemon) -> String {
    kubegate::host::fingerprint(&std::fs::read(d.config_path()).unwrap())
}

/// The newest event of kind `config` (backend events may come after it).
fn last_reload_event(s: &Status) -> kubegate::admin::snapshot::Event {
    s.events
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::Config)
        .cloned()
        .unwrap_or_else(|| panic!("no config event: {:?}", s.events))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn backend_state(s: &Status, address: std::net::SocketAddr) -> BackendState {
    let address = address.to_string();
    s.frontends[0]
        .backends
        .iter()
        .find(|b| b.address == address)
        .unwrap_or_else(|| panic!("no backend {address}: {:?}", s.frontends[0].backends))
        .state
}

#[test]
fn kubegate_reload_says_whether_the_daemon_took_the_file() {
    let (a, b) = (name_server("a"), name_server("b"));
    let d = Daemon::start("reload-cli", &[a], true);
    let config = d.config_path();
    let config = config.to_str().unwrap();
    let admin = d.admin.to_string();
    let token = d.token_path();
    let token = token.to_str().unwrap();

    // At start: the running file's fingerprint, successful, loaded at start.
    let m = scrape(&d);
    let first = fingerprint_metric(&m);
    assert_eq!(first.len(), 12, "{first}");
    assert_eq!(gauge(&m, "kubegate_config_last_reload_successful"), 1.0);
    let started = gauge(&m, "kubegate_config_last_reload_success_timestamp_seconds");
    assert!(started > 1.6e9, "a time since the epoch: {started}");
    let s = d.status();
    assert_eq!(s.config.path, config);
    assert_eq!(s.config.fingerprint, first);
    // (The harness rewrote the file after start with the ports the daemon took, so the file
    // now is not the one it started from; reloads below compare with the file.)
    assert_ne!(first, "unknown");

    // Accepted: exit 0, one line naming the new fingerprint; event, status and metrics.
    d.daemon
        .rewrite(&config_of(d.frontend, &[a, b], &admin, true));
    let accepted = file_fingerprint(&d);
    assert_ne!(accepted, first);
    let out = d.cli(&["reload", "--config", config]);
    let said = text(&out.stdout);
    assert!(
        out.status.success(),
        "expected exit 0, got {}: {}{said}",
        out.status,
        text(&out.stderr)
    );
    assert_eq!(said.lines().count(), 1, "one line expected: {said:?}");
    assert!(
        said.starts_with("reloaded ") && said.contains(&accepted) && said.contains("2 backend(s)"),
        "{said}"
    );
    let m = scrape(&d);
    assert_eq!(fingerprint_metric(&m), accepted);
    assert_eq!(gauge(&m, "kubegate_config_last_reload_successful"), 1.0);
    let reloaded = gauge(&m, "kubegate_config_last_reload_success_timestamp_seconds");
    assert!(reloaded >= started, "{reloaded} < {started}");
    let s = d.status();
    let last = last_reload_event(&s);
    assert_eq!(last.subject, "reload");
    assert!(last.message.starts_with("accepted: reloaded"), "{last:?}");
    assert!(s.config.last_reload_ok && s.config.last_reload_error.is_none());

    // Rejected: exit non-zero with the errors located as `kubegate check` does; the running
    // config stays (fingerprint, success time) and serves.
    // Line 4: a misspelt key.
    let broken = config_of(d.frontend, &[a, b], &admin, true)
        .replace("    backends:", "    balanse: x\n    backends:");
    d.daemon.rewrite(&broken);
    let out = d.cli(&["reload", "--admin", &admin, "--token-file", token]);
    let err = text(&out.stderr);
    assert!(
        !out.status.success(),
        "expected a failure for a broken file, got {}: {}{err}",
        out.status,
        text(&out.stdout)
    );
    let located = format!("{config}:4:5: unknown key 'balanse'");
    assert!(
        err.contains("rejected its config file") && err.contains(&located),
        "expected the error located at {located}…, got:\n{err}"
    );
    let m = scrape(&d);
    assert_eq!(gauge(&m, "kubegate_config_last_reload_successful"), 0.0);
    assert_eq!(fingerprint_metric(&m), accepted, "the running file's");
    assert_eq!(
        gauge(&m, "kubegate_config_last_reload_success_timestamp_seconds"),
        reloaded
    );
    let s = d.status();
    let last = last_reload_event(&s);
    assert!(
        last.message
            .starts_with("rejected, the running config is kept: ")
            && last.message.contains(&located),
        "{last:?}"
    );
    assert!(!s.config.last_reload_ok);
    assert!(
        s.config
            .last_reload_error
            .as_deref()
            .is_some_and(|e| e.contains(&located)),
        "{:?}",
        s.config
    );
    // `kubegate status` says so.
    let out = d.cli(&["status", "--admin", &admin]);
    let table = text(&out.stdout);
    assert!(
        table.contains(&format!("fingerprint {accepted}"))
            && table.contains("LAST RELOAD REJECTED"),
        "{table}"
    );
    let answers: Vec<String> = (0..4).map(|_| d.ask()).collect();
    assert!(answers.iter().any(|x| x == "b"), "{answers:?}");

    // With --config of a broken file, the errors are printed and the daemon is not asked.
    let events = d.status().events.len();
    let out = d.cli(&["reload", "--config", config]);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(&located) && err.contains("the daemon was not asked"),
        "{err}"
    );
    assert_eq!(d.status().events.len(), events, "no reload happened");

    // Without the token: refused, non-zero, saying how to pass it.
    let out = d.cli(&["reload", "--admin", &admin]);
    let err = text(&out.stderr);
    assert!(!out.status.success() && err.contains("401"), "{err}");

    // SIGHUP takes the same path: the fixed file is accepted and published.
    d.daemon.rewrite(&config_of(d.frontend, &[a], &admin, true));
    assert_eq!(d.reload(), Ok(()));
    let m = scrape(&d);
    assert_eq!(gauge(&m, "kubegate_config_last_reload_successful"), 1.0);
    assert_eq!(fingerprint_metric(&m), file_fingerprint(&d));
    let last = last_reload_event(&d.status());
    assert!(last.message.starts_with("accepted: "), "{last:?}");
    assert_eq!(d.stop(), Ok(()));
}

/// `admin_support::config`, under a name that does not clash with the file path above.
fn config_of(
    frontend: std::net::SocketAddr,
    backends: &[std::net::SocketAddr],
    admin: &str,
    token: bool,
) -> String {
    config(frontend, backends, admin, token)
}

#[test]
fn operator_states_survive_a_reload_and_leave_with_their_backend() {
    let (a, b, c) = (name_server("a"), name_server("b"), name_server("c"));
    let d = Daemon::start("reload-keeps", &[a, b, c], true);
    let admin = d.admin.to_string();
    for (backend, action) in [(a, "drain"), (b, "maint")] {
        let (code, body) = d.post(
            &format!("/api/v1/frontends/api/backends/{backend}/{action}"),
            Some(TOKEN),
        );
        assert_eq!(code, 200, "{body}");
        assert!(body.contains("kept across reloads"), "{body}");
    }

    // A valid reload (weights changed) keeps both.
    let reweighted = config(d.frontend, &[a, b, c], &admin, true)
        .replace(&format!("{c}"), &format!("{{ address: {c}, weight: 2 }}"));
    d.daemon.rewrite(&reweighted);
    assert_eq!(d.reload(), Ok(()));
    let s = d.status();
    assert_eq!(
        (backend_state(&s, a), backend_state(&s, b)),
        (BackendState::Drain, BackendState::Maint),
        "operator states after a reload: {:?}",
        s.frontends[0].backends
    );
    for _ in 0..6 {
        assert_eq!(d.ask(), "c");
    }
    // Shown as the operator's in `kubegate status`.
    let out = d.cli(&["status", "--admin", &admin]);
    let table = text(&out.stdout);
    let row = |addr: std::net::SocketAddr| {
        table
            .lines()
            .find(|l| l.trim_start().starts_with(&addr.to_string()))
            .unwrap_or_else(|| panic!("no row for {addr}:\n{table}"))
            .to_string()
    };
    assert!(row(a).contains("drain (operator)"), "{table}");
    assert!(row(b).contains("MAINT (operator)"), "{table}");

    // b removed: its state goes with it; added back it is an ordinary backend again.
    d.daemon.rewrite(&config(d.frontend, &[a, c], &admin, true));
    assert_eq!(d.reload(), Ok(()));
    d.daemon
        .rewrite(&config(d.frontend, &[a, b, c], &admin, true));
    assert_eq!(d.reload(), Ok(()));
    let s = d.wait_status("b back and up", Duration::from_secs(3), |s| {
        backend_state(s, b) == BackendState::Up
    });
    assert_eq!(
        backend_state(&s, a),
        BackendState::Drain,
        "a is still drained"
    );

    // `kubegate backend ready` is what ends a drain.
    let out = d.cli(&[
        "backend",
        "ready",
        "api",
        &a.to_string(),
        "--config",
        d.config_path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(backend_state(&d.status(), a), BackendState::Up);
    assert_eq!(d.stop(), Ok(()));
}

#[test]
fn a_dead_backend_added_by_a_reload_gets_no_client() {
    let (a, b) = (name_server("a"), name_server("b"));
    let dead = dead_backend();
    let d = Daemon::start("reload-dead", &[a], true);
    let admin = d.admin.to_string();
    d.daemon
        .rewrite(&config(d.frontend, &[a, dead, b], &admin, true));
    assert_eq!(d.reload(), Ok(()));
    // At once, before its check could run: no client goes to the dead backend (a, or b once
    // its first check passed, answers); before this change a third of them were sent to it
    // first (a connect failure each, a stall of up to
    // timeouts.connect when the address does not answer at all).
    for n in 0..20 {
        let answer = d.ask();
        assert!(answer == "a" || answer == "b", "client {n}: {answer}");
    }
    // b's first check passes: it takes clients; the dead one never was tried.
    d.wait_status("b up after its first check", Duration::from_secs(3), |s| {
        backend_state(s, b) == BackendState::Up
    });
    wait_until("an answer from b", Duration::from_secs(3), || {
        let answers: Vec<String> = (0..4).map(|_| d.ask()).collect();
        if answers.iter().any(|x| x == "b") {
            Ok(())
        } else {
            Err(format!("{answers:?}"))
        }
    });
    let s = d.status();
    let row = s.frontends[0]
        .backends
        .iter()
        .find(|r| r.address == dead.to_string())
        .unwrap();
    assert_eq!(row.state, BackendState::Down, "{row:?}");
    assert!(row.checks >= 1, "{row:?}");
    assert_eq!(
        (row.sessions_total, row.connect_failures),
        (0, 0),
        "expected no client sent to the dead backend: {row:?}"
    );
    assert_eq!(s.frontends[0].connect_failed, 0, "{:?}", s.frontends[0]);
    assert_eq!(d.stop(), Ok(()));
}

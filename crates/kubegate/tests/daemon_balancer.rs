//! `kubegate run` with frontends only (a node-local balancer, setup S2), on loopback: a
//! backend that stops being ready gets no new connections, a dead backend costs no client
//! connection, a reload applies a new backend list under load without a failed connection,
//! an invalid file is rejected with the running config kept, and a stop returns cleanly. The
//! daemon runs in-process on ports the kernel picks; one test runs the binary to prove its
//! JSON connection log on stdout and its exit on SIGTERM.

mod daemon_support;

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use daemon_support::*;
use kubegate::admin::snapshot::BackendState;
use kubegate_lab::apiserver;

/// Opens `n` connections through `frontend` and closes them at once; waits (bounded) until
/// the daemon has recorded all of them, and returns their records.
fn connect_and_close(d: &Daemon, frontend: SocketAddr, n: usize) -> Vec<String> {
    let mark = d.records().len();
    for i in 0..n {
        TcpStream::connect(frontend).unwrap_or_else(|e| panic!("connection {i}: {e}"));
    }
    d.wait_records(mark + n, Duration::from_secs(5))[mark..]
        .iter()
        .map(|r| r.text())
        .collect()
}

#[test]
fn a_backend_that_is_not_ready_gets_no_new_connections_until_it_is_ready_again() {
    let ready: Vec<Arc<AtomicBool>> = (0..3).map(|_| Arc::new(AtomicBool::new(true))).collect();
    let servers: Vec<apiserver::Handle> = ready
        .iter()
        .map(|r| {
            apiserver::serve("127.0.0.1:0".parse().unwrap(), &["127.0.0.1"], r.clone()).unwrap()
        })
        .collect();
    let backends: Vec<String> = servers.iter().map(|s| s.local_addr().to_string()).collect();
    let yaml = format!(
        "frontends:
  - name: api
    bind: 127.0.0.1:6443
    backends: [{}]
    check: {{ https: /readyz, interval: 100ms, timeout: 500ms, rise: 2, fall: 2 }}
admin:
  bind: 127.0.0.1:9099
",
        backends.join(", ")
    );
    let d = Daemon::start("balancer-readyz", &yaml);
    let frontend = d.frontend("api");
    d.wait_admin_status("every backend up", Duration::from_secs(3), |s| {
        s.frontends[0]
            .backends
            .iter()
            .all(|b| b.state == BackendState::Up)
    });
    // Backend 1 starts failing /readyz (as an apiserver does when a graceful shutdown begins).
    ready[1].store(false, Ordering::SeqCst);
    let s = d.wait_admin_status(
        &format!("backend {} down", backends[1]),
        Duration::from_secs(3),
        |s| s.frontends[0].backends[1].state == BackendState::Down,
    );
    assert!(
        s.events
            .iter()
            .any(|e| e.subject == format!("api/{}", backends[1])
                && e.message.starts_with("up -> down")
                && e.message.contains("HTTPS 500")),
        "no event says the backend failed /readyz with HTTPS 500: {:#?}",
        s.events
    );
    let after = connect_and_close(&d, frontend, 30);
    assert!(
        after
            .iter()
            .all(|l| !l.contains(&format!(" {} ", backends[1]))),
        "a not-ready backend got new connections:\n{}",
        after.join("\n")
    );
    // Ready again: back after `rise` good checks, and it gets connections again.
    ready[1].store(true, Ordering::SeqCst);
    d.wait_admin_status(
        &format!("backend {} up again", backends[1]),
        Duration::from_secs(3),
        |s| s.frontends[0].backends[1].state == BackendState::Up,
    );
    let after = connect_and_close(&d, frontend, 30);
    let to_ready = after
        .iter()
        .filter(|l| l.contains(&format!(" {} ", backends[1])))
        .count();
    assert!(
        to_ready >= 5,
        "the ready backend gets its share again: {to_ready} of 30:\n{}",
        after.join("\n")
    );
    assert_eq!(d.stop(), Ok(()));
}

/// What a client asking again and again has seen so far.
#[derive(Default)]
struct Seen {
    answers: Vec<String>,
    failures: Vec<String>,
}

#[test]
fn reload_under_load_applies_new_backends_without_a_failed_connection() {
    let (b1, b2, b3) = (name_server("b1"), name_server("b2"), name_server("b3"));
    let config = |backends: &[SocketAddr]| {
        let list: Vec<String> = backends.iter().map(|b| b.to_string()).collect();
        format!(
            "frontends:
  - name: api
    bind: 127.0.0.1:6443
    backends: [{}]
    check: {{ tcp: true, interval: 100ms }}
",
            list.join(", ")
        )
    };
    let d = Daemon::start("balancer-reload", &config(&[b1, b2]));
    let frontend = d.frontend("api");
    wait_answering(frontend);

    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let client = {
        let (seen, stop) = (seen.clone(), stop.clone());
        thread::spawn(move || {
            // Bounded by the test's stop, or by count if the test is gone.
            for _ in 0..20_000 {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let answer = ask(frontend);
                let mut seen = seen.lock().unwrap();
                match answer {
                    Ok(a) => seen.answers.push(a),
                    Err(e) => seen.failures.push(e),
                }
                drop(seen);
                thread::sleep(Duration::from_millis(2));
            }
        })
    };
    // Stops the client also when an assertion fails.
    struct StopClient(Arc<AtomicBool>);
    impl Drop for StopClient {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let _stop_client = StopClient(stop.clone());
    let answered_since = |what: &str, mark: usize, pred: &dyn Fn(&[String]) -> bool| -> usize {
        wait_until(what, Duration::from_secs(10), || {
            let seen = seen.lock().unwrap();
            let since = &seen.answers[mark.min(seen.answers.len())..];
            if pred(since) {
                Ok(seen.answers.len())
            } else {
                Err(format!(
                    "{} answers since, the last ones {:?}; failures {:?}",
                    since.len(),
                    &since[since.len().saturating_sub(10)..],
                    seen.failures
                ))
            }
        })
    };
    let has = |name: &'static str| move |a: &[String]| a.iter().any(|x| x == name);
    answered_since("50 answers, b1's among them", 0, &|a: &[String]| {
        a.len() >= 50 && has("b1")(a)
    });

    // Replace b1 by b3: b1 drains, b3 starts taking connections.
    d.rewrite(&config(&[b2, b3]));
    assert_eq!(d.reload(), Ok(()));
    let reloaded = seen.lock().unwrap().answers.len();
    answered_since(
        "50 answers after the reload, b3's among them",
        reloaded,
        &|a| a.len() >= 50 && has("b3")(a),
    );
    // An invalid file is rejected; the running config stays.
    d.rewrite("frontends:\n  - name: api\n    bind: 127.0.0.1:6443\n    backends: []\n");
    let rejected = d.reload();
    assert!(
        rejected.as_ref().is_err_and(|e| e.contains("backends")),
        "an empty backend list must be rejected, naming `backends`: {rejected:?}"
    );
    let kept = seen.lock().unwrap().answers.len();
    answered_since("50 answers after the rejected reload", kept, &|a| {
        a.len() >= 50
    });
    stop.store(true, Ordering::SeqCst);
    client.join().unwrap();
    let seen = seen.lock().unwrap();
    assert!(
        seen.failures.is_empty(),
        "failed client connections: {:?}",
        seen.failures
    );
    // One answer may have been on its way while the reload was applied.
    let after = &seen.answers[reloaded + 1..];
    assert!(
        after.iter().all(|a| a != "b1"),
        "b1 still gets connections after the reload: {after:?}"
    );
    assert!(
        seen.answers[kept..].iter().any(|a| a == "b2")
            && seen.answers[kept..].iter().any(|a| a == "b3"),
        "after the rejected reload b2 and b3 still serve: {:?}",
        &seen.answers[kept..]
    );
    drop(seen);
    assert_eq!(d.stop(), Ok(()));
}

#[test]
fn a_dead_backend_costs_no_client_connection() {
    // Every connect to the dead backend is refused and retried on another.
    let (b1, b2) = (name_server("b1"), name_server("b2"));
    let dead = dead_backend();
    let yaml = format!(
        "frontends:
  - name: api
    bind: 127.0.0.1:6443
    backends: [{b1}, {b2}, {dead}]
    check: {{ tcp: true, interval: 10s }}
"
    );
    let d = Daemon::start("balancer-dead", &yaml);
    let frontend = d.frontend("api");
    wait_answering(frontend);
    let failed: Vec<String> = (0..300).filter_map(|_| ask(frontend).err()).collect();
    assert!(failed.is_empty(), "{} failed: {failed:?}", failed.len());
    assert_eq!(d.stop(), Ok(()));
}

#[test]
fn ipv6_listener_and_json_connection_log_of_the_binary_which_exits_0_on_sigterm() {
    let b1 = name_server("b1");
    // The binary cannot be asked for its port: it gets one that was free a moment ago.
    let port = std::net::TcpListener::bind("[::1]:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let frontend: SocketAddr = format!("[::1]:{port}").parse().unwrap();
    let yaml =
        format!("frontends:\n  - name: api6\n    bind: \"{frontend}\"\n    backends: [{b1}]\n");
    let mut p = Binary::spawn("balancer-json", &yaml, &[], &["--log-format", "json"]);
    assert_eq!(wait_answering(frontend), "b1");
    let line = wait_until(
        "a JSON connection record on stdout",
        Duration::from_secs(2),
        || {
            let log = p.read("connections.log");
            match log.lines().find(|l| l.contains("\"frontend\":\"api6\"")) {
                Some(l) => Ok(l.to_string()),
                None => Err(format!("stdout: {log:?}")),
            }
        },
    );
    let record: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    assert_eq!(record["frontend"], "api6", "{line}");
    assert_eq!(record["backend"], b1.to_string(), "{line}");
    assert!(
        record["client"]
            .as_str()
            .unwrap_or("")
            .starts_with("[::1]:"),
        "{line}"
    );
    assert_eq!(record["bytes_from_backend"], 3, "'b1\\n': {line}");
    p.signal("TERM");
    let status = p.wait_exit("kubegate to exit after SIGTERM", Duration::from_secs(10));
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM: {status}"
    );
}

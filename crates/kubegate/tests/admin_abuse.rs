//! The admin endpoint of a running `kubegate run` under 200 abusive clients (heads a byte at
//! a time, silent connections, floods of requests, oversized heads and bodies; see
//! `abuse_support`): every `/healthz` and `/readyz` probe during the run answers 200 within
//! the timeout of the generated static pod's liveness probe, and the operator's page, API and
//! an action answer too. Loopback only; at most a few hundred sockets at once (the process
//! may hold 20,000 files); the abuse lasts [`ABUSE`].

mod abuse_support;
mod admin_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use abuse_support::{Kind, Tally, IDLE_EACH, KINDS};
use admin_support::*;
use k8s_openapi::api::core::v1::Pod;
use kubegate::admin::admission::MAX_OPEN;
use kubegate::manifest::{self, Kind as ManifestKind, Options};

/// How long the abuse lasts.
const ABUSE: Duration = Duration::from_secs(4);
/// Abusive clients, as many of each kind.
const CLIENTS: usize = 200;
/// Time between two probes of one path (the kubelet's period is seconds; this is stricter).
const PROBE_EVERY: Duration = Duration::from_millis(100);

/// `timeoutSeconds` of the liveness probe in the static pod `kubegate manifest` writes.
fn liveness_timeout(d: &Daemon) -> Duration {
    let cluster = kubegate::host::load_config(&d.config_path()).unwrap();
    let options = Options::new("/etc/kubegate/kubegate.yaml");
    let text = manifest::render(ManifestKind::StaticPod, &cluster, &options).unwrap();
    let pod: Pod = serde_saphyr::from_str(&text).unwrap();
    let probe = pod.spec.unwrap().containers[0]
        .liveness_probe
        .clone()
        .unwrap();
    let get = probe.http_get.unwrap();
    assert_eq!(get.path.as_deref(), Some("/healthz"));
    let seconds = probe.timeout_seconds.expect("the probe says its timeout");
    Duration::from_secs(seconds as u64)
}

/// One probe as the kubelet sends it; the status (0: none) and how long it took, all of it
/// (connect, request, answer) within `timeout`.
fn probe(admin: SocketAddr, path: &str, timeout: Duration) -> (u16, Duration) {
    let started = Instant::now();
    let status = (|| -> std::io::Result<u16> {
        let mut c = TcpStream::connect_timeout(&admin, timeout)?;
        let head = format!(
            "GET {path} HTTP/1.1\r\nHost: {admin}\r\nUser-Agent: kube-probe/1.34\r\n\
             Accept: */*\r\nConnection: close\r\n\r\n"
        );
        c.write_all(head.as_bytes())?;
        let mut answer = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            let left = timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            c.set_read_timeout(Some(left))?;
            match c.read(&mut chunk)? {
                0 => break,
                n => answer.extend_from_slice(&chunk[..n]),
            }
        }
        Ok(kubegate_http::parse_status_prefix(&answer)
            .ok()
            .flatten()
            .unwrap_or(0))
    })()
    .unwrap_or(0);
    (status, started.elapsed())
}

/// Probes `path` every [`PROBE_EVERY`] until `stop`; every (status, time taken).
fn prober(
    admin: SocketAddr,
    path: &'static str,
    timeout: Duration,
    stop: Arc<AtomicBool>,
) -> thread::JoinHandle<Vec<(u16, Duration)>> {
    thread::spawn(move || {
        let mut seen = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            seen.push(probe(admin, path, timeout));
            thread::sleep(PROBE_EVERY);
        }
        seen
    })
}

/// Adds `b` into `a`.
fn merge(a: &mut Tally, b: Tally) {
    for (k, v) in b {
        *a.entry(k).or_default() += v;
    }
}

#[test]
fn probes_and_the_operator_are_answered_whatever_200_abusive_clients_do() {
    let live = name_server("live");
    let d = Daemon::start("abuse", &[live], true);
    let timeout = liveness_timeout(&d);
    assert_eq!(timeout, Duration::from_secs(2), "the pod's probe timeout");

    let stop = Arc::new(AtomicBool::new(false));
    let abusers: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let kind = KINDS[i % KINDS.len()];
            (kind, abuse_support::spawn(kind, i, d.admin, stop.clone()))
        })
        .collect();
    // Let the abuse build up before probing.
    thread::sleep(Duration::from_millis(500));
    let probes_stop = Arc::new(AtomicBool::new(false));
    let probers = [
        prober(d.admin, "/healthz", timeout, probes_stop.clone()),
        prober(d.admin, "/readyz", timeout, probes_stop.clone()),
    ];

    // The operator, in the middle of it: the page and the API without a token (loopback),
    // the status and an action with it.
    thread::sleep(Duration::from_millis(1000));
    let drain = format!("/api/v1/frontends/api/backends/{live}/drain");
    let ready = format!("/api/v1/frontends/api/backends/{live}/ready");
    let mut operator = Vec::new();
    for (method, path, token) in [
        ("GET", "/", None),
        ("GET", "/api/v1/status", None),
        ("GET", "/api/v1/status", Some(TOKEN)),
        ("POST", drain.as_str(), Some(TOKEN)),
        ("GET", "/metrics", Some(TOKEN)),
        ("POST", ready.as_str(), Some(TOKEN)),
    ] {
        let started = Instant::now();
        let answer = try_request(d.admin, method, path, token);
        operator.push((method, path.to_string(), answer, started.elapsed()));
        thread::sleep(Duration::from_millis(200));
    }

    thread::sleep(ABUSE.saturating_sub(Duration::from_millis(2700)));
    probes_stop.store(true, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    let probes: Vec<Vec<(u16, Duration)>> =
        probers.into_iter().map(|p| p.join().unwrap()).collect();
    let mut tallies: Vec<(Kind, Tally)> = KINDS.iter().map(|k| (*k, Tally::new())).collect();
    for (kind, handle) in abusers {
        let tally = handle.join().unwrap();
        merge(
            &mut tallies.iter_mut().find(|(k, _)| *k == kind).unwrap().1,
            tally,
        );
    }
    let report = format!("probes: {probes:?}\noperator: {operator:#?}\nabusers: {tallies:#?}");
    let slowest = probes.iter().flatten().map(|(_, took)| *took).max();
    eprintln!(
        "{} probes, the slowest answered in {slowest:?}; abusers saw: {tallies:?}",
        probes.iter().map(Vec::len).sum::<usize>()
    );

    // Every probe answered 200 in time, and there were enough of them to mean something.
    for (path, seen) in ["/healthz", "/readyz"].iter().zip(&probes) {
        assert!(seen.len() >= 15, "{path}: too few probes\n{report}");
        for (status, took) in seen {
            assert!(
                *status == 200 && *took < timeout,
                "{path}: {status} in {took:?}\n{report}"
            );
        }
    }
    // The operator was answered, quickly.
    for (method, path, answer, took) in &operator {
        let (code, body) = answer
            .as_ref()
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{report}"));
        assert_eq!(*code, 200, "{method} {path}: {body}\n{report}");
        assert!(*took < timeout, "{method} {path} took {took:?}\n{report}");
    }
    let (_, _, page, _) = &operator[0];
    assert!(page.as_ref().unwrap().1.contains("<html"), "{report}");

    // The abuse happened, and was answered as the endpoint promises.
    let tally = |kind: Kind| &tallies.iter().find(|(k, _)| *k == kind).unwrap().1;
    let n = |kind: Kind, what: &str| tally(kind).get(what).copied().unwrap_or(0);
    let per_kind = CLIENTS / KINDS.len();
    // Slow heads: refused after the request deadline (408) or evicted (503).
    assert!(
        n(Kind::SlowHead, "408") + n(Kind::SlowHead, "503") >= per_kind,
        "{report}"
    );
    // Silent connections: closed after the idle timeout (408) or evicted (503), and more
    // of them were held than the endpoint keeps: some were evicted.
    assert!(
        n(Kind::Idle, "408") + n(Kind::Idle, "503") >= per_kind * IDLE_EACH,
        "{report}"
    );
    assert!(
        per_kind * (IDLE_EACH + 1) < MAX_OPEN,
        "the idle and slow alone fit"
    );
    assert!(
        n(Kind::Idle, "503") + n(Kind::SlowHead, "503") > 0,
        "with the others, more than {MAX_OPEN} connections: the oldest waiting were evicted\n{report}"
    );
    // Floods: thousands of answers; the page, API, probes, refusals all seen.
    for code in ["200", "403", "404"] {
        assert!(n(Kind::Flood, code) >= 20, "flood answers {code}\n{report}");
    }
    // Oversized heads: 431 as soon as 8 KiB came.
    assert!(n(Kind::HugeHead, "431") >= per_kind, "{report}");
    // Oversized bodies: 413, 411, or reset by the close that follows the answer.
    assert!(
        tally(Kind::HugeBody).values().sum::<usize>() >= per_kind,
        "{report}"
    );

    // And afterwards the endpoint serves as before.
    assert_eq!(d.get("/healthz"), (200, "ok\n".to_string()));
    assert_eq!(d.get("/readyz"), (200, "ok\n".to_string()));
}

#[test]
fn silent_and_slow_clients_are_cut_off_by_their_deadlines() {
    let d = Daemon::start("deadlines", &[name_server("live")], true);
    let read_all = |c: &mut TcpStream| {
        c.set_read_timeout(Some(Duration::from_secs(6))).unwrap();
        let mut answer = Vec::new();
        let _ = c.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    };
    // Silent: 408 after the idle timeout (1 s).
    let started = Instant::now();
    let mut silent = TcpStream::connect(d.admin).unwrap();
    let answer = read_all(&mut silent);
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(
        (Duration::from_millis(900)..Duration::from_millis(2500)).contains(&took),
        "{took:?}"
    );
    // A head that keeps coming, too slowly: 408 after the request deadline (3 s).
    let started = Instant::now();
    let mut slow = TcpStream::connect(d.admin).unwrap();
    slow.write_all(b"GET /healthz HT").unwrap();
    let writer = {
        let mut slow = slow.try_clone().unwrap();
        thread::spawn(move || {
            for byte in b"TP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
                thread::sleep(Duration::from_millis(100));
                if slow.write_all(&[*byte]).is_err() {
                    break;
                }
            }
        })
    };
    let answer = read_all(&mut slow);
    let took = started.elapsed();
    writer.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(
        (Duration::from_millis(2900)..Duration::from_millis(4500)).contains(&took),
        "{took:?}"
    );
}

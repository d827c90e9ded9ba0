//! The balancer when backends fail or the frontend is full: a backend that dies while clients
//! connect costs no client connection (connect failures are retried on another backend at
//! once); with no backend ready, or at the connection limit, a client is reset within
//! milliseconds instead of hanging; a reload swaps frontends without touching established
//! connections.

mod balancer_proxy_support;

use std::io::{ErrorKind, Read};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use balancer_proxy_support::*;
use kubegate_balancer::connlog::Termination;
use kubegate_balancer::pool::Health;
use kubegate_balancer::shared::FrontendState;

#[test]
fn a_backend_dying_mid_test_fails_no_client_connection() {
    let backends: Vec<TestBackend> = (0..3).map(|_| TestBackend::spawn(Kind::Echo)).collect();
    let addrs: Vec<_> = backends.iter().map(|b| b.addr).collect();
    let proxy = TestProxy::start_with(frontend(&addrs), 2);
    let clients = 4;
    let per_client = 250;
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Clients hold this for reading during each connection; the kill takes it for writing, so
    // the backend dies between connections: a connection already handed to a backend when it
    // dies is lost with it through any proxy (it may sit in the backend's accept queue), and
    // is not what this test measures.
    let gate = Arc::new(std::sync::RwLock::new(()));
    let threads: Vec<_> = (0..clients)
        .map(|t| {
            let addr = proxy.addr;
            let done = done.clone();
            let gate = gate.clone();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for i in 0..per_client {
                    let _in_flight = gate.read().unwrap();
                    let r = std::net::TcpStream::connect(addr).and_then(|mut s| {
                        s.set_read_timeout(Some(Duration::from_secs(5)))?;
                        ping(&mut s, format!("client {t} conn {i}").as_bytes())
                    });
                    if let Err(e) = r {
                        failures.push(format!("client {t} conn {i}: {e}"));
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                failures
            })
        })
        .collect();
    assert!(eventually(Duration::from_secs(20), || done
        .load(Ordering::Relaxed)
        >= 300));
    let killed_at = {
        let _quiet = gate.write().unwrap();
        backends[1].stop_listening();
        // The backend thread closes its listener: wait until connects are refused.
        assert!(eventually(Duration::from_secs(2), || {
            std::net::TcpStream::connect(backends[1].addr).is_err()
        }));
        done.load(Ordering::Relaxed)
    };
    let failures: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(
        failures.is_empty(),
        "failed client connections: {failures:?}"
    );
    let records = proxy.wait_records(clients * per_client, Duration::from_secs(5));
    assert_eq!(records.len(), clients * per_client);
    let retried = records.iter().filter(|r| r.retries > 0).count();
    let after: Vec<_> = records
        .iter()
        .skip(killed_at + 50)
        .filter(|r| r.backend == Some(addrs[1]))
        .collect();
    println!(
        "killed after {killed_at} of {}: {retried} connections retried on another backend",
        clients * per_client
    );
    assert!(
        retried >= 1,
        "the dead backend was never tried: the test proves nothing"
    );
    let pool = proxy.state.pool();
    assert_eq!(
        pool.members()[1].health(),
        Health::Down,
        "marked down by the passive check"
    );
    assert!(
        after.is_empty(),
        "still sent to the dead backend: {after:?}"
    );
    assert_eq!(proxy.state.stats.connect_failed.load(Ordering::Relaxed), 0);
}

#[test]
fn with_no_backend_ready_clients_are_reset_at_once() {
    let backend = TestBackend::spawn(Kind::Echo);
    let proxy = TestProxy::start(frontend(&[backend.addr]));
    proxy
        .state
        .pool()
        .set_health(0, Health::Down, Instant::now());
    for _ in 0..20 {
        let started = Instant::now();
        let mut c = proxy.connect();
        let mut buf = [0u8; 1];
        let r = c.read(&mut buf);
        let took = started.elapsed();
        match r {
            Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset),
            Ok(n) => panic!("read {n} bytes instead of a reset"),
        }
        assert!(took < Duration::from_millis(50), "reset after {took:?}");
    }
    let stats = &proxy.state.stats;
    assert_eq!(stats.refused_no_backend.load(Ordering::Relaxed), 20);
    assert_eq!(stats.accepted.load(Ordering::Relaxed), 0);
    let r = proxy.wait_records(20, Duration::from_secs(2));
    assert!(r
        .iter()
        .all(|r| r.end == Termination::NoBackend && r.backend.is_none()));
}

#[test]
fn when_every_connect_fails_the_client_is_reset() {
    // Two addresses where nothing listens: bound then closed.
    let dead: Vec<_> = (0..2)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
        })
        .collect();
    let proxy = TestProxy::start(frontend(&dead));
    let started = Instant::now();
    let mut c = proxy.connect();
    let mut buf = [0u8; 1];
    let r = c.read(&mut buf);
    assert!(
        matches!(r, Err(ref e) if e.kind() == ErrorKind::ConnectionReset),
        "{r:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(500));
    let r = proxy.wait_records(1, Duration::from_secs(2));
    assert_eq!(r[0].end, Termination::ConnectFailed);
    assert_eq!(r[0].retries, 1, "both backends tried once");
    assert_eq!(proxy.state.stats.connect_failed.load(Ordering::Relaxed), 1);
}

#[test]
fn the_connection_limit_refuses_the_excess_fast() {
    let backend = TestBackend::spawn(Kind::Echo);
    let mut f = frontend(&[backend.addr]);
    f.max_connections = Some(5);
    let proxy = TestProxy::start_with(f, 2);
    let mut held: Vec<_> = (0..5)
        .map(|i| {
            let mut c = proxy.connect();
            ping(&mut c, format!("held {i}").as_bytes()).unwrap();
            c
        })
        .collect();
    for _ in 0..3 {
        let started = Instant::now();
        let mut c = proxy.connect();
        let r = c.read(&mut [0u8; 1]);
        assert!(
            matches!(r, Err(ref e) if e.kind() == ErrorKind::ConnectionReset),
            "{r:?}"
        );
        assert!(started.elapsed() < Duration::from_millis(50));
    }
    assert_eq!(proxy.state.stats.refused_limit.load(Ordering::Relaxed), 3);
    for c in &mut held {
        ping(c, b"the held ones are untouched").unwrap();
    }
    drop(held.pop());
    // The freed slot is usable once the proxy has seen the close.
    assert!(eventually(Duration::from_secs(2), || {
        proxy.state.stats.current.load(Ordering::Relaxed) == 4
    }));
    let mut c = proxy.connect();
    ping(&mut c, b"room again").unwrap();
}

#[test]
fn reload_replaces_a_frontend_and_keeps_established_connections() {
    let old_backend = TestBackend::spawn(Kind::Echo);
    let new_backend = TestBackend::spawn(Kind::ReplyAfterEof);
    let mut proxy = TestProxy::start(frontend(&[old_backend.addr]));
    let mut established = proxy.connect();
    ping(&mut established, b"before").unwrap();

    let mut f = frontend(&[new_backend.addr]);
    f.bind = proxy.addr; // same address, new state
    let replacement = FrontendState::new(&f);
    let balancer = proxy.balancer.as_mut().unwrap();
    balancer.reload(vec![replacement.clone()]).unwrap();
    assert!(Arc::ptr_eq(
        balancer.frontends().next().unwrap(),
        &replacement
    ));

    // New connections reach the new backend (the old listener may still take a few while it
    // closes: those go to the old backend, and are fine too).
    assert!(eventually(Duration::from_secs(2), || {
        let mut c = proxy.connect();
        c.shutdown(std::net::Shutdown::Write).unwrap();
        let mut s = String::new();
        c.read_to_string(&mut s).is_ok() && s == "got 0"
    }));
    ping(&mut established, b"after the reload").unwrap();
    assert!(replacement.stats.accepted.load(Ordering::Relaxed) >= 1);
}

//! The health checker against loopback backends: exact rise/fall counts for TCP and for
//! HTTPS `/readyz` on the fake apiserver, the pool following the verdicts, events, reloads
//! that keep state, a backend taken down by someone else, and the bounded event ring.

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use kubegate_balancer::health::HealthChecker;
use kubegate_balancer::health_events::{BackendCheck, CheckState, EventRing, HealthEvent};
use kubegate_balancer::pool::Health;
use kubegate_balancer::shared::FrontendState;
use kubegate_config::model::{
    Backend, Balance, CheckKind, CheckTls, Frontend, HealthCheck, Timeouts,
};
use kubegate_lab::apiserver::{self, Options, Served};

const INTERVAL: Duration = Duration::from_millis(50);

fn check(kind: CheckKind, rise: u32, fall: u32) -> HealthCheck {
    HealthCheck {
        kind,
        interval: INTERVAL,
        timeout: Duration::from_millis(500),
        rise,
        fall,
    }
}

fn https_readyz() -> CheckKind {
    CheckKind::Http {
        path: "/readyz".to_owned(),
        statuses: vec![200],
        tls: Some(CheckTls {
            ca_file: None,
            client_cert: None,
            client_key: None,
            server_name: None,
        }),
    }
}

fn frontend(name: &str, backends: &[SocketAddr], check: HealthCheck) -> Frontend {
    Frontend {
        name: name.to_owned(),
        bind: "127.0.0.1:0".parse().unwrap(),
        backends: backends
            .iter()
            .map(|&address| Backend { address, weight: 1 })
            .collect(),
        balance: Balance::RoundRobin,
        check,
        timeouts: Timeouts {
            connect: Duration::from_secs(3),
            idle: Duration::from_secs(3600),
            dead_peer: Duration::from_secs(30),
            keepalive: Duration::from_secs(60),
            drain: Duration::from_secs(30),
        },
        max_connections: None,
        proxy_protocol: false,
        retries: 2,
        shutdown_sessions_on_down: false,
        slowstart: None,
    }
}

fn pool_health(fs: &FrontendState, addr: SocketAddr) -> Health {
    let pool = fs.pool();
    let i = pool.index_of(addr).expect("a member");
    pool.members()[i].health()
}

fn status(checker: &HealthChecker, addr: SocketAddr) -> BackendCheck {
    checker
        .last_results()
        .into_iter()
        .find(|b| b.backend == addr)
        .expect("the backend is checked")
}

/// Poll `f` every millisecond until it returns `Some`, for at most `limit`.
fn wait_for<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The number of the next completed probe of `addr` after the current one.
fn next_check(checker: &HealthChecker, addr: SocketAddr) -> BackendCheck {
    let now = status(checker, addr).checks;
    wait_for(Duration::from_secs(2), "the next probe", || {
        Some(status(checker, addr)).filter(|s| s.checks > now)
    })
}

fn event_at(checker: &HealthChecker, addr: SocketAddr, to: Health) -> HealthEvent {
    wait_for(Duration::from_secs(3), "a health event", || {
        checker
            .events()
            .into_iter()
            .find(|e| e.backend == addr && e.to == to)
    })
}

#[test]
fn tcp_backend_goes_down_after_fall_failures_and_up_after_rise_successes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let fs = FrontendState::new(&frontend("api", &[addr], check(CheckKind::Tcp, 2, 3)));
    let checker = HealthChecker::start(vec![fs.clone()]);

    // Connects complete in the kernel's accept queue; nothing needs to accept them.
    let ok = next_check(&checker, addr);
    assert_eq!(ok.state, CheckState::Up);
    assert!(ok.last.as_ref().is_some_and(|r| r.ok), "{ok:?}");
    let last_good = next_check(&checker, addr).checks;
    drop(listener); // right after a probe: the next one is ~50 ms away

    let down = event_at(&checker, addr, Health::Down);
    assert_eq!(down.check, Some(last_good + 3), "exactly fall = 3 failures");
    assert_eq!((down.from, down.frontend.as_str()), (Health::Up, "api"));
    assert_eq!(down.reason, "TCP connect refused");
    assert_eq!(pool_health(&fs, addr), Health::Down);

    let last_bad = next_check(&checker, addr);
    assert_eq!(last_bad.state, CheckState::Down);
    let listener = TcpListener::bind(addr).expect("the same port again");
    let up = event_at(&checker, addr, Health::Up);
    assert_eq!(
        up.check,
        Some(last_bad.checks + 2),
        "exactly rise = 2 successes"
    );
    assert!(up.reason.starts_with("TCP connect in "), "{}", up.reason);
    assert_eq!(pool_health(&fs, addr), Health::Up);
    assert_eq!(checker.events().len(), 2);
    drop(listener);
    checker.stop();
}

#[test]
fn https_readyz_drives_the_pool_with_exact_counts() {
    // The server notes, for each request, the pool's verdict at that moment: the checker
    // applies a probe's result before it starts the next probe, so the log is exact.
    let watched: Arc<OnceLock<(Arc<FrontendState>, SocketAddr)>> = Arc::new(OnceLock::new());
    let log: Arc<Mutex<Vec<(u16, Health)>>> = Arc::default();
    let mut options = Options::new(&["127.0.0.1"], Arc::new(AtomicBool::new(true)));
    let (w, l) = (watched.clone(), log.clone());
    options.on_request = Some(Arc::new(move |served: &Served| {
        if let Some((fs, addr)) = w.get() {
            l.lock()
                .unwrap()
                .push((served.status, pool_health(fs, *addr)));
        }
    }));
    let server = apiserver::serve_with("127.0.0.1:0".parse().unwrap(), options).unwrap();
    let addr = server.local_addr();
    let fs = FrontendState::new(&frontend("api", &[addr], check(https_readyz(), 2, 3)));
    watched.set((fs.clone(), addr)).unwrap();
    let checker = HealthChecker::start(vec![fs.clone()]);
    let served = |n: usize| {
        wait_for(Duration::from_secs(3), "requests", || {
            Some(()).filter(|_| log.lock().unwrap().len() >= n)
        })
    };

    served(2);
    server.set_ready(false);
    event_at(&checker, addr, Health::Down);
    let n = log.lock().unwrap().len();
    served(n + 1);
    server.set_ready(true);
    event_at(&checker, addr, Health::Up);
    let n = log.lock().unwrap().len();
    served(n + 1);
    let events = checker.events();
    checker.stop();

    let log = log.lock().unwrap().clone();
    let first_500 = log.iter().position(|e| e.0 == 500).expect("a 500");
    assert!(
        log[..first_500].iter().all(|&e| e == (200, Health::Up)),
        "{log:?}"
    );
    assert_eq!(
        log[first_500..first_500 + 4],
        [
            (500, Health::Up),
            (500, Health::Up),
            (500, Health::Up),
            (500, Health::Down)
        ],
        "down after exactly 3 failed probes: {log:?}"
    );
    let first_200 = first_500 + log[first_500..].iter().position(|e| e.0 == 200).unwrap();
    assert_eq!(
        log[first_200..first_200 + 3],
        [(200, Health::Down), (200, Health::Down), (200, Health::Up)],
        "up after exactly 2 good probes: {log:?}"
    );
    let changes: Vec<(Health, Health, u64)> = events
        .iter()
        .map(|e| (e.from, e.to, e.check.unwrap()))
        .collect();
    assert_eq!(
        changes,
        [
            (Health::Up, Health::Down, first_500 as u64 + 3),
            (Health::Down, Health::Up, first_200 as u64 + 2),
        ],
        "probe numbers count from 1, as the requests do"
    );
    assert!(events[0].reason.starts_with("HTTPS 500 in "), "{events:?}");
    assert!(events[1].reason.starts_with("HTTPS 200 in "), "{events:?}");
}

#[test]
fn reload_keeps_state_by_address_and_drops_removed_backends() {
    let alive = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = alive.local_addr().unwrap();
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let b = dead.local_addr().unwrap();
    drop(dead);
    let config = frontend("api", &[a, b], check(CheckKind::Tcp, 1, 1));
    let fs = FrontendState::new(&config);
    let checker = HealthChecker::start(vec![fs.clone()]);
    event_at(&checker, b, Health::Down);
    let before = status(&checker, b).checks;

    // Reload: b moves to index 0, a is removed, c is new; the pool is reconfigured first as
    // the daemon does.
    let c_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let c = c_listener.local_addr().unwrap();
    let config = frontend("api", &[b, c], check(CheckKind::Tcp, 1, 1));
    fs.replace_settings(&config);
    fs.pool()
        .reconfigure(&config.backends, config.balance, config.slowstart);
    checker.reload(vec![fs.clone()]);

    let results = checker.last_results();
    let order: Vec<SocketAddr> = results.iter().map(|r| r.backend).collect();
    assert_eq!(order, [b, c]);
    assert_eq!(results[0].state, CheckState::Down, "b kept its state");
    assert!(results[0].checks >= before, "and its counters");
    assert_eq!(pool_health(&fs, b), Health::Down);
    // c is new: no client until its first check passes (it is probed at once).
    let c_up = event_at(&checker, c, Health::Up);
    assert_eq!(c_up.check, Some(1), "{c_up:?}");
    assert_eq!(status(&checker, c).state, CheckState::Up);
    assert_eq!(pool_health(&fs, c), Health::Up);

    // A frontend rebuilt from scratch (new pool, all Up) gets the checker's verdicts back.
    let rebuilt = FrontendState::new(&config);
    assert_eq!(pool_health(&rebuilt, b), Health::Up);
    checker.reload(vec![rebuilt.clone()]);
    assert_eq!(pool_health(&rebuilt, b), Health::Down);
    // So does one a reload adds (all unchecked) under a name the checker knows.
    let added = FrontendState::added(&config);
    assert_eq!(pool_health(&added, c), Health::Down);
    checker.reload(vec![added.clone()]);
    assert_eq!(
        (pool_health(&added, b), pool_health(&added, c)),
        (Health::Down, Health::Up),
        "the checker's verdicts for b and c"
    );
    let events_of_a = checker.events().iter().filter(|e| e.backend == a).count();
    assert_eq!(events_of_a, 0, "a never changed");
    drop((alive, c_listener));
}

#[test]
fn a_backend_added_by_reload_waits_for_its_first_probe_which_decides() {
    let alive = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = alive.local_addr().unwrap();
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let d = dead.local_addr().unwrap();
    drop(dead);
    // rise 3: at start a backend needs no probe; added, one good probe is enough; a failed
    // first probe leaves it down, and then `rise` good probes are needed as usual.
    let mut long = check(CheckKind::Tcp, 3, 1);
    long.interval = Duration::from_secs(30);
    let config = frontend("api", &[], long.clone());
    let fs = FrontendState::new(&config);
    let checker = HealthChecker::start(vec![fs.clone()]);
    let config = frontend("api", &[a, d], long);
    fs.replace_settings(&config);
    fs.pool()
        .reconfigure(&config.backends, config.balance, config.slowstart);
    assert_eq!(
        (pool_health(&fs, a), pool_health(&fs, d)),
        (Health::Down, Health::Down),
        "both wait for their first check"
    );
    assert!(!fs.pool().has_ready());
    checker.reload(vec![fs.clone()]);
    // Probed at once (not after up to one 30 s interval), Up after one probe despite rise 3.
    let up = event_at(&checker, a, Health::Up);
    assert_eq!(up.check, Some(1));
    assert!(up.reason.contains("first check"), "{up:?}");
    let d_check = wait_for(Duration::from_secs(3), "d's first probe", || {
        Some(status(&checker, d)).filter(|s| s.checks == 1)
    });
    assert_eq!(d_check.state, CheckState::Down, "{d_check:?}");
    assert_eq!(pool_health(&fs, d), Health::Down);
    let pool = fs.pool();
    let i = pool.index_of(d).unwrap();
    assert!(!pool.members()[i].unchecked(), "d has been checked");
    drop(pool);
    assert!(
        checker.events().iter().all(|e| e.backend != d),
        "a dead backend that never took a client changed nothing: {:?}",
        checker.events()
    );
    drop(alive);
}

#[test]
fn a_backend_taken_down_elsewhere_needs_rise_good_probes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let fs = FrontendState::new(&frontend("api", &[addr], check(CheckKind::Tcp, 3, 1)));
    let checker = HealthChecker::start(vec![fs.clone()]);
    let before = next_check(&checker, addr).checks;
    // Passive checks in the data path mark it down, right after a probe.
    let i = fs.pool().index_of(addr).unwrap();
    fs.pool().set_health(i, Health::Down, Instant::now());
    let adopted = event_at(&checker, addr, Health::Down);
    assert_eq!(adopted.check, None);
    assert_eq!(adopted.reason, "marked down outside the health checker");
    // The next result finds it Down and counts as the first of rise = 3 successes.
    let up = event_at(&checker, addr, Health::Up);
    assert_eq!(up.check, Some(before + 3));
    assert_eq!(pool_health(&fs, addr), Health::Up);
    drop(listener);
}

#[test]
fn the_event_ring_keeps_the_newest_events() {
    let mut ring = EventRing::new(3);
    let event = |n: u64| HealthEvent {
        at: SystemTime::now(),
        frontend: "api".to_owned(),
        backend: "127.0.0.1:1".parse().unwrap(),
        from: Health::Up,
        to: Health::Down,
        reason: format!("event {n}"),
        check: Some(n),
    };
    for n in 1..=10 {
        ring.push(event(n));
        assert!(ring.len() <= 3);
    }
    let kept: Vec<Option<u64>> = ring.snapshot().iter().map(|e| e.check).collect();
    assert_eq!(kept, [Some(8), Some(9), Some(10)]);
    assert_eq!(ring.dropped(), 7);
    assert!(EventRing::new(0).is_empty());
}

#[test]
fn a_flapping_backend_fills_the_ring_only_to_its_capacity() {
    // rise = fall = 1 and a server whose readiness flips after every answer: every probe
    // is a transition.
    let ready = Arc::new(AtomicBool::new(true));
    let mut options = Options::new(&["127.0.0.1"], ready.clone());
    let flip = ready.clone();
    options.on_request = Some(Arc::new(move |_: &Served| {
        flip.fetch_xor(true, Ordering::SeqCst);
    }));
    let server = apiserver::serve_with("127.0.0.1:0".parse().unwrap(), options).unwrap();
    let addr = server.local_addr();
    let fs = FrontendState::new(&frontend("api", &[addr], check(https_readyz(), 1, 1)));
    let checker = HealthChecker::try_start(vec![fs], 4).unwrap();
    wait_for(Duration::from_secs(3), "ten probes", || {
        Some(()).filter(|_| status(&checker, addr).checks >= 10)
    });
    let events = checker.events();
    let checks = status(&checker, addr).checks;
    checker.stop();
    assert_eq!(events.len(), 4, "{events:?}");
    let numbers: Vec<u64> = events.iter().map(|e| e.check.unwrap()).collect();
    let last = numbers[3];
    assert!(
        last >= 9 && last <= checks,
        "the newest are kept: {numbers:?}"
    );
    assert_eq!(numbers, [last - 3, last - 2, last - 1, last]);
    for pair in events.windows(2) {
        assert_eq!(pair[0].to, pair[1].from, "{events:?}");
    }
}

/// Milliseconds of `t` past the last multiple of `interval` since the Unix epoch.
fn slot_offset(t: SystemTime, interval: Duration) -> u128 {
    t.duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() % interval.as_millis()
}

#[test]
fn nodes_started_apart_probe_each_backend_at_the_same_instants() {
    // Two checkers stand for two nodes whose daemons started 170 ms apart: each backend is
    // probed on the same instants of the wall clock by both (a frontend tracker on every node
    // then sees a failure at the same time), and a frontend's backends are spread over the
    // interval, not probed in one burst.
    let listeners: Vec<TcpListener> = (0..4)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let addrs: Vec<SocketAddr> = listeners.iter().map(|l| l.local_addr().unwrap()).collect();
    let mut config = frontend("api", &addrs, check(CheckKind::Tcp, 1, 1));
    let interval = Duration::from_millis(400);
    config.check.interval = interval;
    let first_node = HealthChecker::start(vec![FrontendState::new(&config)]);
    // Not a wait for anything: the second node simply starts later.
    std::thread::sleep(Duration::from_millis(170));
    let second_node = HealthChecker::start(vec![FrontendState::new(&config)]);
    let probed = |checker: &HealthChecker| {
        let results = checker.last_results();
        // The first probe runs at start; from the second on they fall on the slots.
        results.iter().all(|r| r.checks >= 2).then(|| {
            addrs
                .iter()
                .map(|a| {
                    let r = results.iter().find(|r| r.backend == *a).unwrap();
                    slot_offset(r.last_at.unwrap(), interval)
                })
                .collect::<Vec<_>>()
        })
    };
    let first = wait_for(Duration::from_secs(3), "two probes of each backend", || {
        probed(&first_node)
    });
    let second = wait_for(Duration::from_secs(3), "two probes of each backend", || {
        probed(&second_node)
    });
    first_node.stop();
    second_node.stop();
    for (i, (a, b)) in first.iter().zip(&second).enumerate() {
        let apart = a.abs_diff(*b).min(interval.as_millis() - a.abs_diff(*b));
        assert!(
            apart < 60,
            "backend {}: probed at {a} ms into the interval by one node and {b} ms by the \
             other ({first:?} vs {second:?})",
            addrs[i]
        );
    }
    let distinct: std::collections::BTreeSet<u128> = first.iter().map(|o| o / 40).collect();
    assert!(
        distinct.len() >= 2,
        "the four backends were probed in one burst: {first:?} ms into the interval"
    );
    drop(listeners);
}

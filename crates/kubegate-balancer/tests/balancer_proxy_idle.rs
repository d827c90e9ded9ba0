//! 9,000 idle connections held through the balancer, then closed cleanly; prints the
//! balancer's resident memory with them established.
//!
//! A proxied connection is four descriptors in all (client, two in the balancer, backend) and
//! a process may hold 20,000 here, so the clients and the backend run in a child process:
//! this binary re-executed with `KUBEGATE_IDLE_HELPER=1`, driven over its stdin/stdout. The
//! parent runs only the balancer, so its memory growth is the balancer's.

mod balancer_proxy_support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use balancer_proxy_support::frontend;
use kubegate_balancer::connlog::{ConnRecord, Termination};
use kubegate_balancer::shared::FrontendState;
use kubegate_balancer::{Balancer, LogFormat, RecordHook, RuntimeOptions};

const CONNECTIONS: usize = 9_000;
const HELPER_ENV: &str = "KUBEGATE_IDLE_HELPER";

fn main() {
    if std::env::var_os(HELPER_ENV).is_some() {
        helper();
    } else if std::env::args().any(|a| a == "--list") {
        // `cargo test -- --list` asks for the names of the tests.
        println!("idle_connections_through_the_balancer: test");
    } else {
        parent();
        println!("test idle_connections_through_the_balancer ... ok");
    }
}

/// Kills and reaps the child however the test ends.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn parent() {
    let limit = kubegate_sys::raise_fd_limit().expect("raise RLIMIT_NOFILE");
    assert!(
        limit >= 2 * CONNECTIONS as u64 + 100,
        "the balancer needs {} descriptors for {CONNECTIONS} connections; the hard limit is {limit}",
        2 * CONNECTIONS + 100
    );
    let mut child = ChildGuard(
        Command::new(std::env::current_exe().unwrap())
            .env(HELPER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the helper"),
    );
    let mut to_child = child.0.stdin.take().unwrap();
    let mut from_child = BufReader::new(child.0.stdout.take().unwrap());
    let backend: SocketAddr = expect_line(&mut from_child, "BACKEND").parse().unwrap();

    let state = FrontendState::new(&frontend(&[backend]));
    let ends: Arc<Mutex<HashMap<&'static str, usize>>> = Arc::default();
    let sink = ends.clone();
    let rss_before = vm_rss_kib();
    let balancer = Balancer::start(
        vec![state.clone()],
        RuntimeOptions {
            workers: 1,
            log: LogFormat::None,
            hook: Some(RecordHook(Arc::new(move |r: &ConnRecord| {
                *sink.lock().unwrap().entry(r.end.as_str()).or_default() += 1;
            }))),
        },
    )
    .unwrap();
    let proxy = balancer.local_addr("test").unwrap();

    let started = Instant::now();
    writeln!(to_child, "CONNECT {proxy} {CONNECTIONS}").unwrap();
    expect_line(&mut from_child, "READY");
    let opened_in = started.elapsed();
    assert_eq!(
        state.stats.current.load(Ordering::Relaxed),
        CONNECTIONS as u64
    );
    // Let the last connections' first bytes settle, then measure.
    std::thread::sleep(Duration::from_millis(500));
    let rss = vm_rss_kib();
    let fds = open_fds();
    println!(
        "{CONNECTIONS} idle proxied connections (opened in {opened_in:?}): balancer process VmRSS \
         {rss} KiB ({:.1} MiB), {} KiB before the balancer started: {:.2} KiB per connection; \
         {fds} open descriptors",
        rss as f64 / 1024.0,
        rss_before,
        (rss.saturating_sub(rss_before)) as f64 / CONNECTIONS as f64
    );
    assert!(
        rss < 30 * 1024,
        "VmRSS {rss} KiB with {CONNECTIONS} idle connections: not below haproxy's 30 MiB"
    );
    // No pipe is held by idle connections: descriptors are the two sockets each, plus the
    // listener, the runtime's own and at most the spare pipe pool.
    let spare_pipes_fds = 2 * kubegate_balancer::pipes::POOL_CAP;
    assert!(
        fds <= 2 * CONNECTIONS + 32 + spare_pipes_fds,
        "{fds} descriptors open for {CONNECTIONS} connections"
    );

    writeln!(to_child, "CLOSE").unwrap();
    expect_line(&mut from_child, "CLOSED");
    let closed = Instant::now();
    while state.stats.current.load(Ordering::Relaxed) > 0
        && closed.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        state.stats.current.load(Ordering::Relaxed),
        0,
        "connections left open"
    );
    println!("all closed {:?} after the clients closed", closed.elapsed());
    balancer.shutdown(Duration::from_secs(1));
    let ends = ends.lock().unwrap().clone();
    assert_eq!(
        ends.get(Termination::ClientClosed.as_str()),
        Some(&CONNECTIONS),
        "{ends:?}"
    );
    assert_eq!(ends.len(), 1, "{ends:?}");
    drop(to_child);
    let status = child.0.wait().unwrap();
    assert!(status.success(), "helper: {status}");
}

fn expect_line(from: &mut BufReader<ChildStdout>, word: &str) -> String {
    let mut line = String::new();
    from.read_line(&mut line).expect("read from the helper");
    let line = line.trim();
    match line.strip_prefix(word) {
        Some(rest) => rest.trim().to_string(),
        None => panic!("helper said {line:?}, expected {word}"),
    }
}

/// The child: an echo backend, and the clients.
fn helper() {
    kubegate_sys::raise_fd_limit().expect("raise RLIMIT_NOFILE");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let backend = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                if let Ok((s, _)) = listener.accept().await {
                    tokio::spawn(async move {
                        let (mut r, mut w) = s.into_split();
                        let _ = tokio::io::copy(&mut r, &mut w).await;
                    });
                }
            }
        });
    });
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    writeln!(out, "BACKEND {backend}").unwrap();
    out.flush().unwrap();
    let mut lines = stdin.lock().lines();
    let command = lines.next().unwrap().unwrap();
    let mut words = command.split_whitespace().skip(1);
    let proxy: SocketAddr = words.next().unwrap().parse().unwrap();
    let n: usize = words.next().unwrap().parse().unwrap();
    let mut clients = Vec::with_capacity(n);
    for i in 0..n {
        let mut c = TcpStream::connect(proxy).unwrap_or_else(|e| panic!("connect {i}: {e}"));
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(b"x").unwrap();
        let mut b = [0u8; 1];
        c.read_exact(&mut b)
            .unwrap_or_else(|e| panic!("echo {i}: {e}"));
        clients.push(c);
    }
    writeln!(out, "READY").unwrap();
    out.flush().unwrap();
    let close = lines.next().unwrap().unwrap();
    assert_eq!(close, "CLOSE");
    drop(clients);
    writeln!(out, "CLOSED").unwrap();
    out.flush().unwrap();
}

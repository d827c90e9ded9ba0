//! The balancer's data path on loopback: bulk transfer both ways with checksums, half-close
//! in both directions, the PROXY v2 header, the idle timeout, closing the sessions of a
//! backend marked down, and the drain on shutdown.

mod balancer_proxy_support;

use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use balancer_proxy_support::*;
use kubegate_balancer::connlog::Termination;
use kubegate_balancer::pool::Health;
use kubegate_balancer::proxy_protocol::Command;

const MIB: usize = 1024 * 1024;

/// Position-dependent checksum (a reordered, lost or duplicated chunk changes it).
#[derive(Default)]
struct Sum {
    h: u64,
    n: u64,
}

impl Sum {
    fn add(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.h = (self.h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.n += bytes.len() as u64;
    }
}

fn block(seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..MIB)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn large_transfer_both_ways_keeps_every_byte() {
    let backend = TestBackend::spawn(Kind::Echo);
    let proxy = TestProxy::start(frontend(&[backend.addr]));
    let client = proxy.connect();
    let total_mib = 200;
    let mut reader = client.try_clone().unwrap();
    let receiving = std::thread::spawn(move || {
        let mut sum = Sum::default();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(sum),
                Ok(n) => sum.add(&buf[..n]),
                Err(e) => return Err(e),
            }
        }
    });
    let mut sent = Sum::default();
    let mut writer = client;
    let blocks: Vec<Vec<u8>> = (0..4).map(|i| block(0x9e37 + i)).collect();
    let started = Instant::now();
    for i in 0..total_mib {
        let b = &blocks[i % blocks.len()];
        writer.write_all(b).unwrap();
        sent.add(b);
    }
    writer.shutdown(Shutdown::Write).unwrap();
    let got = receiving.join().unwrap().expect("the echo arrives whole");
    let elapsed = started.elapsed();
    assert_eq!(got.n, (total_mib * MIB) as u64);
    assert_eq!(got.h, sent.h, "the bytes that came back differ");
    println!("{total_mib} MiB each way through the proxy in {elapsed:?}");

    let records = proxy.wait_records(1, Duration::from_secs(5));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].bytes_from_client, (total_mib * MIB) as u64);
    assert_eq!(records[0].bytes_from_backend, (total_mib * MIB) as u64);
    assert_eq!(records[0].end, Termination::ClientClosed);
    let stats = &proxy.state.stats;
    assert_eq!(
        stats.bytes_from_clients.load(Ordering::Relaxed),
        (total_mib * MIB) as u64
    );
    assert_eq!(
        stats.bytes_from_backends.load(Ordering::Relaxed),
        (total_mib * MIB) as u64
    );
}

#[test]
fn client_half_close_still_gets_the_reply() {
    let backend = TestBackend::spawn(Kind::ReplyAfterEof);
    let proxy = TestProxy::start(frontend(&[backend.addr]));
    let mut c = proxy.connect();
    c.write_all(&[7u8; 100_000]).unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut reply = String::new();
    c.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "got 100000");
    let r = proxy.wait_records(1, Duration::from_secs(5));
    assert_eq!(r[0].end, Termination::ClientClosed);
    assert_eq!(r[0].bytes_from_backend, 10);
}

#[test]
fn backend_half_close_lets_the_client_keep_sending() {
    let (tx, rx) = mpsc::channel();
    let backend = TestBackend::spawn(Kind::BannerThenRead(tx));
    let proxy = TestProxy::start(frontend(&[backend.addr]));
    let mut c = proxy.connect();
    let mut banner = Vec::new();
    c.read_to_end(&mut banner).unwrap(); // the backend's EOF arrives ...
    assert_eq!(banner, b"banner");
    c.write_all(b"after the backend's EOF").unwrap(); // ... and the client still sends
    c.shutdown(Shutdown::Write).unwrap();
    let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(got, b"after the backend's EOF");
    let r = proxy.wait_records(1, Duration::from_secs(5));
    assert_eq!(r[0].end, Termination::BackendClosed);
}

#[test]
fn proxy_v2_header_carries_the_client_address() {
    let (tx, rx) = mpsc::channel();
    let backend = TestBackend::spawn(Kind::ProxyHeader(tx));
    let mut f = frontend(&[backend.addr]);
    f.proxy_protocol = true;
    let proxy = TestProxy::start(f);
    let mut c = proxy.connect();
    ping(&mut c, b"after the header").unwrap();
    let header = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(header.command, Command::Proxy);
    assert_eq!(
        header.addresses,
        Some((c.local_addr().unwrap(), proxy.addr)),
        "source = the client's address, destination = the frontend's"
    );
}

#[test]
fn idle_connections_are_closed_and_busy_ones_are_not() {
    let backend = TestBackend::spawn(Kind::Echo);
    let mut f = frontend(&[backend.addr]);
    f.timeouts.idle = Duration::from_millis(300);
    let proxy = TestProxy::start(f);

    let mut busy = proxy.connect();
    let mut idle = proxy.connect();
    ping(&mut idle, b"once").unwrap();
    let started = Instant::now();
    // The busy one talks every 100 ms for 900 ms: three idle periods.
    while started.elapsed() < Duration::from_millis(900) {
        ping(&mut busy, b"tick").unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut buf = [0u8; 8];
    idle.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    assert_eq!(idle.read(&mut buf).unwrap(), 0, "the idle one was closed");
    ping(&mut busy, b"still here").unwrap();
    let r = proxy.wait_records(1, Duration::from_secs(2));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].end, Termination::IdleTimeout);
    let lived = r[0].total;
    assert!(
        lived >= Duration::from_millis(300) && lived < Duration::from_millis(800),
        "closed after {lived:?}"
    );
}

#[test]
fn sessions_of_a_backend_marked_down_are_closed_when_configured() {
    let backend = TestBackend::spawn(Kind::Echo);
    let mut f = frontend(&[backend.addr]);
    f.shutdown_sessions_on_down = true;
    let proxy = TestProxy::start(f);
    let mut c = proxy.connect();
    ping(&mut c, b"up").unwrap();
    let marked = Instant::now();
    proxy
        .state
        .pool()
        .set_health(0, Health::Down, Instant::now());
    let mut buf = [0u8; 4];
    c.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    assert_eq!(c.read(&mut buf).unwrap(), 0);
    assert!(
        marked.elapsed() < Duration::from_secs(1),
        "{:?}",
        marked.elapsed()
    );
    let r = proxy.wait_records(1, Duration::from_secs(2));
    assert_eq!(r[0].end, Termination::BackendDown);
}

#[test]
fn sessions_of_a_backend_marked_down_stay_by_default() {
    let backend = TestBackend::spawn(Kind::Echo);
    let proxy = TestProxy::start(frontend(&[backend.addr]));
    let mut c = proxy.connect();
    ping(&mut c, b"up").unwrap();
    proxy
        .state
        .pool()
        .set_health(0, Health::Down, Instant::now());
    std::thread::sleep(Duration::from_millis(600));
    ping(&mut c, b"still up").unwrap();
}

#[test]
fn shutdown_drains_then_closes_what_is_left() {
    let backend = TestBackend::spawn(Kind::Echo);
    let mut f = frontend(&[backend.addr]);
    f.timeouts.drain = Duration::from_secs(1);
    let mut proxy = TestProxy::start(f);
    let addr = proxy.addr;
    let mut finishing = proxy.connect();
    let mut lingering = proxy.connect();
    ping(&mut finishing, b"a").unwrap();
    ping(&mut lingering, b"b").unwrap();

    let balancer = proxy.balancer.take().unwrap();
    let started = Instant::now();
    let stopping = std::thread::spawn(move || balancer.shutdown(Duration::from_millis(800)));
    std::thread::sleep(Duration::from_millis(100));
    // New connections are refused at once ...
    match std::net::TcpStream::connect(addr) {
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionRefused),
        Ok(_) => panic!("a connect during the drain was accepted"),
    }
    // ... established ones keep working and end on their own.
    ping(&mut finishing, b"during the drain").unwrap();
    finishing.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    finishing.read_to_end(&mut rest).unwrap();
    ping(&mut lingering, b"also during").unwrap();
    // The lingering one is closed when the drain time is over.
    let mut buf = [0u8; 4];
    lingering
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    assert_eq!(lingering.read(&mut buf).unwrap(), 0);
    stopping.join().unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(750) && took < Duration::from_millis(2000),
        "shutdown took {took:?}"
    );
    let mut ends: Vec<Termination> = proxy
        .records
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.end)
        .collect();
    ends.sort_by_key(|t| t.as_str());
    assert_eq!(ends, vec![Termination::ClientClosed, Termination::Shutdown]);
}

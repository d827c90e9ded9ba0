//! The pool's per-backend counters for the admin endpoint: bytes added when a connection
//! ends (`finished`), and downtime summed over every stretch down, the current one included;
//! both kept across a reload.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use kubegate_balancer::pool::{Health, Pool};
use kubegate_config::model::{Backend, Balance};

fn backends(n: u8) -> Vec<Backend> {
    (0..n)
        .map(|i| Backend {
            address: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 51 + i)), 6443),
            weight: 1,
        })
        .collect()
}

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));

#[test]
fn bytes_are_added_when_connections_end() {
    let mut pool = Pool::new(&backends(1), Balance::RoundRobin, None);
    let t = Instant::now();
    for (n, (up, down)) in [(10u64, 200u64), (5, 50)].into_iter().enumerate() {
        let i = pool.pick(t, CLIENT, &[], 0).unwrap();
        pool.connected(i);
        assert_eq!(pool.members()[0].active(), 1);
        pool.finished(i, up, down);
        assert_eq!(pool.members()[0].active(), 0);
        assert_eq!(pool.members()[0].connections(), n as u64 + 1);
    }
    let m = &pool.members()[0];
    assert_eq!((m.bytes_from_clients(), m.bytes_from_backend()), (15, 250));
    // Out of range is ignored.
    pool.finished(7, 1, 1);
}

#[test]
fn downtime_sums_every_stretch_down() {
    let mut pool = Pool::new(&backends(2), Balance::RoundRobin, None);
    let t0 = Instant::now();
    let s = Duration::from_secs;
    assert_eq!(pool.members()[0].downtime(t0 + s(100)), Duration::ZERO);
    pool.set_health(0, Health::Down, t0 + s(10));
    assert_eq!(pool.members()[0].downtime(t0 + s(13)), s(3));
    pool.set_health(0, Health::Up, t0 + s(15));
    assert_eq!(pool.members()[0].downtime(t0 + s(100)), s(5));
    pool.set_health(0, Health::Down, t0 + s(20));
    assert_eq!(pool.members()[0].downtime(t0 + s(22)), s(7));
    // A reload keeps the member and its counters.
    let i = pool.pick(t0 + s(22), CLIENT, &[], 0).unwrap();
    pool.finished(i, 3, 4);
    pool.reconfigure(&backends(2)[1..], Balance::RoundRobin, None);
    pool.reconfigure(&backends(2), Balance::RoundRobin, None);
    assert_eq!(pool.members()[1].bytes_from_backend(), 4);
    assert_eq!(pool.members()[0].downtime(t0 + s(22)), Duration::ZERO);
}

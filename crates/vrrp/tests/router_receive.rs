//! Receive rules applied before the state logic (RFC 5798 §7.1, RFC 3768 §7.1).

mod router_support;

use std::net::IpAddr;
use std::time::Instant;

use router_support::*;
use vrrp::router::DropReason;
use vrrp::{AdvertRepr, Auth, Config, Input, Router, State, Version};

/// A router started at `t0` and drained; it is a backup whose Master_Down_Timer runs.
fn started(cfg: &Config) -> (Router, Instant) {
    let t0 = Instant::now();
    let mut router = Router::new(cfg.clone());
    router.handle(t0, Input::Startup);
    drain(&mut router);
    assert_eq!(router.state(), State::Backup);
    (router, t0)
}

fn hear(router: &mut Router, at: Instant, from: IpAddr, ttl: u8, advert: AdvertRepr) {
    router.handle(at, Input::Advert { from, ttl, advert });
}

/// Assert the advert at `at` was dropped for `reason`: counted, no action, timer untouched.
fn assert_dropped(
    router: &mut Router,
    at: Instant,
    from: IpAddr,
    ttl: u8,
    advert: AdvertRepr,
    reason: DropReason,
) {
    let before = router.stats().clone();
    let timeout = router.poll_timeout();
    hear(router, at, from, ttl, advert);
    let after = router.stats();
    assert_eq!(
        after.dropped.get(reason),
        before.dropped.get(reason) + 1,
        "{reason:?}"
    );
    assert_eq!(after.dropped.total(), before.dropped.total() + 1);
    assert_eq!(after.adverts_received, before.adverts_received + 1);
    assert_eq!(after.adverts_accepted, before.adverts_accepted);
    assert_eq!(router.poll_timeout(), timeout, "timer must not move");
    assert!(drain(router).is_empty());
}

/// Assert the advert at `at` was accepted: counted, Master_Down_Timer reset from `at`.
fn assert_accepted(router: &mut Router, at: Instant, from: IpAddr, ttl: u8, advert: AdvertRepr) {
    let accepted = router.stats().adverts_accepted;
    hear(router, at, from, ttl, advert);
    assert_eq!(router.stats().adverts_accepted, accepted + 1);
    assert_eq!(router.poll_timeout(), Some(at + down(router.config())));
    assert_eq!(router.master_address(), Some(from));
}

#[test]
fn wrong_vrid_is_dropped_silently() {
    let cfg = v3(100, 2);
    let (mut r, t0) = started(&cfg);
    let mut other = advert_of(&v3(150, 1), 150);
    other.vrid = 52;
    assert_dropped(
        &mut r,
        t0 + ms(10),
        addr(1),
        255,
        other,
        DropReason::WrongVrid,
    );
    assert_eq!(r.master_address(), None);
}

#[test]
fn other_version_is_dropped() {
    let (mut r, t0) = started(&v3(100, 2));
    let mut peer = v2(150, 1);
    peer.auth = Auth::None;
    let advert = advert_of(&peer, 150);
    assert_eq!(advert.version, Version::V2);
    assert_dropped(
        &mut r,
        t0 + ms(10),
        addr(1),
        255,
        advert,
        DropReason::WrongVersion,
    );
}

#[test]
fn ttl_other_than_255_is_dropped_in_multicast_mode() {
    let (mut r, t0) = started(&v3(100, 2));
    let advert = advert_of(&v3(150, 1), 150);
    assert_dropped(
        &mut r,
        t0 + ms(10),
        addr(1),
        254,
        advert.clone(),
        DropReason::BadTtl,
    );
    assert_dropped(
        &mut r,
        t0 + ms(20),
        addr(1),
        1,
        advert.clone(),
        DropReason::BadTtl,
    );
    assert_accepted(&mut r, t0 + ms(30), addr(1), 255, advert);
}

#[test]
fn ttl_is_not_checked_in_unicast_mode() {
    let mut cfg = v3(100, 2);
    cfg.unicast_peers = Some(vec![addr(1), addr(3)]);
    let (mut r, t0) = started(&cfg);
    assert_accepted(
        &mut r,
        t0 + ms(10),
        addr(1),
        63,
        advert_of(&v3(150, 1), 150),
    );
}

#[test]
fn ttl_rule_decides_the_election_on_a_network() {
    // Adverts arrive with TTL 64 (routed). Multicast: nobody hears anybody, both are master.
    let mut multicast = Net::new(vec![v3(150, 1), v3(100, 2)]);
    multicast.ttl = 64;
    multicast.input(0, Input::Startup);
    multicast.input(1, Input::Startup);
    multicast.run_until(ms(5_000));
    assert_eq!(multicast.masters(), vec![0, 1]);
    // Every advert of each was dropped by the other: 47 from A (341.4 ms, then every 100 ms).
    assert_eq!(multicast.router(0).stats().adverts_sent, 47);
    for (me, other) in [(0, 1), (1, 0)] {
        let sent = multicast.router(other).stats().adverts_sent;
        assert_eq!(multicast.router(me).stats().dropped.bad_ttl, sent);
        assert_eq!(multicast.router(me).stats().adverts_accepted, 0);
    }

    // Unicast between the two: the TTL is not checked, one master.
    let mut a = v3(150, 1);
    let mut b = v3(100, 2);
    a.unicast_peers = Some(vec![addr(2)]);
    b.unicast_peers = Some(vec![addr(1)]);
    let mut unicast = Net::new(vec![a, b]);
    unicast.ttl = 64;
    unicast.input(0, Input::Startup);
    unicast.input(1, Input::Startup);
    unicast.run_until(ms(5_000));
    assert_eq!(unicast.masters(), vec![0]);
    assert_eq!(unicast.router(1).stats().dropped.total(), 0);
}

#[test]
fn unicast_accepts_only_configured_peers() {
    let mut cfg = v3(100, 2);
    cfg.unicast_peers = Some(vec![addr(1)]);
    let (mut r, t0) = started(&cfg);
    let advert = advert_of(&v3(150, 9), 150);
    assert_dropped(
        &mut r,
        t0 + ms(10),
        addr(9),
        255,
        advert.clone(),
        DropReason::UnknownPeer,
    );
    assert_accepted(&mut r, t0 + ms(20), addr(1), 255, advert);
}

#[test]
fn multicast_with_named_sources_drops_strangers_and_still_checks_ttl() {
    let mut cfg = v3(100, 2);
    cfg.multicast_sources = Some(vec![addr(1)]);
    let (mut r, t0) = started(&cfg);
    // A stranger at priority 254: not a router of ours, whatever it claims.
    let stranger = advert_of(&v3(254, 9), 254);
    assert_dropped(
        &mut r,
        t0 + ms(10),
        addr(9),
        255,
        stranger,
        DropReason::UnknownPeer,
    );
    let advert = advert_of(&v3(150, 1), 150);
    assert_dropped(
        &mut r,
        t0 + ms(20),
        addr(1),
        254,
        advert.clone(),
        DropReason::BadTtl,
    );
    assert_accepted(&mut r, t0 + ms(30), addr(1), 255, advert);
}

#[test]
fn multicast_without_named_sources_accepts_anyone_as_the_rfc_says() {
    let (mut r, t0) = started(&v3(100, 2));
    assert_accepted(
        &mut r,
        t0 + ms(10),
        addr(9),
        255,
        advert_of(&v3(254, 9), 254),
    );
}

#[test]
fn v2_auth_mismatch_is_dropped() {
    let cfg = v2(100, 2);
    let (mut r, t0) = started(&cfg);
    let mut wrong = advert_of(&v2(150, 1), 150);
    wrong.auth = Auth::Pass(*b"guess\0\0\0");
    assert_dropped(
        &mut r,
        t0 + ms(10),
        addr(1),
        255,
        wrong.clone(),
        DropReason::AuthMismatch,
    );
    wrong.auth = Auth::None;
    assert_dropped(
        &mut r,
        t0 + ms(20),
        addr(1),
        255,
        wrong,
        DropReason::AuthMismatch,
    );
    assert_accepted(
        &mut r,
        t0 + ms(30),
        addr(1),
        255,
        advert_of(&v2(150, 1), 150),
    );
}

#[test]
fn v2_interval_mismatch_is_dropped() {
    let (mut r, t0) = started(&v2(100, 2));
    let mut slow = v2(150, 1);
    slow.interval_cs = 200;
    assert_dropped(
        &mut r,
        t0 + ms(10),
        addr(1),
        255,
        advert_of(&slow, 150),
        DropReason::IntervalMismatch,
    );

    // On a network: neither hears the other, both end up master (RFC 3768 §7.1 logs it).
    let mut net = Net::started(vec![slow, v2(100, 2)]);
    net.run_until(ms(30_000));
    assert_eq!(net.masters(), vec![0, 1]);
    for (me, other) in [(0, 1), (1, 0)] {
        let sent = net.router(other).stats().adverts_sent;
        assert!(sent > 5, "node {other} sent {sent}");
        assert_eq!(net.router(me).stats().dropped.interval_mismatch, sent);
        assert_eq!(net.router(me).stats().adverts_accepted, 0);
    }
}

#[test]
fn own_address_is_dropped() {
    let cfg = v3(100, 2);
    let (mut r, t0) = started(&cfg);
    assert_dropped(
        &mut r,
        t0 + ms(10),
        addr(2),
        255,
        advert_of(&cfg, 150),
        DropReason::OwnAddress,
    );
}

#[test]
fn different_address_list_is_counted_not_dropped() {
    let (mut r, t0) = started(&v3(100, 2));
    let mut advert = advert_of(&v3(150, 1), 150);
    advert.addresses.push(addr(77));
    assert_accepted(&mut r, t0 + ms(10), addr(1), 255, advert);
    assert_eq!(r.stats().address_list_mismatch, 1);
}

#[test]
fn nothing_is_accepted_before_startup_in_fault_or_after_stop() {
    let cfg = v3(100, 2);
    let advert = advert_of(&v3(150, 1), 150);
    let t0 = Instant::now();
    let mut r = Router::new(cfg.clone());
    assert_dropped(
        &mut r,
        t0,
        addr(1),
        255,
        advert.clone(),
        DropReason::NotListening,
    );

    r.handle(t0, Input::Startup);
    r.handle(t0, Input::LinkDown);
    drain(&mut r);
    assert_eq!(r.state(), State::Fault);
    assert_dropped(
        &mut r,
        t0 + ms(10),
        addr(1),
        255,
        advert.clone(),
        DropReason::NotListening,
    );

    r.handle(t0 + ms(20), Input::Shutdown);
    drain(&mut r);
    assert_eq!(r.state(), State::Stopped);
    assert_dropped(
        &mut r,
        t0 + ms(30),
        addr(1),
        255,
        advert,
        DropReason::NotListening,
    );
    assert_eq!(r.stats().dropped.not_listening, 3);
}

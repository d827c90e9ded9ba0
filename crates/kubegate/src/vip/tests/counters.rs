//! The VRRP counters a driver reports, on the virtual clock: adverts sent and received match
//! what crossed the segment, each RFC 5798 §7.1 refusal is counted under the reason the
//! codec or the router gave, and a router that is not a node of the file is counted.

use std::net::IpAddr;

use vrrp::{AdvertRepr, Auth, ChecksumForm, State, Version};

use super::cluster::{config_text, vip, Cluster};
use super::net::{What, LATENCY};
use super::probes::ms;
use crate::vip::counters::VrrpCounters;
use crate::vip::settings::MULTICAST_V4;

fn ip(s: &str) -> IpAddr {
    s.parse().expect("a test address")
}

fn advert(version: Version, vrid: u8, priority: u8) -> AdvertRepr {
    AdvertRepr {
        version,
        vrid,
        priority,
        interval_cs: if version == Version::V2 { 100 } else { 20 },
        addresses: vec![vip()],
        auth: Auth::None,
    }
}

fn bytes(a: &AdvertRepr, src: IpAddr) -> Vec<u8> {
    a.to_bytes(src, MULTICAST_V4, ChecksumForm::PseudoHeader)
        .expect("a valid test advert")
}

/// Two nodes in multicast mode (where the TTL check applies, RFC 5798 §7.1).
fn multicast_pair() -> Cluster {
    let text = config_text(&[150, 100]) + "      transport: multicast\n";
    Cluster::start_config(&text)
}

fn last_reported(c: &Cluster, i: usize) -> VrrpCounters {
    let reports = c.members[i].reports.lock().unwrap();
    reports.last().expect("a report").counters.clone()
}

#[test]
fn adverts_sent_and_received_are_what_crossed_the_segment() {
    let mut c = multicast_pair();
    let end = ms(3000);
    c.run_until(end);
    assert_eq!(c.states(), [State::Master, State::Backup]);
    let sent_times = c.times(0, |w| matches!(w, What::Advert { .. }));
    let master = c.members[0].driver.counters();
    let backup = c.members[1].driver.counters();
    assert!(sent_times.len() > 5, "the master should advertise");
    assert_eq!(
        master.adverts_sent,
        sent_times.len() as u64,
        "the master's sent count should equal the adverts on the segment"
    );
    let arrived = sent_times.iter().filter(|t| **t + LATENCY <= end).count() as u64;
    assert_eq!(
        backup.adverts_received, arrived,
        "the backup should have received every advert that arrived by the end"
    );
    assert_eq!(backup.adverts_sent, 0, "a backup sends nothing");
    assert!(
        backup.dropped.values().all(|n| *n == 0),
        "nothing the master sent is dropped: {backup:?}"
    );
    assert_eq!(backup.foreign_adverts, 0);
    // The reporter carries the same counters the driver holds.
    assert_eq!(last_reported(&c, 0), master);
    assert_eq!(last_reported(&c, 1), backup);
}

#[test]
fn each_refusal_is_counted_under_its_reason_and_strangers_are_counted() {
    let mut c = multicast_pair();
    c.run_until(ms(2000));
    let before = c.members[1].driver.counters();
    let n1 = ip("198.18.0.1");
    let stranger = ip("198.18.0.77");
    let good = bytes(&advert(Version::V3, 51, 10), stranger);
    let mut corrupt = bytes(&advert(Version::V3, 51, 150), n1);
    corrupt[6] ^= 0xff; // the checksum field (RFC 5798 §5.2.8)
    {
        let mut w = c.world.borrow_mut();
        // A router that is not a node of the file, on our VRID, twice.
        w.inject(1, stranger, MULTICAST_V4, 255, good.clone());
        w.inject(1, stranger, MULTICAST_V4, 255, good);
        // RFC 5798 §7.1: TTL must be 255 (multicast).
        let from_n1 = bytes(&advert(Version::V3, 51, 150), n1);
        w.inject(1, n1, MULTICAST_V4, 64, from_n1);
        // §7.1: the checksum must verify.
        w.inject(1, n1, MULTICAST_V4, 255, corrupt);
        // §7.1: the VRID must be ours.
        let other_vrid = bytes(&advert(Version::V3, 52, 150), n1);
        w.inject(1, n1, MULTICAST_V4, 255, other_vrid);
        // §7.1: the version must be the configured one.
        let v2 = bytes(&advert(Version::V2, 51, 150), n1);
        w.inject(1, n1, MULTICAST_V4, 255, v2);
        // Not a whole packet.
        w.inject(1, n1, MULTICAST_V4, 255, vec![0x31, 51, 150]);
    }
    c.run_until(ms(2000) + LATENCY);
    let after = c.members[1].driver.counters();
    let delta = |reason: &str| after.dropped(reason) - before.dropped(reason);
    for (reason, expected) in [
        ("ttl", 1),
        ("checksum", 1),
        ("vrid", 1),
        ("version", 1),
        ("truncated", 1),
        // The stranger's two, ignored: multicast takes the nodes' adverts only.
        ("unknown_peer", 2),
        ("auth", 0),
        ("interval", 0),
    ] {
        assert_eq!(
            delta(reason),
            expected,
            "dropped for {reason}: expected {expected}, counters {after:?}"
        );
    }
    assert_eq!(
        after.foreign_adverts - before.foreign_adverts,
        2,
        "both adverts of the stranger should be counted as foreign: {after:?}"
    );
    // Seven injected, plus whatever the master sent meanwhile.
    assert!(
        after.adverts_received - before.adverts_received >= 7,
        "every injected packet counts as received: {before:?} -> {after:?}"
    );
    assert_eq!(c.states(), [State::Master, State::Backup]);
    assert_eq!(last_reported(&c, 1), after);
}

/// Unicast: a stranger is refused by the router (not a configured peer) and counted as
/// foreign by the driver.
#[test]
fn a_stranger_in_unicast_mode_is_dropped_as_unknown_peer() {
    let mut c = Cluster::start(&[150, 100]);
    c.run_until(ms(2000));
    let stranger = ip("198.18.0.77");
    let packet = advert(Version::V3, 51, 254)
        .to_bytes(stranger, ip("198.18.0.2"), ChecksumForm::PseudoHeader)
        .expect("a valid test advert");
    c.world
        .borrow_mut()
        .inject(1, stranger, ip("198.18.0.2"), 64, packet);
    c.run_until(ms(2000) + LATENCY);
    let after = c.members[1].driver.counters();
    assert_eq!(after.dropped("unknown_peer"), 1, "{after:?}");
    assert_eq!(after.foreign_adverts, 1, "{after:?}");
    assert_eq!(
        c.states(),
        [State::Master, State::Backup],
        "a stranger's priority 254 must not move the VIP in unicast mode"
    );
}

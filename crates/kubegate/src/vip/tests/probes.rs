//! What the scenarios look for: RFC 5798 §6.1 timings at the config file's defaults (v3,
//! 200 ms adverts) and predicates over the segment's log.

use std::net::IpAddr;
use std::time::Duration;

use vrrp::router::timers;
use vrrp::Version;

use super::cluster::{vip, Cluster};
use super::net::What;

pub const INTERVAL_CS: u16 = 20;
pub const INTERVAL: Duration = Duration::from_millis(200);

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Master_Down_Interval of a backup at `priority` (RFC 5798 §6.1).
pub fn master_down(priority: u8) -> Duration {
    timers::master_down_interval(Version::V3, priority, INTERVAL_CS)
}

/// Skew_Time of a backup at `priority` (RFC 5798 §6.1).
pub fn skew(priority: u8) -> Duration {
    timers::skew_time(Version::V3, priority, INTERVAL_CS)
}

pub fn node(i: usize) -> IpAddr {
    format!("198.18.0.{}", i + 1).parse().unwrap()
}

pub fn is_announce(w: &What) -> bool {
    matches!(w, What::Announce(a) if *a == vip())
}

pub fn is_del(w: &What) -> bool {
    matches!(w, What::Del(a) if *a == vip())
}

pub fn is_add(w: &What) -> bool {
    matches!(w, What::Add(a) if *a == vip())
}

pub fn advert_at(priority: u8) -> impl Fn(&What) -> bool {
    move |w| matches!(w, What::Advert { priority: p, .. } if *p == priority)
}

/// The last advert at `priority` node `i` sent before `t`.
pub fn last_advert_before(c: &Cluster, i: usize, priority: u8, t: Duration) -> Duration {
    let sent = c.times(i, advert_at(priority));
    *sent
        .iter()
        .rfind(|&&at| at < t)
        .unwrap_or_else(|| panic!("node {i} sent no advert at priority {priority} before {t:?}"))
}

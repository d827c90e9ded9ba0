//! Timer arithmetic (RFC 5798 §6.1, RFC 3768 §6.1) and the set of timers one router runs
//! (RFC 5798 §6.2, plus the announce repeats and the handover deadline).
//!
//! Durations are computed in nanoseconds from centiseconds, so the version 3 formulas are
//! exact whenever the result is a whole number of nanoseconds (it is for every even
//! `(256 − Priority) × interval_cs`; otherwise it is rounded down by half a nanosecond).

use std::time::{Duration, Instant};

use crate::packet::Version;

const NS_PER_CS: u64 = 10_000_000;
const NS_PER_S: u64 = 1_000_000_000;

/// `cs` centiseconds as a `Duration`.
pub fn cs(cs: u16) -> Duration {
    Duration::from_nanos(u64::from(cs) * NS_PER_CS)
}

/// Skew_Time for a router of `priority` when the master advertises every
/// `master_adver_interval_cs` centiseconds.
///
/// - v3, RFC 5798 §6.1: `((256 − Priority) × Master_Adver_Interval) / 256`.
/// - v2, RFC 3768 §6.1: `(256 − Priority) / 256` seconds, whatever the interval.
pub fn skew_time(version: Version, priority: u8, master_adver_interval_cs: u16) -> Duration {
    let weight = 256 - u64::from(priority);
    let ns = match version {
        Version::V3 => weight * u64::from(master_adver_interval_cs) * NS_PER_CS / 256,
        Version::V2 => weight * NS_PER_S / 256,
    };
    Duration::from_nanos(ns)
}

/// Master_Down_Interval: `3 × Master_Adver_Interval + Skew_Time` (RFC 5798 §6.1; RFC 3768
/// §6.1 with Advertisement_Interval, which a v2 backup shares with its master).
pub fn master_down_interval(
    version: Version,
    priority: u8,
    master_adver_interval_cs: u16,
) -> Duration {
    cs(master_adver_interval_cs) * 3 + skew_time(version, priority, master_adver_interval_cs)
}

/// Which timer fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// RFC 5798 §6.2 Master_Down_Timer (backup).
    MasterDown,
    /// The stopping master's bounded wait for a successor.
    Handover,
    /// RFC 5798 §6.2 Adver_Timer (master, and stopping master).
    Adver,
    /// Second announcement after becoming master (keepalived's garp_master_delay).
    AnnounceRepeat,
    /// Announcement one Master_Adver_Interval after taking over from a lower-priority
    /// master, once that master has heard us and stepped down.
    PreemptAnnounce,
    /// A stopping master's offer to routers whose checks pass ends (see `Config::handover_offer`).
    OfferEnd,
}

/// Deadlines of the armed timers; `None` = not running.
#[derive(Debug, Default, Clone)]
pub(crate) struct Timers {
    pub master_down: Option<Instant>,
    pub handover: Option<Instant>,
    pub adver: Option<Instant>,
    pub announce_repeat: Option<Instant>,
    pub preempt_announce: Option<Instant>,
    pub offer_end: Option<Instant>,
}

impl Timers {
    fn slots(&self) -> [(Timer, Option<Instant>); 6] {
        [
            (Timer::MasterDown, self.master_down),
            (Timer::Handover, self.handover),
            (Timer::Adver, self.adver),
            (Timer::AnnounceRepeat, self.announce_repeat),
            (Timer::PreemptAnnounce, self.preempt_announce),
            (Timer::OfferEnd, self.offer_end),
        ]
    }

    /// The earliest armed deadline.
    pub fn earliest(&self) -> Option<Instant> {
        self.slots().iter().filter_map(|(_, at)| *at).min()
    }

    /// Disarm and return the earliest timer due at `now` (ties in declaration order of
    /// `Timer`), so a caller can fire due timers one by one.
    pub fn next_due(&mut self, now: Instant) -> Option<Timer> {
        let (timer, _) = self
            .slots()
            .into_iter()
            .filter_map(|(t, at)| at.filter(|at| *at <= now).map(|at| (t, at)))
            .min_by_key(|(_, at)| *at)?;
        *self.slot(timer) = None;
        Some(timer)
    }

    fn slot(&mut self, timer: Timer) -> &mut Option<Instant> {
        match timer {
            Timer::MasterDown => &mut self.master_down,
            Timer::Handover => &mut self.handover,
            Timer::Adver => &mut self.adver,
            Timer::AnnounceRepeat => &mut self.announce_repeat,
            Timer::PreemptAnnounce => &mut self.preempt_announce,
            Timer::OfferEnd => &mut self.offer_end,
        }
    }

    pub fn cancel_all(&mut self) {
        *self = Timers::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_skew_and_down_interval_are_exact() {
        // 100 ms interval, priority 100: skew = 156 × 100 ms / 256 = 60.9375 ms.
        assert_eq!(
            skew_time(Version::V3, 100, 10),
            Duration::from_micros(60_937) + Duration::from_nanos(500)
        );
        assert_eq!(
            master_down_interval(Version::V3, 100, 10),
            Duration::from_nanos(360_937_500)
        );
        // 1 s interval, priority 255: skew = 1/256 s = 3.90625 ms.
        assert_eq!(
            skew_time(Version::V3, 255, 100),
            Duration::from_nanos(3_906_250)
        );
        // Largest interval, lowest priority: no overflow; 255 × 40.95 s / 256.
        assert_eq!(
            skew_time(Version::V3, 1, 4095),
            Duration::from_nanos(255 * 4095 * NS_PER_CS / 256)
        );
    }

    #[test]
    fn v2_skew_ignores_the_interval() {
        // RFC 3768 §6.1: (256 − 100) / 256 s = 609.375 ms for any advert interval.
        assert_eq!(
            skew_time(Version::V2, 100, 100),
            Duration::from_micros(609_375)
        );
        assert_eq!(
            skew_time(Version::V2, 100, 300),
            Duration::from_micros(609_375)
        );
        assert_eq!(
            master_down_interval(Version::V2, 100, 300),
            Duration::from_secs(9) + Duration::from_micros(609_375)
        );
    }

    #[test]
    fn higher_priority_has_shorter_skew() {
        let skews: Vec<Duration> = [1u8, 50, 100, 150, 254, 255]
            .iter()
            .map(|p| skew_time(Version::V3, *p, 100))
            .collect();
        assert!(skews.windows(2).all(|w| w[0] > w[1]), "{skews:?}");
    }

    #[test]
    fn due_timers_fire_earliest_first_then_by_kind() {
        let t0 = Instant::now();
        let mut timers = Timers {
            adver: Some(t0 + Duration::from_millis(5)),
            announce_repeat: Some(t0 + Duration::from_millis(5)),
            handover: Some(t0 + Duration::from_millis(3)),
            master_down: Some(t0 + Duration::from_millis(9)),
            preempt_announce: Some(t0 + Duration::from_millis(5)),
            offer_end: None,
        };
        assert_eq!(timers.earliest(), Some(t0 + Duration::from_millis(3)));
        assert_eq!(timers.next_due(t0 + Duration::from_millis(2)), None);
        let now = t0 + Duration::from_millis(6);
        assert_eq!(timers.next_due(now), Some(Timer::Handover));
        assert_eq!(timers.next_due(now), Some(Timer::Adver));
        assert_eq!(timers.next_due(now), Some(Timer::AnnounceRepeat));
        assert_eq!(timers.next_due(now), Some(Timer::PreemptAnnounce));
        assert_eq!(timers.next_due(now), None);
        assert_eq!(timers.earliest(), Some(t0 + Duration::from_millis(9)));
        timers.cancel_all();
        assert_eq!(timers.earliest(), None);
    }
}

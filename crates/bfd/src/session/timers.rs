//! Timer arithmetic of RFC 5880 §6.8.2–6.8.4 and §6.8.7 (transmit interval, slow rate while
//! not Up, detection time, jitter) and the two timers one session runs.
//!
//! All functions are pure; the randomness for jitter is passed in by the caller.

use std::time::{Duration, Instant};

/// The slowest a session may advertise while not Up (RFC 5880 §6.8.3: "When
/// bfd.SessionState is not Up, the system MUST set bfd.DesiredMinTxInterval to a value of
/// not less than one second (1,000,000 microseconds).").
pub const SLOW_TX: Duration = Duration::from_secs(1);

/// A wire interval in microseconds as a `Duration`.
pub fn from_us(us: u32) -> Duration {
    Duration::from_micros(u64::from(us))
}

/// A `Duration` as a wire interval in microseconds, saturating at `u32::MAX` (71 minutes).
pub fn to_us(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// `d` limited to what the 32-bit microsecond fields can carry (RFC 5880 §4.1), so that
/// every interval the session uses is also the one it advertises.
pub fn clamp_to_wire(d: Duration) -> Duration {
    d.min(from_us(u32::MAX))
}

/// The Desired Min TX Interval to advertise (RFC 5880 §6.8.3): the configured value while
/// Up, at least one second otherwise.
pub fn advertised_tx(configured: Duration, up: bool) -> Duration {
    if up {
        configured
    } else {
        configured.max(SLOW_TX)
    }
}

/// The interval between periodic transmissions before jitter (RFC 5880 §6.8.2, §6.8.7):
/// "the larger of bfd.DesiredMinTxInterval and bfd.RemoteMinRxInterval". `None` when the
/// remote's Required Min RX Interval is zero: "the local system MUST NOT periodically
/// transmit BFD Control packets" (§6.8.7).
pub fn tx_interval(desired_tx: Duration, remote_min_rx_us: u32) -> Option<Duration> {
    (remote_min_rx_us != 0).then(|| desired_tx.max(from_us(remote_min_rx_us)))
}

/// Detection Time in Asynchronous mode (RFC 5880 §6.8.4): "the value of Detect Mult
/// received from the remote system, multiplied by the agreed transmit interval of the remote
/// system (the greater of bfd.RequiredMinRxInterval and the last received Desired Min TX
/// Interval)".
pub fn detection_time(
    remote_detect_mult: u8,
    required_min_rx: Duration,
    remote_desired_tx_us: u32,
) -> Duration {
    required_min_rx.max(from_us(remote_desired_tx_us)) * u32::from(remote_detect_mult)
}

/// `interval` with jitter applied (RFC 5880 §6.8.7): "reduced by a random value of 0 to
/// 25%"; and when bfd.DetectMult is 1, "no more than 90% of the negotiated transmission
/// interval, and ... no less than 75%". `random` is a uniformly drawn value from the caller;
/// 0 gives the shortest interval (75%), `u32::MAX` the longest.
pub fn jittered(interval: Duration, detect_mult: u8, random: u32) -> Duration {
    let span: u128 = if detect_mult == 1 { 15 } else { 25 };
    let scale: u128 = 1 << 32;
    let ns = interval.as_nanos();
    // ns × (75 + span × random / 2^32) / 100, exact in integers.
    let out = ns * (75 * scale + span * u128::from(random)) / (100 * scale);
    Duration::from_nanos(u64::try_from(out).unwrap_or(u64::MAX))
}

/// SplitMix64, the per-session source of jitter, seeded by the caller.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 32) as u32
    }
}

/// Which timer fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// Detection Time passed without a valid packet (§6.8.4).
    Detect,
    /// Periodic transmission is due (§6.8.7).
    Transmit,
}

/// Deadlines of the armed timers; `None` = not running.
#[derive(Debug, Default, Clone)]
pub(crate) struct Timers {
    pub detect: Option<Instant>,
    pub transmit: Option<Instant>,
}

impl Timers {
    pub fn earliest(&self) -> Option<Instant> {
        [self.detect, self.transmit].into_iter().flatten().min()
    }

    /// Disarm and return the earliest timer due at `now`; on a tie detection goes first, so
    /// a session that timed out does not send one more Up packet.
    pub fn next_due(&mut self, now: Instant) -> Option<Timer> {
        match (self.detect, self.transmit) {
            (Some(d), t) if d <= now && t.is_none_or(|t| d <= t) => {
                self.detect = None;
                Some(Timer::Detect)
            }
            (_, Some(t)) if t <= now => {
                self.transmit = None;
                Some(Timer::Transmit)
            }
            (Some(d), _) if d <= now => {
                self.detect = None;
                Some(Timer::Detect)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn transmit_interval_is_the_slower_of_both_sides() {
        assert_eq!(tx_interval(100 * MS, 300_000), Some(300 * MS));
        assert_eq!(tx_interval(300 * MS, 100_000), Some(300 * MS));
        assert_eq!(tx_interval(300 * MS, 0), None);
    }

    #[test]
    fn not_up_advertises_at_least_one_second() {
        assert_eq!(advertised_tx(100 * MS, false), SLOW_TX);
        assert_eq!(advertised_tx(100 * MS, true), 100 * MS);
        assert_eq!(advertised_tx(2000 * MS, false), 2000 * MS);
    }

    #[test]
    fn detection_time_uses_remote_mult_and_agreed_interval() {
        assert_eq!(detection_time(3, 100 * MS, 100_000), 300 * MS);
        assert_eq!(detection_time(3, 100 * MS, 1_000_000), 3000 * MS);
        assert_eq!(detection_time(5, 300 * MS, 50_000), 1500 * MS);
    }

    #[test]
    fn jitter_bounds() {
        let i = 100 * MS;
        assert_eq!(jittered(i, 3, 0), 75 * MS);
        assert!(jittered(i, 3, u32::MAX) < i && jittered(i, 3, u32::MAX) > 99 * MS);
        assert_eq!(jittered(i, 1, 0), 75 * MS);
        assert!(jittered(i, 1, u32::MAX) < 90 * MS);
        assert!(jittered(i, 1, u32::MAX) > 89 * MS);
        assert_eq!(jittered(i, 3, 1 << 31), Duration::from_micros(87_500));
    }

    #[test]
    fn due_timers_fire_earliest_first_detection_on_a_tie() {
        let t0 = Instant::now();
        let mut timers = Timers {
            detect: Some(t0 + 5 * MS),
            transmit: Some(t0 + 5 * MS),
        };
        assert_eq!(timers.next_due(t0), None);
        assert_eq!(timers.next_due(t0 + 6 * MS), Some(Timer::Detect));
        assert_eq!(timers.next_due(t0 + 6 * MS), Some(Timer::Transmit));
        assert_eq!(timers.next_due(t0 + 6 * MS), None);
        let mut timers = Timers {
            detect: Some(t0 + 5 * MS),
            transmit: Some(t0 + 2 * MS),
        };
        assert_eq!(timers.next_due(t0 + 6 * MS), Some(Timer::Transmit));
        assert_eq!(timers.earliest(), Some(t0 + 5 * MS));
    }
}

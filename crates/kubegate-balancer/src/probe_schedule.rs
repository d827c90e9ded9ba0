//! When a backend is probed: on instants of the wall clock that every node of a cluster
//! computes alike. A backend's probes fall at `phase + k × interval` milliseconds since the Unix
//! epoch, with `phase` derived from the backend's address, so every node (their clocks kept by
//! NTP) probes one backend at nearly the same moment and sees it fail within one probe of the
//! others. A frontend tracker on each node then lowers its priority at nearly the same time
//! when every backend fails at once; probing on each node's own start-up phase let them notice
//! up to a whole interval apart, long enough for a node that had not noticed yet to take the
//! VIP from one that had, only to lose it again a moment later. The phases still spread one
//! frontend's backends over the interval, so checks do not burst. Pure.

use std::net::SocketAddr;
use std::time::Duration;

use crate::pool::hash::{fnv1a, mix64};

/// The offset within each interval at which `backend` is probed, the same on every node.
pub fn phase(backend: SocketAddr, interval: Duration) -> Duration {
    let interval_ms = interval.as_millis().max(1) as u64;
    Duration::from_millis(mix64(fnv1a(backend.to_string().as_bytes())) % interval_ms)
}

/// How long to wait from `now_ms` (milliseconds since the Unix epoch) until the next slot of
/// `phase + k × interval`, leaving at least a quarter of an interval since `now_ms` (a probe
/// that ran long, up to its timeout, is not followed at once by the next).
pub fn until_next_slot(now_ms: u128, interval: Duration, phase: Duration) -> Duration {
    let interval_ms = interval.as_millis().max(1);
    let phase_ms = phase.as_millis() % interval_ms;
    let earliest = now_ms + interval_ms / 4;
    // The first slot at or after `earliest`.
    let since_phase = (earliest + interval_ms - phase_ms) % interval_ms;
    let slot = if since_phase == 0 {
        earliest
    } else {
        earliest + interval_ms - since_phase
    };
    Duration::from_millis((slot - now_ms) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn nodes_that_started_apart_probe_a_backend_at_the_same_instants() {
        let phase = phase(addr("198.18.0.11:6443"), SECOND);
        // Two nodes whose loops woke at different moments land on the same slot.
        let a = 1_795_000_000_123u128;
        let b = 1_795_000_000_610u128;
        let slot_a = a + until_next_slot(a, SECOND, phase).as_millis();
        let slot_b = b + until_next_slot(b, SECOND, phase).as_millis();
        assert_eq!(
            slot_a % 1000,
            phase.as_millis(),
            "slot {slot_a}, phase {phase:?}"
        );
        assert_eq!(
            slot_b % 1000,
            phase.as_millis(),
            "slot {slot_b}, phase {phase:?}"
        );
        assert!(
            slot_a.abs_diff(slot_b).is_multiple_of(1000),
            "{slot_a} and {slot_b} are not on the same grid"
        );
    }

    #[test]
    fn the_wait_is_between_a_quarter_and_one_and_a_quarter_intervals() {
        let phase = Duration::from_millis(300);
        for now in 1_795_000_000_000u128..1_795_000_002_000 {
            let wait = until_next_slot(now, SECOND, phase);
            assert!(
                (Duration::from_millis(250)..Duration::from_millis(1250)).contains(&wait),
                "now {now}: wait {wait:?}"
            );
            assert_eq!(
                (now + wait.as_millis()) % 1000,
                300,
                "now {now}: wait {wait:?}"
            );
        }
    }

    #[test]
    fn a_frontends_backends_are_spread_and_phases_stay_within_the_interval() {
        let interval = Duration::from_millis(500);
        let phases: Vec<Duration> = (1..=3)
            .map(|i| phase(addr(&format!("198.18.0.{i}:6443")), interval))
            .collect();
        assert!(phases.iter().all(|p| *p < interval), "{phases:?}");
        assert!(
            phases[0] != phases[1] || phases[1] != phases[2],
            "three backends on one instant: {phases:?}"
        );
        assert_eq!(
            phase(addr("198.18.0.1:6443"), interval),
            phases[0],
            "the phase depends on the backend alone"
        );
    }

    #[test]
    fn a_tiny_interval_never_divides_by_zero() {
        let wait = until_next_slot(5, Duration::ZERO, Duration::ZERO);
        assert!(wait <= Duration::from_millis(1), "{wait:?}");
    }
}

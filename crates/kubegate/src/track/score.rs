//! Pure tracker arithmetic with keepalived semantics:
//! - rise/fall (`kubegate_balancer::rise_fall`, shared with the health checks): a tracker
//!   changes state only after `rise` consecutive successes or `fall` consecutive failures;
//! - weight 0: a failed tracker puts the instance in FAULT;
//! - weight > 0: added to the priority while the tracker is healthy;
//! - weight < 0: added (subtracted) while the tracker has failed;
//! - the result is clamped to 1..=254; an address owner's 255 never changes;
//! - a reload carries each tracker's health over to the tracker that probes the same thing;
//! - a tracker with nothing to carry starts healthy, except a `frontend:` tracker, which
//!   starts at its balancer's verdict: a node that has not yet probed its backends does not
//!   claim them (and so does not take a VIP handed over to it before its checks ran).

pub use kubegate_balancer::rise_fall::{Health, Hysteresis};
use kubegate_config::model::{Tracker, TrackerKind};

/// The priority a VRRP instance should run with, and whether it must be in FAULT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effective {
    pub priority: u8,
    pub fault: bool,
}

/// Combine the configured priority with each tracker's `(weight, health)`.
pub fn effective(base: u8, trackers: impl IntoIterator<Item = (i16, Health)>) -> Effective {
    let mut delta: i32 = 0;
    let mut fault = false;
    for (weight, health) in trackers {
        match (weight, health) {
            (0, Health::Failed) => fault = true,
            (w, Health::Healthy) if w > 0 => delta += i32::from(w),
            (w, Health::Failed) if w < 0 => delta += i32::from(w),
            _ => {}
        }
    }
    let priority = if base == 255 {
        255
    } else {
        (i32::from(base) + delta).clamp(1, 254) as u8
    };
    Effective { priority, fault }
}

/// The health each tracker of `new` starts with after a reload: that of the running tracker
/// that probes the same thing (same kind and target), else `None` (see [`fresh`]). A reload
/// that changes a weight, a timing or the priority then does not forget a failing check (and
/// let the VIP move away and back).
pub fn carried_over(
    old: &[Tracker],
    old_health: &[Health],
    new: &[Tracker],
) -> Vec<Option<Health>> {
    new.iter()
        .map(|t| {
            old.iter()
                .zip(old_health)
                .find(|(o, _)| o.kind == t.kind)
                .map(|(_, &h)| h)
        })
        .collect()
}

/// The health of a tracker with no predecessor (at start-up, or added by a reload): a
/// `frontend:` tracker starts at the balancer's verdict now (`frontend_ready`: a backend the
/// probes found ready — none before the first probe), any other healthy as keepalived's.
pub fn fresh(kind: &TrackerKind, frontend_ready: impl Fn(&str) -> bool) -> Health {
    match kind {
        TrackerKind::Frontend(name) if !frontend_ready(name) => Health::Failed,
        _ => Health::Healthy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn tracker(kind: TrackerKind, weight: i16) -> Tracker {
        Tracker {
            kind,
            weight,
            weight_is_default: false,
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            rise: 1,
            fall: 1,
        }
    }

    #[test]
    fn a_reload_carries_each_trackers_health_by_what_it_probes() {
        let script = TrackerKind::Script("/bin/check".into());
        let iface = TrackerKind::Interface("eth1".into());
        let old = [tracker(script.clone(), -20), tracker(iface.clone(), 0)];
        let health = [Health::Failed, Health::Healthy];
        // Reordered, a weight changed, one tracker new.
        let new = [
            tracker(TrackerKind::Frontend("api".into()), -50),
            tracker(iface, 0),
            tracker(script, -40),
        ];
        assert_eq!(
            carried_over(&old, &health, &new),
            [None, Some(Health::Healthy), Some(Health::Failed)]
        );
        assert!(carried_over(&old, &health, &[]).is_empty());
    }

    #[test]
    fn a_new_frontend_tracker_starts_at_the_balancers_verdict_and_others_healthy() {
        let api = TrackerKind::Frontend("api".into());
        let nothing_probed = |_: &str| false;
        assert_eq!(fresh(&api, nothing_probed), Health::Failed);
        assert_eq!(fresh(&api, |name: &str| name == "api"), Health::Healthy);
        assert_eq!(
            fresh(&TrackerKind::Script("/bin/check".into()), nothing_probed),
            Health::Healthy
        );
        assert_eq!(
            fresh(&TrackerKind::Interface("eth0".into()), nothing_probed),
            Health::Healthy
        );
    }

    #[test]
    fn negative_weight_subtracts_only_when_failed() {
        let t = [(-20, Health::Healthy)];
        assert_eq!(effective(100, t).priority, 100);
        let t = [(-20, Health::Failed)];
        assert_eq!(effective(100, t).priority, 80);
    }

    #[test]
    fn positive_weight_adds_only_when_healthy() {
        assert_eq!(effective(100, [(11, Health::Healthy)]).priority, 111);
        assert_eq!(effective(100, [(11, Health::Failed)]).priority, 100);
    }

    #[test]
    fn weight_zero_failure_is_fault_and_clamping_holds() {
        let e = effective(100, [(0, Health::Failed), (-20, Health::Healthy)]);
        assert!(e.fault);
        assert_eq!(effective(10, [(-253, Health::Failed)]).priority, 1);
        assert_eq!(effective(250, [(253, Health::Healthy)]).priority, 254);
        assert_eq!(effective(255, [(-20, Health::Failed)]).priority, 255);
        assert!(!effective(255, [(-20, Health::Failed)]).fault);
    }
}

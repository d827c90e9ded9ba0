//! Pure tracker arithmetic with keepalived semantics:
//! - rise/fall: a tracker changes state only after `rise` consecutive successes or `fall`
//!   consecutive failures;
//! - weight 0: a failed tracker puts the instance in FAULT;
//! - weight > 0: added to the priority while the tracker is healthy;
//! - weight < 0: added (subtracted) while the tracker has failed;
//! - the result is clamped to 1..=254; an address owner's 255 never changes.

/// Health of one tracker after rise/fall bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Healthy,
    Failed,
}

/// Rise/fall counter for one tracker. Starts healthy (as keepalived does for scripts without
/// `init_fail`), so a node does not drop its priority before the first probe has run.
#[derive(Debug, Clone)]
pub struct Hysteresis {
    rise: u32,
    fall: u32,
    health: Health,
    streak: u32,
}

impl Hysteresis {
    pub fn new(rise: u32, fall: u32) -> Self {
        Hysteresis {
            rise: rise.max(1),
            fall: fall.max(1),
            health: Health::Healthy,
            streak: 0,
        }
    }

    pub fn health(&self) -> Health {
        self.health
    }

    /// Results in a row that disagree with the current health: above 0 the tracker is
    /// "going down" (healthy, failing) or "going up" (failed, succeeding).
    pub fn streak(&self) -> u32 {
        self.streak
    }

    /// Take `health` as the current state (someone else decided it), with no streak.
    pub fn reset(&mut self, health: Health) {
        self.health = health;
        self.streak = 0;
    }

    /// Record one probe result; returns `Some(new)` when the health changed.
    pub fn record(&mut self, ok: bool) -> Option<Health> {
        let agrees = matches!(
            (self.health, ok),
            (Health::Healthy, true) | (Health::Failed, false)
        );
        if agrees {
            self.streak = 0;
            return None;
        }
        self.streak += 1;
        let needed = if ok { self.rise } else { self.fall };
        if self.streak >= needed {
            self.streak = 0;
            self.health = if ok { Health::Healthy } else { Health::Failed };
            Some(self.health)
        } else {
            None
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fall_needs_consecutive_failures_and_rise_consecutive_successes() {
        let mut h = Hysteresis::new(2, 3);
        assert_eq!(h.record(false), None);
        assert_eq!(h.record(false), None);
        assert_eq!(h.record(true), None, "a success breaks the failure streak");
        assert_eq!(h.record(false), None);
        assert_eq!(h.record(false), None);
        assert_eq!(h.record(false), Some(Health::Failed));
        assert_eq!(h.record(true), None);
        assert_eq!(h.record(true), Some(Health::Healthy));
        assert_eq!(h.health(), Health::Healthy);
    }

    #[test]
    fn streak_shows_going_down_and_reset_adopts_a_state() {
        let mut h = Hysteresis::new(2, 3);
        h.record(false);
        h.record(false);
        assert_eq!((h.health(), h.streak()), (Health::Healthy, 2));
        h.reset(Health::Failed);
        assert_eq!((h.health(), h.streak()), (Health::Failed, 0));
        assert_eq!(h.record(true), None);
        assert_eq!(h.streak(), 1, "going up");
        assert_eq!(h.record(true), Some(Health::Healthy));
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

//! Rise/fall hysteresis with keepalived's semantics, shared by the backend health checks and the
//! VIP trackers: a state changes only after `rise` consecutive successes or `fall` consecutive
//! failures. Pure.

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
}

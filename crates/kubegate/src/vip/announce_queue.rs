//! When to send the next gratuitous ARP / neighbour advertisement: `count` of them,
//! `interval` apart, from the moment the router asks to announce (pure; time passed in).

use std::time::Instant;

use kubegate_config::model::AnnounceSettings;

/// Announcements still to send: (when the next is due, how many are left).
#[derive(Debug)]
pub struct AnnounceQueue {
    settings: AnnounceSettings,
    next: Option<(Instant, u32)>,
}

impl AnnounceQueue {
    pub fn new(settings: AnnounceSettings) -> Self {
        AnnounceQueue {
            settings,
            next: None,
        }
    }

    /// Start (or restart) a burst now.
    pub fn start(&mut self, now: Instant) {
        self.next = (self.settings.count > 0).then_some((now, self.settings.count));
    }

    /// A reload's settings, for the next burst (one under way keeps its count and gap, the
    /// next one due stays due).
    pub fn set_settings(&mut self, settings: AnnounceSettings) {
        self.settings = settings;
    }

    /// Drop what is left (the VIP was removed).
    pub fn cancel(&mut self) {
        self.next = None;
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.next.map(|(at, _)| at)
    }

    /// True when one announcement is due at `now` (call until false).
    pub fn due(&mut self, now: Instant) -> bool {
        match self.next {
            Some((at, left)) if at <= now => {
                self.next = (left > 1).then(|| (now + self.settings.interval, left - 1));
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn queue(count: u32, interval_ms: u64) -> AnnounceQueue {
        AnnounceQueue::new(AnnounceSettings {
            count,
            interval: Duration::from_millis(interval_ms),
            repeat_after: None,
        })
    }

    #[test]
    fn back_to_back_burst_is_all_due_at_once() {
        let t = Instant::now();
        let mut q = queue(5, 0);
        q.start(t);
        let sent = std::iter::from_fn(|| q.due(t).then_some(())).count();
        assert_eq!(sent, 5);
        assert_eq!(q.deadline(), None);
    }

    #[test]
    fn spaced_burst_follows_the_interval_and_cancel_stops_it() {
        let t = Instant::now();
        let mut q = queue(3, 100);
        q.start(t);
        assert!(q.due(t));
        assert!(!q.due(t));
        assert_eq!(q.deadline(), Some(t + Duration::from_millis(100)));
        assert!(q.due(t + Duration::from_millis(100)));
        q.cancel();
        assert!(!q.due(t + Duration::from_secs(1)));
        let mut none = queue(0, 0);
        none.start(t);
        assert!(!none.due(t));
    }
}

//! How long a planned handover may take, from the VIP's advert interval (pure). The daemon
//! gives these to the VRRP router; the deployment files size their stop timeouts with them.

use std::time::Duration;

/// Longest a stopping master keeps the VIP while waiting for a successor to announce itself.
/// A backup takes over after Skew_Time (< one advert interval) once it hears priority 0, so
/// a few intervals are plenty; the floor covers very short intervals on a loaded host.
pub fn handover_timeout(advert_interval: Duration) -> Duration {
    (advert_interval * 4).max(Duration::from_secs(1))
}

/// How long a stopping master of a VIP with a stepping-aside `frontend:` tracker first offers
/// the VIP to nodes whose backends are ready (`vrrp::Config::handover_offer`): such a node
/// takes over by preemption when its Master_Down_Timer fires, within 3 intervals + Skew_Time
/// (RFC 5798 §6.1) of the last advert it accepted, so four and a half intervals.
pub fn handover_offer(advert_interval: Duration) -> Duration {
    advert_interval * 4 + advert_interval / 2
}

/// The longest a planned stop of `vip` keeps it: the offer (with a stepping-aside tracker),
/// then the wait after the priority-0 advert.
pub fn handover_bound(vip: &crate::model::Vip) -> Duration {
    let offer = if vip.step_aside_floor().is_some() {
        handover_offer(vip.vrrp.advert_interval)
    } else {
        Duration::ZERO
    };
    offer + handover_timeout(vip.vrrp.advert_interval)
}

/// How long a stopping master keeps the VIP after hearing its successor: long enough for the
/// successor's gratuitous ARP to reach clients and for packets already sent to us to land.
pub fn handover_linger(advert_interval: Duration) -> Duration {
    advert_interval.max(Duration::from_millis(200))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_is_four_intervals_at_least_one_second() {
        let ms = Duration::from_millis;
        assert_eq!(
            handover_timeout(ms(200)),
            ms(1000),
            "200 ms adverts: the 1 s floor"
        );
        assert_eq!(
            handover_timeout(ms(1000)),
            ms(4000),
            "1 s adverts: four intervals"
        );
    }

    #[test]
    fn linger_is_one_interval_at_least_200ms() {
        let ms = Duration::from_millis;
        assert_eq!(
            handover_linger(ms(100)),
            ms(200),
            "100 ms adverts: the 200 ms floor"
        );
        assert_eq!(
            handover_linger(ms(1000)),
            ms(1000),
            "1 s adverts: one interval"
        );
    }
}

//! Following a sync-group member into Backup (`Input::GroupBackup`). Not in RFC 5798: this
//! is keepalived's `vrrp_sync_group` behaviour, where the instances of one group change state
//! together; the daemon relays the other members' changes, the router only steps down and
//! holds back from preempting until released.

use std::time::Instant;

use super::{timers, Action, Reason, Router, State};

impl Router {
    pub(super) fn on_group_backup(&mut self, now: Instant, held: bool) {
        self.group_held = held;
        if !held || self.state != State::Master {
            return;
        }
        // As on being outranked (RFC 5798 §6.4.3, transition to Backup), without the parting
        // advert and without priority 0: the other node's member takes over once our adverts
        // stop, after its Master_Down_Interval (a peer outside the group does not rush in
        // after Skew_Time either).
        self.change_state(State::Backup, Reason::GroupSteppedDown);
        // Our own timer runs as at priority 1 (the longest), so the other node's member,
        // armed at our last advert, fires first and we then honour its adverts (held).
        self.timers.master_down = Some(
            now + timers::master_down_interval(
                self.config.version,
                1,
                self.master_adver_interval_cs,
            ),
        );
        if self.config.handover_linger.is_zero() {
            self.actions.push_back(Action::RemoveVips);
        } else {
            self.vips_linger_until = Some(now + self.config.handover_linger);
        }
    }
}

//! The RFC 4271 §8.2.2 state transitions: what each event does in each state. Deviations,
//! each marked where it is made: a failed connection attempt keeps retrying (Active with the
//! ConnectRetryTimer, as with DelayOpen) instead of dropping to Idle, and a passive session
//! never initiates.

use std::time::{Duration, Instant};

use super::negotiate::{check_open, our_open};
use super::timers::Timer;
use super::{Action, DownReason, Session, State};
use crate::wire::{cease, fsm, Error, ErrorCode, Invalid, Message, Notification};

/// RFC 4271 §8.2.2: the HoldTimer's "large value" while waiting for the OPEN (4 minutes).
const OPEN_HOLD: Duration = Duration::from_secs(240);
/// A session Established this long before it fails does not count as a flap.
const STABLE: Duration = Duration::from_secs(60);
/// The IdleHoldTime doubles at most this many times.
const MAX_DOUBLINGS: u32 = 5;

impl Session {
    pub(super) fn set_state(&mut self, to: State) {
        if self.state != to {
            let from = self.state;
            self.state = to;
            self.actions.push_back(Action::StateChanged { from, to });
        }
    }

    /// Queues a message; one that cannot be encoded (an UPDATE over 4096 octets) is dropped.
    pub(super) fn send(&mut self, message: &Message) {
        if let Ok(bytes) = message.to_bytes(self.ctx) {
            self.actions.push_back(Action::Send(bytes));
        }
    }

    fn connected(&self) -> bool {
        matches!(
            self.state,
            State::OpenSent | State::OpenConfirm | State::Established
        )
    }

    pub(super) fn on_start(&mut self, now: Instant) {
        // RFC 4271 §8.2.2: ManualStart is ignored outside Idle.
        if self.state != State::Idle {
            return;
        }
        self.flaps = 0;
        self.timers.stop(Timer::IdleHold);
        self.start_connecting(now);
    }

    /// RFC 4271 §8.2.2 Idle, Events 1, 3, 4, 5: counter to zero, ConnectRetryTimer started,
    /// connect (or, passive, listen) and go to Connect (or Active).
    fn start_connecting(&mut self, now: Instant) {
        self.connect_retry_counter = 0;
        self.rx.clear();
        if self.config.passive {
            // Not RFC: a passive session never initiates, so no ConnectRetryTimer.
            self.set_state(State::Active);
        } else {
            self.timers
                .start(Timer::ConnectRetry, now + self.connect_retry());
            self.actions.push_back(Action::Connect);
            self.set_state(State::Connect);
        }
    }

    pub(super) fn on_manual_stop(&mut self, now: Instant) {
        self.timers.stop(Timer::IdleHold);
        match self.state {
            State::Idle => {
                // RFC 4271 §8.2.2: ignored in Idle; routes a restarting peer left go now.
                self.routes_on_down(now, DownReason::ManualStop, false);
            }
            State::Connect | State::Active => {
                // RFC 4271 §8.2.2 Connect/Active, Event 2.
                self.actions.push_back(Action::Close);
                self.timers.stop(Timer::ConnectRetry);
                self.connect_retry_counter = 0;
                self.set_state(State::Idle);
                self.routes_on_down(now, DownReason::ManualStop, false);
            }
            _ => {
                // RFC 4271 §8.2.2 Event 2: NOTIFICATION Cease; RFC 4486 §4 subcode 2.
                let n = Notification::new(ErrorCode::Cease, cease::ADMIN_SHUTDOWN);
                self.send(&Message::Notification(n));
                self.go_down(now, DownReason::ManualStop);
                self.connect_retry_counter = 0;
            }
        }
    }

    pub(super) fn on_tcp_connected(&mut self, now: Instant) {
        match self.state {
            // RFC 4271 §8.2.2 Connect/Active, Events 16/17: send OPEN, HoldTimer to a large
            // value, OpenSent.
            State::Connect | State::Active => {
                self.timers.stop(Timer::ConnectRetry);
                self.rx.clear();
                self.send(&our_open(&self.config));
                self.timers.start(Timer::Hold, now + OPEN_HOLD);
                self.set_state(State::OpenSent);
            }
            // RFC 4271 §8.2.2 Idle: connections are refused.
            State::Idle => self.actions.push_back(Action::Close),
            // A second connection belongs to a second Session (collisions: RFC 4271 §6.8).
            _ => {}
        }
    }

    pub(super) fn on_tcp_failed(&mut self, now: Instant) {
        match self.state {
            State::Connect | State::Active => {
                // RFC 4271 §8.2.2 Connect, Event 18, as when DelayOpen runs: restart the
                // ConnectRetryTimer and wait in Active. Not RFC: Active stays Active
                // rather than dropping to Idle, so the session keeps retrying.
                if !self.config.passive {
                    self.timers
                        .start(Timer::ConnectRetry, now + self.connect_retry());
                }
                self.set_state(State::Active);
            }
            State::OpenSent => {
                // RFC 4271 §8.2.2 OpenSent, Event 18: close, restart the ConnectRetryTimer,
                // Active.
                self.actions.push_back(Action::Close);
                self.timers.stop(Timer::Hold);
                self.rx.clear();
                if !self.config.passive {
                    self.timers
                        .start(Timer::ConnectRetry, now + self.connect_retry());
                }
                self.set_state(State::Active);
            }
            // RFC 4271 §8.2.2 OpenConfirm/Established, Event 18: Idle.
            State::OpenConfirm | State::Established => {
                self.go_down(now, DownReason::ConnectionLost)
            }
            State::Idle => {}
        }
    }

    pub(super) fn on_bytes(&mut self, now: Instant, bytes: &[u8]) {
        if !self.connected() {
            return;
        }
        self.rx.extend_from_slice(bytes);
        let mut used = 0;
        while self.connected() {
            match Message::parse_with(&self.rx[used..], self.ctx) {
                Ok((message, len)) => {
                    used += len;
                    self.on_message(now, message);
                }
                Err(Error::Incomplete { .. }) => break,
                Err(Error::Invalid(invalid)) => {
                    self.protocol_error(now, &invalid);
                    break;
                }
            }
        }
        if self.connected() {
            self.rx.drain(..used);
        } else {
            self.rx.clear();
        }
    }

    /// RFC 4271 §6: send the NOTIFICATION the error calls for and close.
    pub(super) fn protocol_error(&mut self, now: Instant, invalid: &Invalid) {
        let n = invalid.notification();
        self.send(&Message::Notification(n.clone()));
        self.go_down(now, DownReason::NotificationSent(n));
    }

    /// RFC 6608 §3: an unexpected message is an FSM Error with the state as subcode.
    fn fsm_error(&mut self, now: Instant) {
        let subcode = match self.state {
            State::OpenSent => fsm::UNEXPECTED_IN_OPENSENT,
            State::OpenConfirm => fsm::UNEXPECTED_IN_OPENCONFIRM,
            _ => fsm::UNEXPECTED_IN_ESTABLISHED,
        };
        let n = Notification::new(ErrorCode::FiniteStateMachine, subcode);
        self.send(&Message::Notification(n.clone()));
        self.go_down(now, DownReason::NotificationSent(n));
    }

    pub(super) fn on_message(&mut self, now: Instant, message: Message) {
        if !self.connected() {
            return;
        }
        if let Message::Notification(n) = message {
            // RFC 4271 §8.2.2 Events 24/25 in OpenSent, OpenConfirm, Established: Idle,
            // no NOTIFICATION in answer (RFC 4271 §6.4).
            self.go_down(now, DownReason::NotificationReceived(n));
            return;
        }
        match (self.state, message) {
            (State::OpenSent, Message::Open(open)) => match check_open(&self.config, &open) {
                // RFC 4271 §8.2.2 OpenSent, Event 19.
                Ok(negotiated) => {
                    self.ctx.four_octet_as = negotiated.four_octet_as;
                    self.timers.stop(Timer::ConnectRetry);
                    self.send(&Message::Keepalive);
                    self.arm_hold(now, negotiated.hold_time);
                    self.arm_keepalive(now, negotiated.keepalive);
                    self.negotiated = Some(negotiated);
                    self.set_state(State::OpenConfirm);
                }
                Err(invalid) => self.protocol_error(now, &invalid),
            },
            // RFC 4271 §8.2.2 OpenConfirm, Event 26: Established.
            (State::OpenConfirm, Message::Keepalive) => {
                self.arm_hold(now, self.hold_time());
                self.set_state(State::Established);
                self.enter_established(now);
            }
            // RFC 4271 §8.2.2 Established, Events 26, 27; the hold timer restarts on every
            // message (RFC 4271 §4.4 KEEPALIVEs exist to keep it from expiring).
            (State::Established, Message::Keepalive) => self.arm_hold(now, self.hold_time()),
            (State::Established, Message::Update(update)) => {
                self.arm_hold(now, self.hold_time());
                self.on_update(now, update);
            }
            (State::Established, Message::RouteRefresh(rr)) => {
                self.arm_hold(now, self.hold_time());
                self.on_route_refresh(rr);
            }
            // RFC 4271 §8.2.2 Events 9-28 otherwise: FSM error.
            _ => self.fsm_error(now),
        }
    }

    pub(super) fn on_collision_dump(&mut self, now: Instant) {
        if !self.connected() {
            return;
        }
        // RFC 4271 §6.8: the dropped connection gets a Cease; RFC 4486 §4 subcode 7.
        let n = Notification::new(ErrorCode::Cease, cease::COLLISION_RESOLUTION);
        self.send(&Message::Notification(n.clone()));
        self.go_down(now, DownReason::NotificationSent(n));
    }

    pub(super) fn on_timer(&mut self, now: Instant, timer: Timer) {
        match (timer, self.state) {
            // RFC 4271 §8.2.2 Connect, Event 9: drop the attempt, start another.
            (Timer::ConnectRetry, State::Connect) => {
                self.actions.push_back(Action::Close);
                self.timers
                    .start(Timer::ConnectRetry, now + self.connect_retry());
                self.actions.push_back(Action::Connect);
            }
            // RFC 4271 §8.2.2 Active, Event 9: connect, Connect.
            (Timer::ConnectRetry, State::Active) => {
                self.timers
                    .start(Timer::ConnectRetry, now + self.connect_retry());
                self.actions.push_back(Action::Connect);
                self.set_state(State::Connect);
            }
            // RFC 4271 §6.5 / §8.2.2 Event 10: NOTIFICATION Hold Timer Expired, Idle.
            (Timer::Hold, State::OpenSent | State::OpenConfirm | State::Established) => {
                let n = Notification::new(ErrorCode::HoldTimerExpired, 0);
                self.send(&Message::Notification(n));
                self.go_down(now, DownReason::HoldTimerExpired);
            }
            // RFC 4271 §8.2.2 Event 11: send KEEPALIVE, restart the KeepaliveTimer.
            (Timer::Keepalive, State::OpenConfirm | State::Established) => {
                self.send(&Message::Keepalive);
                let keepalive = self.negotiated.as_ref().map(|n| n.keepalive);
                self.arm_keepalive(now, keepalive.unwrap_or_default());
            }
            // RFC 4271 §8.1.2 Event 3 (AutomaticStart) after the IdleHoldTimer.
            (Timer::IdleHold, State::Idle) => self.start_connecting(now),
            (Timer::GrRestart | Timer::GrStale, _) => self.on_restart_timer(),
            _ => {}
        }
    }

    /// At least a second, so a zero in the config cannot spin `handle_timeout`.
    fn connect_retry(&self) -> Duration {
        self.config.connect_retry.max(Duration::from_secs(1))
    }

    pub(super) fn hold_time(&self) -> Duration {
        self.negotiated.as_ref().map_or(OPEN_HOLD, |n| n.hold_time)
    }

    /// RFC 4271 §4.2: a zero hold time means no hold timer.
    pub(super) fn arm_hold(&mut self, now: Instant, hold: Duration) {
        if hold.is_zero() {
            self.timers.stop(Timer::Hold);
        } else {
            self.timers.start(Timer::Hold, now + hold);
        }
    }

    /// RFC 4271 §4.4: no KEEPALIVEs when the hold time is zero.
    pub(super) fn arm_keepalive(&mut self, now: Instant, keepalive: Duration) {
        if keepalive.is_zero() {
            self.timers.stop(Timer::Keepalive);
        } else {
            self.timers.start(Timer::Keepalive, now + keepalive);
        }
    }

    fn enter_established(&mut self, now: Instant) {
        self.established_at = Some(now);
        if let Some(n) = self.negotiated.clone() {
            self.actions.push_back(Action::Established(n));
        }
        self.restart_on_established(now);
        self.send_initial_routes();
    }

    /// Leaves a connected state for Idle (RFC 4271 §8.2.2: release resources, close,
    /// increment the ConnectRetryCounter), reports why, and, if configured, schedules the
    /// automatic restart after the (damped) IdleHoldTime (RFC 4271 §8.1.1).
    pub(super) fn go_down(&mut self, now: Instant, reason: DownReason) {
        let was_established = self.state == State::Established;
        self.actions.push_back(Action::Close);
        for t in [Timer::ConnectRetry, Timer::Hold, Timer::Keepalive] {
            self.timers.stop(t);
        }
        self.rx.clear();
        self.connect_retry_counter = self.connect_retry_counter.saturating_add(1);
        self.set_state(State::Idle);
        let routes_kept = self.routes_on_down(now, reason.clone(), was_established);
        self.actions.push_back(Action::Down {
            reason: reason.clone(),
            routes_kept,
        });
        self.negotiated = None;
        self.ctx = crate::wire::Ctx::FOUR_OCTET_AS;
        if let (Some(base), false) = (self.config.idle_hold, reason == DownReason::ManualStop) {
            if self
                .established_at
                .is_some_and(|t| now.saturating_duration_since(t) >= STABLE)
            {
                self.flaps = 0;
            }
            let delay = base * (1u32 << self.flaps.min(MAX_DOUBLINGS));
            self.flaps = self.flaps.saturating_add(1);
            self.timers.start(Timer::IdleHold, now + delay);
        }
        self.established_at = None;
        self.last_down = Some(reason);
    }
}

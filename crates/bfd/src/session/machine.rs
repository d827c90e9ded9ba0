//! State transitions (RFC 5880 §6.2, §6.8.6), detection (§6.8.4), Poll Sequences (§6.5,
//! §6.8.3), transmission (§6.8.7) and administrative control (§6.8.16).

use std::time::{Duration, Instant};

use super::timers::{self, to_us};
use super::{Action, Discard, Session};
use crate::packet::{Auth, ControlRepr, Diagnostic, State};

impl Session {
    /// The rest of the §6.8.6 reception procedure, for a packet `accept` let through.
    pub(super) fn on_packet(&mut self, now: Instant, p: &ControlRepr) -> Result<(), Discard> {
        // §6.8.6: "Set bfd.RemoteDiscr to the value of My Discriminator. Set
        // bfd.RemoteState to the value of the State (Sta) field. Set bfd.RemoteDemandMode to
        // the value of the Demand (D) bit. Set bfd.RemoteMinRxInterval to the value of
        // Required Min RX Interval." The detection time inputs come from the same packet
        // (§6.8.4).
        let remote_rx_was_zero = self.remote_min_rx_us == 0;
        let interval_before = self.tx_interval();
        self.remote_discr = p.my_discr;
        self.remote_state = p.state;
        self.remote_demand = p.demand;
        self.remote_min_rx_us = p.required_min_rx_us;
        self.remote_desired_tx_us = p.desired_min_tx_us;
        self.remote_detect_mult = p.detect_mult;

        // §6.8.6: a Final terminates the Poll Sequence in progress (see `poll`); a packet
        // without it lets a held-back one start.
        if p.final_ {
            self.finish_poll();
        } else {
            self.start_held_poll();
        }

        // §6.8.6: "If bfd.SessionState is AdminDown: Discard the packet."
        if self.state == State::AdminDown {
            return Err(Discard::AdminDown);
        }

        // §6.8.6, the state table of §6.2.
        match (self.state, p.state) {
            // "If received state is AdminDown: If bfd.SessionState is not Down: Set
            // bfd.LocalDiag to 3 (Neighbor signaled session down), Set bfd.SessionState to
            // Down."
            (State::Down, State::AdminDown) => {}
            (_, State::AdminDown) => {
                self.go_down(now, Diagnostic::NeighborSignaledSessionDown);
            }
            // "If bfd.SessionState is Down: If received State is Down: Set bfd.SessionState
            // to Init. Else if received State is Init: Set bfd.SessionState to Up."
            (State::Down, State::Down) => self.change_state(now, State::Init),
            (State::Down, State::Init) => self.change_state(now, State::Up),
            // "Else if bfd.SessionState is Init: If received State is Init or Up: Set
            // bfd.SessionState to Up."
            (State::Init, State::Init | State::Up) => self.change_state(now, State::Up),
            // "Else (bfd.SessionState is Up): If received State is Down: Set bfd.LocalDiag
            // to 3 (Neighbor signaled session down), Set bfd.SessionState to Down."
            (State::Up, State::Down) => {
                self.go_down(now, Diagnostic::NeighborSignaledSessionDown);
            }
            _ => {}
        }

        // §6.8.6: "If bfd.RemoteDemandMode is 1, bfd.SessionState is Up, and
        // bfd.RemoteSessionState is Up, Demand mode is active on the remote system and the
        // local system MUST cease the periodic transmission of BFD Control packets"; otherwise
        // it "MUST send periodic BFD Control packets". `tx_interval` says which (§6.8.7).
        match self.tx_interval() {
            None => self.timers.transmit = None,
            // Periodic transmission (re)starts: the first packet goes now.
            Some(_) if self.timers.transmit.is_none() || remote_rx_was_zero => {
                self.timers.transmit = Some(now);
            }
            // §6.8.3: "If the local system reduces its transmit interval due to
            // bfd.RemoteMinRxInterval being reduced ..., the local system MUST honor the new
            // interval immediately."
            Some(_) => self.transmit_sooner_if_faster(now, interval_before),
        }

        // §6.8.6: "If the Poll (P) bit is set, send a BFD Control packet to the remote
        // system with the Poll (P) bit clear, and the Final (F) bit set"; §6.8.7: as soon as
        // practicable, whatever the transmission timer, the state or Demand mode.
        if p.poll {
            self.send(false, true);
        }

        // §6.8.4: the packet was not discarded, so Detection Time restarts from now.
        self.timers.detect = self.detection_time().map(|d| now + d);
        Ok(())
    }

    /// §6.8.4: "If Demand mode is not active, and a period of time equal to the Detection
    /// Time passes without receiving a BFD Control packet from the remote system, and
    /// bfd.SessionState is Init or Up, the session has gone down -- the local system MUST set
    /// bfd.SessionState to Down and bfd.LocalDiag to 1 (Control Detection Time Expired)."
    pub(super) fn on_detection_timeout(&mut self, now: Instant) {
        // §6.8.1 bfd.RemoteDiscr: "reset to zero if Detection Time passes without the
        // receipt of a valid BFD Control packet" — before the Down packet below, which so
        // carries Your Discriminator 0 (as FRR's does). The remote is as good as new: Down,
        // and bfd.RemoteMinRxInterval back to its initial 1 µs so we keep transmitting.
        self.remote_discr = 0;
        self.remote_state = State::Down;
        self.remote_demand = false;
        self.remote_detect_mult = 0;
        if self.remote_min_rx_us == 0 {
            self.remote_min_rx_us = 1;
            self.timers.transmit.get_or_insert(now);
        }
        if matches!(self.state, State::Init | State::Up) {
            self.go_down(now, Diagnostic::ControlDetectionTimeExpired);
        }
    }

    /// §6.8.7 periodic transmission, jittered; also the AdminDown packets (§6.8.16).
    pub(super) fn on_transmit_timer(&mut self, now: Instant) {
        let Some(interval) = self.tx_interval() else {
            return;
        };
        if self.state == State::AdminDown {
            // §6.8.16: "BFD Control packets SHOULD be transmitted for at least a Detection
            // Time after transitioning to AdminDown state"; we then stop.
            match self.admin_down_until {
                Some(until) if now < until => {}
                _ => return,
            }
        }
        // §6.5: while a Poll Sequence is in progress, the scheduled periodic packets carry
        // the P bit.
        self.send(self.poll.is_some(), false);
        self.schedule_transmit(now, interval);
    }

    /// Arms the transmit timer one jittered `interval` from `now` (§6.8.7).
    fn schedule_transmit(&mut self, now: Instant, interval: Duration) {
        let random = self.rng.next_u32();
        let next = timers::jittered(interval, self.config.detect_mult, random);
        self.timers.transmit = Some(now + next);
    }

    /// §6.8.7: "The transmit interval MUST be recalculated whenever bfd.DesiredMinTxInterval
    /// changes, or whenever bfd.RemoteMinRxInterval changes"; when it got shorter, a packet
    /// planned at the slower rate comes earlier.
    fn transmit_sooner_if_faster(&mut self, now: Instant, before: Option<Duration>) {
        let (Some(interval), Some(planned)) = (self.tx_interval(), self.timers.transmit) else {
            return;
        };
        if before.is_some_and(|before| interval < before) {
            let random = self.rng.next_u32();
            let sooner = now + timers::jittered(interval, self.config.detect_mult, random);
            self.timers.transmit = Some(planned.min(sooner));
        }
    }

    /// §6.8.16: "Set bfd.SessionState to AdminDown, Set bfd.LocalDiag to an appropriate
    /// value" (7, Administratively Down). The peer learns it from AdminDown packets sent for
    /// one Detection Time as it computes it for us (our Detect Mult × our transmit interval),
    /// then transmission stops; a peer then tells AdminDown from a failure (RFC 5882 §3.2).
    pub(super) fn admin_down(&mut self, now: Instant) {
        if self.state == State::AdminDown {
            return;
        }
        self.change_state_with(now, State::AdminDown, Diagnostic::AdministrativelyDown);
        self.admin_down_until = self
            .tx_interval()
            .map(|i| now + i * u32::from(self.config.detect_mult));
        self.timers.detect = None;
    }

    /// §6.8.16: "If enabling session, Set bfd.SessionState to Down". bfd.LocalDiag keeps
    /// telling why the session was down.
    pub(super) fn admin_up(&mut self, now: Instant) {
        if self.state != State::AdminDown {
            return;
        }
        self.admin_down_until = None;
        self.change_state(now, State::Down);
    }

    /// New parameters (§6.8.3; the Poll Sequence and which values apply when: `poll`).
    /// Detect Mult is carried in every packet and needs no Poll.
    pub(super) fn set_parameters(
        &mut self,
        now: Instant,
        desired_min_tx: Duration,
        required_min_rx: Duration,
        detect_mult: u8,
    ) {
        let before = self.advertised();
        let interval_before = self.tx_interval();
        self.config.desired_min_tx = timers::clamp_to_wire(desired_min_tx);
        self.config.required_min_rx = timers::clamp_to_wire(required_min_rx);
        self.config.detect_mult = detect_mult.max(1);
        if self.advertised() != before {
            self.parameters_changed();
        }
        if self.timers.transmit.is_none() && self.state != State::AdminDown {
            // Periodic transmission may start (a Poll while the peer's Demand mode is on).
            self.timers.transmit = self.tx_interval().map(|_| now);
        } else {
            self.transmit_sooner_if_faster(now, interval_before);
        }
    }

    fn go_down(&mut self, now: Instant, diag: Diagnostic) {
        self.change_state_with(now, State::Down, diag);
    }

    fn change_state(&mut self, now: Instant, to: State) {
        // bfd.LocalDiag is "the reason for the most recent change in the local session
        // state" (§6.8.1); coming Up there is none.
        let diag = if to == State::Up {
            Diagnostic::None
        } else {
            self.local_diag
        };
        self.change_state_with(now, to, diag);
    }

    /// Changes state, reports it, re-derives the advertised intervals (§6.8.3: at least 1 s
    /// while not Up; a change is polled) and sends a packet at once, so the peer learns of
    /// the change without waiting a (slow) transmit interval. That one extra packet per
    /// state change is what FRR and BIRD send too (see tests/vectors/frr-bird.trace), though
    /// §6.5 would have a Poll ride only the scheduled packets.
    fn change_state_with(&mut self, now: Instant, to: State, diag: Diagnostic) {
        let from = self.state;
        let before = self.advertised();
        self.state = to;
        self.local_diag = diag;
        self.actions
            .push_back(Action::StateChanged { from, to, diag });
        if self.advertised() != before || to == State::AdminDown {
            self.parameters_changed();
        }
        self.send(self.poll.is_some(), false);
        if let Some(interval) = self.tx_interval() {
            self.schedule_transmit(now, interval);
        }
    }

    /// Whether the peer's Demand mode stops our periodic transmission: §6.8.7 "A system MUST
    /// NOT periodically transmit BFD Control packets if Demand mode is active on the remote
    /// system (bfd.RemoteDemandMode is 1, bfd.SessionState is Up, and
    /// bfd.RemoteSessionState is Up) and a Poll Sequence is not being transmitted."
    pub(super) fn demand_stops_transmission(&self) -> bool {
        self.remote_demand
            && self.state == State::Up
            && self.remote_state == State::Up
            && self.poll.is_none()
    }

    /// Queues one control packet with the session's current values (§6.8.7).
    fn send(&mut self, poll: bool, final_: bool) {
        let (tx, rx) = self.advertised();
        let packet = ControlRepr {
            diag: self.local_diag,
            state: self.state,
            poll,
            final_,
            control_plane_independent: false,
            // §6.8.7: "the Demand (D) bit MUST be set to bfd.DemandMode", always 0 here.
            demand: false,
            detect_mult: self.config.detect_mult,
            my_discr: self.config.local_discr,
            your_discr: self.remote_discr,
            desired_min_tx_us: to_us(tx),
            required_min_rx_us: to_us(rx),
            // §6.8.3 / §6.8.9: no Echo function, so 0.
            required_min_echo_rx_us: 0,
            auth: self.config.auth.map(|a| Auth::SimplePassword {
                key_id: a.key_id,
                password: a.password,
            }),
        };
        self.actions.push_back(Action::Send(packet));
    }
}

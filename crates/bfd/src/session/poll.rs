//! The Poll Sequence (RFC 5880 §6.5) that verifies a change of the advertised intervals
//! (§6.8.3), and which interval values are in effect meanwhile.

use std::time::Duration;

use super::timers::advertised_tx;
use super::Session;
use crate::packet::State;

impl Session {
    /// (Desired Min TX, Required Min RX) as advertised now: the configured values, with at
    /// least 1 s of Desired Min TX while not Up (§6.8.3).
    pub(super) fn advertised(&self) -> (Duration, Duration) {
        (
            advertised_tx(self.config.desired_min_tx, self.state == State::Up),
            self.config.required_min_rx,
        )
    }

    /// The advertised intervals changed. §6.8.3: "If either bfd.DesiredMinTxInterval is
    /// changed or bfd.RequiredMinRxInterval is changed, a Poll Sequence MUST be initiated";
    /// while Up, "If bfd.DesiredMinTxInterval is increased ..., the actual transmission
    /// interval used MUST NOT change until the Poll Sequence ... has terminated", and "If
    /// bfd.RequiredMinRxInterval is reduced ..., the previous value ... MUST be used when
    /// calculating the Detection Time for the remote system until the Poll Sequence ... has
    /// terminated". So what is safe applies at once (a faster transmit, a slower receive),
    /// the rest when the Final arrives; while not Up everything applies at once.
    ///
    /// A change while a Poll Sequence is in progress is not folded into it (the Final in
    /// flight may answer the older values): it is polled afterwards, see
    /// [`finish_poll`](Self::finish_poll). No Poll while AdminDown: nobody would answer it.
    pub(super) fn parameters_changed(&mut self) {
        let (tx, rx) = self.advertised();
        if self.state == State::Up {
            self.tx_in_effect = self.tx_in_effect.min(tx);
            self.rx_in_effect = self.rx_in_effect.max(rx);
        } else {
            self.tx_in_effect = tx;
            self.rx_in_effect = rx;
        }
        if self.state == State::AdminDown {
            self.poll = None;
            self.repoll = false;
        } else if self.poll.is_none() && !self.repoll {
            self.poll = Some((tx, rx));
        }
    }

    /// §6.8.6: "If a Poll Sequence is being transmitted by the local system and the Final (F)
    /// bit in the received packet is set, the Poll Sequence MUST be terminated." The values
    /// it verified take effect. If the advertised values changed meanwhile, another Poll
    /// Sequence follows, but only once a packet with the Final bit clear has arrived (§6.8.3,
    /// the third of its choices for several changes).
    pub(super) fn finish_poll(&mut self) {
        let Some((tx, rx)) = self.poll.take() else {
            return;
        };
        if self.state == State::Up {
            self.tx_in_effect = tx;
            self.rx_in_effect = rx;
        }
        let now = self.advertised();
        if now != (tx, rx) {
            if self.state == State::Up {
                self.tx_in_effect = self.tx_in_effect.min(now.0);
                self.rx_in_effect = self.rx_in_effect.max(now.1);
            }
            self.repoll = true;
        }
    }

    /// A packet with the Final bit clear arrived: a Poll Sequence held back by
    /// [`finish_poll`](Self::finish_poll) may start.
    pub(super) fn start_held_poll(&mut self) {
        if self.repoll && self.poll.is_none() {
            self.repoll = false;
            self.poll = Some(self.advertised());
        }
    }
}

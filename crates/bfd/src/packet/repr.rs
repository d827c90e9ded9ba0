//! `ControlRepr::parse` / `emit`: the stateless receive rules of RFC 5880 §6.8.6 and writing a
//! control packet out (RFC 5880 §4.1, §6.8.7).

use super::view::{flag, Packet, MANDATORY_LEN};
use super::{Auth, ControlRepr, EmitError, ParseError, State, VERSION};

impl ControlRepr {
    /// Parses one control packet (the UDP payload). Applies every §6.8.6 rule that needs no
    /// session: version, Length bounds, Detect Mult, M bit, My / Your Discriminator, and the
    /// authentication section's layout when the A bit is set. Bytes after Length are ignored.
    ///
    /// Never panics and never allocates.
    pub fn parse(bytes: &[u8]) -> Result<ControlRepr, ParseError> {
        // §6.8.6: "If the Length field is less than the minimum correct value ... or greater
        // than the payload of the encapsulating protocol, the packet MUST be discarded."
        let packet = Packet::new_checked(bytes)?;
        // §6.8.6: "If the version number is not correct (1), the packet MUST be discarded."
        if packet.version() != VERSION {
            return Err(ParseError::BadVersion(packet.version()));
        }
        // §6.8.6: "If the Detect Mult field is zero, the packet MUST be discarded."
        if packet.detect_mult() == 0 {
            return Err(ParseError::ZeroDetectMult);
        }
        let flags = packet.flags();
        // §6.8.6: "If the Multipoint (M) bit is nonzero, the packet MUST be discarded."
        if flags & flag::MULTIPOINT != 0 {
            return Err(ParseError::Multipoint);
        }
        // §6.8.6: "If the My Discriminator field is zero, the packet MUST be discarded."
        if packet.my_discr() == 0 {
            return Err(ParseError::ZeroMyDiscriminator);
        }
        let state = packet.state();
        // §6.8.6: "If the Your Discriminator field is zero and the State field is not Down or
        // AdminDown, the packet MUST be discarded."
        if packet.your_discr() == 0 && matches!(state, State::Init | State::Up) {
            return Err(ParseError::ZeroYourDiscriminator);
        }
        // §6.5: "A BFD Control packet MUST NOT have both the Poll (P) and Final (F) bits set."
        let (poll, final_) = (flags & flag::POLL != 0, flags & flag::FINAL != 0);
        if poll && final_ {
            return Err(ParseError::PollAndFinal);
        }
        // §4.1: with the A bit set the Authentication Section follows (§4.2–4.4). Whether
        // authentication is in use on the session is checked by the session (§6.8.6).
        let auth = if flags & flag::AUTH != 0 {
            let section = packet.auth_section().ok_or(ParseError::Truncated)?;
            Some(Auth::parse(section)?)
        } else {
            None
        };
        Ok(ControlRepr {
            diag: packet.diag(),
            state,
            poll,
            final_,
            control_plane_independent: flags & flag::CPI != 0,
            demand: flags & flag::DEMAND != 0,
            detect_mult: packet.detect_mult(),
            my_discr: packet.my_discr(),
            your_discr: packet.your_discr(),
            desired_min_tx_us: packet.desired_min_tx_us(),
            required_min_rx_us: packet.required_min_rx_us(),
            required_min_echo_rx_us: packet.required_min_echo_rx_us(),
            auth,
        })
    }

    /// How many bytes [`emit`](Self::emit) writes: the Length field's value.
    pub fn buffer_len(&self) -> usize {
        MANDATORY_LEN + self.auth.map_or(0, |a| a.auth_len())
    }

    /// Refuses what a receiver would discard (RFC 5880 §6.8.6, §6.5).
    fn check_emittable(&self) -> Result<(), EmitError> {
        if self.detect_mult == 0 {
            return Err(EmitError::ZeroDetectMult);
        }
        if self.my_discr == 0 {
            return Err(EmitError::ZeroMyDiscriminator);
        }
        if self.your_discr == 0 && matches!(self.state, State::Init | State::Up) {
            return Err(EmitError::ZeroYourDiscriminator);
        }
        if self.poll && self.final_ {
            return Err(EmitError::PollAndFinal);
        }
        Ok(())
    }

    /// Writes the packet into the first [`buffer_len`](Self::buffer_len) bytes of `buf` and
    /// returns that length. Version 1, M bit zero (§6.8.7: "The Multipoint (M) bit MUST be
    /// set to zero"), A bit set exactly when an authentication section is present.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        self.check_emittable()?;
        let len = self.buffer_len();
        let buf = buf.get_mut(..len).ok_or(EmitError::BufferTooShort)?;
        let mut packet = Packet::new_unchecked(buf);
        packet.set_version_diag(VERSION, self.diag);
        let flags = [
            (self.poll, flag::POLL),
            (self.final_, flag::FINAL),
            (self.control_plane_independent, flag::CPI),
            (self.auth.is_some(), flag::AUTH),
            (self.demand, flag::DEMAND),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |acc, (_, bit)| acc | bit);
        packet.set_state_flags(self.state, flags);
        packet.set_detect_mult(self.detect_mult);
        // At most 24 + 28 bytes, so it fits the one-byte Length.
        packet.set_length(len as u8);
        packet.set_my_discr(self.my_discr);
        packet.set_your_discr(self.your_discr);
        packet.set_desired_min_tx_us(self.desired_min_tx_us);
        packet.set_required_min_rx_us(self.required_min_rx_us);
        packet.set_required_min_echo_rx_us(self.required_min_echo_rx_us);
        if let Some(auth) = &self.auth {
            auth.emit(packet.auth_section_mut());
        }
        Ok(len)
    }

    /// [`emit`](Self::emit) into a new vector of exactly [`buffer_len`](Self::buffer_len) bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EmitError> {
        self.check_emittable()?;
        let mut buf = vec![0; self.buffer_len()];
        self.emit(&mut buf)?;
        Ok(buf)
    }
}

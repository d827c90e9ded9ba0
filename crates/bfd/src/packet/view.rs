//! A checked view over the bytes of one BFD control packet (the UDP payload): field offsets,
//! accessors and, for mutable buffers, setters. Layout: RFC 5880 §4.1.
//!
//! ```text
//!  0: | Vers(3) Diag(5) | Sta(2) P F C A D M | Detect Mult | Length |
//!  4: | My Discriminator                                           |
//!  8: | Your Discriminator                                         |
//! 12: | Desired Min TX Interval (µs)                               |
//! 16: | Required Min RX Interval (µs)                              |
//! 20: | Required Min Echo RX Interval (µs)                         |
//! 24: | Auth Type | Auth Len | Authentication Data... (if A)       |
//! ```
//!
//! Accessors of the mandatory section index the buffer directly: call them only on a view
//! from [`Packet::new_checked`] (or one that passed [`Packet::check_len`]).

use super::{Diagnostic, ParseError, State};

mod field {
    pub const VERS_DIAG: usize = 0;
    pub const FLAGS: usize = 1;
    pub const DETECT_MULT: usize = 2;
    pub const LENGTH: usize = 3;
    pub const MY_DISCR: usize = 4;
    pub const YOUR_DISCR: usize = 8;
    pub const DESIRED_MIN_TX: usize = 12;
    pub const REQUIRED_MIN_RX: usize = 16;
    pub const REQUIRED_MIN_ECHO_RX: usize = 20;
    pub const AUTH: usize = 24;
}

/// Length of the mandatory section (RFC 5880 §4.1; §6.8.6 minimum without authentication).
pub const MANDATORY_LEN: usize = field::AUTH;
/// The smallest Length with the A bit set: the mandatory section plus Auth Type and Auth Len
/// (RFC 5880 §6.8.6).
pub const MIN_AUTH_LEN: usize = MANDATORY_LEN + 2;

/// The flag bits of byte 1 (RFC 5880 §4.1).
pub mod flag {
    pub const POLL: u8 = 0x20;
    pub const FINAL: u8 = 0x10;
    pub const CPI: u8 = 0x08;
    pub const AUTH: u8 = 0x04;
    pub const DEMAND: u8 = 0x02;
    pub const MULTIPOINT: u8 = 0x01;
}

/// A view over a buffer holding one BFD control packet.
#[derive(Debug, Clone)]
pub struct Packet<T> {
    buffer: T,
}

fn be32(data: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking anything.
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Packet<T>, ParseError> {
        let packet = Packet::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the mandatory section and everything the Length field
    /// declares, and that Length is at least its minimum correct value, so every accessor is
    /// in bounds (RFC 5880 §6.8.6: "If the Length field is less than the minimum correct
    /// value (24 if the A bit is clear, or 26 if the A bit is set), the packet MUST be
    /// discarded. If the Length field is greater than the payload of the encapsulating
    /// protocol, the packet MUST be discarded."). Bytes after Length are not part of the
    /// packet and are ignored.
    pub fn check_len(&self) -> Result<(), ParseError> {
        let data = self.buffer.as_ref();
        if data.len() < MANDATORY_LEN {
            return Err(ParseError::Truncated);
        }
        let length = data[field::LENGTH];
        let min = if data[field::FLAGS] & flag::AUTH != 0 {
            MIN_AUTH_LEN
        } else {
            MANDATORY_LEN
        };
        if usize::from(length) < min {
            return Err(ParseError::BadLength(length));
        }
        if usize::from(length) > data.len() {
            return Err(ParseError::Truncated);
        }
        Ok(())
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Vers: the top 3 bits of byte 0.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERS_DIAG] >> 5
    }

    pub fn diag(&self) -> Diagnostic {
        Diagnostic::from_wire(self.buffer.as_ref()[field::VERS_DIAG])
    }

    pub fn state(&self) -> State {
        State::from_wire(self.buffer.as_ref()[field::FLAGS] >> 6)
    }

    /// The six flag bits P F C A D M (the low 6 bits of byte 1).
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS] & 0x3f
    }

    pub fn detect_mult(&self) -> u8 {
        self.buffer.as_ref()[field::DETECT_MULT]
    }

    pub fn length(&self) -> u8 {
        self.buffer.as_ref()[field::LENGTH]
    }

    pub fn my_discr(&self) -> u32 {
        be32(self.buffer.as_ref(), field::MY_DISCR)
    }

    pub fn your_discr(&self) -> u32 {
        be32(self.buffer.as_ref(), field::YOUR_DISCR)
    }

    pub fn desired_min_tx_us(&self) -> u32 {
        be32(self.buffer.as_ref(), field::DESIRED_MIN_TX)
    }

    pub fn required_min_rx_us(&self) -> u32 {
        be32(self.buffer.as_ref(), field::REQUIRED_MIN_RX)
    }

    pub fn required_min_echo_rx_us(&self) -> u32 {
        be32(self.buffer.as_ref(), field::REQUIRED_MIN_ECHO_RX)
    }

    /// The bytes after the mandatory section up to Length: the authentication section when
    /// the A bit is set. Empty when Length is 24; `None` when the buffer does not hold it.
    pub fn auth_section(&self) -> Option<&[u8]> {
        let data = self.buffer.as_ref();
        data.get(field::AUTH..usize::from(*data.get(field::LENGTH)?))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    pub fn set_version_diag(&mut self, version: u8, diag: Diagnostic) {
        self.buffer.as_mut()[field::VERS_DIAG] = (version << 5) | diag.to_wire();
    }

    /// Writes the state and the six flag bits (`flags` as in [`flag`]).
    pub fn set_state_flags(&mut self, state: State, flags: u8) {
        self.buffer.as_mut()[field::FLAGS] = (state.to_wire() << 6) | (flags & 0x3f);
    }

    pub fn set_detect_mult(&mut self, mult: u8) {
        self.buffer.as_mut()[field::DETECT_MULT] = mult;
    }

    pub fn set_length(&mut self, length: u8) {
        self.buffer.as_mut()[field::LENGTH] = length;
    }

    fn set_be32(&mut self, at: usize, value: u32) {
        self.buffer.as_mut()[at..at + 4].copy_from_slice(&value.to_be_bytes());
    }

    pub fn set_my_discr(&mut self, value: u32) {
        self.set_be32(field::MY_DISCR, value);
    }

    pub fn set_your_discr(&mut self, value: u32) {
        self.set_be32(field::YOUR_DISCR, value);
    }

    pub fn set_desired_min_tx_us(&mut self, value: u32) {
        self.set_be32(field::DESIRED_MIN_TX, value);
    }

    pub fn set_required_min_rx_us(&mut self, value: u32) {
        self.set_be32(field::REQUIRED_MIN_RX, value);
    }

    pub fn set_required_min_echo_rx_us(&mut self, value: u32) {
        self.set_be32(field::REQUIRED_MIN_ECHO_RX, value);
    }

    /// The writable bytes from offset 24 on (where the authentication section goes).
    pub fn auth_section_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::AUTH..]
    }
}

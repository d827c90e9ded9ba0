//! Why bytes were not accepted as a BFD control packet, and why a representation could not
//! be written out.

use std::fmt;

/// Why bytes were not accepted as a control packet. Each variant is one discard rule of
/// RFC 5880 §6.8.6 (or of the authentication section layout, §4.2–4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Fewer bytes than the mandatory section, or than the Length field declares
    /// ("greater than the payload of the encapsulating protocol").
    Truncated,
    /// Version other than 1.
    BadVersion(u8),
    /// Length below the minimum correct value: 24 without authentication, 26 with it.
    BadLength(u8),
    /// Detect Mult is zero.
    ZeroDetectMult,
    /// The Multipoint (M) bit is set.
    Multipoint,
    /// My Discriminator is zero.
    ZeroMyDiscriminator,
    /// Your Discriminator is zero while the State is Init or Up.
    ZeroYourDiscriminator,
    /// Poll and Final both set (§6.5: "MUST NOT have both").
    PollAndFinal,
    /// Auth Type 0 or above 5 (§4.1: 0 reserved, 6–255 reserved).
    BadAuthType(u8),
    /// Auth Len wrong for its type (§4.2: password length + 3 with 1–16 bytes; §4.3: 24;
    /// §4.4: 28) or beyond the Length field.
    BadAuthLen(u8),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Truncated => f.write_str("BFD packet truncated"),
            ParseError::BadVersion(v) => write!(f, "unsupported BFD version {v}"),
            ParseError::BadLength(l) => write!(f, "BFD length {l} below the minimum"),
            ParseError::ZeroDetectMult => f.write_str("BFD detect multiplier is zero"),
            ParseError::Multipoint => f.write_str("BFD multipoint bit set"),
            ParseError::ZeroMyDiscriminator => f.write_str("BFD my discriminator is zero"),
            ParseError::ZeroYourDiscriminator => {
                f.write_str("BFD your discriminator is zero in state Init or Up")
            }
            ParseError::PollAndFinal => f.write_str("BFD poll and final bits both set"),
            ParseError::BadAuthType(t) => write!(f, "unknown BFD auth type {t}"),
            ParseError::BadAuthLen(l) => write!(f, "BFD auth len {l} wrong for its type"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Why a [`ControlRepr`](super::ControlRepr) could not be written out: it breaks a rule that
/// a receiver would discard it for (RFC 5880 §6.8.6), so it is refused at the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitError {
    /// The output buffer is shorter than [`ControlRepr::buffer_len`](super::ControlRepr::buffer_len).
    BufferTooShort,
    ZeroDetectMult,
    ZeroMyDiscriminator,
    /// Your Discriminator zero in state Init or Up.
    ZeroYourDiscriminator,
    PollAndFinal,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EmitError::BufferTooShort => "buffer too short for the BFD packet",
            EmitError::ZeroDetectMult => "BFD detect multiplier must be non-zero",
            EmitError::ZeroMyDiscriminator => "BFD my discriminator must be non-zero",
            EmitError::ZeroYourDiscriminator => {
                "BFD your discriminator must be non-zero in state Init or Up"
            }
            EmitError::PollAndFinal => "BFD poll and final bits must not both be set",
        })
    }
}

impl std::error::Error for EmitError {}

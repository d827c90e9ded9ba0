//! Why bytes were not accepted as a BGP message, which NOTIFICATION that calls for
//! (RFC 4271 §6.1-§6.3), and why a message could not be written out.

use std::fmt;

use super::Notification;

/// The NOTIFICATION error codes (RFC 4271 §4.5; 7 is RFC 7313's ROUTE-REFRESH error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    MessageHeader,
    OpenMessage,
    UpdateMessage,
    HoldTimerExpired,
    FiniteStateMachine,
    Cease,
    RouteRefresh,
    /// A code this crate does not know; kept so a received NOTIFICATION re-emits as it came.
    Unknown(u8),
}

impl ErrorCode {
    pub fn from_u8(code: u8) -> ErrorCode {
        match code {
            1 => ErrorCode::MessageHeader,
            2 => ErrorCode::OpenMessage,
            3 => ErrorCode::UpdateMessage,
            4 => ErrorCode::HoldTimerExpired,
            5 => ErrorCode::FiniteStateMachine,
            6 => ErrorCode::Cease,
            7 => ErrorCode::RouteRefresh,
            other => ErrorCode::Unknown(other),
        }
    }

    pub fn to_u8(self) -> u8 {
        match self {
            ErrorCode::MessageHeader => 1,
            ErrorCode::OpenMessage => 2,
            ErrorCode::UpdateMessage => 3,
            ErrorCode::HoldTimerExpired => 4,
            ErrorCode::FiniteStateMachine => 5,
            ErrorCode::Cease => 6,
            ErrorCode::RouteRefresh => 7,
            ErrorCode::Unknown(other) => other,
        }
    }
}

/// Cease subcodes used here (RFC 4486 §4).
pub mod cease {
    pub const MAX_PREFIXES: u8 = 1;
    pub const ADMIN_SHUTDOWN: u8 = 2;
    pub const ADMIN_RESET: u8 = 4;
    pub const CONNECTION_REJECTED: u8 = 5;
    pub const COLLISION_RESOLUTION: u8 = 7;
}

/// Finite State Machine Error subcodes (RFC 6608 §3).
pub mod fsm {
    pub const UNEXPECTED_IN_OPENSENT: u8 = 1;
    pub const UNEXPECTED_IN_OPENCONFIRM: u8 = 2;
    pub const UNEXPECTED_IN_ESTABLISHED: u8 = 3;
}

/// Why `parse` did not return a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The buffer holds the start of a message that may still be valid: read at least
    /// `needed` more bytes and parse again. Not an error of the peer.
    Incomplete { needed: usize },
    /// The bytes are not a valid message: send `invalid.notification()` and close.
    Invalid(Invalid),
}

impl From<Invalid> for Error {
    fn from(invalid: Invalid) -> Error {
        Error::Invalid(invalid)
    }
}

/// A protocol error, named after the NOTIFICATION subcode it calls for. Variants holding
/// bytes carry the NOTIFICATION's data field as RFC 4271 §6 prescribes it (usually the
/// offending attribute: flags, type, length and value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// 1/1 Connection Not Synchronized: the marker is not all ones (RFC 4271 §6.1).
    BadMarker,
    /// 1/2 Bad Message Length, data = the length field (RFC 4271 §6.1).
    BadLength(u16),
    /// 1/3 Bad Message Type, data = the type field (RFC 4271 §6.1).
    BadType(u8),
    /// 2/0 Unspecific: OPEN optional parameters or a known capability do not fit their
    /// lengths. RFC 4271 names no subcode for this; 0 is "unspecific" (RFC 4271 §4.5).
    MalformedOpen,
    /// 2/1 Unsupported Version Number, data = 4, the version we speak (RFC 4271 §6.2).
    UnsupportedVersion(u8),
    /// 2/2 Bad Peer AS (RFC 4271 §6.2).
    BadPeerAs,
    /// 2/3 Bad BGP Identifier: zero (RFC 6286 §2.2) or equal to ours for an iBGP peer.
    BadBgpIdentifier,
    /// 2/4 Unsupported Optional Parameter (RFC 4271 §6.2).
    UnsupportedOptionalParameter(u8),
    /// 2/6 Unacceptable Hold Time: 1 or 2 seconds (RFC 4271 §6.2).
    UnacceptableHoldTime(u16),
    /// 2/7 Unsupported Capability, data = the capabilities we need and the peer lacks
    /// (RFC 5492 §5).
    UnsupportedCapability(Vec<u8>),
    /// 3/1 Malformed Attribute List (RFC 4271 §6.3; RFC 7606 §3.g for a repeated MP_*).
    MalformedAttributeList,
    /// 3/2 Unrecognized Well-known Attribute, data = the attribute (RFC 4271 §6.3).
    UnrecognizedWellKnown(Vec<u8>),
    /// 3/3 Missing Well-known Attribute, data = its type code (RFC 4271 §6.3).
    MissingWellKnown(u8),
    /// 3/4 Attribute Flags Error, data = the attribute (RFC 4271 §6.3).
    AttributeFlags(Vec<u8>),
    /// 3/5 Attribute Length Error, data = the attribute (RFC 4271 §6.3).
    AttributeLength(Vec<u8>),
    /// 3/6 Invalid ORIGIN Attribute, data = the attribute (RFC 4271 §6.3).
    InvalidOrigin(Vec<u8>),
    /// 3/8 Invalid NEXT_HOP Attribute, data = the attribute (RFC 4271 §6.3).
    InvalidNextHop(Vec<u8>),
    /// 3/9 Optional Attribute Error, data = the attribute (RFC 4271 §6.3, RFC 4760 §7).
    OptionalAttribute(Vec<u8>),
    /// 3/10 Invalid Network Field (RFC 4271 §6.3).
    InvalidNetworkField,
    /// 3/11 Malformed AS_PATH (RFC 4271 §6.3).
    MalformedAsPath,
}

impl Invalid {
    /// The (code, subcode) RFC 4271 §6 says to send for this error.
    pub fn code(&self) -> (ErrorCode, u8) {
        use ErrorCode::*;
        match self {
            Invalid::BadMarker => (MessageHeader, 1),
            Invalid::BadLength(_) => (MessageHeader, 2),
            Invalid::BadType(_) => (MessageHeader, 3),
            Invalid::MalformedOpen => (OpenMessage, 0),
            Invalid::UnsupportedVersion(_) => (OpenMessage, 1),
            Invalid::BadPeerAs => (OpenMessage, 2),
            Invalid::BadBgpIdentifier => (OpenMessage, 3),
            Invalid::UnsupportedOptionalParameter(_) => (OpenMessage, 4),
            Invalid::UnacceptableHoldTime(_) => (OpenMessage, 6),
            Invalid::UnsupportedCapability(_) => (OpenMessage, 7),
            Invalid::MalformedAttributeList => (UpdateMessage, 1),
            Invalid::UnrecognizedWellKnown(_) => (UpdateMessage, 2),
            Invalid::MissingWellKnown(_) => (UpdateMessage, 3),
            Invalid::AttributeFlags(_) => (UpdateMessage, 4),
            Invalid::AttributeLength(_) => (UpdateMessage, 5),
            Invalid::InvalidOrigin(_) => (UpdateMessage, 6),
            Invalid::InvalidNextHop(_) => (UpdateMessage, 8),
            Invalid::OptionalAttribute(_) => (UpdateMessage, 9),
            Invalid::InvalidNetworkField => (UpdateMessage, 10),
            Invalid::MalformedAsPath => (UpdateMessage, 11),
        }
    }

    /// The NOTIFICATION to send before closing the connection (RFC 4271 §6).
    pub fn notification(&self) -> Notification {
        let (code, subcode) = self.code();
        let data = match self {
            Invalid::BadLength(len) => len.to_be_bytes().to_vec(),
            Invalid::BadType(t) => vec![*t],
            // RFC 4271 §6.2: "the largest, locally-supported version number less than the
            // version the remote BGP peer bid", or our version if theirs is lower.
            Invalid::UnsupportedVersion(_) => 4u16.to_be_bytes().to_vec(),
            Invalid::MissingWellKnown(code) => vec![*code],
            Invalid::UnsupportedCapability(d)
            | Invalid::UnrecognizedWellKnown(d)
            | Invalid::AttributeFlags(d)
            | Invalid::AttributeLength(d)
            | Invalid::InvalidOrigin(d)
            | Invalid::InvalidNextHop(d)
            | Invalid::OptionalAttribute(d) => d.clone(),
            _ => Vec::new(),
        };
        Notification {
            code,
            subcode,
            data,
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (code, subcode) = self.code();
        write!(f, "{self:?} (NOTIFICATION {}/{subcode})", code.to_u8())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Incomplete { needed } => {
                write!(f, "incomplete BGP message: {needed} more bytes")
            }
            Error::Invalid(invalid) => write!(f, "invalid BGP message: {invalid}"),
        }
    }
}

impl std::error::Error for Error {}

/// Why a message could not be written out: the wire format cannot express it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitError {
    /// Longer than 4096 octets (RFC 4271 §4.1).
    TooLong,
    /// A field longer than its length field can count (an optional parameter, a
    /// capability, an attribute, a segment).
    FieldTooLong,
    /// A prefix of the wrong family for where it was put, or an unsupported family.
    WrongFamily,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::TooLong => f.write_str("BGP message longer than 4096 octets"),
            EmitError::FieldTooLong => f.write_str("BGP field longer than its length can say"),
            EmitError::WrongFamily => f.write_str("prefix of the wrong address family"),
        }
    }
}

impl std::error::Error for EmitError {}

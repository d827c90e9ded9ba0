//! Why bytes were not accepted as an advertisement, and why a representation could not be
//! written out.

use std::fmt;

/// Why bytes were not accepted as an advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Fewer bytes than the fixed header, or than the address count and auth data need.
    Truncated,
    /// More bytes than the header declares (fixed header + addresses (+ auth data for v2)).
    /// RFC 5798 §7.1 only demands a *complete* packet, but the checksum covers "the entire
    /// VRRP message", so extra bytes leave it ambiguous what was protected; keepalived drops
    /// such packets too ("vrrp packet too long"). Added to the original set of variants.
    TrailingBytes,
    /// Version field neither 2 nor 3 (RFC 5798 §7.1).
    BadVersion(u8),
    /// Version 2 in an IPv6 packet: VRRPv2 is defined for IPv4 only (RFC 3768 §1).
    /// Added to the original set of variants.
    V2OverIpv6,
    /// Type field is not 1, ADVERTISEMENT (RFC 5798 §5.2.2).
    BadType(u8),
    /// Checksum does not verify in any accepted form (RFC 5798 §7.1).
    BadChecksum,
    /// The address count is zero, or the addresses are not of the header's family.
    BadAddressCount,
    /// Version 2 auth type other than 0 or 1 (RFC 3768 §5.3.6; type 2, IP AH, is not supported).
    BadAuthType(u8),
    /// Version 2 with advert interval 0 or version 3 with interval 0.
    BadInterval,
    /// Source and destination addresses are of different families.
    FamilyMismatch,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Truncated => f.write_str("VRRP packet truncated"),
            ParseError::TrailingBytes => f.write_str("VRRP packet longer than its header declares"),
            ParseError::BadVersion(v) => write!(f, "unsupported VRRP version {v}"),
            ParseError::V2OverIpv6 => f.write_str("VRRP version 2 is IPv4 only"),
            ParseError::BadType(t) => write!(f, "unknown VRRP packet type {t}"),
            ParseError::BadChecksum => f.write_str("VRRP checksum does not verify"),
            ParseError::BadAddressCount => f.write_str("VRRP address count is zero"),
            ParseError::BadAuthType(t) => write!(f, "unsupported VRRPv2 auth type {t}"),
            ParseError::BadInterval => f.write_str("VRRP advertisement interval is zero"),
            ParseError::FamilyMismatch => {
                f.write_str("IP source and destination of different families")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Why an [`AdvertRepr`](super::AdvertRepr) could not be written out: it, or the addresses
/// it is sent with, break a rule the wire format cannot express.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitError {
    /// The output buffer is shorter than [`AdvertRepr::buffer_len`](super::AdvertRepr::buffer_len).
    BufferTooShort,
    /// No addresses, or more than 255 (the count is one byte: RFC 5798 §5.2.5).
    BadAddressCount,
    /// A virtual address, the source or the destination is not of the source's family.
    FamilyMismatch,
    /// Version 2 with IPv6 addresses (RFC 3768 §1: VRRPv2 is IPv4 only).
    V2OverIpv6,
    /// Version 2: not a whole number of seconds in 1..=255 (RFC 3768 §5.3.7);
    /// version 3: not in 1..=4095 centiseconds (RFC 5798 §5.2.7).
    BadInterval,
    /// Version 3 with authentication (RFC 5798 §5.2 has no auth fields).
    AuthInV3,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EmitError::BufferTooShort => "buffer too short for the VRRP advertisement",
            EmitError::BadAddressCount => "a VRRP advertisement carries 1 to 255 addresses",
            EmitError::FamilyMismatch => "addresses of different IP families",
            EmitError::V2OverIpv6 => "VRRP version 2 is IPv4 only",
            EmitError::BadInterval => "advertisement interval not representable",
            EmitError::AuthInV3 => "VRRP version 3 has no authentication",
        })
    }
}

impl std::error::Error for EmitError {}

//! The VRRP advertisement codec: a checked view over untrusted bytes and a small owned
//! representation (`AdvertRepr`) with `parse` / `emit`. Parsing never panics.
//!
//! Stateless drop rules live here (version, type, length, address count, checksum, auth type);
//! rules that need the router's configuration (TTL, VRID, auth data, interval) live in `router`.

use std::net::IpAddr;

/// VRRP protocol version (RFC 3768 §5.3.1 / RFC 5798 §5.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    V2,
    V3,
}

/// VRRPv2 authentication (RFC 3768 §5.3.6). Version 3 has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Type 0: no authentication (auth data all zero).
    None,
    /// Type 1: simple text password, 8 bytes, zero padded (keepalived's `auth_type PASS`).
    Pass([u8; 8]),
}

/// How the VRRPv3 checksum over IPv4 is computed (FIELD-NOTES: the checksum trap).
/// For IPv6 the pseudo-header is always included (RFC 5798 §5.2.8); for VRRPv2 never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChecksumForm {
    /// Checksum includes the IPv4 pseudo-header: what keepalived and FRR send by default.
    #[default]
    PseudoHeader,
    /// Checksum over the VRRP message only, as RFC 9568 §5.2.8 clarifies for IPv4.
    MessageOnly,
}

/// One VRRP advertisement, owned and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvertRepr {
    pub version: Version,
    pub vrid: u8,
    pub priority: u8,
    /// Advertisement interval in centiseconds. Version 2 carries whole seconds on the wire,
    /// so there it is always a multiple of 100 in 100..=25500; version 3 carries 1..=4095.
    pub interval_cs: u16,
    /// The virtual addresses; all of one family, the family of the packet's IP header.
    pub addresses: Vec<IpAddr>,
    /// Version 2 only; `Auth::None` for version 3.
    pub auth: Auth,
}

/// Why bytes were not accepted as an advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Fewer bytes than the fixed header, or than the address count and auth data need.
    Truncated,
    /// Version field neither 2 nor 3 (RFC 5798 §7.1).
    BadVersion(u8),
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

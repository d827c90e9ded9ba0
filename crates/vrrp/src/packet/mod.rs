//! The VRRP advertisement codec: a checked view over untrusted bytes and a small owned
//! representation (`AdvertRepr`) with `parse` / `emit`. Parsing never panics.
//!
//! Stateless drop rules live here (version, type, length, address count, checksum, auth type);
//! rules that need the router's configuration (TTL, VRID, auth data, interval) live in `router`.
//!
//! - [`view`]: [`Packet`], field accessors and setters over a byte buffer (RFC 3768 §5.1,
//!   RFC 5798 §5.1 layouts).
//! - [`checksum`]: the Internet checksum and the IPv4 / IPv6 pseudo-headers (RFC 1071,
//!   RFC 3768 §5.3.8, RFC 5798 §5.2.8, RFC 9568 §5.2.8).
//! - `repr`: `AdvertRepr::parse` / `emit` and the drop rules.
//! - `error`: why parsing or emitting failed.
//! - `fuzz`: [`fuzz_parse`], the body of the fuzz target, also run as an ordinary test.

use std::net::IpAddr;

pub(crate) mod checksum;
mod error;
mod fuzz;
mod repr;
pub(crate) mod view;

pub use error::{EmitError, ParseError};
pub use fuzz::fuzz_parse;
pub use view::{Family, Packet};

/// IP protocol number of VRRP (RFC 3768 §5.2.4, RFC 5798 §5.1.1.4 / §5.1.2.3).
pub const IP_PROTO_VRRP: u8 = 112;

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

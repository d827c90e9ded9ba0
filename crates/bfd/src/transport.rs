//! Transport rules of BFD over UDP (RFC 5881 single hop, RFC 5883 multihop) as constants and
//! pure helpers: ports, the source-port range, the TTL / hop-limit rules. The sockets
//! themselves live in the daemon's I/O adapter.

use std::ops::RangeInclusive;

/// Destination port of single-hop control packets (RFC 5881 §4).
pub const CONTROL_PORT: u16 = 3784;
/// Destination port of echo packets (RFC 5881 §4); the echo function is not implemented.
pub const ECHO_PORT: u16 = 3785;
/// Destination port of multihop control packets (RFC 5883 §5).
pub const MULTIHOP_CONTROL_PORT: u16 = 4784;
/// Source ports (RFC 5881 §4: "The source port MUST be in the range 49152 through 65535.
/// The same UDP source port number MUST be used for all BFD Control packets associated with
/// a particular session.").
pub const SOURCE_PORTS: RangeInclusive<u16> = 49152..=65535;
/// TTL / hop limit of every single-hop control packet sent, and the only one accepted
/// (RFC 5881 §5, the Generalized TTL Security Mechanism of RFC 5082).
pub const SINGLE_HOP_TTL: u8 = 255;

/// Whether `port` may be a session's source port (RFC 5881 §4).
pub fn is_valid_source_port(port: u16) -> bool {
    SOURCE_PORTS.contains(&port)
}

/// A source port for a session, derived from its local discriminator so it is stable for the
/// session's life (RFC 5881 §4). Callers that must avoid ports in use pick their own.
pub fn source_port_for(local_discr: u32) -> u16 {
    let span = u32::from(SOURCE_PORTS.end() - SOURCE_PORTS.start()) + 1;
    SOURCE_PORTS.start() + (local_discr % span) as u16
}

/// How far the peer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hops {
    /// Directly connected (RFC 5881): send with TTL 255 and accept only TTL 255 (§5). RFC 5881
    /// §5 lets an authenticated session skip the check; this crate always applies it.
    Single,
    /// Several hops away (RFC 5883): UDP 4784; accept only packets whose TTL is at least
    /// `min_ttl` (RFC 5883 §2 leaves the check to configuration; 0 disables it).
    Multi { min_ttl: u8 },
}

impl Hops {
    /// The destination port control packets go to.
    pub fn port(self) -> u16 {
        match self {
            Hops::Single => CONTROL_PORT,
            Hops::Multi { .. } => MULTIHOP_CONTROL_PORT,
        }
    }

    /// Whether a packet received with `ttl` is accepted.
    pub fn accepts_ttl(self, ttl: u8) -> bool {
        match self {
            Hops::Single => ttl == SINGLE_HOP_TTL,
            Hops::Multi { min_ttl } => ttl >= min_ttl,
        }
    }
}

//! What one BFD session is configured with: the peer, the addresses, the timers and the
//! authentication (RFC 5880 §6.7, §6.8.1).

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use super::auth::KeyedKind;

/// How a session authenticates its packets (RFC 5880 §6.7).
#[derive(Clone, PartialEq, Eq)]
pub enum BfdAuth {
    /// Simple password, 1 to 16 bytes (§6.7.2); checked by the `bfd` session itself.
    SimplePassword { key_id: u8, password: Vec<u8> },
    /// Keyed MD5 (secret up to 16 bytes) or keyed SHA1 (up to 20), plain or meticulous
    /// (§6.7.3, §6.7.4); signed and verified by the driver.
    Keyed {
        kind: KeyedKind,
        key_id: u8,
        secret: Vec<u8>,
    },
}

impl fmt::Debug for BfdAuth {
    /// Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BfdAuth::SimplePassword { key_id, .. } => {
                write!(f, "SimplePassword {{ key_id: {key_id} }}")
            }
            BfdAuth::Keyed { kind, key_id, .. } => write!(f, "{kind:?} {{ key_id: {key_id} }}"),
        }
    }
}

impl BfdAuth {
    /// A short name for the status page.
    pub fn name(&self) -> &'static str {
        match self {
            BfdAuth::SimplePassword { .. } => "simple password",
            BfdAuth::Keyed { kind, .. } => match kind {
                KeyedKind::KeyedMd5 => "keyed MD5",
                KeyedKind::MeticulousKeyedMd5 => "meticulous keyed MD5",
                KeyedKind::KeyedSha1 => "keyed SHA1",
                KeyedKind::MeticulousKeyedSha1 => "meticulous keyed SHA1",
            },
        }
    }
}

/// One BFD session to configure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BfdPeer {
    /// The peer's address; packets go to its port 3784 (4784 multihop).
    pub peer: IpAddr,
    /// Our address on the path to the peer, the source of our packets and where the peer's
    /// arrive.
    pub local: IpAddr,
    /// RFC 5883 multihop (port 4784, no TTL rule) instead of RFC 5881 single hop.
    pub multihop: bool,
    /// Desired Min TX Interval and Required Min RX Interval alike (§6.8.1), e.g. 300 ms.
    pub interval: Duration,
    /// Detect Mult (§6.8.1), e.g. 3.
    pub multiplier: u8,
    pub auth: Option<BfdAuth>,
}

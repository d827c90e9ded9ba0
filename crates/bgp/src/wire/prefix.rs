//! NLRI prefixes (RFC 4271 §4.3, RFC 4760 §5) and the address families this crate speaks.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::EmitError;

/// Address Family Identifiers (IANA) and the unicast SAFI (RFC 4760 §6).
pub const AFI_IPV4: u16 = 1;
pub const AFI_IPV6: u16 = 2;
pub const SAFI_UNICAST: u8 = 1;

/// The address families this crate decodes routes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Ipv4Unicast,
    Ipv6Unicast,
}

impl Family {
    pub fn from_afi_safi(afi: u16, safi: u8) -> Option<Family> {
        match (afi, safi) {
            (AFI_IPV4, SAFI_UNICAST) => Some(Family::Ipv4Unicast),
            (AFI_IPV6, SAFI_UNICAST) => Some(Family::Ipv6Unicast),
            _ => None,
        }
    }

    pub fn afi_safi(self) -> (u16, u8) {
        match self {
            Family::Ipv4Unicast => (AFI_IPV4, SAFI_UNICAST),
            Family::Ipv6Unicast => (AFI_IPV6, SAFI_UNICAST),
        }
    }

    fn max_len(self) -> u8 {
        match self {
            Family::Ipv4Unicast => 32,
            Family::Ipv6Unicast => 128,
        }
    }
}

/// An IP prefix with its host bits cleared. RFC 4271 §4.3: the trailing bits of the last
/// octet "are irrelevant", so parsing clears them and equal routes compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    addr: IpAddr,
    len: u8,
}

impl Prefix {
    /// `None` when `len` exceeds the address width.
    pub fn new(addr: IpAddr, len: u8) -> Option<Prefix> {
        match addr {
            IpAddr::V4(a) if len <= 32 => {
                let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
                Some(Prefix {
                    addr: IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask)),
                    len,
                })
            }
            IpAddr::V6(a) if len <= 128 => {
                let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
                Some(Prefix {
                    addr: IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask)),
                    len,
                })
            }
            _ => None,
        }
    }

    /// The host route for one address: a /32 or a /128.
    pub fn host(addr: IpAddr) -> Prefix {
        let len = if addr.is_ipv4() { 32 } else { 128 };
        Prefix { addr, len }
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn len(&self) -> u8 {
        self.len
    }

    /// True for the default route (length 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn family(&self) -> Family {
        match self.addr {
            IpAddr::V4(_) => Family::Ipv4Unicast,
            IpAddr::V6(_) => Family::Ipv6Unicast,
        }
    }

    /// Octets this prefix takes on the wire: the length octet and the significant octets.
    pub fn wire_len(&self) -> usize {
        1 + usize::from(self.len).div_ceil(8)
    }

    /// Appends the <length, prefix> encoding (RFC 4271 §4.3).
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.len);
        let octets = usize::from(self.len).div_ceil(8);
        match self.addr {
            IpAddr::V4(a) => out.extend_from_slice(&a.octets()[..octets]),
            IpAddr::V6(a) => out.extend_from_slice(&a.octets()[..octets]),
        }
    }

    pub(crate) fn emit_all(
        prefixes: &[Prefix],
        family: Family,
        out: &mut Vec<u8>,
    ) -> Result<(), EmitError> {
        for p in prefixes {
            if p.family() != family {
                return Err(EmitError::WrongFamily);
            }
            p.emit(out);
        }
        Ok(())
    }

    /// Parses a sequence of <length, prefix> pairs filling `data` exactly. `None` when a
    /// length exceeds the family's width or a prefix runs past the end: the caller maps that
    /// to the NOTIFICATION its field calls for (RFC 4271 §6.3, RFC 4760 §7).
    pub(crate) fn parse_all(mut data: &[u8], family: Family) -> Option<Vec<Prefix>> {
        let mut out = Vec::new();
        while let Some((&len, rest)) = data.split_first() {
            if len > family.max_len() {
                return None;
            }
            let octets = usize::from(len).div_ceil(8);
            if rest.len() < octets {
                return None;
            }
            let (bytes, rest) = rest.split_at(octets);
            let addr = match family {
                Family::Ipv4Unicast => {
                    let mut a = [0u8; 4];
                    a[..octets].copy_from_slice(bytes);
                    IpAddr::V4(Ipv4Addr::from(a))
                }
                Family::Ipv6Unicast => {
                    let mut a = [0u8; 16];
                    a[..octets].copy_from_slice(bytes);
                    IpAddr::V6(Ipv6Addr::from(a))
                }
            };
            out.push(Prefix::new(addr, len)?);
            data = rest;
        }
        Some(out)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

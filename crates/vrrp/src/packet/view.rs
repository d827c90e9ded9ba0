//! A checked view over the bytes of one VRRP message (the IP payload): field offsets,
//! accessors and, for mutable buffers, setters. Layouts: RFC 3768 §5.1 (v2), RFC 5798 §5.1 (v3).
//!
//! ```text
//!  v2: | ver 2 | type | VRID | priority | count | auth type | adver int (s) | checksum |
//!      | addresses (count × 4) | auth data (8) |
//!  v3: | ver 3 | type | VRID | priority | count | rsvd(4) max adver int (12, cs) | checksum |
//!      | addresses (count × 4 or 16) |
//! ```
//!
//! Accessors of the fixed header index the buffer directly: call them only on a view from
//! [`Packet::new_checked`] (or one that passed [`Packet::check_len`]), as in smoltcp.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::checksum;
use super::{ChecksumForm, ParseError, Version};

mod field {
    pub const VER_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    pub const COUNT: usize = 3;
    /// v2: auth type (RFC 3768 §5.3.6); v3: rsvd + high 4 bits of the interval.
    pub const AUTH_TYPE: usize = 4;
    /// v2: advert interval in seconds (RFC 3768 §5.3.7); v3: low 8 bits of the interval.
    pub const ADVER_INT: usize = 5;
    pub const CHECKSUM: std::ops::Range<usize> = 6..8;
    pub const ADDRESSES: usize = 8;
}

/// Length of the fixed header, common to v2 and v3.
pub const HEADER_LEN: usize = field::ADDRESSES;
/// Length of the v2 authentication data after the addresses (RFC 3768 §5.3.10).
pub const AUTH_DATA_LEN: usize = 8;
/// The only packet type, ADVERTISEMENT (RFC 3768 §5.3.2, RFC 5798 §5.2.2).
pub const TYPE_ADVERTISEMENT: u8 = 1;

impl Version {
    /// The version nibble's value for this version.
    pub const fn to_wire(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }

    /// Recognises the version nibble; anything but 2 or 3 is not VRRP we speak
    /// (RFC 5798 §7.1: "MUST verify that the VRRP version is 3", v2 kept for RFC 3768 peers).
    pub const fn from_wire(value: u8) -> Option<Version> {
        match value {
            2 => Some(Version::V2),
            3 => Some(Version::V3),
            _ => None,
        }
    }
}

/// The IP family of a VRRP message: it comes from the IP header, not from the message
/// (RFC 5798 §5.2.9: the addresses are of the header's family).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub const fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    /// Bytes per address in the message.
    pub const fn addr_len(self) -> usize {
        match self {
            Family::Ipv4 => 4,
            Family::Ipv6 => 16,
        }
    }
}

/// Length of the whole message the header declares: fixed header, `count` addresses and,
/// for v2, the 8 bytes of auth data (RFC 3768 §5.1, RFC 5798 §5.1).
pub const fn message_len(version: Version, family: Family, count: usize) -> usize {
    let auth = match version {
        Version::V2 => AUTH_DATA_LEN,
        Version::V3 => 0,
    };
    HEADER_LEN + count * family.addr_len() + auth
}

/// A view over a buffer holding one VRRP message of a known IP family.
#[derive(Debug, Clone)]
pub struct Packet<T> {
    buffer: T,
    family: Family,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking anything.
    pub const fn new_unchecked(buffer: T, family: Family) -> Packet<T> {
        Packet { buffer, family }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T, family: Family) -> Result<Packet<T>, ParseError> {
        let packet = Packet::new_unchecked(buffer, family);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds exactly the message its header declares, so every
    /// accessor is in bounds. The version decides the layout, so it is checked here too.
    pub fn check_len(&self) -> Result<(), ParseError> {
        let data = self.buffer.as_ref();
        if data.len() < HEADER_LEN {
            return Err(ParseError::Truncated);
        }
        let raw_version = data[field::VER_TYPE] >> 4;
        let version = Version::from_wire(raw_version).ok_or(ParseError::BadVersion(raw_version))?;
        // RFC 3768 §1: VRRPv2 is defined for IPv4 only; keepalived refuses v2 over IPv6 too.
        if version == Version::V2 && self.family == Family::Ipv6 {
            return Err(ParseError::V2OverIpv6);
        }
        let declared = message_len(version, self.family, usize::from(data[field::COUNT]));
        // RFC 5798 §7.1: "MUST verify that the received packet contains the complete VRRP
        // packet (including fixed fields, and IPvX address(es))". Bytes beyond it are refused
        // as well (see `ParseError::TrailingBytes`).
        match data.len().cmp(&declared) {
            std::cmp::Ordering::Less => Err(ParseError::Truncated),
            std::cmp::Ordering::Greater => Err(ParseError::TrailingBytes),
            std::cmp::Ordering::Equal => Ok(()),
        }
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    pub fn family(&self) -> Family {
        self.family
    }

    /// The raw version nibble (RFC 3768 §5.3.1, RFC 5798 §5.2.1).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TYPE] >> 4
    }

    /// The raw type nibble (RFC 5798 §5.2.2).
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TYPE] & 0x0f
    }

    pub fn vrid(&self) -> u8 {
        self.buffer.as_ref()[field::VRID]
    }

    pub fn priority(&self) -> u8 {
        self.buffer.as_ref()[field::PRIORITY]
    }

    /// Count IPvX Addr (RFC 5798 §5.2.5).
    pub fn addr_count(&self) -> u8 {
        self.buffer.as_ref()[field::COUNT]
    }

    /// v2 only: Auth Type (RFC 3768 §5.3.6).
    pub fn auth_type(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_TYPE]
    }

    /// v2 only: Adver Int in seconds (RFC 3768 §5.3.7).
    pub fn adver_int_secs(&self) -> u8 {
        self.buffer.as_ref()[field::ADVER_INT]
    }

    /// v3 only: the 4 reserved bits (RFC 5798 §5.2.6: sent as zero, ignored on receipt).
    pub fn reserved(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_TYPE] >> 4
    }

    /// v3 only: Max Adver Int, 12 bits of centiseconds (RFC 5798 §5.2.7).
    pub fn max_adver_int(&self) -> u16 {
        let data = self.buffer.as_ref();
        u16::from_be_bytes([data[field::AUTH_TYPE], data[field::ADVER_INT]]) & 0x0fff
    }

    pub fn checksum(&self) -> u16 {
        let data = self.buffer.as_ref();
        u16::from_be_bytes([data[field::CHECKSUM.start], data[field::CHECKSUM.start + 1]])
    }

    /// The `index`th virtual address, or `None` when the count does not declare it or the
    /// buffer does not hold it.
    pub fn address(&self, index: usize) -> Option<IpAddr> {
        if index >= usize::from(*self.buffer.as_ref().get(field::COUNT)?) {
            return None;
        }
        let len = self.family.addr_len();
        let start = index.checked_mul(len)?.checked_add(field::ADDRESSES)?;
        let bytes = self.buffer.as_ref().get(start..start.checked_add(len)?)?;
        Some(match self.family {
            Family::Ipv4 => IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?)),
            Family::Ipv6 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        })
    }

    /// v2 only: the 8 bytes of Authentication Data after the addresses (RFC 3768 §5.3.10),
    /// or `None` when the buffer does not hold them.
    pub fn auth_data(&self) -> Option<[u8; AUTH_DATA_LEN]> {
        let start = field::ADDRESSES + usize::from(self.addr_count()) * self.family.addr_len();
        let bytes = self.buffer.as_ref().get(start..start + AUTH_DATA_LEN)?;
        <[u8; AUTH_DATA_LEN]>::try_from(bytes).ok()
    }

    /// Whether the checksum verifies with the pseudo-header `form` calls for, given the IP
    /// header's addresses (see [`checksum::vrrp_pseudo_header`] for which applies when).
    pub fn verify_checksum(&self, src: IpAddr, dst: IpAddr, form: ChecksumForm) -> bool {
        let data = self.buffer.as_ref();
        let Some(version) = Version::from_wire(self.version()) else {
            return false;
        };
        match checksum::vrrp_pseudo_header(version, src, dst, data.len(), form) {
            Some(pseudo) => checksum::verify(pseudo, data),
            None => false,
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    pub fn set_version(&mut self, version: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_TYPE];
        *b = (*b & 0x0f) | (version << 4);
    }

    pub fn set_msg_type(&mut self, msg_type: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_TYPE];
        *b = (*b & 0xf0) | (msg_type & 0x0f);
    }

    pub fn set_vrid(&mut self, vrid: u8) {
        self.buffer.as_mut()[field::VRID] = vrid;
    }

    pub fn set_priority(&mut self, priority: u8) {
        self.buffer.as_mut()[field::PRIORITY] = priority;
    }

    pub fn set_addr_count(&mut self, count: u8) {
        self.buffer.as_mut()[field::COUNT] = count;
    }

    /// v2 only.
    pub fn set_auth_type(&mut self, auth_type: u8) {
        self.buffer.as_mut()[field::AUTH_TYPE] = auth_type;
    }

    /// v2 only.
    pub fn set_adver_int_secs(&mut self, secs: u8) {
        self.buffer.as_mut()[field::ADVER_INT] = secs;
    }

    /// v3 only: writes the 12-bit interval (higher bits dropped) and clears the reserved bits,
    /// which RFC 5798 §5.2.6 says MUST be sent as zero.
    pub fn set_max_adver_int(&mut self, centis: u16) {
        let bytes = (centis & 0x0fff).to_be_bytes();
        let data = self.buffer.as_mut();
        data[field::AUTH_TYPE] = bytes[0];
        data[field::ADVER_INT] = bytes[1];
    }

    /// v3 only: the reserved bits, for building test packets.
    pub fn set_reserved(&mut self, bits: u8) {
        let b = &mut self.buffer.as_mut()[field::AUTH_TYPE];
        *b = (*b & 0x0f) | (bits << 4);
    }

    pub fn set_checksum(&mut self, value: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// Writes the `index`th address. Returns `false` (and writes nothing) when the address is
    /// not of the view's family or the buffer does not hold that slot.
    pub fn set_address(&mut self, index: usize, addr: IpAddr) -> bool {
        let len = self.family.addr_len();
        let Some(start) = index
            .checked_mul(len)
            .and_then(|o| o.checked_add(field::ADDRESSES))
        else {
            return false;
        };
        let Some(slot) = self
            .buffer
            .as_mut()
            .get_mut(start..start.saturating_add(len))
        else {
            return false;
        };
        match addr {
            IpAddr::V4(a) if slot.len() == 4 => slot.copy_from_slice(&a.octets()),
            IpAddr::V6(a) if slot.len() == 16 => slot.copy_from_slice(&a.octets()),
            _ => return false,
        }
        true
    }

    /// v2 only: writes the auth data after the addresses the count declares; `false` when the
    /// buffer is too short.
    pub fn set_auth_data(&mut self, auth: [u8; AUTH_DATA_LEN]) -> bool {
        let start = field::ADDRESSES + usize::from(self.addr_count()) * self.family.addr_len();
        match self.buffer.as_mut().get_mut(start..start + AUTH_DATA_LEN) {
            Some(slot) => {
                slot.copy_from_slice(&auth);
                true
            }
            None => false,
        }
    }

    /// Computes and writes the checksum over the whole buffer in the form that applies
    /// (see [`checksum::vrrp_pseudo_header`]). `false` when the version nibble is unknown or
    /// `src` / `dst` are of different families; the checksum field is then left as it was.
    pub fn fill_checksum(&mut self, src: IpAddr, dst: IpAddr, form: ChecksumForm) -> bool {
        let Some(version) = Version::from_wire(self.version()) else {
            return false;
        };
        let len = self.buffer.as_ref().len();
        let Some(pseudo) = checksum::vrrp_pseudo_header(version, src, dst, len, form) else {
            return false;
        };
        self.set_checksum(0);
        let value = checksum::checksum(pseudo, self.buffer.as_ref());
        self.set_checksum(value);
        true
    }
}

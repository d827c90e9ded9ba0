//! `AdvertRepr::parse` / `emit`: the stateless drop rules of RFC 3768 §7.1 and RFC 5798 §7.1
//! that need no configuration, and writing an advertisement out (RFC 3768 §5.3,
//! RFC 5798 §5.2).

use std::net::IpAddr;

use super::checksum::effective_form;
use super::view::{message_len, Family, Packet, AUTH_DATA_LEN, TYPE_ADVERTISEMENT};
use super::{AdvertRepr, Auth, ChecksumForm, EmitError, ParseError, Version};

/// RFC 3768 §5.3.6 (and RFC 2338 §5.3.6 for type 1, which keepalived still sends).
const AUTH_TYPE_NONE: u8 = 0;
const AUTH_TYPE_PASS: u8 = 1;

/// The most addresses one advertisement can carry: the count is one byte (RFC 5798 §5.2.5).
pub const MAX_ADDRESSES: usize = 255;
/// The largest v3 interval, 12 bits of centiseconds (RFC 5798 §5.2.7).
pub const MAX_V3_INTERVAL_CS: u16 = 0x0fff;

fn family_of_pair(src: IpAddr, dst: IpAddr) -> Option<Family> {
    let family = Family::of(&src);
    (family == Family::of(&dst)).then_some(family)
}

impl AdvertRepr {
    /// Parses one VRRP message (the IP payload) received from `src` to `dst`, the addresses of
    /// its IP header. Returns the advertisement and the checksum form that verified it: for
    /// v3 over IPv4 either form is accepted, the pseudo-header form (what keepalived and FRR
    /// send) being tried first, so a message that verifies both ways reports `PseudoHeader`;
    /// v2 always reports `MessageOnly` and IPv6 `PseudoHeader`.
    ///
    /// Never panics; allocates at most the 255 addresses the count allows.
    pub fn parse(
        bytes: &[u8],
        src: IpAddr,
        dst: IpAddr,
    ) -> Result<(AdvertRepr, ChecksumForm), ParseError> {
        let family = family_of_pair(src, dst).ok_or(ParseError::FamilyMismatch)?;
        // Length, version and v2-over-IPv6 (RFC 5798 §7.1, RFC 3768 §1).
        let packet = Packet::new_checked(bytes, family)?;
        let version =
            Version::from_wire(packet.version()).ok_or(ParseError::BadVersion(packet.version()))?;

        // RFC 3768 §5.3.2, RFC 5798 §5.2.2: "A packet with unknown type MUST be discarded."
        if packet.msg_type() != TYPE_ADVERTISEMENT {
            return Err(ParseError::BadType(packet.msg_type()));
        }

        // RFC 3768 §7.1 / RFC 5798 §7.1: "MUST verify the VRRP checksum". For v3 over IPv4
        // both readings of §5.2.8 are accepted (RFC 9568 §5.2.8 message-only, and the
        // pseudo-header form of keepalived ≤ 2.2 and FRR 8.x).
        let form = [ChecksumForm::PseudoHeader, ChecksumForm::MessageOnly]
            .into_iter()
            .map(|f| effective_form(version, family, f))
            .find(|&f| packet.verify_checksum(src, dst, f))
            .ok_or(ParseError::BadChecksum)?;

        // RFC 5798 §5.2.5: "The minimum value is 1."
        let count = usize::from(packet.addr_count());
        if count == 0 {
            return Err(ParseError::BadAddressCount);
        }

        let (interval_cs, auth) = match version {
            Version::V2 => {
                // RFC 3768 §5.3.6: unknown auth types MUST be discarded. Type 1 is RFC 2338's
                // simple text password (keepalived `auth_type PASS`); type 2 (IP AH) is not
                // supported. RFC 3768 §5.3.10: with type 0 the auth data is ignored.
                let auth = match packet.auth_type() {
                    AUTH_TYPE_NONE => Auth::None,
                    AUTH_TYPE_PASS => Auth::Pass(packet.auth_data().ok_or(ParseError::Truncated)?),
                    other => return Err(ParseError::BadAuthType(other)),
                };
                // RFC 3768 §5.3.7: the interval in seconds; zero would make the timers spin.
                let secs = packet.adver_int_secs();
                if secs == 0 {
                    return Err(ParseError::BadInterval);
                }
                (u16::from(secs) * 100, auth)
            }
            Version::V3 => {
                // RFC 5798 §5.2.6: the reserved bits are ignored on receipt.
                // RFC 5798 §5.2.7: Max Adver Int in centiseconds; zero is meaningless.
                let centis = packet.max_adver_int();
                if centis == 0 {
                    return Err(ParseError::BadInterval);
                }
                (centis, Auth::None)
            }
        };

        let mut addresses = Vec::with_capacity(count);
        for index in 0..count {
            addresses.push(packet.address(index).ok_or(ParseError::Truncated)?);
        }

        let repr = AdvertRepr {
            version,
            vrid: packet.vrid(),
            priority: packet.priority(),
            interval_cs,
            addresses,
            auth,
        };
        Ok((repr, form))
    }

    /// The family the addresses are of (that of the first; IPv4 when there are none).
    fn family(&self) -> Family {
        self.addresses.first().map_or(Family::Ipv4, Family::of)
    }

    /// How many bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        message_len(self.version, self.family(), self.addresses.len())
    }

    /// Checks everything the wire format cannot express, for a message from `src` to `dst`.
    fn check_emittable(&self, src: IpAddr, dst: IpAddr) -> Result<Family, EmitError> {
        let family = family_of_pair(src, dst).ok_or(EmitError::FamilyMismatch)?;
        if self.addresses.is_empty() || self.addresses.len() > MAX_ADDRESSES {
            return Err(EmitError::BadAddressCount);
        }
        // RFC 5798 §5.2.9: the addresses are of the IP header's family.
        if self.addresses.iter().any(|a| Family::of(a) != family) {
            return Err(EmitError::FamilyMismatch);
        }
        match self.version {
            Version::V2 => {
                if family == Family::Ipv6 {
                    return Err(EmitError::V2OverIpv6);
                }
                // RFC 3768 §5.3.7: whole seconds in one byte, at least 1.
                let secs = self.interval_cs / 100;
                if secs == 0 || secs > 255 || secs * 100 != self.interval_cs {
                    return Err(EmitError::BadInterval);
                }
            }
            Version::V3 => {
                // RFC 5798 §5.2.7: 12 bits of centiseconds.
                if self.interval_cs == 0 || self.interval_cs > MAX_V3_INTERVAL_CS {
                    return Err(EmitError::BadInterval);
                }
                if self.auth != Auth::None {
                    return Err(EmitError::AuthInV3);
                }
            }
        }
        Ok(family)
    }

    /// Writes the advertisement into the first [`buffer_len`](Self::buffer_len) bytes of
    /// `buf` and returns that length. The checksum is computed for a message from `src` to
    /// `dst`: over the message only for v2 (RFC 3768 §5.3.8), with the IPv6 pseudo-header for
    /// IPv6 (RFC 5798 §5.2.8), and for v3 over IPv4 as `form` says (RFC 9568 §5.2.8).
    pub fn emit(
        &self,
        buf: &mut [u8],
        src: IpAddr,
        dst: IpAddr,
        form: ChecksumForm,
    ) -> Result<usize, EmitError> {
        let family = self.check_emittable(src, dst)?;
        let len = self.buffer_len();
        let buf = buf.get_mut(..len).ok_or(EmitError::BufferTooShort)?;
        buf.fill(0);
        let mut packet = Packet::new_unchecked(buf, family);
        packet.set_version(self.version.to_wire());
        packet.set_msg_type(TYPE_ADVERTISEMENT);
        packet.set_vrid(self.vrid);
        packet.set_priority(self.priority);
        // check_emittable bounds the count to 1..=255.
        packet.set_addr_count(self.addresses.len() as u8);
        match self.version {
            Version::V2 => {
                let (auth_type, data) = match self.auth {
                    Auth::None => (AUTH_TYPE_NONE, [0; AUTH_DATA_LEN]),
                    Auth::Pass(data) => (AUTH_TYPE_PASS, data),
                };
                packet.set_auth_type(auth_type);
                // check_emittable bounds the interval to 100..=25500 in steps of 100.
                packet.set_adver_int_secs((self.interval_cs / 100) as u8);
                packet.set_auth_data(data);
            }
            // RFC 5798 §5.2.6: reserved bits zero (set_max_adver_int clears them).
            Version::V3 => packet.set_max_adver_int(self.interval_cs),
        }
        for (index, addr) in self.addresses.iter().enumerate() {
            packet.set_address(index, *addr);
        }
        packet.fill_checksum(src, dst, form);
        Ok(len)
    }

    /// [`emit`](Self::emit) into a new vector of exactly [`buffer_len`](Self::buffer_len) bytes.
    pub fn to_bytes(
        &self,
        src: IpAddr,
        dst: IpAddr,
        form: ChecksumForm,
    ) -> Result<Vec<u8>, EmitError> {
        self.check_emittable(src, dst)?;
        let mut buf = vec![0; self.buffer_len()];
        self.emit(&mut buf, src, dst, form)?;
        Ok(buf)
    }
}

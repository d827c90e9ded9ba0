//! The Internet checksum (RFC 1071) and the pseudo-headers VRRPv3 puts under it.
//!
//! Which bytes are summed is a protocol decision made per version and family:
//! - VRRPv2: the VRRP message only (RFC 3768 §5.3.8).
//! - VRRPv3 over IPv6: the message plus the IPv6 pseudo-header of RFC 8200 §8.1
//!   (source, destination, 32-bit upper-layer length, three zero bytes, next header 112),
//!   as RFC 5798 §5.2.8 and RFC 9568 §5.2.8 both require.
//! - VRRPv3 over IPv4: RFC 5798 §5.2.8 was read by keepalived and FRR as "with an IPv4
//!   pseudo-header" (source, destination, zero, protocol 112, 16-bit length, as for UDP in
//!   RFC 768); RFC 9568 §5.2.8 states the pseudo-header is for IPv6 only. Both forms exist on
//!   real networks, so the codec accepts both and emits the one asked for.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::view::Family;
use super::{ChecksumForm, Version, IP_PROTO_VRRP};

/// Adds `data` as big-endian 16-bit words (an odd last byte padded with zero, RFC 1071 §4.1)
/// to a running one's-complement accumulator. Fold with [`fold`] when done.
pub fn sum_words(mut acc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(2);
    for word in &mut chunks {
        acc += u64::from(u16::from_be_bytes([word[0], word[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u64::from(u16::from_be_bytes([*last, 0]));
    }
    acc
}

/// Folds the carries of an accumulator into 16 bits (end-around carry, RFC 1071 §2).
pub fn fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    // The loop leaves at most 16 bits.
    acc as u16
}

/// Accumulator of the IPv4 pseudo-header: source, destination, a zero byte, protocol 112 and
/// the 16-bit length of the VRRP message (RFC 768 layout; used by keepalived / FRR for v3).
pub fn pseudo_header_v4(src: Ipv4Addr, dst: Ipv4Addr, len: u16) -> u64 {
    let mut acc = sum_words(0, &src.octets());
    acc = sum_words(acc, &dst.octets());
    acc = sum_words(acc, &[0, IP_PROTO_VRRP]);
    sum_words(acc, &len.to_be_bytes())
}

/// Accumulator of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination, 32-bit
/// upper-layer packet length, three zero bytes and next header 112 (RFC 5798 §5.2.8).
pub fn pseudo_header_v6(src: &Ipv6Addr, dst: &Ipv6Addr, len: u32) -> u64 {
    let mut acc = sum_words(0, &src.octets());
    acc = sum_words(acc, &dst.octets());
    acc = sum_words(acc, &len.to_be_bytes());
    sum_words(acc, &[0, 0, 0, IP_PROTO_VRRP])
}

/// The pseudo-header accumulator for either family; `None` when `src` and `dst` are of
/// different families or the length does not fit the IPv4 16-bit field.
pub fn pseudo_header(src: IpAddr, dst: IpAddr, len: usize) -> Option<u64> {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => Some(pseudo_header_v4(s, d, u16::try_from(len).ok()?)),
        (IpAddr::V6(s), IpAddr::V6(d)) => Some(pseudo_header_v6(&s, &d, u32::try_from(len).ok()?)),
        _ => None,
    }
}

/// The checksum form that actually applies to a message: the caller's choice matters only for
/// VRRPv3 over IPv4.
pub fn effective_form(version: Version, family: Family, form: ChecksumForm) -> ChecksumForm {
    match (version, family) {
        // RFC 3768 §5.3.8: "the entire VRRP message starting with the version field", no
        // pseudo-header.
        (Version::V2, _) => ChecksumForm::MessageOnly,
        // RFC 5798 §5.2.8, RFC 9568 §5.2.8: IPv6 always includes the pseudo-header.
        (Version::V3, Family::Ipv6) => ChecksumForm::PseudoHeader,
        // RFC 5798 §5.2.8 as keepalived / FRR read it, or RFC 9568 §5.2.8: the caller decides.
        (Version::V3, Family::Ipv4) => form,
    }
}

/// The pseudo-header accumulator to put under the checksum of a `len`-byte VRRP message sent
/// from `src` to `dst` (0 when none applies, see [`effective_form`]); `None` when `src` and
/// `dst` are of different families.
pub fn vrrp_pseudo_header(
    version: Version,
    src: IpAddr,
    dst: IpAddr,
    len: usize,
    form: ChecksumForm,
) -> Option<u64> {
    let pseudo = pseudo_header(src, dst, len)?;
    match effective_form(version, Family::of(&src), form) {
        ChecksumForm::PseudoHeader => Some(pseudo),
        ChecksumForm::MessageOnly => Some(0),
    }
}

/// The value to put in a checksum field: the one's complement of the one's-complement sum of
/// `pseudo` (a pseudo-header accumulator, or 0) and `data`, whose checksum field must be zero.
pub fn checksum(pseudo: u64, data: &[u8]) -> u16 {
    !fold(sum_words(pseudo, data))
}

/// Whether `data`, checksum field included, verifies under `pseudo`: the one's-complement sum
/// of everything is all ones (RFC 1071 §1).
pub fn verify(pseudo: u64, data: &[u8]) -> bool {
    fold(sum_words(pseudo, data)) == 0xffff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example_sums_to_ddf2() {
        // RFC 1071 §3 numerical example: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum_words(0, &data)), 0xddf2);
        assert_eq!(checksum(0, &data), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(fold(sum_words(0, &[0x12, 0x34, 0x56])), 0x1234 + 0x5600);
    }

    #[test]
    fn checksum_then_verify() {
        let mut data = [
            0x31, 0x34, 0x96, 0x01, 0x00, 0x0a, 0, 0, 0xc6, 0x12, 0x00, 0x64,
        ];
        let pseudo = pseudo_header(
            IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)),
            IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
            data.len(),
        )
        .unwrap();
        let c = checksum(pseudo, &data);
        data[6..8].copy_from_slice(&c.to_be_bytes());
        assert!(verify(pseudo, &data));
        assert!(!verify(0, &data));
    }

    #[test]
    fn mixed_families_have_no_pseudo_header() {
        let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        assert_eq!(pseudo_header(v4, v6, 8), None);
        assert_eq!(pseudo_header(v4, v4, 70_000), None);
    }
}

//! PROXY protocol v2: byte-exact vectors written from haproxy's proxy-protocol.txt (section
//! 2.2), rejections, a round trip property, and decode over random and mutated bytes (the body
//! of a fuzz target, run as an ordinary test).

use std::net::SocketAddr;

use kubegate_balancer::proxy_protocol::{
    decode, encode, encode_local, Command, DecodeError, Header, SIGNATURE,
};
use proptest::prelude::*;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

const SIG: &str = "0d0a0d0a 000d0a51 5549540a";

#[test]
fn signature_is_the_specified_twelve_bytes() {
    assert_eq!(SIGNATURE.to_vec(), hex(SIG));
}

#[test]
fn tcp4_vector() {
    // 198.18.0.100:51234 -> 10.0.0.50:8443; version 2 + PROXY = 0x21; TCP over IPv4 = 0x11;
    // 12 address bytes; 51234 = 0xc822, 8443 = 0x20fb.
    let want = hex(&format!("{SIG} 21 11 000c c6120064 0a000032 c822 20fb"));
    let src = addr("198.18.0.100:51234");
    let dst = addr("10.0.0.50:8443");
    assert_eq!(encode(src, dst), want);
    let h = decode(&want).unwrap();
    assert_eq!(
        h,
        Header {
            command: Command::Proxy,
            addresses: Some((src, dst)),
            len: 28
        }
    );
}

#[test]
fn tcp6_vector() {
    let want = hex(&format!(
        "{SIG} 21 21 0024 \
         20010db8000000000000000000000001 20010db8000000000000000000000050 \
         01bb 20fb"
    ));
    let src = addr("[2001:db8::1]:443");
    let dst = addr("[2001:db8::50]:8443");
    assert_eq!(encode(src, dst), want);
    assert_eq!(decode(&want).unwrap().addresses, Some((src, dst)));
    assert_eq!(decode(&want).unwrap().len, 52);
}

#[test]
fn mapped_ipv4_from_a_dual_stack_listener_is_sent_as_tcp4() {
    let plain = encode(addr("198.18.0.100:51234"), addr("10.0.0.50:8443"));
    let mapped = encode(
        addr("[::ffff:198.18.0.100]:51234"),
        addr("[::ffff:10.0.0.50]:8443"),
    );
    assert_eq!(mapped, plain);
}

#[test]
fn mixed_families_are_sent_as_tcp6_with_a_mapped_ipv4() {
    let want = hex(&format!(
        "{SIG} 21 21 0024 \
         00000000000000000000ffffc6120064 20010db8000000000000000000000050 \
         c822 20fb"
    ));
    let got = encode(addr("198.18.0.100:51234"), addr("[2001:db8::50]:8443"));
    assert_eq!(got, want);
}

#[test]
fn local_vector_and_decoding_it() {
    let want = hex(&format!("{SIG} 20 00 0000"));
    assert_eq!(encode_local().to_vec(), want);
    assert_eq!(
        decode(&want),
        Ok(Header {
            command: Command::Local,
            addresses: None,
            len: 16
        })
    );
    // LOCAL with an address block: the block is skipped and ignored (section 2.2).
    let with_block = hex(&format!("{SIG} 20 11 000c c6120064 0a000032 c822 20fb"));
    let h = decode(&with_block).unwrap();
    assert_eq!((h.command, h.addresses, h.len), (Command::Local, None, 28));
}

#[test]
fn a_header_written_by_haproxy_decodes() {
    // As captured from haproxy `send-proxy-v2` (172.19.0.1:42578 -> 172.19.0.3:80), followed
    // by the start of the client's request, which is not part of the header.
    let bytes = hex(&format!(
        "{SIG} 21 11 000c ac130001 ac130003 a652 0050 47455420"
    ));
    let h = decode(&bytes).unwrap();
    assert_eq!(
        h.addresses,
        Some((addr("172.19.0.1:42578"), addr("172.19.0.3:80")))
    );
    assert_eq!(&bytes[h.len..], b"GET ");
}

#[test]
fn tlvs_are_skipped_with_the_length() {
    // TCP4 block plus a NOOP TLV (type 0x04, length 3): length field 12 + 6 = 18.
    let bytes = hex(&format!(
        "{SIG} 21 11 0012 c6120064 0a000032 c822 20fb 04 0003 000000 ff"
    ));
    let h = decode(&bytes).unwrap();
    assert_eq!(h.len, 34);
    assert_eq!(bytes[h.len], 0xff);
    assert!(h.addresses.is_some());
}

#[test]
fn unsupported_families_fall_back_to_unspec() {
    for fam in ["00", "12", "22", "31", "32"] {
        let bytes = hex(&format!("{SIG} 21 {fam} 0000"));
        let h = decode(&bytes).unwrap();
        assert_eq!((h.command, h.addresses), (Command::Proxy, None), "{fam}");
    }
}

#[test]
fn rejections() {
    let good = encode(addr("198.18.0.100:51234"), addr("10.0.0.50:8443"));
    let with = |i: usize, b: u8| {
        let mut v = good.clone();
        v[i] = b;
        v
    };
    assert_eq!(decode(b"PROXY TCP4 "), Err(DecodeError::Signature));
    assert_eq!(decode(&with(4, 1)), Err(DecodeError::Signature));
    assert_eq!(decode(&with(12, 0x11)), Err(DecodeError::Version(1)));
    assert_eq!(decode(&with(12, 0x22)), Err(DecodeError::Command(2)));
    assert_eq!(decode(&with(13, 0x41)), Err(DecodeError::Family(0x41)));
    assert_eq!(decode(&with(13, 0x13)), Err(DecodeError::Family(0x13)));
    // TCP6 claimed with a 12-byte block.
    assert_eq!(
        decode(&with(13, 0x21)),
        Err(DecodeError::AddressTooShort { len: 12 })
    );
}

#[test]
fn incomplete_input_says_how_much_is_needed() {
    let good = encode(addr("198.18.0.100:51234"), addr("10.0.0.50:8443"));
    assert_eq!(decode(&[]), Err(DecodeError::Incomplete { needed: 16 }));
    for cut in 1..16 {
        assert_eq!(
            decode(&good[..cut]),
            Err(DecodeError::Incomplete { needed: 16 })
        );
    }
    for cut in 16..28 {
        assert_eq!(
            decode(&good[..cut]),
            Err(DecodeError::Incomplete { needed: 28 })
        );
    }
    assert!(decode(&good).is_ok());
}

fn normalise(a: SocketAddr) -> SocketAddr {
    match a {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(v4.into(), v6.port()),
            None => a,
        },
        v4 => v4,
    }
}

fn socket_addr() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, p)| SocketAddr::from((ip, p))),
        (any::<[u8; 16]>(), any::<u16>()).prop_map(|(ip, p)| SocketAddr::from((ip, p))),
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, p)| {
            let mapped = std::net::Ipv4Addr::from(ip).to_ipv6_mapped();
            SocketAddr::new(mapped.into(), p)
        }),
    ]
}

proptest! {
    #[test]
    fn round_trip(src in socket_addr(), dst in socket_addr(), tail in prop::collection::vec(any::<u8>(), 0..8)) {
        let mut bytes = encode(src, dst);
        let header_len = bytes.len();
        bytes.extend_from_slice(&tail);
        let h = decode(&bytes).unwrap();
        prop_assert_eq!(h.command, Command::Proxy);
        prop_assert_eq!(h.len, header_len);
        let (s, d) = h.addresses.unwrap();
        let both_v4 = normalise(src).is_ipv4() && normalise(dst).is_ipv4();
        if both_v4 {
            prop_assert_eq!((s, d), (normalise(src), normalise(dst)));
        } else {
            // Sent as TCP6: decoded addresses are IPv6, the same up to IPv4 mapping.
            prop_assert!(s.is_ipv6() && d.is_ipv6());
            prop_assert_eq!((normalise(s), normalise(d)), (normalise(src), normalise(dst)));
        }
    }
}

/// SplitMix64 for the fuzz-style inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The fuzz target's body: decoding never panics, and a success never claims more bytes than
/// it was given.
fn check(bytes: &[u8]) {
    match decode(bytes) {
        Ok(h) => assert!(h.len <= bytes.len() && h.len >= 16),
        Err(DecodeError::Incomplete { needed }) => assert!(needed > bytes.len()),
        Err(_) => {}
    }
}

#[test]
fn decode_survives_random_and_mutated_input() {
    let mut rng = Rng(0x5eed);
    let seeds = [
        encode(addr("198.18.0.100:51234"), addr("10.0.0.50:8443")),
        encode(addr("[2001:db8::1]:443"), addr("[2001:db8::50]:8443")),
        encode_local().to_vec(),
    ];
    let mut oks = 0;
    for _ in 0..200_000 {
        let mut bytes = seeds[(rng.next() % 3) as usize].clone();
        for _ in 0..(rng.next() % 4) {
            let i = (rng.next() as usize) % bytes.len();
            bytes[i] = rng.next() as u8;
        }
        if rng.next() & 1 == 0 {
            let cut = (rng.next() as usize) % (bytes.len() + 1);
            bytes.truncate(cut);
        }
        check(&bytes);
        oks += usize::from(decode(&bytes).is_ok());
    }
    // The mutations leave many headers valid: the successful path is exercised, not only errors.
    assert!(oks > 10_000, "{oks} valid of 200000");
    for _ in 0..100_000 {
        let mut bytes = SIGNATURE.to_vec();
        let n = (rng.next() % 64) as usize;
        bytes.extend((0..n).map(|_| rng.next() as u8));
        check(&bytes);
    }
}

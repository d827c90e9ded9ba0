//! Runs the fuzz target's body (`vrrp::packet::fuzz_parse`) as an ordinary test: over the
//! seed corpus (the byte-exact vectors), then over deterministic pseudo-random and mutated
//! inputs, so the target builds and runs under `cargo test` without a fuzzing toolchain.

#[path = "vectors/mod.rs"]
mod vectors;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use vrrp::packet::{fuzz_parse, Family, Packet};
use vrrp::{AdvertRepr, Auth, ChecksumForm, Version};

const RANDOM_INPUTS: usize = 100_000;
const MUTATED_INPUTS: usize = 250_000;

/// SplitMix64: small, deterministic, good enough to spread inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn addr(&mut self, ipv6: bool) -> IpAddr {
        if ipv6 {
            IpAddr::V6(Ipv6Addr::from(
                u128::from(self.next()) << 64 | u128::from(self.next()),
            ))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.next() as u32))
        }
    }
}

/// A valid advert with its IP addresses and form, drawn at random.
fn random_advert(rng: &mut Rng) -> (AdvertRepr, IpAddr, IpAddr, ChecksumForm) {
    let (version, ipv6) = match rng.below(3) {
        0 => (Version::V2, false),
        1 => (Version::V3, false),
        _ => (Version::V3, true),
    };
    let count = if rng.chance(20) {
        1 + rng.below(255)
    } else {
        1 + rng.below(4)
    };
    let (interval_cs, auth) = match version {
        Version::V2 => {
            let auth = if rng.chance(2) {
                Auth::None
            } else {
                Auth::Pass(rng.next().to_be_bytes())
            };
            ((1 + rng.below(255)) as u16 * 100, auth)
        }
        Version::V3 => ((1 + rng.below(4095)) as u16, Auth::None),
    };
    let repr = AdvertRepr {
        version,
        vrid: rng.byte(),
        priority: rng.byte(),
        interval_cs,
        addresses: (0..count).map(|_| rng.addr(ipv6)).collect(),
        auth,
    };
    let form = if rng.chance(2) {
        ChecksumForm::PseudoHeader
    } else {
        ChecksumForm::MessageOnly
    };
    (repr, rng.addr(ipv6), rng.addr(ipv6), form)
}

fn seed_corpus() -> Vec<(Vec<u8>, IpAddr, IpAddr)> {
    let mut seeds: Vec<_> = vectors::CAPTURED
        .iter()
        .map(|c| (c.bytes(), c.src(), c.dst()))
        .collect();
    // The RFC 9568 message-only form of the keepalived v3 advert.
    let c = vectors::KEEPALIVED_V3_IPV4;
    let mut rfc = c.bytes();
    vectors::fix_checksum(&mut rfc, &[]);
    seeds.push((rfc, c.src(), c.dst()));
    seeds
}

fn kind(result: &Result<(AdvertRepr, ChecksumForm), vrrp::ParseError>) -> String {
    match result {
        Ok(_) => "Ok".into(),
        Err(e) => format!("{e:?}")
            .split('(')
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

#[test]
fn seed_corpus_round_trips() {
    for (msg, src, dst) in seed_corpus() {
        assert!(
            AdvertRepr::parse(&msg, src, dst).is_ok(),
            "seed {msg:02x?} must parse"
        );
        fuzz_parse(&vectors::fuzz_input(src, dst, &msg));
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x6b67_7261_6e64);
    let mut buf = Vec::with_capacity(200);
    for _ in 0..RANDOM_INPUTS {
        buf.clear();
        let len = rng.below(120);
        buf.extend((0..len).map(|_| rng.byte()));
        fuzz_parse(&buf);
    }
}

#[test]
fn mutated_adverts_round_trip_or_are_refused() {
    let mut rng = Rng(0x6b67_6d75_7461);
    let seeds = seed_corpus();
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..MUTATED_INPUTS {
        let (mut msg, mut src, mut dst) = if i % 4 == 0 {
            seeds[rng.below(seeds.len())].clone()
        } else {
            let (repr, src, dst, form) = random_advert(&mut rng);
            (
                repr.to_bytes(src, dst, form)
                    .expect("random advert is valid"),
                src,
                dst,
            )
        };
        for _ in 0..1 + rng.below(3) {
            match rng.below(11) {
                0 if !msg.is_empty() => {
                    let bit = rng.below(msg.len() * 8);
                    msg[bit / 8] ^= 1 << (bit % 8);
                }
                1 if !msg.is_empty() => {
                    let at = rng.below(msg.len());
                    msg[at] = rng.byte();
                }
                2 => msg.truncate(rng.below(msg.len() + 1)),
                3 => msg.extend((0..1 + rng.below(20)).map(|_| rng.byte())),
                4 if msg.len() > 3 => msg[3] = rng.byte(),
                5 if !msg.is_empty() => msg[0] = (rng.byte() & 0xf0) | (msg[0] & 0x0f),
                6 if !msg.is_empty() => msg[0] = (msg[0] & 0xf0) | (rng.byte() & 0x0f),
                7 => {
                    let ipv6 = rng.chance(2);
                    dst = rng.addr(ipv6);
                }
                8 => {
                    let ipv6 = rng.chance(2);
                    src = rng.addr(ipv6);
                }
                // A small count with the length to match it (reaches the count rule).
                9 if msg.len() >= 8 => {
                    let count = rng.below(3);
                    msg[3] = count as u8;
                    let auth = if msg[0] >> 4 == 2 { 8 } else { 0 };
                    msg.resize(8 + count * Family::of(&src).addr_len() + auth, 0);
                }
                // A zero interval, either layout.
                10 if msg.len() >= 8 => {
                    msg[5] = 0;
                    if msg[0] >> 4 == 3 {
                        msg[4] &= 0xf0;
                    }
                }
                _ => {}
            }
        }
        // Half the time make the checksum right again, so the rules behind it are reached.
        if rng.chance(2) && msg.len() >= 8 {
            let form = if rng.chance(2) {
                ChecksumForm::PseudoHeader
            } else {
                ChecksumForm::MessageOnly
            };
            let mut view = Packet::new_unchecked(&mut msg[..], Family::of(&src));
            view.fill_checksum(src, dst, form);
        }
        *outcomes
            .entry(kind(&AdvertRepr::parse(&msg, src, dst)))
            .or_default() += 1;
        fuzz_parse(&vectors::fuzz_input(src, dst, &msg));
    }
    // The generator must reach every outcome, or the run proves little.
    for expected in [
        "Ok",
        "Truncated",
        "TrailingBytes",
        "BadVersion",
        "V2OverIpv6",
        "BadType",
        "BadChecksum",
        "BadAddressCount",
        "BadAuthType",
        "BadInterval",
        "FamilyMismatch",
    ] {
        let n = outcomes.get(expected).copied().unwrap_or(0);
        assert!(
            n >= 10,
            "outcome {expected} reached only {n} times: {outcomes:?}"
        );
    }
    assert!(
        outcomes["Ok"] >= MUTATED_INPUTS / 20,
        "too few inputs parse: {outcomes:?}"
    );
}

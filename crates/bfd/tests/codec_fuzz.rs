//! Runs the fuzz target's body (`bfd::packet::fuzz_parse`) as an ordinary test: over the seed
//! corpus (the captured and hand-built vectors), then over deterministic pseudo-random and
//! mutated inputs, so the target builds and runs under `cargo test` without a fuzzing
//! toolchain. `cargo fuzz run parse` in crates/bfd runs the same body under libFuzzer.

#[path = "vectors/mod.rs"]
mod vectors;

use std::collections::BTreeMap;

use bfd::packet::fuzz_parse;
use bfd::{ControlRepr, ParseError};

const RANDOM_INPUTS: usize = 100_000;
const MUTATED_INPUTS: usize = 200_000;

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
}

fn seed_corpus() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = vectors::captured_seeds()
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    seeds.extend(vectors::frr_bird_trace().into_iter().map(|c| c.payload));
    seeds
}

fn kind(result: &Result<ControlRepr, ParseError>) -> String {
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
    for seed in seed_corpus() {
        assert!(
            ControlRepr::parse(&seed).is_ok(),
            "seed {seed:02x?} must parse"
        );
        fuzz_parse(&seed);
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x6b67_6266_6472);
    let mut buf = Vec::with_capacity(80);
    for _ in 0..RANDOM_INPUTS {
        buf.clear();
        let len = rng.below(70);
        buf.extend((0..len).map(|_| rng.byte()));
        // Half the time make the header plausible, so the deeper rules are reached.
        if rng.below(2) == 0 && buf.len() >= 4 {
            buf[0] = 0x20 | (buf[0] & 0x1f);
            buf[3] = buf.len() as u8;
        }
        fuzz_parse(&buf);
    }
}

#[test]
fn mutated_seeds_round_trip_or_are_refused() {
    let mut rng = Rng(0x6b67_6d75_7462);
    let seeds = seed_corpus();
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..MUTATED_INPUTS {
        let mut msg = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(2) {
            match rng.below(9) {
                0 if !msg.is_empty() => {
                    let bit = rng.below(msg.len() * 8);
                    msg[bit / 8] ^= 1 << (bit % 8);
                }
                1 if !msg.is_empty() => {
                    let at = rng.below(msg.len());
                    msg[at] = rng.byte();
                }
                2 => msg.truncate(rng.below(msg.len() + 1)),
                3 => msg.extend((0..1 + rng.below(8)).map(|_| rng.byte())),
                4 if msg.len() > 3 => msg[3] = rng.byte(),
                5 if msg.len() > 1 => msg[1] ^= 1 << rng.below(8),
                6 if msg.len() > 25 => msg[24 + rng.below(2)] = rng.byte() % 8,
                7 if msg.len() > 2 => msg[2] = 0,
                8 if msg.len() > 11 => msg[4 + 4 * rng.below(2)..][..4].fill(0),
                _ => {}
            }
        }
        *outcomes.entry(kind(&ControlRepr::parse(&msg))).or_default() += 1;
        fuzz_parse(&msg);
    }
    // The generator must reach every outcome, or the run proves little.
    for expected in [
        "Ok",
        "Truncated",
        "BadVersion",
        "BadLength",
        "ZeroDetectMult",
        "Multipoint",
        "ZeroMyDiscriminator",
        "ZeroYourDiscriminator",
        "PollAndFinal",
        "BadAuthType",
        "BadAuthLen",
    ] {
        let n = outcomes.get(expected).copied().unwrap_or(0);
        assert!(
            n >= 10,
            "outcome {expected} reached only {n} times: {outcomes:?}"
        );
    }
    assert!(
        outcomes["Ok"] >= MUTATED_INPUTS / 10,
        "too few inputs parse: {outcomes:?}"
    );
}

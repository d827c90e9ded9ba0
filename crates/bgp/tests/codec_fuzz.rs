//! Runs the fuzz target's body (`bgp::wire::fuzz_parse`) as an ordinary test: over the seed
//! corpus kept for `cargo fuzz` (fuzz/seeds: FRR's and GoBGP's messages and a hand-built one), then
//! over deterministic pseudo-random and mutated inputs, so the target builds and runs under
//! `cargo test` without a fuzzing toolchain.

use std::fs;
use std::path::PathBuf;

use bgp::wire::fuzz_parse;

const RANDOM_INPUTS: usize = 50_000;
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

fn corpus() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let mut seeds: Vec<Vec<u8>> = fs::read_dir(&dir)
        .expect("seed corpus")
        .map(|e| fs::read(e.unwrap().path()).unwrap())
        .collect();
    seeds.sort();
    seeds
}

#[test]
fn seed_corpus_replays() {
    let seeds = corpus();
    assert!(seeds.len() >= 10, "the corpus holds FRR's messages");
    for seed in &seeds {
        fuzz_parse(seed);
    }
}

#[test]
fn random_bytes_behind_a_valid_header_never_break_the_codec() {
    let mut rng = Rng(1);
    for _ in 0..RANDOM_INPUTS {
        let kind = 1 + rng.below(5) as u8;
        let body_len = rng.below(120);
        let mut input = vec![rng.byte() & 1];
        input.extend_from_slice(&[0xff; 16]);
        input.extend_from_slice(&((19 + body_len) as u16).to_be_bytes());
        input.push(kind);
        input.extend((0..body_len).map(|_| rng.byte()));
        fuzz_parse(&input);
    }
}

#[test]
fn mutated_seeds_never_break_the_codec() {
    let seeds = corpus();
    let mut rng = Rng(2);
    for _ in 0..MUTATED_INPUTS {
        let mut input = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(4) {
            match rng.below(5) {
                // Flip a bit.
                0 | 1 => {
                    let i = rng.below(input.len());
                    input[i] ^= 1 << rng.below(8);
                }
                // Overwrite a byte with an edge value (lengths, counts, flags).
                2 => {
                    let i = rng.below(input.len());
                    input[i] = [0, 1, 0x7f, 0x80, 0xff, 0x10, 0x20, 0x21][rng.below(8)];
                }
                // Truncate.
                3 => {
                    let keep = rng.below(input.len()) + 1;
                    input.truncate(keep);
                }
                // Insert a byte.
                _ => {
                    let i = rng.below(input.len());
                    input.insert(i, rng.byte());
                }
            }
        }
        fuzz_parse(&input);
    }
}

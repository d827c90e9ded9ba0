//! Fuzz target: `cargo fuzz run probe` from crates/kubegate-balancer (or `scripts/fuzz.sh`).
//! The body lives in the crate (`kubegate_balancer::fuzz::fuzz_probe`) so `cargo test`
//! replays the corpus (tests/fuzz_corpus.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kubegate_balancer::fuzz::fuzz_probe(data);
});

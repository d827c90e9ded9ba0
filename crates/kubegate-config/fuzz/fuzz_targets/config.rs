//! Fuzz target: `cargo fuzz run config` from crates/kubegate-config (or `scripts/fuzz.sh`).
//! The body lives in the crate (`kubegate_config::fuzz_config`) so `cargo test` replays the
//! corpus (tests/fuzz_corpus.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kubegate_config::fuzz_config(data);
});

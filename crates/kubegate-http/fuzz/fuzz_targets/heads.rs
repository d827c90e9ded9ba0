//! Fuzz target: `cargo fuzz run heads` from crates/kubegate-http (or `scripts/fuzz.sh`). The
//! body lives in the crate (`kubegate_http::fuzz_heads`) so `cargo test` replays the corpus
//! (tests/fuzz_corpus.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kubegate_http::fuzz_heads(data);
});

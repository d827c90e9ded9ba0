//! Fuzz target: `cargo fuzz run haproxy` from crates/kubegate-import (or `scripts/fuzz.sh`).
//! The body lives in the crate (`kubegate_import::fuzz_import`) so `cargo test` replays
//! the corpus (tests/fuzz_corpus.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kubegate_import::fuzz_import(kubegate_import::SourceKind::Haproxy, data);
});

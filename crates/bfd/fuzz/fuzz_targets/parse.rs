//! Fuzz target: `cargo fuzz run parse` from crates/bfd. The body lives in the crate
//! (`bfd::packet::fuzz_parse`) so `cargo test` runs it too (tests/codec_fuzz.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bfd::packet::fuzz_parse(data);
});

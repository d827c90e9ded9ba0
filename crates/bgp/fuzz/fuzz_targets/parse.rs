//! Fuzz target: `cargo fuzz run parse` from crates/bgp. The body lives in the crate
//! (`bgp::wire::fuzz_parse`) so `cargo test` runs it too (tests/codec_fuzz.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bgp::wire::fuzz_parse(data);
});

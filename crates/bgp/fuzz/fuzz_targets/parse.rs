//! Fuzz target: `cargo fuzz run parse fuzz/corpus/parse fuzz/seeds` from crates/bgp (the seeds:
//! FRR's and GoBGP's messages, hand-built ones). The body lives in the crate
//! (`bgp::wire::fuzz_parse`) so `cargo test` runs it too (tests/codec_fuzz.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bgp::wire::fuzz_parse(data);
});

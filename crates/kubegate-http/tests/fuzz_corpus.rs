//! Replays the corpus of the `heads` fuzz target (`fuzz/corpus/heads`: seeds, and each input a
//! fuzzing run found a fault with) through the target's body, as an ordinary test: no
//! fuzzing toolchain needed. `scripts/fuzz.sh` runs the target itself.

use std::path::Path;

#[test]
fn the_heads_corpus_replays_without_a_fault() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/heads");
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let run = std::panic::catch_unwind(|| kubegate_http::fuzz_heads(&data));
        assert!(run.is_ok(), "{} makes the target fail", path.display());
        inputs += 1;
    }
    assert!(inputs >= 5, "only {inputs} inputs in {}", dir.display());
}

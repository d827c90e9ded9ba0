//! Replays the corpora of the `keepalived`, `haproxy` and `nginx` fuzz targets
//! (`fuzz/corpus/TARGET`: seeds, and each input a fuzzing run found a fault with) through the
//! targets' body, as an ordinary test: no fuzzing toolchain needed. `scripts/fuzz.sh` runs
//! the targets themselves.

use std::path::Path;

use kubegate_import::{fuzz_import, SourceKind};

fn replay(target: &str, kind: SourceKind) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let run = std::panic::catch_unwind(|| fuzz_import(kind, &data));
        assert!(run.is_ok(), "{} makes the target fail", path.display());
        inputs += 1;
    }
    assert!(inputs >= 5, "only {inputs} inputs in {}", dir.display());
}

#[test]
fn the_keepalived_corpus_replays_without_a_fault() {
    replay("keepalived", SourceKind::Keepalived);
}

#[test]
fn the_haproxy_corpus_replays_without_a_fault() {
    replay("haproxy", SourceKind::Haproxy);
}

#[test]
fn the_nginx_corpus_replays_without_a_fault() {
    replay("nginx", SourceKind::Nginx);
}

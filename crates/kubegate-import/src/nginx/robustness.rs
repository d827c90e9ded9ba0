//! Any text in, never a panic out: random text and edited copies of the test fixtures go
//! through the reader, and what comes out still holds together (notes on lines of the file,
//! frontends with backends and unique usable names).

use proptest::prelude::*;

use super::read;
use crate::haproxy::robustness::{mutate, reader_output_holds_together, Edit};

const FIXTURES: &[&str] = &[
    include_str!("../../tests/fixtures/nginx/stream-two-masters.conf"),
    include_str!("../../tests/fixtures/nginx/node-local-tuned.conf"),
    include_str!("../../tests/fixtures/nginx/placeholder-upstream.conf"),
];

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        (
            any::<usize>(),
            prop_oneof![
                Just('\n'),
                Just(';'),
                Just('{'),
                Just('}'),
                Just('#'),
                Just('\''),
                Just('$'),
                any::<char>()
            ],
            any::<u8>(),
        ),
        0..24,
    )
}

fn holds_together(text: &str) -> Result<(), TestCaseError> {
    let out = read("f.conf", text);
    reader_output_holds_together("f.conf", text, &out.notes, &out.frontends)
}

proptest! {
    #[test]
    fn random_text_reads(text in any::<String>()) {
        holds_together(&text)?;
    }

    #[test]
    fn random_bytes_read(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        holds_together(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn edited_fixtures_read(which in 0..FIXTURES.len(), e in edits()) {
        holds_together(&mutate(FIXTURES[which], &e))?;
    }
}

#[test]
fn fixtures_hold_together_unedited() {
    for f in FIXTURES {
        holds_together(f).unwrap();
    }
}

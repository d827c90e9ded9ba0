//! Any text in, never a panic out: random text and edited copies of the test fixtures go
//! through the reader, and what comes out still holds together (notes on lines of the file,
//! frontends with backends and unique usable names).

use proptest::prelude::*;

use super::read;
use crate::draft::{DraftFrontend, Note};

const FIXTURES: &[&str] = &[
    include_str!("../../tests/fixtures/haproxy/on-masters-9443.cfg"),
    include_str!("../../tests/fixtures/haproxy/lb-pair-with-stats.cfg"),
    include_str!("../../tests/fixtures/haproxy/node-local.cfg"),
    include_str!("../../tests/fixtures/haproxy/checks-and-binds.cfg"),
    include_str!("../../tests/fixtures/haproxy/placeholder-addresses.cfg"),
];

/// An edit: where (any number, taken modulo the length), what, and how.
pub type Edit = (usize, char, u8);

/// `text` with `edits` applied: insert a character, delete one, or repeat a line's
/// worth of characters.
pub fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for &(at, c, how) in edits {
        let i = if chars.is_empty() {
            0
        } else {
            at % chars.len()
        };
        match how % 3 {
            0 => chars.insert(i, c),
            1 if !chars.is_empty() => {
                chars.remove(i);
            }
            _ => {
                let end = chars.len().min(i + 40);
                let copy: Vec<char> = chars.get(i..end).unwrap_or(&[]).to_vec();
                chars.splice(i..i, copy);
            }
        }
    }
    chars.into_iter().collect()
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        (
            any::<usize>(),
            prop_oneof![
                Just('\n'),
                Just(' '),
                Just('#'),
                Just('\\'),
                Just('"'),
                Just(':'),
                any::<char>()
            ],
            any::<u8>(),
        ),
        0..24,
    )
}

fn holds_together(text: &str) -> Result<(), TestCaseError> {
    let out = read("f.cfg", text);
    reader_output_holds_together("f.cfg", text, &out.notes, &out.frontends)
}

/// What any reader gives back for any text: every note on a line of `file`, every frontend
/// with a backend and a unique, usable name. Shared by the haproxy and nginx readers' tests.
pub fn reader_output_holds_together(
    file: &str,
    text: &str,
    notes: &[Note],
    frontends: &[DraftFrontend],
) -> Result<(), TestCaseError> {
    let lines = text.split('\n').count();
    for n in notes {
        let o = n.origin.as_ref().expect("every note is located");
        prop_assert!(o.file == file && o.line >= 1 && o.line <= lines, "{n}");
    }
    let mut names = Vec::new();
    for f in frontends {
        prop_assert!(!f.backends.is_empty());
        prop_assert!(!names.contains(&f.name), "{} twice", f.name);
        prop_assert!(f
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)));
        names.push(f.name.clone());
    }
    Ok(())
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
        assert!(!read("f.cfg", f).frontends.is_empty());
    }
}

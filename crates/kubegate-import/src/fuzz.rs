//! The bodies of the `keepalived`, `haproxy` and `nginx` fuzz targets (`fuzz/`), kept in the
//! crate so an ordinary test replays their corpora: whatever a file holds, its reader never
//! panics, and a whole import either gives notes saying what is wrong with the file or a
//! kubegate file that passes validation (never a translation kubegate itself rejects).

use crate::{haproxy, import, keepalived, nginx, ImportOptions, Source, SourceKind};

/// Input: the bytes of a file of `kind`.
///
/// # Panics
/// When the import breaks one of its promises (that is the point of a fuzz target).
pub fn fuzz_import(kind: SourceKind, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let name = "fuzz.conf";
    match kind {
        SourceKind::Keepalived => {
            let _ = keepalived::read(name, text);
        }
        SourceKind::Haproxy => {
            let _ = haproxy::read(name, text);
        }
        SourceKind::Nginx => {
            let _ = nginx::read(name, text);
        }
    }
    let sources = [Source {
        name: name.to_string(),
        text: text.to_string(),
    }];
    if let Err(notes) = import(&sources, &ImportOptions::default()) {
        for note in &notes {
            assert!(
                !note
                    .text
                    .starts_with("the translated file does not pass validation"),
                "{}",
                note.text
            );
        }
    }
}

//! The body of the `config` fuzz target (`fuzz/`), kept in the crate so an ordinary test
//! replays its corpus: whatever the file holds, loading it never panics; a rejected file gets
//! located errors that point into it, and an accepted one can be explained in words.

use std::path::Path;

use crate::{parse_str, plan};

/// Input: the bytes of a config file.
///
/// # Panics
/// When loading breaks one of its promises (that is the point of a fuzz target).
pub fn fuzz_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_str(text, Path::new("fuzz.yaml")) {
        Ok(cluster) => {
            let _ = plan::report(&cluster, None, &[]);
            for node in &cluster.nodes {
                let _ = plan::report(&cluster, Some(node), &[]);
            }
        }
        Err(errors) => {
            assert!(!errors.0.is_empty(), "rejected without an error");
            let lines = yaml_lines(text);
            for e in &errors.0 {
                assert!(e.line <= lines + 1, "line {} of {lines}: {e}", e.line);
                assert!(!e.message.is_empty(), "{e:?}");
            }
            let _ = errors.to_string();
        }
    }
}

/// Lines as YAML counts them (YAML 1.2 §5.4: a line break is CR LF, LF or a lone CR).
fn yaml_lines(text: &str) -> u64 {
    let breaks = text.replace("\r\n", "\n").matches(['\r', '\n']).count();
    breaks as u64 + 1
}

//! kubegate's configuration: the YAML text (raw, serde) → validated types (`model`) → the plan
//! in plain words (`plan`); node identity. Pure: the caller passes the file's text and this
//! machine's addresses; nothing here reads files, opens sockets or looks at the clock.
//!
//! Loading runs in passes, each reporting every problem it finds with `file:line:col`:
//! 1. YAML syntax, into a plain located tree (`keys.rs`);
//! 2. unknown keys (and sections not implemented in this build, if any), checked on that tree;
//! 3. the typed parse into `raw.rs` (shapes: a list where a list belongs);
//! 4. validation of every value and the cross-checks (`validate/`).
//!
//! A pass runs only when the one before found nothing, so messages never pile up as echoes of
//! one mistake.
#![forbid(unsafe_code)]

pub mod changes;
pub mod duration;
pub(crate) mod error;
mod fuzz;
pub mod handover;
mod hints;
pub mod identity;
pub mod interface;
mod keys;
pub mod local_addrs;
pub mod model;
pub mod plan;
mod raw;
mod raw_bgp;
mod scalar;
mod validate;
pub mod yaml;

use std::path::Path;

pub use error::{ConfigError, ConfigErrors};
pub use fuzz::fuzz_config;
pub use validate::{check_path, default_priorities, if_name, step_aside_weight};

use keys::{Shape, Tree};
use model::ClusterConfig;

/// Validates config text; `source_name` is the file name used in messages.
pub fn parse_str(text: &str, source_name: &Path) -> Result<ClusterConfig, ConfigErrors> {
    let fail = |e: ConfigError| ConfigErrors(vec![e]);
    let tree: Tree =
        serde_saphyr::from_str(text).map_err(|e| fail(parser_error(&e, source_name, None)))?;
    if !matches!(tree.0.value, Shape::Map(_)) {
        return Err(fail(ConfigError::whole_file(
            source_name,
            "the file must be a YAML mapping with `vips:`, `frontends:` or both (see the examples)",
        )));
    }
    let unknown = keys::check_keys(&tree, source_name);
    if !unknown.is_empty() {
        return Err(ConfigErrors::sorted(unknown));
    }
    let raw = serde_saphyr::from_str(text)
        .map_err(|e| fail(parser_error(&e, source_name, Some(&tree))))?;
    validate::validate(&raw, source_name).map_err(ConfigErrors::sorted)
}

/// A parser error in our message format: position, key path when known, and the parser's words
/// without its own position suffix.
fn parser_error(e: &serde_saphyr::Error, file: &Path, tree: Option<&Tree>) -> ConfigError {
    use serde_saphyr::Error as E;
    let inner = e.without_snippet();
    let message = match inner {
        E::SerdeInvalidType {
            unexpected,
            expected,
            ..
        } => format!("expected {expected}, found {unexpected}"),
        E::Message { msg, .. } => msg.clone(),
        E::DuplicateMappingKey { key: Some(k), .. } => {
            format!("the key '{k}' appears twice in this mapping; keep one")
        }
        E::Unexpected { expected, .. } => match *expected {
            "sequence start" => "expected a list here (lines starting with `- `)".to_string(),
            "mapping start" => "expected a mapping here (`key: value` lines)".to_string(),
            "scalar" | "string scalar" => "expected a single value here".to_string(),
            other => format!("expected {other} here"),
        },
        other => {
            let s = other.to_string();
            match s.rfind(" at line ") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    };
    let loc = e.location().filter(|l| l.line() > 0);
    match loc {
        Some(l) => {
            let path = tree
                .and_then(|t| keys::path_at(t, l.line(), l.column()))
                .unwrap_or_default();
            ConfigError::at(file, &l, &path, message)
        }
        None => ConfigError::whole_file(file, message),
    }
}

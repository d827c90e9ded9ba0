//! Collecting validation errors: typed reads of optional and required values that record what is
//! wrong (located, with the key path) and let validation go on to find the next problem.

use std::path::Path;

use serde_saphyr::Location;

use super::super::error::ConfigError;
use super::super::keys::closest;
use super::super::raw::Value;
use super::super::scalar::Scalar;

pub struct Diag<'a> {
    pub file: &'a Path,
    pub errors: Vec<ConfigError>,
}

impl<'a> Diag<'a> {
    pub fn new(file: &'a Path) -> Self {
        Diag {
            file,
            errors: Vec::new(),
        }
    }

    pub fn err(&mut self, loc: &Location, path: &str, msg: impl Into<String>) {
        self.errors.push(ConfigError::at(self.file, loc, path, msg));
    }

    /// An optional value converted by `f`; `None` when absent (or null) or wrong (recorded).
    pub fn opt<T>(
        &mut self,
        v: Option<&Value>,
        path: &str,
        f: impl FnOnce(&Scalar) -> Result<T, String>,
    ) -> Option<T> {
        let v = v.filter(|v| v.value != Scalar::Null)?;
        match f(&v.value) {
            Ok(t) => Some(t),
            Err(msg) => {
                self.err(&v.referenced, path, msg);
                None
            }
        }
    }

    /// A required value: a missing one is reported at its parent (`parent_loc`) with `what`, a
    /// short description of what to write.
    pub fn req<T>(
        &mut self,
        v: Option<&Value>,
        parent_loc: &Location,
        parent_path: &str,
        key: &str,
        what: &str,
        f: impl FnOnce(&Scalar) -> Result<T, String>,
    ) -> Option<T> {
        let path = join(parent_path, key);
        if v.is_none_or(|v| v.value == Scalar::Null) {
            self.err(
                parent_loc,
                parent_path,
                format!("missing key '{key}'; {what}"),
            );
            return None;
        }
        self.opt(v, &path, f)
    }
}

/// `vips[0]` + `vrrp` → `vips[0].vrrp`.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// One of a fixed set of words, with a typo suggestion.
pub fn choice<'o>(v: &Scalar, options: &[&'o str]) -> Result<&'o str, String> {
    let found = match v {
        Scalar::Str(s) => s.as_str(),
        other => {
            return Err(format!(
                "expected one of {}, found {}",
                options.join(", "),
                other.describe()
            ))
        }
    };
    if let Some(o) = options.iter().find(|o| **o == found) {
        return Ok(o);
    }
    let mut msg = format!("{found:?} is not one of {}", options.join(", "));
    if let Some(best) = closest(found, options) {
        msg.push_str(&format!("; did you mean '{best}'?"));
    }
    Err(msg)
}

/// Node and VIP names: 1..=64 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit (they
/// appear in logs, notify arguments and the status page).
pub fn name(v: &Scalar) -> Result<String, String> {
    let s = v.text()?;
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not a usable name; use up to 64 letters, digits, '.', '_' or '-', \
             starting with a letter or digit"
        ))
    }
}

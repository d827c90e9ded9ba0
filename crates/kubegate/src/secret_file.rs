//! Secrets read from files (the operator token of `admin.token_file`, the TCP-MD5 keys of
//! `bgp.peers[].password_file`): a bounded read, refused when the file's group or other users
//! may access it (judged on the descriptor that was read, not on a path that may have changed
//! meanwhile), as ssh refuses such a private key; the content without surrounding whitespace.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The mode bits that make a secret file too open: any access for the group or others.
pub const OPEN_TO_OTHERS: u32 = 0o077;

/// A secret file whose mode gives its group or other users any access: refused with the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooOpen {
    /// The key that names the file (`admin.token_file`, `bgp password_file`).
    pub what: &'static str,
    pub path: PathBuf,
    pub mode: u32,
}

impl std::fmt::Display for TooOpen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.path.display();
        write!(
            f,
            "{} {path} is accessible by other users (mode {:04o}); a secret must be readable \
             by its owner only (ssh refuses such a private key too): run `chmod 600 {path}`",
            self.what,
            self.mode & 0o7777
        )
    }
}

impl std::error::Error for TooOpen {}

/// The secret in `path` (named `what` in messages), trimmed; possibly empty (the caller says
/// what belongs in it). Errors: the file cannot be read, or it is [`TooOpen`].
pub fn read(what: &'static str, path: &Path) -> Result<Vec<u8>> {
    let (text, mode) = crate::host::read_bounded_with_mode(path, crate::host::MAX_TOKEN_BYTES)
        .with_context(|| format!("{what} {}: cannot read it", path.display()))?;
    if mode & OPEN_TO_OTHERS != 0 {
        return Err(TooOpen {
            what,
            path: path.to_path_buf(),
            mode,
        }
        .into());
    }
    Ok(text.trim_ascii().to_vec())
}

/// A file of a test's own with a given mode, removed on drop.
#[cfg(test)]
pub struct TempFile(pub PathBuf);

#[cfg(test)]
impl TempFile {
    pub fn new(name: &str, content: &str, mode: u32) -> TempFile {
        use std::os::unix::fs::PermissionsExt as _;
        let path = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        std::fs::write(&path, content).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        TempFile(path)
    }
}

#[cfg(test)]
impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

//! A BGP peer's TCP-MD5 key (RFC 2385): read from `bgp.peers[].password_file` by `kubegate
//! check` (and by the BGP driver when a session starts), bounded in size, and refused when its
//! group or other users may access it, as `admin.token_file` is.

use std::path::Path;

use anyhow::{bail, Result};

/// The longest key Linux accepts for `TCP_MD5SIG` (`TCP_MD5SIG_MAXKEYLEN`).
pub use kubegate_sys::bgp_socket::MAX_MD5_KEY_LEN;

pub use crate::secret_file::TooOpen as KeyTooOpen;

/// A loaded key (never printed).
#[derive(Clone)]
pub struct Md5Key(Vec<u8>);

impl std::fmt::Debug for Md5Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Md5Key(…)")
    }
}

impl Md5Key {
    /// The file's content without surrounding whitespace. Refused: a file the group or
    /// others may access ([`KeyTooOpen`], judged on the descriptor that was read), an empty
    /// key, and one longer than Linux takes.
    pub fn load(path: &Path) -> Result<Md5Key> {
        let key = crate::secret_file::read("bgp password_file", path)?;
        if key.is_empty() {
            bail!(
                "bgp password_file {} is empty; write the TCP-MD5 key the router has for this \
                 session into it",
                path.display()
            );
        }
        if key.len() > MAX_MD5_KEY_LEN {
            bail!(
                "bgp password_file {} holds a key of {} bytes; Linux takes TCP-MD5 keys of at \
                 most {MAX_MD5_KEY_LEN} bytes",
                path.display(),
                key.len()
            );
        }
        Ok(Md5Key(key))
    }

    /// The key, for `TCP_MD5SIG`.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret_file::TempFile;

    #[test]
    fn a_private_file_gives_its_trimmed_key() {
        for mode in [0o600, 0o400] {
            let f = TempFile::new("kg-md5key-private", "  leaf1-key\n", mode);
            let k = Md5Key::load(&f.0).unwrap();
            assert_eq!(k.expose(), b"leaf1-key");
            assert_eq!(format!("{k:?}"), "Md5Key(…)");
        }
    }

    #[test]
    fn a_file_others_may_access_is_refused_with_the_fix_and_without_the_key() {
        for mode in [0o644, 0o640, 0o604, 0o620, 0o602, 0o660, 0o610] {
            let f = TempFile::new("kg-md5key-open", "leaf1-key\n", mode);
            let e = Md5Key::load(&f.0).unwrap_err();
            let open = e.downcast_ref::<KeyTooOpen>().expect("a KeyTooOpen error");
            assert_eq!(open.mode & 0o777, mode);
            let text = format!("{e:#}");
            let path = f.0.display();
            assert_eq!(
                text,
                format!(
                    "bgp password_file {path} is accessible by other users (mode {mode:04o}); a \
                     secret must be readable by its owner only (ssh refuses such a private key \
                     too): run `chmod 600 {path}`"
                )
            );
            assert!(!text.contains("leaf1-key"), "{text}");
        }
    }

    #[test]
    fn empty_long_and_endless_keys_are_refused() {
        let f = TempFile::new("kg-md5key-empty", " \n", 0o600);
        let e = format!("{:#}", Md5Key::load(&f.0).unwrap_err());
        assert!(
            e.ends_with("is empty; write the TCP-MD5 key the router has for this session into it"),
            "{e}"
        );
        let f = TempFile::new("kg-md5key-long", &"k".repeat(81), 0o600);
        let e = format!("{:#}", Md5Key::load(&f.0).unwrap_err());
        assert!(
            e.ends_with("holds a key of 81 bytes; Linux takes TCP-MD5 keys of at most 80 bytes"),
            "{e}"
        );
        let f = TempFile::new("kg-md5key-longest", &"k".repeat(80), 0o600);
        assert_eq!(Md5Key::load(&f.0).unwrap().expose().len(), 80);
        let e = format!("{:#}", Md5Key::load(Path::new("/dev/zero")).unwrap_err());
        assert_eq!(
            e,
            "bgp password_file /dev/zero: cannot read it: it is larger than 64 KiB, more than \
             kubegate reads of such a file; is it the right file?"
        );
    }
}

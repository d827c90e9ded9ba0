//! The operator token: read from `admin.token_file` when the daemon starts, compared in
//! constant time with `Authorization: Bearer TOKEN`. There is no default token, and a file
//! that other users may read or change is refused, as ssh refuses such a private key.

use std::path::Path;

use anyhow::{bail, Result};

pub use crate::secret_file::{TooOpen, OPEN_TO_OTHERS};

/// A loaded token (never printed).
#[derive(Clone)]
pub struct Token(Vec<u8>);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// The file's content without surrounding whitespace; an empty file, or one the group
    /// or others may access ([`TooOpen`]), is an error. The mode is judged on the file that
    /// was read (the same descriptor), not on a path that may have changed meanwhile.
    pub fn load(path: &Path) -> Result<Token> {
        let token = crate::secret_file::read("admin.token_file", path)?;
        if token.is_empty() {
            bail!(
                "admin.token_file {} is empty; write a long random secret into it, e.g. \
                 `(umask 077; head -c 32 /dev/urandom | base64 > {})`",
                path.display(),
                path.display()
            );
        }
        Ok(Token(token))
    }

    pub fn from_text(text: &str) -> Token {
        Token(text.trim().as_bytes().to_vec())
    }

    /// The secret, for the client side (`Authorization: Bearer …`).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Whether an `Authorization` header carries this token; the time taken does not depend
    /// on where the candidate differs.
    pub fn accepts(&self, authorization: Option<&str>) -> bool {
        let Some(candidate) = authorization.and_then(|a| a.strip_prefix("Bearer ")) else {
            return false;
        };
        constant_time_eq(candidate.trim().as_bytes(), &self.0)
    }
}

/// Equal contents, examined over the longer length whatever the contents are.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().max(b.len());
    let mut diff = u64::from(a.len() != b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= u64::from(x ^ y);
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret_file::TempFile;

    #[test]
    fn only_the_exact_bearer_token_is_accepted() {
        let t = Token::from_text("s3cret\n");
        assert!(t.accepts(Some("Bearer s3cret")));
        assert!(!t.accepts(Some("Bearer s3cre")));
        assert!(!t.accepts(Some("Bearer s3cret2")));
        assert!(!t.accepts(Some("Basic s3cret")));
        assert!(!t.accepts(Some("Bearer ")));
        assert!(!t.accepts(None));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"a", b"a\0"));
    }

    #[test]
    fn an_empty_file_is_refused() {
        let f = TempFile::new("kg-token-empty", " \n", 0o600);
        let e = Token::load(&f.0).unwrap_err().to_string();
        assert!(e.contains("is empty"), "{e}");
    }

    #[test]
    fn a_file_others_may_read_or_change_is_refused_with_the_fix() {
        for mode in [
            0o644, 0o640, 0o604, 0o620, 0o602, 0o660, 0o666, 0o777, 0o610,
        ] {
            let f = TempFile::new("kg-token-open", "s3cret-value\n", mode);
            let e = Token::load(&f.0).unwrap_err();
            let too_open = e.downcast_ref::<TooOpen>().expect("a TooOpen error");
            assert_eq!(too_open.mode & 0o777, mode);
            let text = format!("{e:#}");
            let path = f.0.display();
            assert_eq!(
                text,
                format!(
                    "admin.token_file {path} is accessible by other users (mode {mode:04o}); a \
                     secret must be readable by its owner only (ssh refuses such a private key \
                     too): run `chmod 600 {path}`"
                )
            );
            assert!(!text.contains("s3cret"), "{text}");
        }
        for mode in [0o600, 0o400] {
            let f = TempFile::new("kg-token-private", "s3cret-value\n", mode);
            let t = Token::load(&f.0).unwrap();
            assert_eq!(t.expose(), b"s3cret-value");
            assert_eq!(format!("{t:?}"), "Token(…)");
        }
    }

    #[test]
    fn the_comparison_takes_as_long_wherever_the_candidate_differs() {
        // A comparison that stops at the first difference answers a candidate that differs
        // in its first byte thousands of times sooner than one that differs in its last byte
        // of 64 KiB. Ours examines every byte: the fastest of many runs of each is within a
        // factor of 4 (noise, not a leak of the position).
        let secret = vec![b'k'; 64 * 1024];
        let mut first = secret.clone();
        first[0] ^= 1;
        let mut last = secret.clone();
        *last.last_mut().unwrap() ^= 1;
        let fastest = |candidate: &[u8]| {
            (0..40)
                .map(|_| {
                    let start = std::time::Instant::now();
                    assert!(!constant_time_eq(
                        std::hint::black_box(candidate),
                        std::hint::black_box(&secret)
                    ));
                    start.elapsed()
                })
                .min()
                .unwrap()
        };
        let (early, late) = (fastest(&first), fastest(&last));
        let ratio = early.as_secs_f64() / late.as_secs_f64();
        assert!(
            (0.25..4.0).contains(&ratio),
            "differs at byte 0: {early:?}; at the last byte: {late:?}"
        );
        // And the answers: any difference, prefix or length mismatch is refused.
        for i in [0, 1, 100, secret.len() - 1] {
            assert!(!constant_time_eq(&secret[..i], &secret));
            assert!(!constant_time_eq(&secret, &secret[..i]));
        }
        assert!(constant_time_eq(&secret, &secret.clone()));
    }

    #[test]
    fn an_endless_file_is_refused_at_the_limit() {
        let e = format!("{:#}", Token::load(Path::new("/dev/zero")).unwrap_err());
        assert_eq!(
            e,
            "admin.token_file /dev/zero: cannot read it: it is larger than 64 KiB, more than \
             kubegate reads of such a file; is it the right file?"
        );
    }
}

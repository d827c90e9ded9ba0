//! The operator token: read from `admin.token_file` when the daemon starts, compared in
//! constant time with `Authorization: Bearer TOKEN`. There is no default token.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// A loaded token (never printed).
#[derive(Clone)]
pub struct Token(Vec<u8>);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// The file's content without surrounding whitespace; an empty file is an error.
    pub fn load(path: &Path) -> Result<Token> {
        let text = crate::host::read_bounded(path, crate::host::MAX_TOKEN_BYTES)
            .with_context(|| format!("admin.token_file {}: cannot read it", path.display()))?;
        let token = text.trim_ascii().to_vec();
        if token.is_empty() {
            bail!(
                "admin.token_file {} is empty; write a long random secret into it, e.g. \
                 `head -c 32 /dev/urandom | base64 > {}`",
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
        let path = std::env::temp_dir().join(format!("kg-token-{}", std::process::id()));
        std::fs::write(&path, " \n").unwrap();
        let e = Token::load(&path).unwrap_err().to_string();
        std::fs::remove_file(&path).unwrap();
        assert!(e.contains("is empty"), "{e}");
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

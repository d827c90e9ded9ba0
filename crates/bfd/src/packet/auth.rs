//! The authentication section (RFC 5880 §4.2 simple password, §4.3 keyed MD5 and meticulous
//! keyed MD5, §4.4 keyed SHA1 and meticulous keyed SHA1): layout, parse, emit, and the
//! simple-password check of §6.7.2.
//!
//! Keyed MD5 / SHA1 sections are parsed and written byte-exact, but not verified or signed:
//! that needs MD5 / SHA1, and this crate has no dependencies. A session configured with them
//! is not offered (see `session::AuthConfig`).

use super::ParseError;

/// Auth Type values (RFC 5880 §4.1).
mod auth_type {
    pub const SIMPLE_PASSWORD: u8 = 1;
    pub const KEYED_MD5: u8 = 2;
    pub const METICULOUS_KEYED_MD5: u8 = 3;
    pub const KEYED_SHA1: u8 = 4;
    pub const METICULOUS_KEYED_SHA1: u8 = 5;
}

/// The longest simple password (RFC 5880 §4.2: "from 1 to 16 bytes in length").
pub const MAX_PASSWORD_LEN: usize = 16;
/// Auth Len of the keyed MD5 forms (RFC 5880 §4.3).
const MD5_AUTH_LEN: usize = 24;
/// Auth Len of the keyed SHA1 forms (RFC 5880 §4.4).
const SHA1_AUTH_LEN: usize = 28;

/// A simple password of 1 to 16 bytes, held inline so parsing does not allocate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Password {
    len: u8,
    bytes: [u8; MAX_PASSWORD_LEN],
}

impl Password {
    /// `None` unless `bytes` is 1 to 16 bytes long (RFC 5880 §4.2).
    pub fn new(bytes: &[u8]) -> Option<Password> {
        if bytes.is_empty() || bytes.len() > MAX_PASSWORD_LEN {
            return None;
        }
        let mut buf = [0; MAX_PASSWORD_LEN];
        buf[..bytes.len()].copy_from_slice(bytes);
        Some(Password {
            len: bytes.len() as u8,
            bytes: buf,
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for Password {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Password({} bytes)", self.len)
    }
}

/// One authentication section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Type 1 (§4.2): Auth Len = password length + 3.
    SimplePassword { key_id: u8, password: Password },
    /// Types 2 and 3 (§4.3): Auth Len 24. The reserved byte is sent as zero and ignored.
    KeyedMd5 {
        meticulous: bool,
        key_id: u8,
        sequence: u32,
        digest: [u8; 16],
    },
    /// Types 4 and 5 (§4.4): Auth Len 28. The reserved byte is sent as zero and ignored.
    KeyedSha1 {
        meticulous: bool,
        key_id: u8,
        sequence: u32,
        hash: [u8; 20],
    },
}

fn seq(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]])
}

impl Auth {
    /// The Auth Type value.
    pub fn auth_type(&self) -> u8 {
        match self {
            Auth::SimplePassword { .. } => auth_type::SIMPLE_PASSWORD,
            Auth::KeyedMd5 { meticulous, .. } => {
                if *meticulous {
                    auth_type::METICULOUS_KEYED_MD5
                } else {
                    auth_type::KEYED_MD5
                }
            }
            Auth::KeyedSha1 { meticulous, .. } => {
                if *meticulous {
                    auth_type::METICULOUS_KEYED_SHA1
                } else {
                    auth_type::KEYED_SHA1
                }
            }
        }
    }

    /// The Auth Len value: the whole section including Auth Type and Auth Len.
    pub fn auth_len(&self) -> usize {
        match self {
            Auth::SimplePassword { password, .. } => 3 + usize::from(password.len),
            Auth::KeyedMd5 { .. } => MD5_AUTH_LEN,
            Auth::KeyedSha1 { .. } => SHA1_AUTH_LEN,
        }
    }

    /// Parses the section at the start of `section` (the bytes from offset 24 to Length).
    /// Auth Len must be exactly what the type calls for and fit in `section`; bytes after it
    /// (up to Length) are ignored.
    pub fn parse(section: &[u8]) -> Result<Auth, ParseError> {
        let [kind, auth_len, ..] = *section else {
            return Err(ParseError::Truncated);
        };
        let len = usize::from(auth_len);
        let body = section.get(..len).ok_or(ParseError::BadAuthLen(auth_len))?;
        let bad_len = || ParseError::BadAuthLen(auth_len);
        match kind {
            auth_type::SIMPLE_PASSWORD => {
                // §4.2: Auth Type, Auth Len, Auth Key ID, Password (1..=16 bytes).
                if len < 4 {
                    return Err(bad_len());
                }
                let password = Password::new(&body[3..]).ok_or_else(bad_len)?;
                Ok(Auth::SimplePassword {
                    key_id: body[2],
                    password,
                })
            }
            auth_type::KEYED_MD5 | auth_type::METICULOUS_KEYED_MD5 => {
                // §4.3: type, len, key id, reserved, sequence (4), digest (16).
                if len != MD5_AUTH_LEN {
                    return Err(bad_len());
                }
                let mut digest = [0; 16];
                digest.copy_from_slice(&body[8..24]);
                Ok(Auth::KeyedMd5 {
                    meticulous: kind == auth_type::METICULOUS_KEYED_MD5,
                    key_id: body[2],
                    sequence: seq(body),
                    digest,
                })
            }
            auth_type::KEYED_SHA1 | auth_type::METICULOUS_KEYED_SHA1 => {
                // §4.4: type, len, key id, reserved, sequence (4), hash (20).
                if len != SHA1_AUTH_LEN {
                    return Err(bad_len());
                }
                let mut hash = [0; 20];
                hash.copy_from_slice(&body[8..28]);
                Ok(Auth::KeyedSha1 {
                    meticulous: kind == auth_type::METICULOUS_KEYED_SHA1,
                    key_id: body[2],
                    sequence: seq(body),
                    hash,
                })
            }
            // §4.1: 0 and 6–255 are reserved.
            other => Err(ParseError::BadAuthType(other)),
        }
    }

    /// Writes the section into the first [`auth_len`](Self::auth_len) bytes of `buf` (the caller
    /// checked the length). Reserved bytes are written as zero (§4.3, §4.4).
    pub(crate) fn emit(&self, buf: &mut [u8]) {
        let len = self.auth_len();
        let out = &mut buf[..len];
        out.fill(0);
        out[0] = self.auth_type();
        out[1] = len as u8;
        match self {
            Auth::SimplePassword { key_id, password } => {
                out[2] = *key_id;
                out[3..].copy_from_slice(password.as_bytes());
            }
            Auth::KeyedMd5 {
                key_id,
                sequence,
                digest,
                ..
            } => {
                out[2] = *key_id;
                out[4..8].copy_from_slice(&sequence.to_be_bytes());
                out[8..].copy_from_slice(digest);
            }
            Auth::KeyedSha1 {
                key_id,
                sequence,
                hash,
                ..
            } => {
                out[2] = *key_id;
                out[4..8].copy_from_slice(&sequence.to_be_bytes());
                out[8..].copy_from_slice(hash);
            }
        }
    }

    /// RFC 5880 §6.7.2: the section is a simple password whose key id is `key_id` and whose
    /// password equals `password` (Auth Len = password length + 3 holds by construction).
    /// Compared without an early exit on the first differing byte.
    pub fn is_simple_password(&self, key_id: u8, password: &Password) -> bool {
        match self {
            Auth::SimplePassword {
                key_id: got_id,
                password: got,
            } => {
                let same_len = got.len == password.len;
                let diff = got
                    .bytes
                    .iter()
                    .zip(password.bytes.iter())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b));
                *got_id == key_id && same_len && diff == 0
            }
            _ => false,
        }
    }
}

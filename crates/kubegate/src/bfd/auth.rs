//! Keyed MD5 and keyed SHA1 authentication of BFD control packets, plain and meticulous
//! (RFC 5880 §6.7.3, §6.7.4): signing what we send, verifying what we receive, and the
//! sequence numbers of both directions.
//!
//! It lives in the driver, not in the sans-IO `bfd` crate: the digest covers the packet's
//! wire bytes, which only the driver holds, and it needs a hash implementation, which the
//! `bfd` crate (no dependencies) does not have. The driver verifies a packet here, then hands
//! the session the packet without its authentication section; the session is configured
//! without authentication and so never sees one.

use std::time::{Duration, Instant};

use ::bfd::Auth;
use md5::{Digest as _, Md5};
use sha1::Sha1;

/// Offset of the Auth Key/Digest field inside the packet: 24 bytes of mandatory section, then
/// Auth Type, Auth Len, Auth Key ID, Reserved and the 4-byte Sequence Number (§4.3, §4.4).
const DIGEST_OFFSET: usize = 24 + 8;

/// Which keyed form (RFC 5880 §4.1 Auth Type 2–5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyedKind {
    /// Auth Type 2 (§6.7.3).
    KeyedMd5,
    /// Auth Type 3 (§6.7.3): the sequence number grows with every packet.
    MeticulousKeyedMd5,
    /// Auth Type 4 (§6.7.4).
    KeyedSha1,
    /// Auth Type 5 (§6.7.4).
    MeticulousKeyedSha1,
}

impl KeyedKind {
    pub fn is_md5(self) -> bool {
        matches!(self, KeyedKind::KeyedMd5 | KeyedKind::MeticulousKeyedMd5)
    }

    pub fn is_meticulous(self) -> bool {
        matches!(
            self,
            KeyedKind::MeticulousKeyedMd5 | KeyedKind::MeticulousKeyedSha1
        )
    }

    /// The length of the key / digest field: 16 bytes for MD5 (§4.3), 20 for SHA1 (§4.4). A
    /// shorter key is padded with zeros (§6.7.3, §6.7.4).
    pub fn key_len(self) -> usize {
        if self.is_md5() {
            16
        } else {
            20
        }
    }
}

/// Why a received packet failed authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// The A bit is clear but authentication is in use (§6.8.6).
    Missing,
    /// Another Auth Type than the configured one (§6.7.3: "If the Auth Type ... does not
    /// match, the packet MUST be discarded" as the key does not match).
    WrongType,
    /// An Auth Key ID we have no key for (§6.7.3).
    WrongKeyId,
    /// The sequence number is outside the accepted window (§6.7.3, §6.7.4).
    Replayed,
    /// The digest / hash does not match (§6.7.3, §6.7.4).
    BadDigest,
}

/// The keyed authentication of one session: the key and both directions' sequence state
/// (bfd.XmitAuthSeq, bfd.RcvAuthSeq, bfd.AuthSeqKnown of §6.8.1).
#[derive(Debug)]
pub struct KeyedAuth {
    kind: KeyedKind,
    key_id: u8,
    /// The key padded with zeros to `kind.key_len()`.
    key: [u8; 20],
    xmit_seq: u32,
    /// bfd.RcvAuthSeq when bfd.AuthSeqKnown is 1.
    rcv_seq: Option<u32>,
    /// When the last authenticated packet was accepted, and twice the Detection Time then.
    last_accepted: Option<(Instant, Duration)>,
}

impl KeyedAuth {
    /// `None` when `secret` is empty or longer than the kind's key field (16 / 20 bytes).
    /// `initial_seq` is bfd.XmitAuthSeq's start, which §6.8.1 wants random.
    pub fn new(kind: KeyedKind, key_id: u8, secret: &[u8], initial_seq: u32) -> Option<Self> {
        if secret.is_empty() || secret.len() > kind.key_len() {
            return None;
        }
        let mut key = [0; 20];
        key[..secret.len()].copy_from_slice(secret);
        Some(KeyedAuth {
            kind,
            key_id,
            key,
            xmit_seq: initial_seq,
            rcv_seq: None,
            last_accepted: None,
        })
    }

    /// The section to put in an outgoing packet before it is emitted: the key in place of the
    /// digest, as the digest is computed over it (§6.7.3: "The Auth Key/Digest field MUST be
    /// set to the value of the authentication key"). [`sign`](Self::sign) fills the digest in.
    pub fn section(&mut self) -> Auth {
        // §6.7.3: "bfd.XmitAuthSeq MAY be incremented" (keyed) / "MUST be incremented"
        // (meticulous) on every packet; we increment on every packet in both forms, which
        // a keyed receiver's window (RcvAuthSeq to RcvAuthSeq + 3 × Detect Mult) accepts.
        self.xmit_seq = self.xmit_seq.wrapping_add(1);
        let meticulous = self.kind.is_meticulous();
        if self.kind.is_md5() {
            let mut digest = [0; 16];
            digest.copy_from_slice(&self.key[..16]);
            Auth::KeyedMd5 {
                meticulous,
                key_id: self.key_id,
                sequence: self.xmit_seq,
                digest,
            }
        } else {
            Auth::KeyedSha1 {
                meticulous,
                key_id: self.key_id,
                sequence: self.xmit_seq,
                hash: self.key,
            }
        }
    }

    /// Replaces the key in an emitted packet (`wire`, exactly Length bytes, with the section
    /// from [`section`](Self::section)) by the digest of the whole packet (§6.7.3, §6.7.4).
    pub fn sign(&self, wire: &mut [u8]) {
        let len = self.kind.key_len();
        let Some(end) = DIGEST_OFFSET.checked_add(len).filter(|&e| e <= wire.len()) else {
            return;
        };
        let digest = self.digest(wire);
        wire[DIGEST_OFFSET..end].copy_from_slice(&digest[..len]);
    }

    fn digest(&self, wire: &[u8]) -> [u8; 20] {
        let mut out = [0; 20];
        if self.kind.is_md5() {
            out[..16].copy_from_slice(&Md5::digest(wire));
        } else {
            out.copy_from_slice(&Sha1::digest(wire));
        }
        out
    }

    /// Checks a received packet: `auth` is its parsed section, `wire` its first Length
    /// bytes, `detect_mult` its Detect Mult. Changes no state; call
    /// [`accepted`](Self::accepted) once the session has accepted the packet.
    pub fn verify(
        &mut self,
        now: Instant,
        auth: Option<&Auth>,
        wire: &[u8],
        detect_mult: u8,
    ) -> Result<u32, AuthError> {
        // §6.8.1: bfd.AuthSeqKnown "MUST be set to zero after no packets have been received
        // on this session for at least twice the Detection Time", so a restarted peer (with
        // a new sequence) is heard again.
        if let Some((at, twice_detect)) = self.last_accepted {
            if now.saturating_duration_since(at) >= twice_detect {
                self.rcv_seq = None;
                self.last_accepted = None;
            }
        }
        let (meticulous, key_id, sequence, received): (bool, u8, u32, &[u8]) = match auth {
            None => return Err(AuthError::Missing),
            Some(Auth::KeyedMd5 {
                meticulous,
                key_id,
                sequence,
                digest,
            }) if self.kind.is_md5() => (*meticulous, *key_id, *sequence, &digest[..]),
            Some(Auth::KeyedSha1 {
                meticulous,
                key_id,
                sequence,
                hash,
            }) if !self.kind.is_md5() => (*meticulous, *key_id, *sequence, &hash[..]),
            Some(_) => return Err(AuthError::WrongType),
        };
        if meticulous != self.kind.is_meticulous() {
            return Err(AuthError::WrongType);
        }
        // §6.7.3: "If the Auth Key ID field does not match the ID of a configured
        // authentication key, the received packet MUST be discarded."
        if key_id != self.key_id {
            return Err(AuthError::WrongKeyId);
        }
        // §6.7.3 / §6.7.4: with bfd.AuthSeqKnown 1, keyed accepts RcvAuthSeq to RcvAuthSeq +
        // 3 × Detect Mult, meticulous RcvAuthSeq + 1 to RcvAuthSeq + 3 × Detect Mult
        // inclusive, in circular 32-bit space.
        if let Some(last) = self.rcv_seq {
            let ahead = sequence.wrapping_sub(last);
            let low = u32::from(self.kind.is_meticulous());
            if ahead < low || ahead > 3 * u32::from(detect_mult) {
                return Err(AuthError::Replayed);
            }
        }
        // §6.7.3: "replace the contents of the Auth Key/Digest field with the authentication
        // key ... If the MD5 digest of the entire BFD Control packet is equal to the received
        // value of the Auth Key/Digest field, the received packet MUST be accepted."
        let len = self.kind.key_len();
        let end = DIGEST_OFFSET + len;
        let mut copy = [0u8; 64];
        let Some(copy) = copy.get_mut(..wire.len()).filter(|_| wire.len() >= end) else {
            return Err(AuthError::BadDigest);
        };
        copy.copy_from_slice(wire);
        copy[DIGEST_OFFSET..end].copy_from_slice(&self.key[..len]);
        let computed = self.digest(copy);
        let diff = computed[..len]
            .iter()
            .zip(received)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff != 0 {
            return Err(AuthError::BadDigest);
        }
        Ok(sequence)
    }

    /// The session accepted a packet [`verify`](Self::verify) passed with `sequence`: §6.7.3
    /// "bfd.RcvAuthSeq MUST be set to the value of the received Sequence Number field, and
    /// bfd.AuthSeqKnown MUST be set to 1". `detection_time` is the session's, for the reset
    /// rule of §6.8.1.
    pub fn accepted(&mut self, now: Instant, sequence: u32, detection_time: Option<Duration>) {
        self.rcv_seq = Some(sequence);
        let twice = detection_time.unwrap_or(Duration::from_secs(3)) * 2;
        self.last_accepted = Some((now, twice));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::bfd::{ControlRepr, Diagnostic, State};

    fn packet(auth: &mut KeyedAuth) -> Vec<u8> {
        let repr = ControlRepr {
            diag: Diagnostic::None,
            state: State::Down,
            poll: false,
            final_: false,
            control_plane_independent: false,
            demand: false,
            detect_mult: 3,
            my_discr: 7,
            your_discr: 0,
            desired_min_tx_us: 1_000_000,
            required_min_rx_us: 300_000,
            required_min_echo_rx_us: 0,
            auth: Some(auth.section()),
        };
        let mut wire = repr.to_bytes().unwrap();
        auth.sign(&mut wire);
        wire
    }

    fn check(rx: &mut KeyedAuth, now: Instant, wire: &[u8]) -> Result<u32, AuthError> {
        let repr = ControlRepr::parse(wire).unwrap();
        let seq = rx.verify(now, repr.auth.as_ref(), wire, repr.detect_mult)?;
        rx.accepted(now, seq, Some(Duration::from_millis(900)));
        Ok(seq)
    }

    #[test]
    fn each_kind_signs_what_the_same_key_verifies_and_another_key_refuses() {
        let now = Instant::now();
        for kind in [
            KeyedKind::KeyedMd5,
            KeyedKind::MeticulousKeyedMd5,
            KeyedKind::KeyedSha1,
            KeyedKind::MeticulousKeyedSha1,
        ] {
            let mut tx = KeyedAuth::new(kind, 5, b"kgsecret", 100).unwrap();
            let mut rx = KeyedAuth::new(kind, 5, b"kgsecret", 0).unwrap();
            let mut wrong = KeyedAuth::new(kind, 5, b"kgsecreT", 0).unwrap();
            let mut other_id = KeyedAuth::new(kind, 6, b"kgsecret", 0).unwrap();
            let wire = packet(&mut tx);
            assert_eq!(wire.len(), 24 + 8 + kind.key_len());
            assert_eq!(check(&mut rx, now, &wire), Ok(101), "{kind:?}");
            assert_eq!(check(&mut wrong, now, &wire), Err(AuthError::BadDigest));
            assert_eq!(check(&mut other_id, now, &wire), Err(AuthError::WrongKeyId));
            let mut flipped = wire.clone();
            flipped[2] ^= 1; // Detect Mult is covered by the digest
            let mut fresh = KeyedAuth::new(kind, 5, b"kgsecret", 0).unwrap();
            assert_eq!(check(&mut fresh, now, &flipped), Err(AuthError::BadDigest));
        }
    }

    #[test]
    fn sequence_windows_follow_section_6_7_3() {
        let now = Instant::now();
        let mut tx = KeyedAuth::new(KeyedKind::MeticulousKeyedSha1, 1, b"k", u32::MAX - 1).unwrap();
        let mut rx = KeyedAuth::new(KeyedKind::MeticulousKeyedSha1, 1, b"k", 0).unwrap();
        let first = packet(&mut tx);
        assert_eq!(check(&mut rx, now, &first), Ok(u32::MAX));
        // Meticulous: the same sequence again is a replay.
        assert_eq!(check(&mut rx, now, &first), Err(AuthError::Replayed));
        // Across the wrap: u32::MAX + 1 = 0 is the next one.
        assert_eq!(check(&mut rx, now, &packet(&mut tx)), Ok(0));
        // More than 3 × Detect Mult ahead is refused.
        for _ in 0..9 {
            packet(&mut tx);
        }
        assert_eq!(
            check(&mut rx, now, &packet(&mut tx)),
            Err(AuthError::Replayed)
        );
        // After twice the Detection Time of silence the sequence is learnt afresh (§6.8.1).
        let later = now + Duration::from_millis(1800);
        assert_eq!(check(&mut rx, later, &packet(&mut tx)), Ok(11));

        // Keyed (not meticulous): the same sequence again is accepted.
        let mut tx = KeyedAuth::new(KeyedKind::KeyedMd5, 1, b"k", 10).unwrap();
        let mut rx = KeyedAuth::new(KeyedKind::KeyedMd5, 1, b"k", 0).unwrap();
        let p = packet(&mut tx);
        assert_eq!(check(&mut rx, now, &p), Ok(11));
        assert_eq!(check(&mut rx, now, &p), Ok(11));
    }

    #[test]
    fn other_forms_and_bad_keys_are_refused() {
        let now = Instant::now();
        assert!(KeyedAuth::new(KeyedKind::KeyedMd5, 1, &[1; 17], 0).is_none());
        assert!(KeyedAuth::new(KeyedKind::KeyedSha1, 1, &[1; 20], 0).is_some());
        assert!(KeyedAuth::new(KeyedKind::KeyedSha1, 1, b"", 0).is_none());
        let mut md5 = KeyedAuth::new(KeyedKind::KeyedMd5, 1, b"k", 0).unwrap();
        let mut sha = KeyedAuth::new(KeyedKind::KeyedSha1, 1, b"k", 0).unwrap();
        let mut met = KeyedAuth::new(KeyedKind::MeticulousKeyedMd5, 1, b"k", 0).unwrap();
        assert_eq!(
            check(&mut sha, now, &packet(&mut md5)),
            Err(AuthError::WrongType)
        );
        assert_eq!(
            check(&mut met, now, &packet(&mut md5)),
            Err(AuthError::WrongType)
        );
        assert_eq!(sha.verify(now, None, &[], 3), Err(AuthError::Missing));
    }
}

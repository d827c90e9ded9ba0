//! The fixed hash behind `source-hash`: stable across processes, restarts and nodes (no
//! `RandomState`), so both nodes of a balancer pair send a client to the same backend.
//!
//! Key bytes: the client address (IPv4, or IPv4-mapped IPv6 folded to IPv4 so a dual-stack
//! listener hashes a client the same as an IPv4 one), a 0xFF separator, the backend's address
//! octets and its port in network order. Hash: 64-bit FNV-1a over those bytes, then the
//! SplitMix64 finaliser to spread FNV's weak low bits.
//!
//! Choice: weighted rendezvous (highest random weight) hashing. Every eligible backend gets the
//! score `weight / -ln(u)`, `u` the hash mapped into the open interval (0, 1); the highest score
//! wins. A backend's share is proportional to its weight, and removing (or adding) a backend
//! moves only the clients whose winner it was (or becomes).

use std::net::{IpAddr, SocketAddr};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// 64-bit FNV-1a.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

/// SplitMix64's output function: a bijective mix of all 64 bits.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The SplitMix64 generator: advances `state` and returns the next value.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    mix64(*state)
}

fn push_ip(key: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => key.extend_from_slice(&v4.octets()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => key.extend_from_slice(&v4.octets()),
            None => key.extend_from_slice(&v6.octets()),
        },
    }
}

/// The 64-bit hash of (client, backend).
pub fn pair_hash(client: IpAddr, backend: SocketAddr) -> u64 {
    let mut key = Vec::with_capacity(16 + 1 + 16 + 2);
    push_ip(&mut key, client);
    key.push(0xFF);
    push_ip(&mut key, backend.ip());
    key.extend_from_slice(&backend.port().to_be_bytes());
    mix64(fnv1a(&key))
}

/// Rendezvous score of `backend` for `client` with weight `weight` (> 0): higher wins.
pub fn score(client: IpAddr, backend: SocketAddr, weight: u64) -> f64 {
    // The top 53 bits as a float in (0, 1): never 0 (ln would be -inf) nor 1 (ln would be 0).
    let u = ((pair_hash(client, backend) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    weight as f64 / -u.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_values() {
        // From the FNV reference test suite: "" and "a".
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn splitmix64_matches_its_reference_sequence() {
        // First outputs of SplitMix64 seeded with 0.
        let mut s = 0;
        assert_eq!(splitmix64(&mut s), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64(&mut s), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn mapped_ipv4_hashes_like_ipv4() {
        let backend: SocketAddr = "10.0.0.51:6443".parse().unwrap();
        let v4: IpAddr = "198.18.0.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:198.18.0.7".parse().unwrap();
        assert_eq!(pair_hash(v4, backend), pair_hash(mapped, backend));
        let other: IpAddr = "198.18.0.8".parse().unwrap();
        assert_ne!(pair_hash(v4, backend), pair_hash(other, backend));
    }

    #[test]
    fn hash_is_pinned() {
        // Computed independently (a few lines of Python over the documented key layout), so a
        // change of hash, which would move every client, cannot happen unnoticed.
        let backend: SocketAddr = "10.0.0.51:6443".parse().unwrap();
        let client: IpAddr = "198.18.0.100".parse().unwrap();
        assert_eq!(pair_hash(client, backend), 0x3635_add2_3df6_f753);
    }
}

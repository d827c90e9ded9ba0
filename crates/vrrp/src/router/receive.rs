//! Acceptance rules for a received advertisement that depend on this router's configuration
//! (RFC 5798 §7.1, RFC 3768 §7.1), and the priority comparison of RFC 5798 §6.4.3.
//! Stateless rules (length, type, checksum) belong to the codec.

use std::cmp::Ordering;
use std::net::IpAddr;

use super::{Config, DropReason};
use crate::packet::{AdvertRepr, Version};

/// Check an advertisement against our configuration; `Err` says why it must be dropped.
pub(super) fn check(
    config: &Config,
    from: IpAddr,
    ttl: u8,
    advert: &AdvertRepr,
) -> Result<(), DropReason> {
    // RFC 5798 §7.1 / RFC 3768 §7.1: the VRID must be configured on the receiving interface,
    // otherwise the packet is discarded (several virtual routers commonly share a segment).
    if advert.vrid != config.vrid {
        return Err(DropReason::WrongVrid);
    }
    // RFC 5798 §7.1: the version must be the one configured for this virtual router.
    if advert.version != config.version {
        return Err(DropReason::WrongVersion);
    }
    // Our own advertisement looped back (multicast loopback, or ourselves listed as a peer):
    // not a competing router.
    if from == config.primary_address {
        return Err(DropReason::OwnAddress);
    }
    match &config.unicast_peers {
        // RFC 5798 §7.1 / RFC 3768 §7.1: the IP TTL / hop limit MUST be 255.
        None => {
            if ttl != 255 {
                return Err(DropReason::BadTtl);
            }
            // Not RFC: the operator named every router of the VRID (see
            // `Config::multicast_sources`); anyone else is a stranger.
            if let Some(sources) = &config.multicast_sources {
                if !sources.contains(&from) {
                    return Err(DropReason::UnknownPeer);
                }
            }
        }
        // Unicast is outside the RFCs: like keepalived, accept only configured peers and skip
        // the TTL check (unicast adverts may cross a router).
        Some(peers) => {
            if !peers.contains(&from) {
                return Err(DropReason::UnknownPeer);
            }
        }
    }
    if config.version == Version::V2 {
        // RFC 3768 §7.1: perform the authentication given by Auth Type; type and data must
        // match ours.
        if advert.auth != config.auth {
            return Err(DropReason::AuthMismatch);
        }
        // RFC 3768 §7.1: the Adver Interval MUST equal the locally configured one, else the
        // packet is discarded. (Version 3 learns it instead, RFC 5798 §6.4.2.)
        if advert.interval_cs != config.interval_cs {
            return Err(DropReason::IntervalMismatch);
        }
    }
    Ok(())
}

/// RFC 5798 §7.1 / RFC 3768 §7.1 "MAY verify" the address list: we only report whether it
/// matches ours (same set of addresses), never drop on it.
pub(super) fn address_list_matches(config: &Config, advert: &AdvertRepr) -> bool {
    advert.addresses.len() == config.vips.len()
        && advert.addresses.iter().all(|a| config.vips.contains(a))
}

/// RFC 5798 §6.4.3 (RFC 3768 §6.4.3): the sender wins when its priority is greater than
/// ours, or equal and its primary address is greater than ours, compared as unsigned
/// integers in network byte order.
pub(super) fn outranks(
    their_priority: u8,
    their_addr: IpAddr,
    our_priority: u8,
    our_addr: IpAddr,
) -> bool {
    match their_priority.cmp(&our_priority) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => octets(their_addr) > octets(our_addr),
    }
}

/// The address bytes in network order; comparing these slices is the unsigned comparison.
fn octets(addr: IpAddr) -> Vec<u8> {
    match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn priority_decides_before_address() {
        assert!(outranks(101, ip("198.18.0.1"), 100, ip("198.18.0.9")));
        assert!(!outranks(99, ip("198.18.0.9"), 100, ip("198.18.0.1")));
    }

    #[test]
    fn equal_priority_higher_address_wins_unsigned() {
        // 198.18.0.200 > 198.18.0.3 as an unsigned integer (a signed byte compare would not say so).
        assert!(outranks(100, ip("198.18.0.200"), 100, ip("198.18.0.3")));
        assert!(!outranks(100, ip("198.18.0.3"), 100, ip("198.18.0.200")));
        assert!(outranks(100, ip("fe80::1:0"), 100, ip("fe80::ff")));
    }
}

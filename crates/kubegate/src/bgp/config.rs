//! What the speaker is told: this node's AS and router id, its peers, and the routes it
//! announces; and how one peer's settings become a `bgp::Config` for its session.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use ::bgp::session::GracefulRestart;
use ::bgp::wire::LargeCommunity;
use ::bgp::{Prefix, Route};

/// Routes a peer may send us before the session is reset with a Cease (RFC 4486 §4, subcode
/// 1). A VIP announcer needs none of them; the bound keeps a router that floods us from
/// growing our memory.
pub const MAX_RECEIVED_ROUTES: usize = 1000;

/// The speaker: this node's identity and every peer it connects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerConfig {
    pub local_as: u32,
    /// The BGP Identifier (RFC 4271 §4.2), unique among the routers' peers.
    pub router_id: Ipv4Addr,
    pub peers: Vec<PeerConfig>,
}

/// One router we connect to (we are always the active side: RFC 4271 §8.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerConfig {
    pub address: IpAddr,
    /// 179 unless the router listens elsewhere.
    pub port: u16,
    pub peer_as: u32,
    /// The RFC 2385 TCP-MD5 key (at most 80 octets), set before we connect.
    pub md5_key: Option<Vec<u8>>,
    /// Proposed hold time: zero or at least 3 s (RFC 4271 §4.2); whole seconds.
    pub hold_time: Duration,
    /// Keepalive interval (RFC 4271 §10 suggests a third of the hold time).
    pub keepalive: Duration,
    /// TTL of our packets: 1 for a directly connected router, more for multihop.
    pub ttl: u8,
    /// Our address on the connection, which is also the routes' next hop. `None`: the
    /// address the kernel's routing table picks for the peer.
    pub local_address: Option<IpAddr>,
    /// RFC 4271 §10 ConnectRetryTime: the wait between connection attempts.
    pub connect_retry: Duration,
}

impl SpeakerConfig {
    /// Refuses what the protocol would refuse later, and peers configured twice.
    pub fn validate(&self) -> io::Result<()> {
        let invalid = |why: String| Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        // RFC 4271 §4.2, §6.2: the BGP Identifier is a non-zero unicast address; AS 0 is
        // reserved (RFC 7607 §2).
        if self.router_id.is_unspecified() || self.router_id.is_multicast() {
            return invalid(format!(
                "router id {} is not a unicast address",
                self.router_id
            ));
        }
        if self.local_as == 0 {
            return invalid("AS 0 is reserved (RFC 7607)".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for p in &self.peers {
            p.validate()?;
            if p.peer_as == 0 {
                return invalid(format!("peer {}: AS 0 is reserved (RFC 7607)", p.address));
            }
            if !seen.insert(p.address) {
                return invalid(format!("peer {} is configured twice", p.address));
            }
        }
        Ok(())
    }
}

impl PeerConfig {
    /// A peer on port 179 with hold time 9 s, keepalive 3 s, TTL 1, no MD5 key and a 5 s
    /// connect retry (RFC 4271 §10 suggests 120 s; a VIP must come back sooner).
    pub fn new(address: IpAddr, peer_as: u32) -> PeerConfig {
        PeerConfig {
            address,
            port: 179,
            peer_as,
            md5_key: None,
            hold_time: Duration::from_secs(9),
            keepalive: Duration::from_secs(3),
            ttl: 1,
            local_address: None,
            connect_retry: Duration::from_secs(5),
        }
    }

    /// Refuses settings the protocol or the kernel would refuse later.
    pub fn validate(&self) -> io::Result<()> {
        let invalid = |why: String| Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        let hold = self.hold_time.as_secs();
        // RFC 4271 §4.2: the hold time is zero or at least three seconds.
        if hold != 0 && !(3..=u64::from(u16::MAX)).contains(&hold) {
            return invalid(format!(
                "peer {}: hold time must be 0 or 3 s to 65535 s",
                self.address
            ));
        }
        if hold != 0 && (self.keepalive.is_zero() || self.keepalive.as_secs() >= hold) {
            return invalid(format!(
                "peer {}: keepalive must be at least 1 s and below the hold time",
                self.address
            ));
        }
        if let Some(key) = &self.md5_key {
            if key.is_empty() || key.len() > kubegate_sys::bgp_socket::MAX_MD5_KEY_LEN {
                return invalid(format!(
                    "peer {}: the MD5 key must be 1 to 80 octets",
                    self.address
                ));
            }
        }
        if let IpAddr::V6(v6) = self.address {
            if v6.is_unicast_link_local() {
                return invalid(format!(
                    "peer {}: link-local peers (which need an interface) are not supported",
                    self.address
                ));
            }
        }
        if self.ttl == 0 {
            return invalid(format!("peer {}: the TTL must be at least 1", self.address));
        }
        if let Some(local) = self.local_address {
            if local.is_ipv4() != self.address.is_ipv4() {
                return invalid(format!(
                    "peer {}: the local address {local} is of the other IP version",
                    self.address
                ));
            }
        }
        Ok(())
    }

    /// The session's configuration once our address on the connection (`local`, of the
    /// peer's IP version) is known: it becomes the next hop of our routes (RFC 4271 §5.1.3,
    /// RFC 2545 §3).
    pub fn session_config(
        &self,
        local_as: u32,
        router_id: Ipv4Addr,
        local: IpAddr,
    ) -> ::bgp::Config {
        let mut c = ::bgp::Config::new(local_as, self.peer_as, router_id);
        c.hold_time = self.hold_time.as_secs().min(u64::from(u16::MAX)) as u16;
        c.keepalive = Some(self.keepalive.as_secs().clamp(1, u64::from(u16::MAX)) as u16);
        c.connect_retry = self.connect_retry;
        c.passive = false;
        c.max_prefixes = Some(MAX_RECEIVED_ROUTES);
        // RFC 4724 §4.2: we help a restarting router keep our routes (the helper side);
        // nothing of ours depends on the routes it sends.
        c.graceful_restart = Some(GracefulRestart {
            restart_time: 120,
            stale_routes_time: Duration::from_secs(360),
        });
        match local {
            IpAddr::V4(v4) => {
                c.ipv4_unicast = true;
                c.ipv6_unicast = false;
                c.next_hop_v4 = v4;
                c.next_hop_v6 = None;
            }
            IpAddr::V6(v6) => {
                // RFC 4760: IPv6 routes over an IPv6 session; IPv4 routes would need an IPv4
                // next hop this connection does not have (RFC 8950 is not spoken).
                c.ipv4_unicast = false;
                c.ipv6_unicast = true;
                c.next_hop_v6 = Some(v6);
            }
        }
        c
    }
}

/// One host route (a VIP) and the attributes it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The VIP: announced as a /32 or /128.
    pub prefix: IpAddr,
    /// RFC 1997 communities, `asn << 16 | value`.
    pub communities: Vec<u32>,
    /// RFC 8092 large communities (global administrator, local data 1, local data 2).
    pub large_communities: Vec<(u32, u32, u32)>,
    /// Sent to internal peers only (RFC 4271 §5.1.5).
    pub local_pref: Option<u32>,
    pub med: Option<u32>,
}

impl Announcement {
    /// A host route with no optional attributes.
    pub fn host(prefix: IpAddr) -> Announcement {
        Announcement {
            prefix,
            communities: Vec::new(),
            large_communities: Vec::new(),
            local_pref: None,
            med: None,
        }
    }

    pub fn route(&self) -> Route {
        Route {
            prefix: Prefix::host(self.prefix),
            communities: self.communities.clone(),
            large_communities: self
                .large_communities
                .iter()
                .map(|&(global, local1, local2)| LargeCommunity {
                    global,
                    local1,
                    local2,
                })
                .collect(),
            local_pref: self.local_pref,
            med: self.med,
        }
    }
}

/// An unspecified address of `peer`'s IP version.
pub(crate) fn unspecified_like(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_uses_our_connection_address_as_next_hop_and_bounds_received_routes() {
        let peer = PeerConfig::new("198.18.0.1".parse().unwrap(), 64500);
        let id = Ipv4Addr::new(198, 18, 0, 11);
        let c = peer.session_config(64512, id, "198.18.0.21".parse().unwrap());
        assert_eq!(c.next_hop_v4, Ipv4Addr::new(198, 18, 0, 21));
        assert!(c.ipv4_unicast && !c.ipv6_unicast && !c.passive);
        assert_eq!(c.max_prefixes, Some(MAX_RECEIVED_ROUTES));
        assert_eq!((c.hold_time, c.keepalive), (9, Some(3)));
        // RFC 4724 §3: helper only, so a router keeps nothing of ours when we are gone.
        assert!(c.graceful_restart.is_some());

        let peer6 = PeerConfig::new("2001:2::1".parse().unwrap(), 64500);
        let c = peer6.session_config(64512, id, "2001:2::11".parse().unwrap());
        assert_eq!(c.next_hop_v6, Some("2001:2::11".parse().unwrap()));
        assert!(c.ipv6_unicast && !c.ipv4_unicast);
    }

    #[test]
    fn announcements_become_host_routes_with_their_attributes() {
        let mut a = Announcement::host("198.18.10.50".parse().unwrap());
        a.communities = vec![64512 << 16 | 100];
        a.large_communities = vec![(64512, 1, 1)];
        a.local_pref = Some(200);
        let r = a.route();
        assert_eq!(r.prefix, Prefix::host(a.prefix));
        assert_eq!(r.prefix.len(), 32);
        assert_eq!(r.communities, a.communities);
        assert_eq!(r.large_communities[0].local2, 1);
        assert_eq!(r.local_pref, Some(200));
    }
}

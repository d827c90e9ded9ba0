//! The validated BGP mode: the cluster's AS and router ids, the routers it peers with, the BFD
//! timing, and the VIPs announced as host routes by every node whose trackers pass. Produced
//! by `validate` only; the daemon's BGP driver reads these.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use super::{Node, Tracker};

/// `bgp.peers[].port` unless told otherwise (RFC 4271 §8.2.1: BGP listens on TCP port 179).
pub const DEFAULT_BGP_PORT: u16 = 179;
/// `bgp.peers[].hold_time` unless told otherwise (as kube-vip and MetalLB propose: a dead node
/// without BFD is noticed within 9 s rather than 90 s).
pub const DEFAULT_HOLD_TIME: Duration = Duration::from_secs(9);
/// `bgp.bfd.interval` unless told otherwise.
pub const DEFAULT_BFD_INTERVAL: Duration = Duration::from_millis(300);
/// `bgp.bfd.multiplier` unless told otherwise.
pub const DEFAULT_BFD_MULTIPLIER: u8 = 3;

/// Top-level `bgp:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bgp {
    /// This cluster's AS, 1..=4294967294 (4-octet, RFC 6793), never AS_TRANS (23456).
    pub asn: u32,
    /// `router_id:`; `Auto` takes each node's IPv4 address.
    pub router_id: RouterId,
    /// In file order; addresses unique and none of them a node's or a VIP's.
    pub peers: Vec<BgpPeer>,
    /// The timing of every BFD session (`bgp.bfd:`).
    pub bfd: BfdSettings,
    /// `nodes[].bgp:` by node name; only nodes that wrote one.
    pub node_overrides: BTreeMap<String, NodeBgp>,
}

/// `router_id:` — the BGP Identifier sent in OPEN (RFC 4271 §4.2, RFC 6286 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterId {
    /// The node's own IPv4 address (every node of an IPv6 cluster then has its own
    /// `nodes[].bgp.router_id`).
    Auto,
    Fixed(Ipv4Addr),
}

/// `nodes[].bgp:` — one node's own settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeBgp {
    /// Overrides `bgp.asn` for this node.
    pub asn: Option<u32>,
    /// Overrides `bgp.router_id` for this node.
    pub router_id: Option<Ipv4Addr>,
}

/// One router the nodes talk BGP to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgpPeer {
    pub address: IpAddr,
    /// The peer's AS, 1..=4294967294.
    pub asn: u32,
    /// Default 179.
    pub port: u16,
    /// TCP-MD5 key file (RFC 2385). Not read here: the daemon reads it when the session starts
    /// and refuses it when group or others may read it (as `admin.token_file`).
    pub password_file: Option<PathBuf>,
    /// Proposed in OPEN: zero (no keepalives, no hold timer) or whole seconds from 3 s to
    /// 65535 s (RFC 4271 §4.2). Default 9 s.
    pub hold_time: Duration,
    /// Gap between KEEPALIVEs: below `hold_time` (RFC 4271 §10 suggests a third of it, the
    /// default); zero when `hold_time` is zero (RFC 4271 §4.4).
    pub keepalive: Duration,
    /// The TTL of our packets to the peer, 1..=255; 1 = directly connected (default).
    pub multihop: u8,
    /// A BFD session runs beside the BGP session and brings it down at once when it fails.
    pub bfd: bool,
    /// The nodes that talk to this peer, in file order; `None` = every node.
    pub nodes: Option<Vec<String>>,
}

/// `bgp.bfd:` (RFC 5880 §6.8.1 Desired Min TX / Required Min RX, §6.8.4 Detect Mult).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BfdSettings {
    /// Our desired transmit and required receive interval, 10 ms..=60 s. Default 300 ms.
    pub interval: Duration,
    /// Detect multiplier, 1..=255. Default 3.
    pub multiplier: u8,
}

impl Default for BfdSettings {
    fn default() -> Self {
        BfdSettings {
            interval: DEFAULT_BFD_INTERVAL,
            multiplier: DEFAULT_BFD_MULTIPLIER,
        }
    }
}

impl BfdSettings {
    /// How long a silent peer takes to be declared down when both sides use these timers
    /// (RFC 5880 §6.8.4: Detect Mult × the agreed interval).
    pub fn detection_time(&self) -> Duration {
        self.interval * u32::from(self.multiplier)
    }
}

impl Bgp {
    /// `node`'s AS: its `nodes[].bgp.asn`, else `bgp.asn`.
    pub fn asn_of(&self, node: &Node) -> u32 {
        self.node_overrides
            .get(&node.name)
            .and_then(|o| o.asn)
            .unwrap_or(self.asn)
    }

    /// `node`'s BGP Identifier: its `nodes[].bgp.router_id`, else `bgp.router_id`, else its
    /// IPv4 address. `None` only for an IPv6 node of a file that validation did not see
    /// (validation requires one for every node).
    pub fn router_id_of(&self, node: &Node) -> Option<Ipv4Addr> {
        if let Some(id) = self
            .node_overrides
            .get(&node.name)
            .and_then(|o| o.router_id)
        {
            return Some(id);
        }
        match (self.router_id, node.address) {
            (RouterId::Fixed(id), _) => Some(id),
            (RouterId::Auto, IpAddr::V4(a)) => Some(a),
            (RouterId::Auto, IpAddr::V6(_)) => None,
        }
    }

    /// The peers `node` talks to, in file order.
    pub fn peers_of<'a>(&'a self, node: &'a Node) -> impl Iterator<Item = &'a BgpPeer> + 'a {
        self.peers.iter().filter(move |p| p.talks_to(&node.name))
    }
}

impl BgpPeer {
    /// Whether the node of that name has a session with this peer.
    pub fn talks_to(&self, node: &str) -> bool {
        self.nodes
            .as_ref()
            .is_none_or(|list| list.iter().any(|n| n == node))
    }

    /// iBGP when the peer is in `local_asn` (RFC 4271 §3: internal peers share an AS).
    pub fn is_ibgp(&self, local_asn: u32) -> bool {
        self.asn == local_asn
    }
}

/// A VIP announced over BGP: a host route to it from every node whose trackers pass, with
/// that node as next hop, so the routers spread flows across the nodes (ECMP).
#[derive(Debug, Clone, PartialEq)]
pub struct BgpVip {
    pub name: String,
    /// Announced as a host route (/32 or /128: `prefix_len()`).
    pub address: IpAddr,
    /// COMMUNITIES (RFC 1997), in file order, no repeats.
    pub communities: Vec<Community>,
    /// LARGE_COMMUNITY (RFC 8092), in file order, no repeats.
    pub large_communities: Vec<LargeCommunity>,
    /// LOCAL_PREF (RFC 4271 §5.1.5): sent to iBGP peers only.
    pub local_pref: Option<u32>,
    /// MULTI_EXIT_DISC (RFC 4271 §5.1.4).
    pub med: Option<u32>,
    /// What a node needs to announce the VIP: every tracker passes. Weights do not apply.
    pub track: Vec<Tracker>,
}

impl BgpVip {
    /// 32 or 128: a BGP VIP is always a host route.
    pub fn prefix_len(&self) -> u8 {
        if self.address.is_ipv4() {
            32
        } else {
            128
        }
    }
}

/// One RFC 1997 community: the high 16 bits an AS, the low 16 a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Community(pub u32);

impl Community {
    /// RFC 1997: routes with it are not advertised outside the confederation / AS.
    pub const NO_EXPORT: Community = Community(0xFFFF_FF01);
    /// RFC 1997: routes with it are not advertised to any peer.
    pub const NO_ADVERTISE: Community = Community(0xFFFF_FF02);
    /// RFC 1997: routes with it are not advertised to external peers, not even within a
    /// confederation.
    pub const NO_EXPORT_SUBCONFED: Community = Community(0xFFFF_FF03);

    /// The well-known names accepted in the file.
    pub const WELL_KNOWN: [(&'static str, Community); 3] = [
        ("no-export", Community::NO_EXPORT),
        ("no-advertise", Community::NO_ADVERTISE),
        ("no-export-subconfed", Community::NO_EXPORT_SUBCONFED),
    ];
}

impl fmt::Display for Community {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Community::WELL_KNOWN.iter().find(|(_, c)| c == self) {
            Some((name, _)) => f.write_str(name),
            None => write!(f, "{}:{}", self.0 >> 16, self.0 & 0xFFFF),
        }
    }
}

/// One RFC 8092 large community: Global Administrator, Local Data Part 1, Local Data Part 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LargeCommunity {
    pub global_admin: u32,
    pub local1: u32,
    pub local2: u32,
}

impl fmt::Display for LargeCommunity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.global_admin, self.local1, self.local2)
    }
}

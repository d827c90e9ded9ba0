//! The `bgp` topology of `kubegate lab`: three nodes announce the VIP's host route to a router
//! (FRR `bgpd` + `bfdd`, ECMP) on their segment, and a client behind the router dials the VIP.
//!
//! ```text
//!  master1 .11 ─┐                                   198.18.1.0/24
//!  master2 .12 ─┼─ 198.18.0.0/24 ── router .1 (eth1 .1) ────────── client .100
//!  master3 .13 ─┘  (each: fake apiserver :6443, announcer)   VIP 198.18.10.50/32 → ECMP
//! ```
//!
//! Two announcer stacks run on the nodes: kubegate (`bgp: {}`, tracking its frontend, which
//! balances to every apiserver), and the reference, GoBGP set up the way kube-vip documents its
//! BGP mode (the VIP on `lo`, announced with `gobgp global rib add`, hold time 30 s, keepalive
//! 10 s, no BFD, no check of the apiserver). The scenario ([`steps`]) applies the same faults to
//! both and times how long the router keeps the failed node's path.

pub mod announcers;
pub mod network;
pub mod report;
pub mod scenario;
pub mod stage;
pub mod steps;

use std::net::Ipv4Addr;
use std::time::Duration;

/// The router on the nodes' segment, and on the client's link.
pub const ROUTER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
pub const ROUTER_CLIENT_SIDE: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 1);
/// The client, behind the router.
pub const CLIENT: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 100);
/// The nodes: each runs a fake apiserver on :6443 and the announcer.
pub const NODES: [(&str, Ipv4Addr); 3] = [
    ("master1", Ipv4Addr::new(198, 18, 0, 11)),
    ("master2", Ipv4Addr::new(198, 18, 0, 12)),
    ("master3", Ipv4Addr::new(198, 18, 0, 13)),
];
/// The VIP, announced as a host route by every healthy node.
pub const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 10, 50);
pub const VIP_PREFIX: &str = "198.18.10.50/32";
/// The port the client dials on the VIP (the apiserver's, as kube-vip serves it).
pub const PORT: u16 = 6443;
pub const ROUTER_ASN: u32 = 64500;
pub const CLUSTER_ASN: u32 = 64512;

/// kubegate's timers in the lab: checks every 500 ms with the product's `fall: 2`, the
/// product's BGP hold time (9 s) and BFD (300 ms × 3).
pub const CHECK_INTERVAL: Duration = crate::topologies::LAB_CHECK_INTERVAL;
pub const CHECK_FALL: u32 = 2;
pub const HOLD_TIME: Duration = Duration::from_secs(9);
pub const BFD_INTERVAL: Duration = Duration::from_millis(300);
pub const BFD_MULTIPLIER: u32 = 3;
/// kube-vip's documented BGP timers (`bgp_hold_time` 30 s, `bgp_keepalive_interval` 10 s,
/// kube-vip pull request 730 and its flag reference).
pub const KUBE_VIP_HOLD_TIME: Duration = Duration::from_secs(30);
pub const KUBE_VIP_KEEPALIVE: Duration = Duration::from_secs(10);
/// The router's own offer (FRR `timers 30 90`): above both announcers', so theirs decide
/// (RFC 4271 §4.2: the smaller hold time of the two wins).
pub const ROUTER_HOLD_SECONDS: u16 = 90;
pub const ROUTER_KEEPALIVE_SECONDS: u16 = 30;

/// Who announces the VIP on the nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BgpStack {
    /// kubegate in BGP mode; `bfd: false` runs the same file with BFD off.
    Kubegate { bfd: bool },
    /// gobgpd per node, configured as kube-vip documents its BGP mode.
    GobgpKubeVip,
}

impl BgpStack {
    pub fn label(self) -> &'static str {
        match self {
            BgpStack::Kubegate { bfd: true } => "kubegate (BFD 300 ms × 3)",
            BgpStack::Kubegate { bfd: false } => "kubegate (no BFD, hold 9 s)",
            BgpStack::GobgpKubeVip => "GoBGP as kube-vip (hold 30 s, no BFD, no check)",
        }
    }

    /// How long the router keeps a path whose node fell silent (the link cut): BFD's
    /// detection time, or the negotiated hold time.
    pub fn silence_detection(self) -> Duration {
        match self {
            BgpStack::Kubegate { bfd: true } => BFD_INTERVAL * BFD_MULTIPLIER,
            BgpStack::Kubegate { bfd: false } => HOLD_TIME,
            BgpStack::GobgpKubeVip => KUBE_VIP_HOLD_TIME,
        }
    }
}

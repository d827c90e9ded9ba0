//! What runs on a node to announce the VIP: kubegate's file for the `bgp` topology, and the
//! reference — gobgpd configured the way kube-vip documents its BGP mode (kube-vip embeds
//! GoBGP): the VIP on `lo` (`vip_interface: lo`), a /32 added to GoBGP's RIB
//! (`gobgp global rib add`), hold time 30 s and keepalive 10 s, no BFD, and nothing checking
//! the apiserver behind it.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::Path;

use super::{
    CHECK_FALL, CHECK_INTERVAL, CLUSTER_ASN, KUBE_VIP_HOLD_TIME, KUBE_VIP_KEEPALIVE, NODES, PORT,
    ROUTER, ROUTER_ASN, VIP, VIP_PREFIX,
};

/// gobgpd's API port on each node's own loopback.
pub const GOBGP_API_PORT: u16 = 50051;
/// GoBGP's connect retry: shorter than its 120 s default so that a returning node comes back
/// within the scenario (it plays no part in any withdrawal time).
const GOBGP_CONNECT_RETRY_SECONDS: u32 = 5;
/// How long kubegate lets connections finish on stop (the product's 30 s would only make the
/// SIGTERM step wait for the client's watch).
const DRAIN: &str = "3s";

/// The kubegate file of the topology: every node peers with the router (`bfd` as asked) and
/// announces the VIP with `bgp: {}` while its frontend (bound on the VIP, balancing to every
/// apiserver with https `/readyz` checks verified against `ca_file`) has a ready backend.
pub fn kubegate_config(ca_file: &Path, bfd: bool) -> String {
    let mut c = String::from("nodes:\n");
    for (name, address) in NODES {
        let _ = writeln!(c, "  - {{ name: {name}, address: {address} }}");
    }
    let _ = writeln!(
        c,
        "bgp:\n  asn: {CLUSTER_ASN}\n  peers:\n    - {{ address: {ROUTER}, asn: {ROUTER_ASN}, bfd: {bfd} }}"
    );
    let _ = writeln!(
        c,
        "vips:\n  - name: api\n    address: {VIP_PREFIX}\n    bgp: {{}}\n    track:\n      - frontend: api"
    );
    let backends: Vec<String> = NODES
        .iter()
        .map(|(_, address)| format!("{address}:{PORT}"))
        .collect();
    let _ = writeln!(
        c,
        "frontends:\n  - name: api\n    bind: {VIP}:{PORT}\n    backends: [{}]\n    \
         check: {{ https: /readyz, interval: {}ms, fall: {CHECK_FALL}, ca_file: {:?} }}\n    \
         timeouts: {{ drain: {DRAIN} }}",
        backends.join(", "),
        CHECK_INTERVAL.as_millis(),
        ca_file.display().to_string()
    );
    c
}

/// gobgpd's TOML for the node at `address`: the router as an eBGP neighbour that we connect
/// to, with kube-vip's timers.
pub fn gobgp_config(address: Ipv4Addr) -> String {
    format!(
        "[global.config]\n  as = {CLUSTER_ASN}\n  router-id = \"{address}\"\n  port = -1\n\
         [[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"{ROUTER}\"\n    \
         peer-as = {ROUTER_ASN}\n  [neighbors.timers.config]\n    hold-time = {}\n    \
         keepalive-interval = {}\n    connect-retry = {GOBGP_CONNECT_RETRY_SECONDS}\n  \
         [neighbors.transport.config]\n    local-address = \"{address}\"\n  \
         [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      \
         afi-safi-name = \"ipv4-unicast\"\n",
        KUBE_VIP_HOLD_TIME.as_secs(),
        KUBE_VIP_KEEPALIVE.as_secs(),
    )
}

/// `gobgp` arguments that add the VIP's /32 to the RIB, next hop our own address (as kube-vip
/// adds it through GoBGP's API).
pub fn gobgp_announce_args(address: Ipv4Addr) -> Vec<String> {
    let port = GOBGP_API_PORT.to_string();
    [
        "-p",
        &port,
        "global",
        "rib",
        "add",
        VIP_PREFIX,
        "nexthop",
        &address.to_string(),
        "-a",
        "ipv4",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubegate_file_is_valid_bgp_mode() {
        for bfd in [true, false] {
            let text = kubegate_config(Path::new("/lab/ca.pem"), bfd);
            let cfg = kubegate_config::parse_str(&text, Path::new("lab.yaml"))
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            let bgp = cfg.bgp.as_ref().expect("bgp section");
            assert_eq!(bgp.peers.len(), 1, "{text}");
            assert_eq!(bgp.peers[0].bfd, bfd, "{text}");
            assert_eq!(cfg.bgp_vips.len(), 1, "{text}");
        }
    }

    #[test]
    fn gobgp_follows_kube_vip_timers() {
        let toml = gobgp_config(Ipv4Addr::new(198, 18, 0, 12));
        for line in [
            "    hold-time = 30",
            "    keepalive-interval = 10",
            "    neighbor-address = \"198.18.0.1\"",
            "    peer-as = 64500",
            "  as = 64512",
        ] {
            assert!(toml.lines().any(|l| l == line), "{line:?} in\n{toml}");
        }
        assert!(!toml.contains("bfd"), "{toml}");
        let args = gobgp_announce_args(Ipv4Addr::new(198, 18, 0, 12));
        assert!(args
            .join(" ")
            .contains("rib add 198.18.10.50/32 nexthop 198.18.0.12"));
    }
}

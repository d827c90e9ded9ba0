//! `kubegate doctor` in BGP mode: the router ids of the file, then every peer of this node
//! probed at once (a connection from the node's address and an OPEN exchange, `bgp_probe`),
//! each judged in words (`bgp_judge`). Nothing here when the file has no `bgp:`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use kubegate_config::model::{ClusterConfig, Node};

use super::bgp_judge::{judge, node_ids, router_ids, Context};
use super::bgp_probe::{established, probe, Us};
use super::Finding;

/// The findings of BGP mode; `me` is this node when known (the peers are probed only then).
pub fn check(cfg: &ClusterConfig, me: Option<&Node>, timeout: Duration) -> Vec<Finding> {
    let Some(bgp) = &cfg.bgp else {
        return Vec::new();
    };
    let ids = node_ids(bgp, &cfg.nodes);
    let mut out = router_ids(&ids);
    let Some(me) = me else {
        return out;
    };
    let Some(router_id) = bgp.router_id_of(me) else {
        // Reported by `router_ids` already: without one no OPEN can be sent.
        return out;
    };
    let peers: Vec<_> = bgp.peers_of(me).collect();
    if peers.is_empty() {
        out.push(Finding::warn(
            format!("bgp peers of {}", me.name),
            "this node talks to no router (every peer's `nodes:` leaves it out)",
            "add the node to a peer's `nodes:` list, or it announces nothing",
        ));
        return out;
    }
    let results: Vec<Vec<Finding>> = std::thread::scope(|scope| {
        let handles: Vec<_> = peers
            .iter()
            .map(|peer| {
                let ids = &ids;
                scope.spawn(move || {
                    // Our address on the connection: the node's own, as the daemon binds it;
                    // for a peer of the other family, whatever the routing table picks.
                    let address = if peer.address.is_ipv4() == me.address.is_ipv4() {
                        me.address
                    } else if peer.address.is_ipv4() {
                        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
                    } else {
                        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
                    };
                    let us = Us {
                        asn: bgp.asn_of(me),
                        router_id,
                        address,
                    };
                    let to = SocketAddr::new(peer.address, peer.port);
                    let ctx = Context {
                        peer,
                        us,
                        nodes: ids,
                        timeout,
                        daemon_session: established(address, to),
                    };
                    judge(&ctx, &probe(peer, us, timeout))
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(&peers)
            .map(|(h, peer)| {
                h.join().unwrap_or_else(|_| {
                    vec![Finding::warn(
                        format!("bgp peer {}:{}", peer.address, peer.port),
                        "the check failed unexpectedly",
                        "run doctor again; report it if it persists",
                    )]
                })
            })
            .collect()
    });
    out.extend(results.into_iter().flatten());
    out
}

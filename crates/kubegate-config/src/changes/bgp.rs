//! What a reload changes in BGP mode for one node: the VIPs it announces (added, removed,
//! announced again with a new address or new path attributes, or new trackers applied live)
//! and its sessions (opened, closed, restarted when something negotiated in OPEN or the
//! transport changes, or updated live).

use std::net::IpAddr;

use crate::model::{Bgp, BgpPeer, BgpVip, ClusterConfig, Node};

/// One BGP VIP's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BgpVipChange {
    /// New in the file: announced while its trackers pass.
    Added(String),
    /// Gone from the file: withdrawn.
    Removed(String),
    /// The route changes: a new address is withdrawn and announced anew; new attributes go
    /// out in an UPDATE that replaces the route (RFC 4271 §3.1).
    Reannounced {
        name: String,
        what: Vec<&'static str>,
    },
    /// Only its trackers changed: applied live.
    Updated {
        name: String,
        what: Vec<&'static str>,
    },
}

impl BgpVipChange {
    pub fn name(&self) -> &str {
        match self {
            BgpVipChange::Added(n) | BgpVipChange::Removed(n) => n,
            BgpVipChange::Reannounced { name, .. } | BgpVipChange::Updated { name, .. } => name,
        }
    }

    /// One line for the reload's summary.
    pub fn describe(&self) -> String {
        match self {
            BgpVipChange::Added(n) => {
                format!("bgp vip {n} added (announced while its trackers pass)")
            }
            BgpVipChange::Removed(n) => format!("bgp vip {n} removed (withdrawn)"),
            BgpVipChange::Reannounced { name, what } => format!(
                "bgp vip {name}: {} changed (announced again)",
                what.join(", ")
            ),
            BgpVipChange::Updated { name, what } => {
                format!("bgp vip {name}: {} changed (applied live)", what.join(", "))
            }
        }
    }
}

/// One BGP session's change, by peer address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionChange {
    /// A peer this node now talks to.
    Added(IpAddr),
    /// A peer this node no longer talks to: its session is closed (CEASE, RFC 4486).
    Removed(IpAddr),
    /// Something sent in OPEN or the connection itself changed: the session starts again.
    Restarted {
        peer: IpAddr,
        because: Vec<&'static str>,
    },
    /// Applied to the running session.
    Updated {
        peer: IpAddr,
        what: Vec<&'static str>,
    },
}

impl SessionChange {
    /// One line for the reload's summary.
    pub fn describe(&self) -> String {
        match self {
            SessionChange::Added(p) => format!("bgp peer {p} added (session opened)"),
            SessionChange::Removed(p) => format!("bgp peer {p} removed (session closed)"),
            SessionChange::Restarted { peer, because } => format!(
                "bgp peer {peer}: {} changed (session started again)",
                because.join(", ")
            ),
            SessionChange::Updated { peer, what } => {
                format!(
                    "bgp peer {peer}: {} changed (applied live)",
                    what.join(", ")
                )
            }
        }
    }
}

/// The BGP VIPs' changes, in the new file's order, then the removed ones.
pub fn vip_changes(old: &ClusterConfig, new: &ClusterConfig) -> Vec<BgpVipChange> {
    let mut out = Vec::new();
    for vip in &new.bgp_vips {
        let Some(before) = old.bgp_vip(&vip.name) else {
            out.push(BgpVipChange::Added(vip.name.clone()));
            continue;
        };
        let route = route_fields(before, vip);
        if !route.is_empty() {
            out.push(BgpVipChange::Reannounced {
                name: vip.name.clone(),
                what: route,
            });
        } else if before.track != vip.track {
            out.push(BgpVipChange::Updated {
                name: vip.name.clone(),
                what: vec!["track"],
            });
        }
    }
    for vip in &old.bgp_vips {
        if new.bgp_vip(&vip.name).is_none() {
            out.push(BgpVipChange::Removed(vip.name.clone()));
        }
    }
    out
}

fn route_fields(old: &BgpVip, new: &BgpVip) -> Vec<&'static str> {
    [
        (old.address != new.address, "address"),
        (old.communities != new.communities, "communities"),
        (
            old.large_communities != new.large_communities,
            "large_communities",
        ),
        (old.local_pref != new.local_pref, "local_pref"),
        (old.med != new.med, "med"),
    ]
    .into_iter()
    .filter_map(|(changed, what)| changed.then_some(what))
    .collect()
}

/// The sessions of `me` (as named in each file; `None` when it is not a node of that file):
/// in the new file's order, then the removed ones. `me_changed`: this node's own entry
/// changed (its address is the next hop and the session's source), so every session starts
/// again.
pub fn session_changes(
    old: &ClusterConfig,
    new: &ClusterConfig,
    me: &str,
    me_changed: bool,
) -> Vec<SessionChange> {
    let side = |cfg: &ClusterConfig| -> Option<(Bgp, Node)> {
        Some((cfg.bgp.clone()?, cfg.node(me)?.clone()))
    };
    let (old, new) = (side(old), side(new));
    let peers = |s: &Option<(Bgp, Node)>| -> Vec<BgpPeer> {
        s.as_ref()
            .map(|(b, n)| b.peers_of(n).cloned().collect())
            .unwrap_or_default()
    };
    let (old_peers, new_peers) = (peers(&old), peers(&new));
    let mut out = Vec::new();
    for p in &new_peers {
        let Some(before) = old_peers.iter().find(|o| o.address == p.address) else {
            out.push(SessionChange::Added(p.address));
            continue;
        };
        let (Some((ob, on)), Some((nb, nn))) = (&old, &new) else {
            continue;
        };
        let mut because: Vec<&'static str> = [
            (ob.asn_of(on) != nb.asn_of(nn), "our asn"),
            (ob.router_id_of(on) != nb.router_id_of(nn), "router_id"),
            (before.asn != p.asn, "asn"),
            (before.port != p.port, "port"),
            (before.password_file != p.password_file, "password_file"),
            (before.hold_time != p.hold_time, "hold_time"),
            (before.multihop != p.multihop, "multihop"),
        ]
        .into_iter()
        .filter_map(|(changed, what)| changed.then_some(what))
        .collect();
        if me_changed {
            because.push("this node's entry");
        }
        if !because.is_empty() {
            out.push(SessionChange::Restarted {
                peer: p.address,
                because,
            });
            continue;
        }
        let what: Vec<&'static str> = [
            (before.keepalive != p.keepalive, "keepalive"),
            (before.bfd != p.bfd, "bfd"),
            (p.bfd && ob.bfd != nb.bfd, "bfd timing"),
        ]
        .into_iter()
        .filter_map(|(changed, what)| changed.then_some(what))
        .collect();
        if !what.is_empty() {
            out.push(SessionChange::Updated {
                peer: p.address,
                what,
            });
        }
    }
    for p in &old_peers {
        if !new_peers.iter().any(|n| n.address == p.address) {
            out.push(SessionChange::Removed(p.address));
        }
    }
    out
}

//! BGP mode in plain words, seen from one node: its AS and router id, each session (who
//! connects, timers, BFD, TCP-MD5, TTL), then each BGP VIP: to whom this node announces it,
//! while what holds, when it is withdrawn and what happens on stop; warnings for settings that
//! do nothing (LOCAL_PREF without an iBGP peer, a VIP no peer of its family hears, peers with
//! no VIP to announce).

use super::{and_list, human};
use crate::model::{Bgp, BgpPeer, BgpVip, ClusterConfig, Node, Tracker, TrackerKind};

/// Sentences for `me`'s sessions and every BGP VIP; empty without `bgp:`.
pub fn explain(cfg: &ClusterConfig, me: &Node) -> Vec<String> {
    let Some(bgp) = &cfg.bgp else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let asn = bgp.asn_of(me);
    let id = bgp
        .router_id_of(me)
        .map_or_else(|| "none".to_string(), |id| id.to_string());
    let peers: Vec<&BgpPeer> = bgp.peers_of(me).collect();
    out.push(format!(
        "BGP: {} speaks as AS {asn} with router id {id}, to {}.",
        me.name,
        match peers.len() {
            0 => "no peer".to_string(),
            1 => "1 peer".to_string(),
            n => format!("{n} peers"),
        }
    ));
    for p in &peers {
        out.push(session(bgp, me, p));
    }
    if cfg.bgp_vips.is_empty() {
        out.push(
            "warning: `bgp:` is set, but no VIP has `bgp:`; nothing is announced (write \
             `bgp: {}` instead of `vrrp:` in a VIP)."
                .to_string(),
        );
    } else if peers.is_empty() {
        out.push(format!(
            "warning: {} has no BGP peer (each peer's `nodes:` leaves it out, or there are \
             none), so it announces no VIP.",
            me.name
        ));
    }
    for vip in &cfg.bgp_vips {
        out.extend(vip_lines(cfg, bgp, me, &peers, vip));
    }
    out
}

/// `kg1 connects to 198.18.0.1 port 179 (AS 64500, eBGP): …`.
fn session(bgp: &Bgp, me: &Node, p: &BgpPeer) -> String {
    let who = format!("{} connects to {} port {}", me.name, p.address, p.port);
    let mut parts = vec![format!(
        "{who} ({}); hold time {}",
        peer_words(bgp, me, p),
        hold(p)
    )];
    if p.bfd {
        let hops = if p.multihop > 1 {
            " (multihop, RFC 5883)"
        } else {
            ""
        };
        parts.push(format!(
            "BFD {}{hops}: a dead node or link is noticed within {}",
            bfd_words(bgp),
            human(bgp.bfd.detection_time())
        ));
    } else if !p.hold_time.is_zero() {
        parts.push(format!(
            "no BFD: a dead node or link is noticed only when the hold time runs out ({})",
            human(p.hold_time)
        ));
    } else {
        parts.push("no BFD and no hold timer: a dead node is not noticed by BGP".to_string());
    }
    if let Some(f) = &p.password_file {
        parts.push(format!(
            "TCP-MD5 (RFC 2385) with the key in {}",
            f.display()
        ));
    }
    if p.multihop > 1 {
        parts.push(format!("TTL {} (multihop)", p.multihop));
    }
    format!("{}.", parts.join("; "))
}

/// `AS 64500, eBGP`.
fn peer_words(bgp: &Bgp, me: &Node, p: &BgpPeer) -> String {
    let kind = if p.is_ibgp(bgp.asn_of(me)) {
        "iBGP"
    } else {
        "eBGP"
    };
    format!("AS {}, {kind}", p.asn)
}

fn bfd_words(bgp: &Bgp) -> String {
    format!("{} × {}", human(bgp.bfd.interval), bgp.bfd.multiplier)
}

fn hold(p: &BgpPeer) -> String {
    if p.hold_time.is_zero() {
        "0 (no keepalives)".to_string()
    } else {
        format!(
            "{}, keepalive every {}",
            human(p.hold_time),
            human(p.keepalive)
        )
    }
}

fn vip_lines(
    cfg: &ClusterConfig,
    bgp: &Bgp,
    me: &Node,
    peers: &[&BgpPeer],
    vip: &BgpVip,
) -> Vec<String> {
    let route = format!("{}/{}", vip.address, vip.prefix_len());
    let speakers: Vec<String> = cfg
        .nodes
        .iter()
        .filter(|n| bgp.peers_of(n).any(|p| same_family(p, vip)))
        .map(|n| n.name.clone())
        .collect();
    let mut out = vec![format!(
        "VIP {} {route}: announced over BGP by every node whose trackers pass ({}), so the \
         routers spread flows across them (ECMP){}.",
        vip.name,
        and_list(&speakers),
        attributes(vip)
    )];
    let to: Vec<String> = peers
        .iter()
        .filter(|p| same_family(p, vip))
        .map(|p| {
            let mut w = peer_words(bgp, me, p);
            if p.bfd {
                w.push_str(&format!(", BFD {}", bfd_words(bgp)));
            }
            format!("{} ({w})", p.address)
        })
        .collect();
    if to.is_empty() {
        if !peers.is_empty() {
            out.push(format!(
                "warning: none of {}'s peers is {}, so it announces {route} to no one; add a \
                 peer of that family.",
                me.name,
                if vip.address.is_ipv4() {
                    "IPv4"
                } else {
                    "IPv6"
                }
            ));
        }
        return out;
    }
    let (holds, fails) = conditions(cfg, &vip.track);
    out.push(format!(
        "{} announces {route} to {} with itself as next hop {holds}; {fails}; on stop it \
         withdraws first, waits for the routers to converge, then drains.",
        me.name,
        and_list(&to)
    ));
    if let Some(lp) = vip.local_pref {
        if !peers.iter().any(|p| p.is_ibgp(bgp.asn_of(me))) {
            out.push(format!(
                "warning: VIP {} sets local_pref {lp}, but {} has no iBGP peer: LOCAL_PREF is \
                 sent to peers in its own AS only (RFC 4271 §5.1.5), so it changes nothing; \
                 use med or communities towards eBGP peers.",
                vip.name, me.name
            ));
        }
    }
    out
}

fn same_family(p: &BgpPeer, vip: &BgpVip) -> bool {
    p.address.is_ipv4() == vip.address.is_ipv4()
}

/// `; communities 64512:100, no-export; local_pref 200`.
fn attributes(vip: &BgpVip) -> String {
    let mut parts = Vec::new();
    if !vip.communities.is_empty() {
        let c: Vec<String> = vip.communities.iter().map(|c| c.to_string()).collect();
        parts.push(format!("communities {}", c.join(", ")));
    }
    if !vip.large_communities.is_empty() {
        let c: Vec<String> = vip
            .large_communities
            .iter()
            .map(|c| c.to_string())
            .collect();
        parts.push(format!("large communities {}", c.join(", ")));
    }
    if let Some(lp) = vip.local_pref {
        parts.push(format!("local_pref {lp} (to iBGP peers)"));
    }
    if let Some(med) = vip.med {
        parts.push(format!("med {med}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join("; "))
    }
}

/// ("while … hold", "withdraws it when …").
fn conditions(cfg: &ClusterConfig, track: &[Tracker]) -> (String, String) {
    if track.is_empty() {
        return (
            "while kubegate runs (no trackers)".to_string(),
            "withdraws it only when it stops or a session goes down".to_string(),
        );
    }
    let holds: Vec<String> = track.iter().map(passing).collect();
    let fails: Vec<String> = track.iter().map(|t| failing(cfg, t)).collect();
    (
        format!("while {}", and_list(&holds)),
        format!("withdraws it as soon as {}", or_list(&fails)),
    )
}

fn passing(t: &Tracker) -> String {
    match &t.kind {
        TrackerKind::Frontend(f) => format!("frontend {f} has a ready backend"),
        TrackerKind::Script(cmd) => format!("`{cmd}` succeeds"),
        TrackerKind::Interface(n) => format!("interface {n} is up"),
        TrackerKind::Tcp(a) => format!("a TCP connection to {a} succeeds"),
    }
}

fn failing(cfg: &ClusterConfig, t: &Tracker) -> String {
    let what = match &t.kind {
        TrackerKind::Frontend(f) => {
            return match cfg.frontend(f) {
                Some(fe) => format!(
                "frontend {f} has none (a backend counts as down after {} failed checks, {} apart)",
                fe.check.fall,
                human(fe.check.interval)
            ),
                None => format!("frontend {f} has none"),
            }
        }
        TrackerKind::Interface(n) => return format!("interface {n} goes down"),
        TrackerKind::Script(cmd) => format!("`{cmd}`"),
        TrackerKind::Tcp(a) => format!("the TCP check of {a}"),
    };
    if t.fall > 1 {
        format!(
            "{what} fails {} times in a row (every {})",
            t.fall,
            human(t.interval)
        )
    } else {
        format!("{what} fails (checked every {})", human(t.interval))
    }
}

fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

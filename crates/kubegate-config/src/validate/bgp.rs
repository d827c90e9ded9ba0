//! Top-level `bgp:` and `nodes[].bgp:`: the cluster's AS, each node's AS and router id (unique
//! within an AS), the BFD timing, and the peers (one each in `bgp_peer.rs`), unique and none
//! of them a node or a VIP. Whether the file needs the section at all is decided here too.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde_saphyr::Location;

use super::super::duration::duration_of;
use super::super::model::{BfdSettings, Bgp, NodeBgp, RouterId};
use super::super::raw::{RawBfd, RawFile, Sp};
use super::super::scalar::Scalar;
use super::diag::{join, name, Diag};
use super::{bgp_peer, LocatedNode};

/// AS_TRANS (RFC 6793 §9): stands in for a 4-octet AS towards old speakers; never configured.
const AS_TRANS: i128 = 23456;

/// What the VIPs asked of the section: where the first `bgp:` VIP wrote its `bgp:`.
pub struct Needs {
    pub first_bgp_vip: Option<(Location, String)>,
    pub vip_addresses: Vec<(IpAddr, u64)>,
}

pub fn bgp(d: &mut Diag, raw: &Sp<RawFile>, nodes: &[LocatedNode], needs: &Needs) -> Option<Bgp> {
    let Some(section) = raw.value.bgp.as_ref() else {
        if let Some((loc, path)) = &needs.first_bgp_vip {
            d.err(loc, path, "this VIP is announced over BGP, but the file has no top-level `bgp:`; add one with this cluster's AS and its routers, like bgp: { asn: 64512, peers: [{ address: 198.18.0.1, asn: 64500 }] }");
        }
        for (loc, path) in node_sections(raw) {
            d.err(&loc, &path, "a node's own BGP settings need the top-level `bgp:` section (asn, peers); add it, or remove this `bgp:`");
        }
        return None;
    };
    let r = &section.value;
    let here = &section.referenced;
    let asn = d.req(
        r.asn.as_ref(),
        here,
        "bgp",
        "asn",
        "write this cluster's AS number, like asn: 64512 (a node may have its own in nodes[].bgp.asn)",
        asn,
    );
    let router_id = d
        .opt(r.router_id.as_ref(), "bgp.router_id", |s| match s {
            Scalar::Str(t) if t == "auto" => Ok(RouterId::Auto),
            other => router_id(other).map(RouterId::Fixed),
        })
        .unwrap_or(RouterId::Auto);
    let node_overrides = overrides(d, raw, nodes);
    let bfd = match &r.bfd {
        Some(b) => bfd(d, b),
        None => BfdSettings::default(),
    };
    let mut peers = Vec::new();
    let mut seen: Vec<(IpAddr, u64)> = Vec::new();
    if let Some(list) = &r.peers {
        for (i, p) in list.value.iter().enumerate() {
            let path = format!("bgp.peers[{i}]");
            let peer = bgp_peer::peer(d, p, &path, nodes, &needs.vip_addresses, &mut seen);
            peers.extend(peer);
        }
    }
    let bgp = Bgp {
        asn: asn?,
        router_id,
        peers,
        bfd,
        node_overrides,
    };
    router_ids(
        d,
        &bgp,
        r.router_id.as_ref().map_or(here, |v| &v.referenced),
        raw,
        nodes,
    );
    Some(bgp)
}

/// 1..=4294967294, not AS_TRANS (RFC 6793 §9); 4294967295 is reserved (RFC 7300).
pub fn asn(s: &Scalar) -> Result<u32, String> {
    let n = s.int_in(1, 4_294_967_294, " (a 4-octet AS number, RFC 6793)")?;
    if n == AS_TRANS {
        return Err(
            "23456 is AS_TRANS, which only stands in for a 4-octet AS towards old \
                    routers (RFC 6793 §9); write the real AS number"
                .into(),
        );
    }
    Ok(n as u32)
}

/// A BGP Identifier: an IPv4 address, not 0.0.0.0 (RFC 6286 §2.1: a non-zero 4-octet number).
fn router_id(s: &Scalar) -> Result<Ipv4Addr, String> {
    let t = s.text()?;
    match t.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) if a.is_unspecified() => {
            Err("0.0.0.0 cannot be a router id (RFC 6286 §2.1: it is non-zero)".into())
        }
        Ok(IpAddr::V4(a)) => Ok(a),
        Ok(IpAddr::V6(_)) => Err(format!(
            "{t} is an IPv6 address; a BGP router id is 4 octets written like an IPv4 address \
             (RFC 6286 §2.1), also on an IPv6 network: write one like 198.18.0.11"
        )),
        Err(_) => Err(format!(
            "{t:?} is not a router id; write `auto` (the node's IPv4 address) or an IPv4 \
             address like 198.18.0.11"
        )),
    }
}

/// Where each `nodes[].bgp:` is written, with its key path.
fn node_sections(raw: &Sp<RawFile>) -> Vec<(Location, String)> {
    let Some(list) = &raw.value.nodes else {
        return Vec::new();
    };
    list.value
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let b = n.value.bgp.as_ref()?;
            Some((b.referenced, format!("nodes[{i}].bgp")))
        })
        .collect()
}

/// `nodes[].bgp:` of the valid nodes, by name.
fn overrides(d: &mut Diag, raw: &Sp<RawFile>, nodes: &[LocatedNode]) -> BTreeMap<String, NodeBgp> {
    let mut out = BTreeMap::new();
    let Some(list) = &raw.value.nodes else {
        return out;
    };
    for (i, n) in list.value.iter().enumerate() {
        let Some(b) = &n.value.bgp else { continue };
        let path = format!("nodes[{i}].bgp");
        let o = NodeBgp {
            asn: d.opt(b.value.asn.as_ref(), &join(&path, "asn"), asn),
            router_id: d.opt(
                b.value.router_id.as_ref(),
                &join(&path, "router_id"),
                router_id,
            ),
        };
        let node = n
            .value
            .name
            .as_ref()
            .and_then(|v| name(&v.value).ok())
            .filter(|nm| nodes.iter().any(|l| l.node.name == *nm));
        if let Some(nm) = node {
            out.insert(nm, o);
        }
    }
    out
}

/// `bgp.bfd:`: interval 10 ms..=60 s, multiplier 1..=255 (RFC 5880 §4.1: Detect Mult is one
/// octet and non-zero).
fn bfd(d: &mut Diag, b: &Sp<RawBfd>) -> BfdSettings {
    let def = BfdSettings::default();
    let interval = d
        .opt(b.value.interval.as_ref(), "bgp.bfd.interval", |s| {
            let t = duration_of(s)?;
            if t < Duration::from_millis(10) || t > Duration::from_secs(60) {
                return Err("the BFD interval is 10ms to 60s; 300ms (the default) detects a dead peer in 900 ms with multiplier 3".into());
            }
            Ok(t)
        })
        .unwrap_or(def.interval);
    let multiplier = d
        .opt(b.value.multiplier.as_ref(), "bgp.bfd.multiplier", |s| {
            s.int_in(
                1,
                255,
                " (missed packets before the session is declared down)",
            )
            .map(|n| n as u8)
        })
        .unwrap_or(def.multiplier);
    BfdSettings {
        interval,
        multiplier,
    }
}

/// Every node has a router id, unique among the nodes of its AS (RFC 6286 §2.1; a speaker
/// refuses an iBGP OPEN carrying its own identifier, RFC 6286 §2.2). `top` is where
/// `bgp.router_id` is written (or the section, when it is not).
fn router_ids(d: &mut Diag, bgp: &Bgp, top: &Location, raw: &Sp<RawFile>, nodes: &[LocatedNode]) {
    let own_loc = |name: &str| -> Option<(Location, String)> {
        let list = raw.value.nodes.as_ref()?;
        list.value.iter().enumerate().find_map(|(i, n)| {
            let nm = n.value.name.as_ref()?;
            let id = n.value.bgp.as_ref()?.value.router_id.as_ref()?;
            (nm.value == Scalar::Str(name.into()))
                .then(|| (id.referenced, format!("nodes[{i}].bgp.router_id")))
        })
    };
    let mut taken: Vec<(u32, Ipv4Addr, &str)> = Vec::new();
    let mut shared_reported = false;
    for l in nodes {
        let node = &l.node;
        let Some(id) = bgp.router_id_of(node) else {
            d.err(top, if bgp.router_id == RouterId::Auto { "bgp.router_id" } else { "bgp" }, format!(
                "node '{}' has only the IPv6 address {}, and a BGP router id is an IPv4 address (RFC 6286 §2.1): give each node its own, like nodes: [{{ name: {}, address: {}, bgp: {{ router_id: 198.18.0.11 }} }}]",
                node.name, node.address, node.name, node.address
            ));
            continue;
        };
        let asn = bgp.asn_of(node);
        if let Some((_, _, other)) = taken.iter().find(|(a, i, _)| *a == asn && *i == id) {
            match own_loc(&node.name) {
                Some((loc, path)) => d.err(&loc, &path, format!(
                    "router id {id} is already node '{other}''s in AS {asn}; router ids are unique within an AS (RFC 6286 §2.1)"
                )),
                None if !shared_reported => {
                    shared_reported = true;
                    d.err(top, "bgp.router_id", format!(
                        "router id {id} would be used by '{other}' and '{}', both in AS {asn}; router ids are unique within an AS (RFC 6286 §2.1): write `auto` (each node's own address) or give each node its own in nodes[].bgp.router_id",
                        node.name
                    ));
                }
                None => {}
            }
            continue;
        }
        taken.push((asn, id, &node.name));
    }
}

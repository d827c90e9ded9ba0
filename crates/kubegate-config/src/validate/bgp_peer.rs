//! One `bgp.peers:` entry: the router's address (unique) and AS, the session's timers and
//! transport (port, TCP-MD5 key file, TTL), BFD, which nodes talk to it, and who opens the
//! connection.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde_saphyr::Location;

use super::super::duration::{duration_of, format_duration};
use super::super::keys::closest;
use super::super::model::{BgpPeer, DEFAULT_BGP_PORT, DEFAULT_HOLD_TIME};
use super::super::raw::{RawPeer, Sp};
use super::super::scalar::Scalar;
use super::bgp::asn;
use super::diag::{join, Diag};
use super::LocatedNode;

/// Longest hold time a BGP OPEN can carry (RFC 4271 §4.2: two octets of seconds).
const MAX_HOLD_SECS: u64 = 65535;

pub fn peer(
    d: &mut Diag,
    p: &Sp<RawPeer>,
    path: &str,
    nodes: &[LocatedNode],
    vip_addresses: &[(IpAddr, u64)],
    seen: &mut Vec<(IpAddr, u64)>,
) -> Option<BgpPeer> {
    let r = &p.value;
    let here = &p.referenced;
    let k = |key: &str| join(path, key);
    let address = d.req(
        r.address.as_ref(),
        here,
        path,
        "address",
        "write the router's address, like 198.18.0.1",
        peer_address,
    );
    if let (Some(a), Some(v)) = (address, r.address.as_ref()) {
        if let Some((_, line)) = seen.iter().find(|(s, _)| *s == a) {
            d.err(&v.referenced, &k("address"), format!("{a} is already the peer at line {line}; list each router once (a peer only some nodes talk to takes `nodes: [...]`)"));
        }
        seen.push((a, v.referenced.line()));
        if let Some(n) = nodes.iter().find(|n| n.node.address == a) {
            d.err(&v.referenced, &k("address"), format!("{a} is node '{}''s own address; a peer is a router the nodes talk to, not one of them", n.node.name));
        } else if let Some((_, line)) = vip_addresses.iter().find(|(ip, _)| *ip == a) {
            d.err(&v.referenced, &k("address"), format!("{a} is the address of the VIP at line {line}; a peer is a router's own address"));
        }
    }
    let peer_asn = d.req(
        r.asn.as_ref(),
        here,
        path,
        "asn",
        "write the router's AS number, like asn: 64500",
        asn,
    );
    let port = d
        .opt(r.port.as_ref(), &k("port"), |s| {
            s.int_in(1, 65535, "").map(|n| n as u16)
        })
        .unwrap_or(DEFAULT_BGP_PORT);
    let password_file = d.opt(r.password_file.as_ref(), &k("password_file"), |s| {
        let t = s.text()?;
        if t.is_empty() {
            return Err(
                "the path is empty; write the file holding the TCP-MD5 key, like \
                        /etc/kubegate/bgp-router1.key (readable by its owner only)"
                    .into(),
            );
        }
        Ok(PathBuf::from(t))
    });
    let hold_time = d.opt(r.hold_time.as_ref(), &k("hold_time"), hold_time);
    let keepalive = keepalive(
        d,
        r.keepalive.as_ref().map(|v| (v, k("keepalive"))),
        hold_time,
    );
    let multihop = d
        .opt(r.multihop.as_ref(), &k("multihop"), |s| {
            s.int_in(
                1,
                255,
                " (the TTL of the session's packets; 1 = directly connected)",
            )
            .map(|n| n as u8)
        })
        .unwrap_or(1);
    let bfd = d
        .opt(r.bfd.as_ref(), &k("bfd"), Scalar::boolean)
        .unwrap_or(false);
    let passive = d
        .opt(r.passive.as_ref(), &k("passive"), Scalar::boolean)
        .unwrap_or(false);
    if passive {
        if let Some(at) = r.passive.as_ref() {
            // The speaker is always the active side (RFC 4271 §8.1.1) and listens on no
            // port: a node that waited would never peer.
            d.err(
                &at.referenced,
                &k("passive"),
                "kubegate connects to the router itself and does not listen for BGP \
                 connections, so `passive: true` is not supported; leave it out (FRR, BIRD \
                 and GoBGP accept a configured neighbour's connection)"
                    .to_string(),
            );
        }
    }
    let peer_nodes = match &r.nodes {
        Some(list) => Some(node_names(d, list, &k("nodes"), nodes)?),
        None => None,
    };
    let hold_time = hold_time.unwrap_or(DEFAULT_HOLD_TIME);
    Some(BgpPeer {
        address: address?,
        asn: peer_asn?,
        port,
        password_file,
        hold_time,
        keepalive: keepalive?,
        multihop,
        bfd,
        nodes: peer_nodes,
    })
}

/// A router's own address: unicast, not a wildcard.
fn peer_address(s: &Scalar) -> Result<IpAddr, String> {
    let t = s.text()?;
    let ip: IpAddr = t.parse().map_err(|_| {
        format!("{t:?} is not an IP address; write the router's address, like 198.18.0.1 (names are not resolved, no prefix length)")
    })?;
    if ip.is_unspecified() || ip.is_multicast() {
        return Err(format!(
            "{ip} cannot be a peer; write the router's own unicast address"
        ));
    }
    Ok(ip)
}

/// 0, or whole seconds from 3 s to 65535 s (RFC 4271 §4.2: "MUST be either zero or at least
/// three seconds").
fn hold_time(s: &Scalar) -> Result<Duration, String> {
    let t = duration_of(s)?;
    let rule = "hold_time is 0s (no hold timer, no keepalives) or whole seconds from 3s to \
                65535s (RFC 4271 §4.2)";
    if t.subsec_nanos() != 0 {
        return Err(format!(
            "{} is not whole seconds; {rule}",
            format_duration(t)
        ));
    }
    match t.as_secs() {
        0 | 3..=MAX_HOLD_SECS => Ok(t),
        _ => Err(format!("{} is out of range; {rule}", format_duration(t))),
    }
}

/// Below the hold time, a third of it by default (RFC 4271 §10); none with hold time 0
/// (RFC 4271 §4.4). `hold` is `None` when the hold time was wrong (then only the keepalive's
/// own value is checked).
fn keepalive(
    d: &mut Diag,
    written: Option<(&super::super::raw::Value, String)>,
    hold: Option<Duration>,
) -> Option<Duration> {
    let hold_known = hold.unwrap_or(DEFAULT_HOLD_TIME);
    let Some((v, path)) = written.filter(|(v, _)| v.value != Scalar::Null) else {
        return Some(Duration::from_secs(hold_known.as_secs() / 3));
    };
    let t = d.opt(Some(v), &path, duration_of)?;
    let at: &Location = &v.referenced;
    if hold_known.is_zero() {
        d.err(
            at,
            &path,
            "with hold_time 0s no KEEPALIVE is sent (RFC 4271 §4.4): remove `keepalive`",
        );
        return None;
    }
    if t.is_zero() {
        d.err(at, &path, format!("a keepalive of 0s cannot keep the session up; leave it out for a third of the hold time ({})", format_duration(hold_known / 3)));
        return None;
    }
    if t >= hold_known {
        d.err(at, &path, format!("keepalive {} must be shorter than hold_time {} or the peer drops the session; a third of it is usual (RFC 4271 §10)", format_duration(t), format_duration(hold_known)));
        return None;
    }
    Some(t)
}

/// `nodes: [kg1, kg2]`: each a node of the file, once; not empty.
fn node_names(
    d: &mut Diag,
    list: &Sp<Vec<super::super::raw::Value>>,
    path: &str,
    nodes: &[LocatedNode],
) -> Option<Vec<String>> {
    if list.value.is_empty() {
        d.err(&list.referenced, path, "the list is empty; name the nodes that talk to this peer, or leave `nodes` out for every node");
        return None;
    }
    let known: Vec<&str> = nodes.iter().map(|n| n.node.name.as_str()).collect();
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for (i, v) in list.value.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let name = match v.value.text() {
            Ok(n) => n,
            Err(msg) => {
                d.err(&v.referenced, &p, msg);
                ok = false;
                continue;
            }
        };
        if !known.contains(&name) {
            let mut msg = format!("no node is named '{name}'");
            match closest(name, &known) {
                Some(best) => msg.push_str(&format!("; did you mean '{best}'?")),
                None => msg.push_str(&format!(" (nodes: {})", known.join(", "))),
            }
            d.err(&v.referenced, &p, msg);
            ok = false;
        } else if out.iter().any(|o| o == name) {
            d.err(
                &v.referenced,
                &p,
                format!("'{name}' is listed twice; list it once"),
            );
            ok = false;
        } else {
            out.push(name.to_string());
        }
    }
    ok.then_some(out)
}

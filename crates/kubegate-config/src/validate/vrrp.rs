//! A VIP's `vrrp:` section: VRID, version, advertisement interval, transport, preemption,
//! priorities (with the default rule), v2 authentication, the v3 checksum form, and the
//! routers besides the nodes that take part (`extra_peers`, `accept_any_source`).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use super::super::duration::duration_of;
use super::super::keys::closest;
use super::super::model::{
    ChecksumForm, Transport, Version, VrrpSettings, DEFAULT_ADVERT_INTERVAL_V3,
};
use super::super::raw::{RawVrrp, Sp};
use super::super::scalar::Scalar;
use super::diag::{choice, join, Diag};
use super::vip::Seen;
use super::LocatedNode;

pub fn vrrp(
    d: &mut Diag,
    v: &Sp<RawVrrp>,
    path: &str,
    vip: Option<IpAddr>,
    nodes: &[LocatedNode],
    seen: &mut Seen,
) -> Option<VrrpSettings> {
    let r = &v.value;
    let p = |k: &str| join(path, k);
    let vrid = d.req(
        r.vrid.as_ref(),
        &v.referenced,
        path,
        "vrid",
        "use a number from 1 to 255 (the same on every node of this VIP)",
        |s| {
            s.int_in(1, 255, " (the same on every node of this VIP)")
                .map(|n| n as u8)
        },
    );
    if let (Some(id), Some(loc)) = (vrid, r.vrid.as_ref()) {
        if let Some((_, line)) = seen.vrids.iter().find(|(s, _)| *s == id) {
            d.err(&loc.referenced, &p("vrid"), format!("VRID {id} is already used by the VIP at line {line}; give each VIP its own VRID"));
        }
        seen.vrids.push((id, loc.referenced.line()));
    }

    let version = d
        .opt(r.version.as_ref(), &p("version"), |s| match s {
            Scalar::Int(2) => Ok(Version::V2),
            Scalar::Int(3) => Ok(Version::V3),
            other => Err(format!("{} is not a VRRP version; use 3 (RFC 5798) or 2 (RFC 3768, for old keepalived peers)", other.describe())),
        })
        .unwrap_or(Version::V3);
    if let (Version::V2, Some(IpAddr::V6(_)), Some(loc)) = (version, vip, r.version.as_ref()) {
        // RFC 3768 §1: VRRPv2 is defined for IPv4 only; RFC 5798 adds IPv6.
        d.err(
            &loc.referenced,
            &p("version"),
            "VRRP version 2 is IPv4 only (RFC 3768); use version 3 for an IPv6 VIP",
        );
    }

    let advert_interval = match d.opt(r.advert_interval.as_ref(), &p("advert_interval"), |s| {
        let t = duration_of(s)?;
        advert_interval_ok(version, t).map(|()| t)
    }) {
        Some(t) => t,
        None if version == Version::V2 => Duration::from_secs(1),
        None => DEFAULT_ADVERT_INTERVAL_V3,
    };

    let transport = d
        .opt(r.transport.as_ref(), &p("transport"), |s| {
            choice(s, &["unicast", "multicast"]).map(|c| {
                if c == "unicast" {
                    Transport::Unicast
                } else {
                    Transport::Multicast
                }
            })
        })
        .unwrap_or(Transport::Unicast);
    if transport == Transport::Unicast && nodes.len() == 1 && seen.nodes_complete {
        let loc = r.transport.as_ref().map_or(v.referenced, |t| t.referenced);
        d.err(&loc, &p("transport"), "unicast VRRP needs at least two nodes to talk to; add the other nodes under `nodes:` or use `transport: multicast`");
    }

    let preempt = d
        .opt(r.preempt.as_ref(), &p("preempt"), Scalar::boolean)
        .unwrap_or(true);
    let preempt_delay = d
        .opt(r.preempt_delay.as_ref(), &p("preempt_delay"), |s| {
            let t = duration_of(s)?;
            if t > Duration::from_secs(1000) {
                return Err("preempt_delay is longer than 1000s (keepalived's limit too); use a shorter delay".into());
            }
            Ok(t)
        })
        .unwrap_or(Duration::ZERO);

    let priority = priorities(d, v, path, vip, nodes);

    let auth_pass = d.opt(r.auth_pass.as_ref(), &p("auth_pass"), |s| {
        if version == Version::V3 {
            // RFC 5798 §1 / §5.1: version 3 removed authentication.
            return Err("auth_pass is VRRPv2 PASS authentication; version 3 has none (RFC 5798); remove it or set `version: 2`".into());
        }
        let text = match s {
            Scalar::Str(t) => t.clone(),
            Scalar::Int(n) => n.to_string(),
            other => return Err(format!("expected a password of 1 to 8 characters, found {}", other.describe())),
        };
        // RFC 3768 §5.3.6.1: the password fills the 8 octets of Authentication Data.
        if text.is_empty() || text.len() > 8 {
            return Err(format!(
                "the password is {} bytes; VRRPv2 PASS carries 1 to 8 bytes (keepalived silently cuts longer ones, so peers may disagree)",
                text.len()
            ));
        }
        let mut out = [0u8; 8];
        out[..text.len()].copy_from_slice(text.as_bytes());
        Ok(out)
    });

    let checksum = d
        .opt(r.checksum.as_ref(), &p("checksum"), |s| {
            let c = choice(s, &["pseudo-header", "rfc9568"])?;
            if version == Version::V2 {
                return Err("checksum applies to version 3 only; VRRPv2 checksums never include a pseudo-header (RFC 3768 §5.3.8); remove it".into());
            }
            if c == "rfc9568" && matches!(vip, Some(IpAddr::V6(_))) {
                // RFC 5798 §5.2.8: over IPv6 the pseudo-header is always part of the checksum.
                return Err("over IPv6 the checksum always includes the pseudo-header (RFC 5798 §5.2.8); remove `checksum`".into());
            }
            Ok(if c == "rfc9568" { ChecksumForm::MessageOnly } else { ChecksumForm::PseudoHeader })
        })
        .unwrap_or(ChecksumForm::PseudoHeader);

    let extra_peers = extra_peers(d, r, path, vip, nodes);
    let accept_any_source = d
        .opt(
            r.accept_any_source.as_ref(),
            &p("accept_any_source"),
            Scalar::boolean,
        )
        .unwrap_or(false);
    if let (true, Transport::Unicast, Some(loc)) =
        (accept_any_source, transport, r.accept_any_source.as_ref())
    {
        d.err(&loc.referenced, &p("accept_any_source"), "accept_any_source applies to `transport: multicast`; unicast adverts are taken from the nodes and `extra_peers` only (name a router that is not a node in `extra_peers`)");
    }

    Some(VrrpSettings {
        vrid: vrid?,
        version,
        advert_interval,
        transport,
        preempt,
        preempt_delay,
        priority: priority?,
        auth_pass,
        checksum,
        extra_peers: extra_peers?,
        accept_any_source,
    })
}

/// `extra_peers: [ADDRESS, …]`: VRRP routers of the VRID that are not nodes (a keepalived
/// kept during a migration). Plain addresses of the VIP's family, none a node's, no repeats.
fn extra_peers(
    d: &mut Diag,
    r: &RawVrrp,
    path: &str,
    vip: Option<IpAddr>,
    nodes: &[LocatedNode],
) -> Option<Vec<IpAddr>> {
    let Some(list) = &r.extra_peers else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, v) in list.value.iter().enumerate() {
        let here = format!("{}[{i}]", join(path, "extra_peers"));
        let parsed = d.opt(Some(v), &here, |s| {
            let a: IpAddr = s.text().ok().and_then(|t| t.parse().ok()).ok_or_else(|| {
                format!(
                    "{} is not an IP address; write the other router's own address, like 10.0.0.9",
                    s.describe()
                )
            })?;
            if vip.is_some_and(|v| v.is_ipv4() != a.is_ipv4()) {
                return Err(format!("{a} is not of the VIP's address family; a VRRP router speaks for one family (RFC 5798 §5.2.9)"));
            }
            if let Some(n) = nodes.iter().find(|n| n.node.address == a) {
                return Err(format!("{a} is node {}'s address, already a peer; list only routers that are not under `nodes:`", n.node.name));
            }
            if out.contains(&a) {
                return Err(format!("{a} is listed twice; keep one"));
            }
            Ok(a)
        });
        match parsed {
            Some(a) => out.push(a),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn advert_interval_ok(version: Version, t: Duration) -> Result<(), String> {
    let ms = t.as_millis();
    match version {
        // RFC 5798 §5.2.7: 12-bit Max Adver Int in centiseconds, 1..=4095.
        Version::V3 if !ms.is_multiple_of(10) || !(10..=40_950).contains(&ms) => Err(format!(
            "{ms}ms is not a VRRPv3 interval; use a multiple of 10ms from 10ms to 40.95s (like 100ms or 1s)"
        )),
        // RFC 3768 §5.3.7: Adver Int is whole seconds in 8 bits; 0 is meaningless.
        Version::V2 if !ms.is_multiple_of(1000) || !(1_000..=255_000).contains(&ms) => Err(format!(
            "{ms}ms is not a VRRPv2 interval; version 2 counts whole seconds from 1s to 255s (for sub-second failover use version 3)"
        )),
        _ => Ok(()),
    }
}

/// The default priorities, by order of `nodes:`: the first node 150, the last 50, the others
/// evenly spaced between (rounded down): 1 node → 150; 2 → 150, 50; 3 → 150, 100, 50;
/// 5 → 150, 125, 100, 75, 50. Distinct for up to 101 nodes; beyond that, `None` (write them).
pub fn default_priorities(n: usize) -> Option<Vec<u8>> {
    if n > 101 {
        return None;
    }
    if n == 1 {
        return Some(vec![150]);
    }
    Some((0..n).map(|i| (150 - (100 * i) / (n - 1)) as u8).collect())
}

fn priorities(
    d: &mut Diag,
    v: &Sp<RawVrrp>,
    path: &str,
    vip: Option<IpAddr>,
    nodes: &[LocatedNode],
) -> Option<BTreeMap<String, u8>> {
    let r = &v.value;
    let ppath = join(path, "priority");
    let Some(map) = r.priority.as_ref().filter(|m| !m.value.0.is_empty()) else {
        let Some(defaults) = default_priorities(nodes.len()) else {
            d.err(
                &v.referenced,
                path,
                "more than 101 nodes: write `priority:` for each node",
            );
            return None;
        };
        return Some(
            nodes
                .iter()
                .zip(defaults)
                .map(|(n, p)| (n.node.name.clone(), p))
                .collect(),
        );
    };
    let names: Vec<&str> = nodes.iter().map(|n| n.node.name.as_str()).collect();
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (key, value) in &map.value.0 {
        let kpath = join(&ppath, &key.value);
        let Some(node) = nodes.iter().find(|n| n.node.name == key.value) else {
            let mut msg = format!("'{}' is not a node in `nodes:`", key.value);
            match closest(&key.value, &names) {
                Some(best) => msg.push_str(&format!("; did you mean '{best}'?")),
                None => msg.push_str(&format!(" (nodes: {})", names.join(", "))),
            }
            d.err(&key.referenced, &ppath, msg);
            ok = false;
            continue;
        };
        let Some(p) = d.opt(Some(value), &kpath, |s| s.int_in(1, 255, "")) else {
            ok = false;
            continue;
        };
        // RFC 5798 §5.2.4: 255 is reserved for the router that owns the address.
        if p == 255 && Some(node.node.address) != vip {
            d.err(&value.referenced, &kpath, "255 is reserved for the owner of the VIP address (RFC 5798 §5.2.4), which this node is not; use 1 to 254");
            ok = false;
            continue;
        }
        out.insert(key.value.clone(), p as u8);
    }
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !out.contains_key(*n))
        .collect();
    if ok && !missing.is_empty() {
        d.err(&map.referenced, &ppath, format!(
            "no priority for {}; give every node a priority, or leave `priority` out for the default (150 down to 50 by order of nodes)",
            missing.join(", ")
        ));
        ok = false;
    }
    ok.then_some(out)
}

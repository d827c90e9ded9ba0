//! One `vips:` entry with `bgp:` instead of `vrrp:`: a host route announced by every node whose
//! trackers pass. Its name and address share the uniqueness checks of the VRRP VIPs; the keys
//! that only mean something for VRRP are refused with the reason.

use std::fmt::Display;
use std::net::IpAddr;

use serde_saphyr::Location;

use super::super::model::BgpVip;
use super::super::raw::{RawVip, RawVipBgp, Sp, Value};
use super::super::scalar::Scalar;
use super::community::{community, large_community};
use super::diag::{join, name, Diag};
use super::vip::{unique_name, vip_address, Seen};
use super::{track, LocatedNode};

pub fn bgp_vip(
    d: &mut Diag,
    v: &Sp<RawVip>,
    bgp: &Sp<RawVipBgp>,
    path: &str,
    nodes: &[LocatedNode],
    seen: &mut Seen,
) -> Option<BgpVip> {
    let r = &v.value;
    let here = &v.referenced;
    let nm = d.req(
        r.name.as_ref(),
        here,
        path,
        "name",
        "give the VIP a name, like api",
        name,
    );
    unique_name(d, nm.as_deref(), r, path, seen);
    refuse_vrrp_keys(d, r, path);
    let address = address(d, r, here, path, nodes, seen);

    let track = match &r.track {
        Some(list) => {
            for (i, t) in list.value.iter().enumerate() {
                if let Some(w) = &t.value.weight {
                    d.err(
                        &w.referenced,
                        &format!("{path}.track[{i}].weight"),
                        "weights change VRRP priorities; a BGP VIP is announced while every \
                         tracker passes and withdrawn as soon as one fails: remove `weight`",
                    );
                }
            }
            track::trackers(d, list, &join(path, "track"), &mut seen.frontend_refs)
        }
        None => Vec::new(),
    };

    let b = &bgp.value.0;
    let bp = join(path, "bgp");
    let communities = unique_list(
        d,
        b.communities.as_ref(),
        &join(&bp, "communities"),
        community,
    );
    let large_communities = unique_list(
        d,
        b.large_communities.as_ref(),
        &join(&bp, "large_communities"),
        large_community,
    );
    let local_pref = d.opt(b.local_pref.as_ref(), &join(&bp, "local_pref"), |s| {
        s.int_in(0, u32::MAX.into(), " (LOCAL_PREF, RFC 4271 §5.1.5)")
            .map(|n| n as u32)
    });
    let med = d.opt(b.med.as_ref(), &join(&bp, "med"), |s| {
        s.int_in(0, u32::MAX.into(), " (MULTI_EXIT_DISC, RFC 4271 §5.1.4)")
            .map(|n| n as u32)
    });
    Some(BgpVip {
        name: nm?,
        address: address?,
        communities: communities?,
        large_communities: large_communities?,
        local_pref,
        med,
        track,
    })
}

/// Keys that belong to VRRP VIPs, each with why a BGP VIP has no use for it.
fn refuse_vrrp_keys(d: &mut Diag, r: &RawVip, path: &str) {
    const ROUTED: &str = "a BGP VIP is not on a shared segment: the routers send its traffic to \
                          the nodes that announce it";
    let mut refuse = |loc: Option<&Location>, key: &str, why: &str| {
        if let Some(loc) = loc {
            d.err(loc, &join(path, key), format!("{why}: remove `{key}`"));
        }
    };
    refuse(loc_of(&r.interface), "interface", ROUTED);
    refuse(loc_of(&r.label), "label", ROUTED);
    refuse(
        r.addresses.as_ref().map(|v| &v.referenced),
        "addresses",
        "a BGP VIP announces one host route: write it as `address:` and give each other \
         address a VIP of its own",
    );
    refuse(
        r.announce.as_ref().map(|v| &v.referenced),
        "announce",
        "gratuitous ARPs and unsolicited NAs are sent for VRRP VIPs only; a BGP VIP is \
         announced to the routers in UPDATEs",
    );
    refuse(
        loc_of(&r.group),
        "group",
        "groups move VRRP VIPs together between nodes; a BGP VIP is announced by every \
         healthy node on its own",
    );
    for (key, v) in [
        ("notify", &r.notify),
        ("notify_master", &r.notify_master),
        ("notify_backup", &r.notify_backup),
        ("notify_fault", &r.notify_fault),
    ] {
        refuse(
            loc_of(v),
            key,
            "notify programs are run on VRRP state changes (MASTER, BACKUP, FAULT); a BGP VIP \
             has no such states, and has no notify hook yet",
        );
    }
    if let Some(v) = &r.vrrp {
        d.err(
            &v.referenced,
            &join(path, "vrrp"),
            "this VIP has both `vrrp:` and `bgp:`; a VIP is either held by one node at a time \
             (`vrrp:`) or announced over BGP by every healthy node (`bgp:`): keep one of them",
        );
    }
}

fn loc_of(v: &Option<Value>) -> Option<&Location> {
    v.as_ref().map(|v| &v.referenced)
}

/// The VIP's address: a host route (no other prefix length), unused by other VIPs and nodes.
fn address(
    d: &mut Diag,
    r: &RawVip,
    here: &Location,
    path: &str,
    nodes: &[LocatedNode],
    seen: &mut Seen,
) -> Option<IpAddr> {
    let p = join(path, "address");
    let v = match (&r.address, &r.addresses) {
        (Some(v), _) if v.value != Scalar::Null => v,
        (_, Some(_)) => return None,
        _ => {
            d.err(
                here,
                path,
                "missing key 'address'; write the address to announce, like 198.18.10.50/32 \
                 (or 198.18.10.50: a BGP VIP is always a host route)",
            );
            return None;
        }
    };
    let (ip, len) = d.opt(Some(v), &p, vip_address)?;
    let loc = &v.referenced;
    let host = if ip.is_ipv4() { 32 } else { 128 };
    if len != host {
        d.err(
            loc,
            &p,
            format!(
                "a BGP VIP is announced as a host route, so its prefix is /{host}: write \
                 {ip}/{host} or {ip} (/{len} would announce a whole network)"
            ),
        );
        return None;
    }
    if let Some((_, line)) = seen.addresses.iter().find(|(s, _)| *s == ip) {
        d.err(loc, &p, format!("{ip} is already the address of the VIP at line {line}; each VIP needs its own address"));
    }
    seen.addresses.push((ip, loc.line()));
    if let Some(n) = nodes.iter().find(|n| n.node.address == ip) {
        d.err(
            loc,
            &p,
            format!(
                "{ip} is node '{}''s own address; a VIP must be an address no node has",
                n.node.name
            ),
        );
        return None;
    }
    Some(ip)
}

/// A list of values read by `f`, each at most once; `None` when one is wrong (reported).
fn unique_list<T: PartialEq + Display>(
    d: &mut Diag,
    list: Option<&Sp<Vec<Value>>>,
    path: &str,
    f: impl Fn(&Scalar) -> Result<T, String>,
) -> Option<Vec<T>> {
    let Some(list) = list else {
        return Some(Vec::new());
    };
    let mut out: Vec<T> = Vec::new();
    let mut ok = true;
    for (i, v) in list.value.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let t = match f(&v.value) {
            Ok(t) => t,
            Err(msg) => {
                d.err(&v.referenced, &p, msg);
                ok = false;
                continue;
            }
        };
        if out.contains(&t) {
            d.err(
                &v.referenced,
                &p,
                format!("{t} is listed twice; list it once"),
            );
            ok = false;
            continue;
        }
        out.push(t);
    }
    ok.then_some(out)
}

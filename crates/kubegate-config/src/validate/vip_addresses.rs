//! The addresses of one VIP: `address:` (one) or `addresses:` (several, keepalived's
//! `virtual_ipaddress` list), each unused by other VIPs and nodes, all of one family.

use std::net::IpAddr;

use serde_saphyr::Location;

use super::super::raw::{RawVip, Value};
use super::diag::{join, Diag};
use super::vip::{vip_address, Seen};
use super::LocatedNode;

/// Every address of the VIP with its prefix, the first first; `None` when one does not parse
/// (reported). Clashes with other VIPs and nodes are reported but still return the list, so
/// the settings that depend on the family are checked too.
pub fn addresses(
    d: &mut Diag,
    r: &RawVip,
    here: &Location,
    path: &str,
    nodes: &[LocatedNode],
    seen: &mut Seen,
) -> Option<Vec<(IpAddr, u8)>> {
    let written: Vec<(&Value, String)> = match (&r.address, &r.addresses) {
        (Some(_), Some(list)) => {
            d.err(
                &list.referenced,
                &join(path, "addresses"),
                "`address` and `addresses` are both written; write one address as `address:` \
                 or all of them in `addresses: [A, B]` (move `address` into the list)",
            );
            return None;
        }
        (None, None) => {
            d.err(
                here,
                path,
                "missing key 'address'; write the virtual address, like 10.0.0.50/24 \
                 (several that move together: `addresses: [10.0.0.50/24, 10.0.0.60/24]`)",
            );
            return None;
        }
        (Some(a), None) => vec![(a, join(path, "address"))],
        (None, Some(list)) if list.value.is_empty() => {
            d.err(
                &list.referenced,
                &join(path, "addresses"),
                "the list is empty; write the VIP's addresses, like [10.0.0.50/24, 10.0.0.60/24]",
            );
            return None;
        }
        (None, Some(list)) => list
            .value
            .iter()
            .enumerate()
            .map(|(i, v)| (v, format!("{}[{i}]", join(path, "addresses"))))
            .collect(),
    };
    let mut out: Vec<(IpAddr, u8)> = Vec::new();
    let mut ok = true;
    for (v, p) in written {
        let Some((a, len)) = d.opt(Some(v), &p, vip_address) else {
            ok = false;
            continue;
        };
        one(
            d,
            &v.referenced,
            &p,
            a,
            out.first().map(|f| f.0),
            nodes,
            seen,
        );
        out.push((a, len));
    }
    ok.then_some(out)
}

/// Checks one address against the VIP's first, the nodes and the other VIPs; records it.
fn one(
    d: &mut Diag,
    loc: &Location,
    p: &str,
    a: IpAddr,
    first: Option<IpAddr>,
    nodes: &[LocatedNode],
    seen: &mut Seen,
) {
    if let Some((_, line)) = seen.addresses.iter().find(|(s, _)| *s == a) {
        d.err(loc, p, format!("{a} is already the address of the VIP at line {line}; each VIP needs its own address"));
    }
    seen.addresses.push((a, loc.line()));
    if let Some(f) = first.filter(|f| f.is_ipv4() != a.is_ipv4()) {
        d.err(
            loc,
            p,
            format!(
            "{a} is not of the same IP family as {f}, the VIP's first address; a VRRP instance \
             carries addresses of one family (RFC 5798 §5.2.9: an advert lists addresses of the \
             family it is sent in): give the {} addresses their own VIP with its own vrid",
            if a.is_ipv4() { "IPv4" } else { "IPv6" }
        ),
        );
    } else if let Some(n) = nodes.iter().find(|n| n.node.address == a) {
        d.err(loc, p, format!(
            "{a} is node '{}''s own address; a VIP must be an unused address (owner mode, priority 255, is not supported yet)",
            n.node.name
        ));
    } else if let Some(n) = nodes
        .iter()
        .find(|n| n.node.address.is_ipv4() != a.is_ipv4())
    {
        d.err(loc, p, format!(
            "{a} is not of the same IP family as the node addresses ({} has {}); VRRP runs between the nodes in the VIP's family",
            n.node.name, n.node.address
        ));
    }
}

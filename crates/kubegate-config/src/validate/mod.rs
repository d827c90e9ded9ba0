//! Validation: the raw file (`raw.rs`) → the model (`model.rs`), every problem reported with its
//! position. Nodes and whole-file cross-checks live here; one VIP in `vip.rs`, its addresses in
//! `vip_addresses.rs`, its VRRP settings in
//! `vrrp.rs`, its trackers and announcements in `track.rs`; one frontend in `frontend.rs`, its
//! addresses in `address.rs`, its listener against its own backends in `overlap.rs`, its health
//! check and timeouts in `check.rs`; `admin:` in `admin.rs`; a VIP with `bgp:` in `bgp_vip.rs`
//! (its communities in `community.rs`), the top-level `bgp:` in `bgp.rs`, one peer in
//! `bgp_peer.rs`.

mod address;
mod admin;
mod bgp;
mod bgp_peer;
mod bgp_vip;
mod check;
mod community;
mod diag;
mod frontend;
mod overlap;
mod track;
mod vip;
mod vip_addresses;
mod vrrp;

use std::net::IpAddr;
use std::path::Path;

use serde_saphyr::Location;

use super::error::ConfigError;
use super::model::{ClusterConfig, Node};
use super::raw::{RawFile, Sp};
pub use check::check_path;
use diag::{join, name, Diag};
pub use track::step_aside_weight;
pub use vip::if_name;
pub use vrrp::default_priorities;

/// A node with where its name and address were written.
pub(crate) struct LocatedNode {
    pub node: Node,
    pub address_loc: Location,
}

pub fn validate(raw: &Sp<RawFile>, file: &Path) -> Result<ClusterConfig, Vec<ConfigError>> {
    let mut d = Diag::new(file);
    let r = &raw.value;
    let vip_list = r.vips.as_ref().filter(|l| !l.value.is_empty());
    let frontend_list = r.frontends.as_ref().filter(|l| !l.value.is_empty());
    // Nodes are needed for VRRP only: a file with frontends alone (a node-local balancer) may
    // leave them out.
    let nodes = nodes(&mut d, raw, vip_list.is_some());
    let mut vips = Vec::new();
    let mut bgp_vips = Vec::new();
    let mut seen = vip::Seen::default();
    seen.nodes_complete = d.errors.is_empty();
    seen.bgp_section = r.bgp.is_some();
    let mut first_bgp_vip = None;
    if let Some(list) = vip_list {
        for (i, v) in list.value.iter().enumerate() {
            let path = format!("vips[{i}]");
            if let Some(b) = &v.value.bgp {
                first_bgp_vip.get_or_insert_with(|| (b.referenced, join(&path, "bgp")));
                if let Some(vip) = bgp_vip::bgp_vip(&mut d, v, b, &path, &nodes, &mut seen) {
                    bgp_vips.push(vip);
                }
            } else if let Some(vip) = vip::vip(&mut d, v, &path, &nodes, &mut seen) {
                vips.push(vip);
            }
        }
    }
    vip::check_groups(&mut d, &seen, &vips, &nodes);
    let needs = bgp::Needs {
        first_bgp_vip,
        vip_addresses: seen.addresses.clone(),
    };
    let bgp = bgp::bgp(&mut d, raw, &nodes, &needs);
    let mut frontends = Vec::new();
    let mut fseen = frontend::Seen::default();
    if let Some(list) = frontend_list {
        for (i, f) in list.value.iter().enumerate() {
            let path = format!("frontends[{i}]");
            if let Some(f) =
                frontend::frontend(&mut d, f, &path, &nodes, &vips, &bgp_vips, &mut fseen)
            {
                frontends.push(f);
            }
        }
    }
    track::check_frontend_refs(&mut d, &seen.frontend_refs, &fseen.names);
    if vip_list.is_none() && frontend_list.is_none() {
        nothing_to_run(&mut d, raw);
    }
    let admin = admin::admin(&mut d, r.admin.as_ref());
    if !d.errors.is_empty() {
        return Err(d.errors);
    }
    Ok(ClusterConfig {
        admin,
        source: file.to_path_buf(),
        nodes: nodes.into_iter().map(|n| n.node).collect(),
        vips,
        bgp_vips,
        bgp,
        frontends,
    })
}

/// Neither a VIP nor a frontend: say so where the user wrote (or left out) the lists.
fn nothing_to_run(d: &mut Diag, raw: &Sp<RawFile>) {
    const VIP: &str = "a VIP (name, address, vrrp: { vrid })";
    const FRONTEND: &str = "a frontend (name, bind, backends)";
    match (&raw.value.vips, &raw.value.frontends) {
        (Some(list), _) => d.err(
            &list.referenced,
            "vips",
            format!("the list is empty; add at least {VIP}, or {FRONTEND} under `frontends:`"),
        ),
        (None, Some(list)) => d.err(
            &list.referenced,
            "frontends",
            format!("the list is empty; add at least {FRONTEND}, or {VIP} under `vips:`"),
        ),
        (None, None) => d.err(
            &raw.referenced,
            "",
            format!("nothing to run: add `vips:` with at least {VIP}, `frontends:` with at least {FRONTEND}, or both"),
        ),
    }
}

fn nodes(d: &mut Diag, raw: &Sp<RawFile>, required: bool) -> Vec<LocatedNode> {
    const HOW: &str = "list the machines that run kubegate, like \
                       nodes: [{ name: master1, address: 10.0.0.51 }]";
    let list = match &raw.value.nodes {
        Some(list) if !list.value.is_empty() => list,
        _ if !required => return Vec::new(),
        Some(list) => {
            d.err(
                &list.referenced,
                "nodes",
                format!("the list is empty; {HOW}"),
            );
            return Vec::new();
        }
        None => {
            d.err(&raw.referenced, "", format!("missing key 'nodes'; {HOW}"));
            return Vec::new();
        }
    };
    let mut out: Vec<LocatedNode> = Vec::new();
    for (i, n) in list.value.iter().enumerate() {
        let path = format!("nodes[{i}]");
        let r = &n.value;
        let nm = d.req(
            r.name.as_ref(),
            &n.referenced,
            &path,
            "name",
            "give each node a name, like master1",
            name,
        );
        let addr = d.req(
            r.address.as_ref(),
            &n.referenced,
            &path,
            "address",
            "give the node's own IP address, like 10.0.0.51",
            node_address,
        );
        let (Some(nm), Some(addr)) = (nm, addr) else {
            continue;
        };
        let name_loc = r
            .name
            .as_ref()
            .map(|v| v.referenced)
            .unwrap_or(n.referenced);
        let address_loc = r
            .address
            .as_ref()
            .map(|v| v.referenced)
            .unwrap_or(n.referenced);
        if let Some(prev) = out.iter().find(|o| o.node.name == nm) {
            let line = prev.address_loc.line();
            d.err(&name_loc, &join(&path, "name"), format!("node name '{nm}' is already used by the node at line {line}; names must be unique"));
            continue;
        }
        if let Some(prev) = out.iter().find(|o| o.node.address == addr) {
            d.err(
                &address_loc,
                &join(&path, "address"),
                format!(
                    "{addr} is already the address of node '{}'; each node needs its own address",
                    prev.node.name
                ),
            );
            continue;
        }
        if let Some(first) = out.first() {
            if first.node.address.is_ipv4() != addr.is_ipv4() {
                d.err(&address_loc, &join(&path, "address"), format!(
                    "{addr} is not of the same IP family as node '{}' ({}); VRRP peers talk in one family, so give all nodes IPv4 or all IPv6 addresses",
                    first.node.name, first.node.address
                ));
                continue;
            }
        }
        out.push(LocatedNode {
            node: Node {
                name: nm,
                address: addr,
            },
            address_loc,
        });
    }
    out
}

fn node_address(v: &super::scalar::Scalar) -> Result<IpAddr, String> {
    let s = v.text()?;
    if let Some((a, _)) = s.split_once('/') {
        if a.parse::<IpAddr>().is_ok() {
            return Err(format!(
                "write the node's address without a prefix length: {a}"
            ));
        }
    }
    s.parse::<IpAddr>()
        .map_err(|_| format!("{s:?} is not an IP address; write the node's own address, like 10.0.0.51 (names are not resolved)"))
}

//! Validation: the raw file (`raw.rs`) → the model (`model.rs`), every problem reported with its
//! position. Nodes and whole-file cross-checks live here; one VIP in `vip.rs`, its VRRP settings in
//! `vrrp.rs`, its trackers and announcements in `track.rs`.

mod diag;
mod track;
mod vip;
mod vrrp;

use std::net::IpAddr;
use std::path::Path;

use serde_saphyr::Location;

use super::error::ConfigError;
use super::model::{ClusterConfig, Node};
use super::raw::{RawFile, Sp};
use diag::{join, name, Diag};
pub use vrrp::default_priorities;

/// A node with where its name and address were written.
pub(crate) struct LocatedNode {
    pub node: Node,
    pub address_loc: Location,
}

pub fn validate(raw: &Sp<RawFile>, file: &Path) -> Result<ClusterConfig, Vec<ConfigError>> {
    let mut d = Diag::new(file);
    let nodes = nodes(&mut d, raw);
    let mut vips = Vec::new();
    match &raw.value.vips {
        Some(list) if !list.value.is_empty() => {
            let mut seen = vip::Seen::default();
            seen.nodes_complete = d.errors.is_empty();
            for (i, v) in list.value.iter().enumerate() {
                if let Some(vip) = vip::vip(&mut d, v, &format!("vips[{i}]"), &nodes, &mut seen) {
                    vips.push(vip);
                }
            }
        }
        Some(list) => d.err(
            &list.referenced,
            "vips",
            "the list is empty; add at least one VIP (name, address, vrrp: { vrid })",
        ),
        None => d.err(
            &raw.referenced,
            "",
            "missing key 'vips'; add at least one VIP (name, address, vrrp: { vrid })",
        ),
    }
    if !d.errors.is_empty() {
        return Err(d.errors);
    }
    Ok(ClusterConfig {
        source: file.to_path_buf(),
        nodes: nodes.into_iter().map(|n| n.node).collect(),
        vips,
        frontends: Vec::new(),
    })
}

fn nodes(d: &mut Diag, raw: &Sp<RawFile>) -> Vec<LocatedNode> {
    const HOW: &str = "list the machines that run kubegate, like \
                       nodes: [{ name: master1, address: 10.0.0.51 }]";
    let list = match &raw.value.nodes {
        Some(list) if !list.value.is_empty() => list,
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

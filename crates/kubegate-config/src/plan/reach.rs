//! Warnings about a VIP told from the file alone: its prefix puts it outside the subnet of
//! every node (hosts on the nodes' segment do not reach it without a route), or only one node
//! of the file can hold it (no failover unless another VRRP router shares its VRID). The same
//! on every node.

use std::net::IpAddr;

use super::and_list;
use crate::interface::in_subnet;
use crate::model::{ClusterConfig, Vip};

/// `warning:` lines for one VIP.
pub(crate) fn warnings(cfg: &ClusterConfig, vip: &Vip) -> Vec<String> {
    let mut out = Vec::new();
    for (address, prefix_len) in vip.addresses() {
        let full = if address.is_ipv4() { 32 } else { 128 };
        // A host route (/32, /128) says nothing about the segment: nothing to compare.
        if prefix_len < full
            && !cfg.nodes.is_empty()
            && cfg
                .nodes
                .iter()
                .all(|n| !in_subnet(n.address, address, prefix_len))
        {
            let nodes: Vec<String> = cfg.nodes.iter().map(|n| n.address.to_string()).collect();
            out.push(format!(
                "warning: VIP {} {address}/{prefix_len} is outside the subnet of every node: \
                 {}/{prefix_len} holds none of {}; hosts on the nodes' segment will not reach \
                 it without a route. Check the address and its prefix length.",
                vip.name,
                network(address, prefix_len),
                and_list(&nodes)
            ));
        }
    }
    if let [only] = cfg.nodes.as_slice() {
        out.push(format!(
            "warning: VIP {} has a single node ({}): no other node of this file can take it \
             over, so unless another VRRP router on the segment (keepalived) shares VRID {}, \
             there is no failover; list every node that runs kubegate under `nodes:`.",
            vip.name, only.name, vip.vrrp.vrid
        ));
    }
    out
}

/// The first address of `address/len`: `10.0.1.0` for `10.0.1.50/24`.
fn network(address: IpAddr, len: u8) -> IpAddr {
    match address {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            IpAddr::from((u32::from(a) & mask).to_be_bytes())
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            IpAddr::from((u128::from(a) & mask).to_be_bytes())
        }
    }
}

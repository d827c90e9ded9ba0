//! `interface: auto` and the subnet check: which local interface carries this node's address, and
//! whether a VIP falls inside that interface's subnet. Pure: the caller passes the local addresses.

use std::net::IpAddr;

use super::local_addrs::LocalAddr;
use super::model::{InterfaceChoice, Node, Vip};

/// Where a VIP will live on this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedInterface {
    pub name: String,
    /// The address on that interface in the VIP's family that shares a subnet with the VIP, or
    /// else this node's own address there (with its prefix); `None` if the interface has no
    /// address of the VIP's family.
    pub subnet: Option<(IpAddr, u8)>,
    /// The VIP lies within `subnet`.
    pub vip_in_subnet: bool,
}

/// Resolves the VIP's interface on this node. `Err` says why it cannot be found.
pub fn resolve_interface(
    vip: &Vip,
    me: &Node,
    local: &[LocalAddr],
) -> Result<ResolvedInterface, String> {
    let name = match &vip.interface {
        InterfaceChoice::Named(n) => {
            if !local.iter().any(|a| &a.interface == n) {
                return Err(format!(
                    "interface {n} of VIP {} has no address on this node (interfaces with addresses: {})",
                    vip.name,
                    interface_names(local)
                ));
            }
            n.clone()
        }
        InterfaceChoice::Auto => match local.iter().find(|a| a.address == me.address) {
            Some(a) => a.interface.clone(),
            None => {
                return Err(format!(
                    "interface: auto looks for the interface with {}'s address {}, which is not on this machine; \
                     set `interface:` for VIP {} or check the node's address",
                    me.name, me.address, vip.name
                ))
            }
        },
    };
    let on_if: Vec<&LocalAddr> = local
        .iter()
        .filter(|a| a.interface == name && a.address.is_ipv4() == vip.address.is_ipv4())
        .collect();
    let inside = on_if
        .iter()
        .find(|a| in_subnet(vip.address, a.address, a.prefix_len));
    let pick = inside
        .or_else(|| on_if.iter().find(|a| a.address == me.address))
        .or_else(|| on_if.first());
    Ok(ResolvedInterface {
        name,
        subnet: pick.map(|a| (a.address, a.prefix_len)),
        vip_in_subnet: inside.is_some(),
    })
}

fn interface_names(local: &[LocalAddr]) -> String {
    let mut names: Vec<&str> = local.iter().map(|a| a.interface.as_str()).collect();
    names.dedup();
    names.join(", ")
}

/// `a` and `b` share their first `prefix_len` bits (and a family).
pub fn in_subnet(a: IpAddr, b: IpAddr, prefix_len: u8) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(prefix_len.min(32)))
                .unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(prefix_len.min(128)))
                .unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

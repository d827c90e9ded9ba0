//! One `vips:` entry: name, address, interface, label, notify; uniqueness across the file.

use std::net::IpAddr;
use std::path::PathBuf;

use super::super::model::{AnnounceSettings, InterfaceChoice, Vip};
use super::super::raw::{RawVip, Sp};
use super::super::scalar::Scalar;
use super::diag::{join, name, Diag};
use super::{track, vrrp, LocatedNode};

/// What earlier VIPs already use, with the line where they did.
#[derive(Default)]
pub struct Seen {
    names: Vec<(String, u64)>,
    addresses: Vec<(IpAddr, u64)>,
    pub vrids: Vec<(u8, u64)>,
    /// Every node entry validated (so node counts are what the user wrote).
    pub nodes_complete: bool,
    /// `track: - frontend: NAME` entries, checked against the frontends once they are read.
    pub frontend_refs: Vec<track::FrontendRef>,
}

pub fn vip(
    d: &mut Diag,
    v: &Sp<RawVip>,
    path: &str,
    nodes: &[LocatedNode],
    seen: &mut Seen,
) -> Option<Vip> {
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
    if let (Some(n), Some(loc)) = (&nm, r.name.as_ref()) {
        if let Some((_, line)) = seen.names.iter().find(|(s, _)| s == n) {
            d.err(
                &loc.referenced,
                &join(path, "name"),
                format!("VIP name '{n}' is already used at line {line}; names must be unique"),
            );
        }
        seen.names.push((n.clone(), loc.referenced.line()));
    }

    let addr_path = join(path, "address");
    let addr = d.req(
        r.address.as_ref(),
        here,
        path,
        "address",
        "write the virtual address, like 10.0.0.50/24",
        vip_address,
    );
    if let (Some((a, _)), Some(loc)) = (addr, r.address.as_ref()) {
        let loc = &loc.referenced;
        if let Some((_, line)) = seen.addresses.iter().find(|(s, _)| *s == a) {
            d.err(loc, &addr_path, format!("{a} is already the address of the VIP at line {line}; each VIP needs its own address"));
        }
        seen.addresses.push((a, loc.line()));
        if let Some(n) = nodes.iter().find(|n| n.node.address == a) {
            d.err(loc, &addr_path, format!(
                "{a} is node '{}''s own address; a VIP must be an unused address (owner mode, priority 255, is not supported yet)",
                n.node.name
            ));
        } else if let Some(n) = nodes
            .iter()
            .find(|n| n.node.address.is_ipv4() != a.is_ipv4())
        {
            d.err(loc, &addr_path, format!(
                "{a} is not of the same IP family as the node addresses ({} has {}); VRRP runs between the nodes in the VIP's family",
                n.node.name, n.node.address
            ));
        }
    }

    let interface = d
        .opt(r.interface.as_ref(), &join(path, "interface"), interface)
        .unwrap_or(InterfaceChoice::Auto);
    let label = d.opt(r.label.as_ref(), &join(path, "label"), label);
    let notify = d.opt(r.notify.as_ref(), &join(path, "notify"), notify);

    let vrrp = match &r.vrrp {
        Some(raw) => vrrp::vrrp(d, raw, &join(path, "vrrp"), addr.map(|a| a.0), nodes, seen),
        None => {
            d.err(here, path, "missing key 'vrrp'; it needs at least `vrid:`, a number from 1 to 255 (the same on every node of this VIP)");
            None
        }
    };
    let mut track = match &r.track {
        Some(list) => track::trackers(d, list, &join(path, "track"), &mut seen.frontend_refs),
        None => Vec::new(),
    };
    // Stepping aside needs preemption: with `preempt: false` a healthier backup never takes
    // the VIP from a lower-priority master, so the default stays keepalived's 0 (FAULT).
    if let Some(v) = vrrp.as_ref().filter(|v| v.preempt) {
        let priorities: Vec<u8> = v.priority.values().copied().collect();
        track::derive_frontend_weights(&mut track, &priorities);
    }
    let announce = match &r.announce {
        Some(a) => track::announce(d, a, &join(path, "announce")),
        None => AnnounceSettings::default(),
    };

    let (address, prefix_len) = addr?;
    Some(Vip {
        name: nm?,
        address,
        prefix_len,
        interface,
        label,
        vrrp: vrrp?,
        track,
        notify,
        announce,
    })
}

/// `A` or `A/len`; the prefix defaults to a host route (32 / 128).
fn vip_address(v: &Scalar) -> Result<(IpAddr, u8), String> {
    let s = v.text()?;
    let (a, len) = match s.split_once('/') {
        Some((a, len)) => (a, Some(len)),
        None => (s, None),
    };
    let ip: IpAddr = a.parse().map_err(|_| {
        format!("{s:?} is not an IP address; write it like 10.0.0.50/24 or 10.0.0.50")
    })?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match len {
        None => max,
        Some(l) => match l.parse::<u8>() {
            Ok(p) if p <= max => p,
            _ => return Err(format!("prefix length {l} is out of range; use 0 to {max}")),
        },
    };
    if ip.is_unspecified() || ip.is_multicast() || ip.is_loopback() {
        return Err(format!(
            "{ip} cannot be a VIP; use a unicast address of the nodes' network"
        ));
    }
    Ok((ip, prefix))
}

/// `auto` or an interface name (Linux: at most 15 bytes, no '/', ':' or spaces).
fn interface(v: &Scalar) -> Result<InterfaceChoice, String> {
    let s = v.text()?;
    if s == "auto" {
        return Ok(InterfaceChoice::Auto);
    }
    if_name(s).map(|()| InterfaceChoice::Named(s.to_string()))
}

pub fn if_name(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 15
        && !s.contains(['/', ':'])
        && !s.contains(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(format!("{s:?} is not an interface name; use `auto` or a name like eth0 (at most 15 characters, no '/', ':' or spaces)"))
    }
}

/// keepalived's `label`: shown by `ip addr` after the interface name; at most 15 bytes in total.
fn label(v: &Scalar) -> Result<String, String> {
    let s = v.text()?;
    if s.is_empty() || s.len() > 15 || s.contains(char::is_whitespace) {
        return Err(format!(
            "{s:?} is not a usable label; use at most 15 characters without spaces, like eth0:vip"
        ));
    }
    Ok(s.to_string())
}

fn notify(v: &Scalar) -> Result<PathBuf, String> {
    let s = v.text()?;
    if !s.starts_with('/') {
        return Err(format!("{s:?} is not an absolute path; write the program's full path, like /usr/local/bin/notify.sh"));
    }
    Ok(PathBuf::from(s))
}

//! One `vips:` entry: name, interface, label, notify programs; uniqueness across the file (its
//! addresses in `vip_addresses.rs`).

use std::net::IpAddr;
use std::path::PathBuf;

use super::super::model::{AnnounceSettings, InterfaceChoice, StateNotify, Vip};
use super::super::raw::{RawVip, Sp};
use super::super::scalar::Scalar;
use super::diag::{join, name, Diag};
use super::{track, vip_addresses, vrrp, LocatedNode};

/// What earlier VIPs already use, with the line where they did.
#[derive(Default)]
pub struct Seen {
    names: Vec<(String, u64)>,
    pub(super) addresses: Vec<(IpAddr, u64)>,
    pub vrids: Vec<(u8, u64)>,
    /// Every node entry validated (so node counts are what the user wrote).
    pub nodes_complete: bool,
    /// `track: - frontend: NAME` entries, checked against the frontends once they are read.
    pub frontend_refs: Vec<track::FrontendRef>,
    /// `group:` entries as written.
    pub groups: Vec<GroupEntry>,
    /// The file has a top-level `bgp:` section (a VIP may then use `bgp:` instead of `vrrp:`).
    pub bgp_section: bool,
}

/// A VIP's `group:` as written.
pub struct GroupEntry {
    pub group: String,
    /// The VIP's path (`vips[1]`) and where its `group:` is.
    pub path: String,
    pub at: serde_saphyr::Location,
    /// The VIP's name, when it is valid.
    pub vip: Option<String>,
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
    unique_name(d, nm.as_deref(), r, path, seen);

    let addrs = vip_addresses::addresses(d, r, here, path, nodes, seen);
    let first = addrs.as_ref().and_then(|a| a.first().copied());

    let interface = d
        .opt(r.interface.as_ref(), &join(path, "interface"), interface)
        .unwrap_or(InterfaceChoice::Auto);
    let label = d.opt(r.label.as_ref(), &join(path, "label"), label);
    let notify_on = StateNotify {
        master: d.opt(
            r.notify_master.as_ref(),
            &join(path, "notify_master"),
            program,
        ),
        backup: d.opt(
            r.notify_backup.as_ref(),
            &join(path, "notify_backup"),
            program,
        ),
        fault: d.opt(
            r.notify_fault.as_ref(),
            &join(path, "notify_fault"),
            program,
        ),
    };
    let notify = d.opt(r.notify.as_ref(), &join(path, "notify"), absolute);

    let vrrp = match &r.vrrp {
        Some(raw) => vrrp::vrrp(d, raw, &join(path, "vrrp"), first.map(|a| a.0), nodes, seen),
        None => {
            let mut msg = "missing key 'vrrp'; it needs at least `vrid:`, a number from 1 to 255 \
                           (the same on every node of this VIP)"
                .to_string();
            if seen.bgp_section {
                msg.push_str(
                    ", or write `bgp: {}` instead to have every healthy node announce it over BGP",
                );
            }
            d.err(here, path, msg);
            None
        }
    };
    let mut track = match &r.track {
        Some(list) => track::trackers(d, list, &join(path, "track"), &mut seen.frontend_refs),
        None => Vec::new(),
    };
    // With preempt on or off: without preemption a healthier backup still takes the VIP from
    // a master that stepped aside (`Vip::step_aside_floor`).
    if let Some(v) = vrrp.as_ref() {
        let priorities: Vec<u8> = v.priority.values().copied().collect();
        track::derive_frontend_weights(&mut track, &priorities);
    }
    let announce = match &r.announce {
        Some(a) => track::announce(d, a, &join(path, "announce")),
        None => AnnounceSettings::default(),
    };

    let group = d.opt(r.group.as_ref(), &join(path, "group"), name);
    if let (Some(g), Some(loc)) = (&group, r.group.as_ref()) {
        seen.groups.push(GroupEntry {
            group: g.clone(),
            path: path.to_string(),
            at: loc.referenced,
            vip: nm.clone(),
        });
    }

    let (address, prefix_len) = first?;
    Some(Vip {
        name: nm?,
        address,
        prefix_len,
        more_addresses: addrs?.split_off(1),
        interface,
        label,
        vrrp: vrrp?,
        track,
        notify,
        notify_on,
        announce,
        group,
    })
}

/// Reports a VIP name (`nm`, as validated from `r.name`) used before, by a VRRP or a BGP VIP;
/// records it.
pub(super) fn unique_name(d: &mut Diag, nm: Option<&str>, r: &RawVip, path: &str, seen: &mut Seen) {
    let (Some(n), Some(loc)) = (nm, r.name.as_ref()) else {
        return;
    };
    if let Some((_, line)) = seen.names.iter().find(|(s, _)| s == n) {
        d.err(
            &loc.referenced,
            &join(path, "name"),
            format!("VIP name '{n}' is already used at line {line}; names must be unique"),
        );
    }
    seen.names.push((n.to_string(), loc.referenced.line()));
}

/// keepalived's `vrrp_sync_group` (not RFC). A group of one VIP moves nothing with it, which
/// is a mistake (a misspelt name, most often), so it is an error. So are members that rank the
/// nodes differently: each member's election (RFC 5798 §6.4) would pick its own node, and a
/// group only follows FAULT and being outranked, so it would split (keepalived holds such a
/// member back with `vrrp_sync_can_goto_master`, which we do not copy).
pub fn check_groups(d: &mut Diag, seen: &Seen, vips: &[Vip], nodes: &[LocatedNode]) {
    for e in &seen.groups {
        let g = &e.group;
        let mates: Vec<&GroupEntry> = seen.groups.iter().filter(|o| o.group == *g).collect();
        if mates.len() == 1 {
            d.err(
                &e.at,
                &join(&e.path, "group"),
                format!("group '{g}' has no other VIP; VIPs with the same group move together, so give at least one more VIP `group: {g}` (check the spelling) or drop the key"),
            );
            continue;
        }
        // Compared with the group's first valid member, reported at each other member.
        let valid: Vec<&Vip> = mates
            .iter()
            .filter_map(|m| m.vip.as_ref())
            .filter_map(|n| vips.iter().find(|v| v.name == *n))
            .collect();
        let (Some(first), Some(me)) = (
            valid.first(),
            e.vip
                .as_ref()
                .and_then(|n| valid.iter().find(|v| v.name == *n)),
        ) else {
            continue;
        };
        let (want, mine) = (node_order(first, nodes), node_order(me, nodes));
        if first.name != me.name && want != mine {
            d.err(
                &e.at,
                &join(&e.path, "group"),
                format!(
                    "VIPs of group '{g}' move together, so they must rank the nodes alike: {} ranks them {}, {} ranks them {}; give every VIP of the group the same priorities (or at least the same order), or drop `group`",
                    first.name,
                    ranked_words(&want),
                    me.name,
                    ranked_words(&mine)
                ),
            );
        }
    }
}

/// The nodes from the VIP's first choice to its last: by priority, then by the higher
/// address (RFC 5798 §6.4.3's tie-break).
fn node_order(vip: &Vip, nodes: &[LocatedNode]) -> Vec<String> {
    let mut order: Vec<(u8, IpAddr, &str)> = nodes
        .iter()
        .map(|n| {
            (
                vip.priority_of(&n.node.name),
                n.node.address,
                n.node.name.as_str(),
            )
        })
        .collect();
    order.sort_by_key(|&(p, a, _)| std::cmp::Reverse((p, a)));
    order.into_iter().map(|(_, _, n)| n.to_string()).collect()
}

/// `n1 > n2 > n3`.
fn ranked_words(order: &[String]) -> String {
    order.join(" > ")
}

/// `A` or `A/len`; the prefix defaults to a host route (32 / 128).
pub(super) fn vip_address(v: &Scalar) -> Result<(IpAddr, u8), String> {
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

/// Whether `s` can name a Linux interface in a kubegate file (the import checks what it
/// translates with it too).
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

/// A per-state program: an absolute path, run without arguments (a keepalived `notify_master`
/// with arguments becomes a script that holds them).
fn program(v: &Scalar) -> Result<PathBuf, String> {
    let s = v.text()?;
    if s.contains(char::is_whitespace) {
        return Err(format!("{s:?} holds spaces; notify_master, notify_backup and notify_fault name one program by its absolute path, run without arguments: put the command into a script and write its path"));
    }
    absolute(v)
}

/// `notify`: an absolute path.
fn absolute(v: &Scalar) -> Result<PathBuf, String> {
    let s = v.text()?;
    if !s.starts_with('/') {
        return Err(format!("{s:?} is not an absolute path; write the program's full path, like /usr/local/bin/notify.sh"));
    }
    Ok(PathBuf::from(s))
}

//! The VIPs of a merge: the instances of all files with the same `virtual_router_id` become one
//! VIP; its address, version, interval, authentication and transport must agree between the
//! files, priorities are taken per node, preemption and the interface are reconciled.

use std::fmt::Display;
use std::net::IpAddr;
use std::time::Duration;

use super::super::draft::{DraftTransport, DraftVip, Note, Origin};
use super::model::{AuthType, Instance, KeepalivedFile};
use super::nodes::{valid_name, FileNode};
use super::{settings, sync_group, track};

/// One node's instance of a VIP.
pub struct Member<'a> {
    pub file: &'a KeepalivedFile,
    pub inst: &'a Instance,
    pub node: &'a str,
}

impl Member<'_> {
    pub fn at(&self, line: usize) -> Origin {
        Origin::new(&self.file.file, line)
    }
}

/// Groups the instances by VRID (in order of first appearance) and merges each group.
pub fn vips(files: &[KeepalivedFile], nodes: &[FileNode], notes: &mut Vec<Note>) -> Vec<DraftVip> {
    let mut groups: Vec<(u8, Vec<Member>)> = Vec::new();
    for (f, node) in files.iter().zip(nodes) {
        let mut seen: Vec<(u8, usize)> = Vec::new();
        for inst in &f.instances {
            let Some(vrid) = &inst.vrid else { continue };
            if inst.addresses.is_empty() {
                continue;
            }
            if let Some((_, line)) = seen.iter().find(|(v, _)| *v == vrid.value) {
                notes.push(Note::error(Some(Origin::new(&f.file, vrid.line)), format!(
                    "virtual_router_id {} is already used at line {line} of this file; kubegate needs one VRID per VIP: give this instance its own VRID on every node",
                    vrid.value
                )));
                continue;
            }
            seen.push((vrid.value, vrid.line));
            let m = Member {
                file: f,
                inst,
                node: &node.name,
            };
            match groups.iter_mut().find(|(v, _)| *v == vrid.value) {
                Some((_, members)) => members.push(m),
                None => groups.push((vrid.value, vec![m])),
            }
        }
    }
    let mut out: Vec<DraftVip> = Vec::new();
    for (vrid, members) in &groups {
        let name = unique(&valid_name(&members[0].inst.name), &out);
        out.push(vip(*vrid, name, members, nodes, notes));
    }
    sync_group::drop_lone(&mut out, notes);
    sync_group::drop_crossed(&mut out, nodes, notes);
    out
}

fn unique(name: &str, taken: &[DraftVip]) -> String {
    let used = |n: &str| taken.iter().any(|v| v.name == n);
    let mut candidate = name.to_string();
    let mut n = 2;
    while used(&candidate) {
        candidate = format!("{name}-{n}");
        n += 1;
    }
    candidate
}

/// The value of the first member; each member that differs is an error naming both places.
pub fn agree<T: PartialEq + Display>(
    members: &[Member],
    what: &str,
    notes: &mut Vec<Note>,
    get: impl Fn(&Member) -> (T, usize),
) -> T {
    let mut values = members.iter().map(|m| (get(m), m));
    // Groups are made with their first member, so there is always one.
    let ((first, line), m0) = values.next().expect("a VIP has members");
    let first_at = m0.at(line);
    for ((v, line), m) in values {
        if v != first {
            notes.push(Note::error(Some(m.at(line)), format!(
                "{what} is {v} here but {first} at {first_at}; every node of VRID {} must use the same {what}: make them equal",
                m.inst.vrid.as_ref().map_or(0, |v| v.value)
            )));
        }
    }
    first
}

fn vip(
    vrid: u8,
    name: String,
    members: &[Member],
    nodes: &[FileNode],
    notes: &mut Vec<Note>,
) -> DraftVip {
    let origin = members[0].at(members[0].inst.line);
    one_family_one_place(members, &name, notes);
    let several = members.iter().any(|m| m.inst.addresses.len() > 1);
    let what = if several {
        "virtual_ipaddress list"
    } else {
        "virtual address"
    };
    let mut addresses = agree(members, what, notes, |m| {
        let list = m.inst.addresses.iter().map(|a| Address(a.text.clone()));
        (Addresses(list.collect()), m.inst.addresses[0].line)
    })
    .0
    .into_iter()
    .map(|a| a.0);
    let address = addresses.next().expect("a VIP has an address");
    let more_addresses: Vec<String> = addresses.collect();
    let ip = members[0].inst.addresses[0].ip;
    let [notify_master, notify_backup, notify_fault] = settings::state_programs(members, notes);
    let version = settings::version(members, ip, notes);
    let advert_interval = agree(members, "advert_int", notes, |m| {
        let a = m.inst.advert_int.as_ref();
        (
            Secs(a.map_or(Duration::from_secs(1), |a| a.value)),
            a.map_or(m.inst.line, |a| a.line),
        )
    })
    .0;
    settings::check_interval(members, version, advert_interval, notes);
    let transport = agree(members, "transport", notes, |m| {
        let p = m.inst.unicast_peers.as_ref();
        (
            if p.is_some() {
                UNICAST
            } else {
                "multicast (no unicast_peer)"
            },
            p.map_or(m.inst.line, |p| p.line),
        )
    });
    let (preempt, preempt_delay) = settings::preemption(members, &name, notes);
    if let Some(s) = members
        .iter()
        .find_map(|m| m.inst.state.as_ref().map(|s| m.at(s.line)))
    {
        notes.push(Note::assumed(Some(s), format!(
            "state MASTER/BACKUP is not needed for VIP {name}: in kubegate the priority decides which node holds it"
        )));
    }
    let (interface, label) = settings::interface_and_label(members, &name, notes);
    DraftVip {
        priority: priorities(members, nodes, vrid, &name, notes),
        auth_pass: auth_pass(members, version, notes),
        track: track::merge(
            &members.iter().map(|m| (m.file, m.inst)).collect::<Vec<_>>(),
            &name,
            notes,
        ),
        notify: settings::notify(members, notes),
        notify_master,
        notify_backup,
        notify_fault,
        group: sync_group::of_vip(members, notes),
        name,
        address,
        more_addresses,
        interface,
        label,
        vrid,
        version,
        advert_interval,
        transport: if transport == UNICAST {
            DraftTransport::Unicast
        } else {
            DraftTransport::Multicast
        },
        preempt,
        preempt_delay,
        origin: Some(origin),
    }
}

const UNICAST: &str = "unicast (unicast_peer)";

/// A VIP's addresses are of one family (RFC 5798 §5.2.9: an advert lists addresses of the
/// family it is sent in; keepalived too keeps the other family out of its adverts) and go on
/// one interface with one label: an address of the other family is an error, another `dev`
/// or `label` a note.
fn one_family_one_place(members: &[Member], vip: &str, notes: &mut Vec<Note>) {
    for m in members {
        let first = &m.inst.addresses[0];
        for a in &m.inst.addresses[1..] {
            if a.ip.is_ipv4() != first.ip.is_ipv4() {
                notes.push(Note::error(Some(m.at(a.line)), format!(
                    "{} is not of the same IP family as {}, the first address of vrrp_instance {}; a kubegate VIP carries addresses of one family (RFC 5798 §5.2.9): move the {} addresses into their own vrrp_instance with its own virtual_router_id (on every node)",
                    a.text, first.text, m.inst.name, if a.ip.is_ipv4() { "IPv4" } else { "IPv6" }
                )));
            } else if (a.dev.is_some() && a.dev != first.dev) || a.label != first.label {
                notes.push(Note::assumed(Some(m.at(a.line)), format!(
                    "{} names another dev or label than {}: VIP {vip} puts all its addresses on one interface with one label",
                    a.text, first.text
                )));
            }
        }
    }
}

/// A VIP's address list as written; equal when the same addresses come in the same order.
#[derive(PartialEq)]
struct Addresses(Vec<Address>);

impl Display for Addresses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let all: Vec<&str> = self.0.iter().map(|a| a.0.as_str()).collect();
        f.write_str(&all.join(" "))
    }
}

/// A virtual address as written; `10.0.0.50` and `10.0.0.50/32` are the same.
struct Address(String);

impl Address {
    fn key(&self) -> (Option<IpAddr>, Option<u8>) {
        let (ip, len) = match self.0.split_once('/') {
            Some((ip, len)) => (ip, len.parse().ok()),
            None => (self.0.as_str(), None),
        };
        let ip: Option<IpAddr> = ip.parse().ok();
        let max = if ip.is_some_and(|i| i.is_ipv6()) {
            128
        } else {
            32
        };
        (ip, Some(len.unwrap_or(max)))
    }
}

impl PartialEq for Address {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A duration shown as keepalived writes it.
#[derive(PartialEq)]
struct Secs(Duration);

impl Display for Secs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.as_secs_f64())
    }
}

/// Per node in node order; a node without this VIP is an error (kubegate runs every VIP on
/// every node).
fn priorities(
    members: &[Member],
    nodes: &[FileNode],
    vrid: u8,
    vip: &str,
    notes: &mut Vec<Note>,
) -> Vec<(String, u8)> {
    let mut out = Vec::new();
    for n in nodes {
        match members.iter().find(|m| m.node == n.name) {
            Some(m) => {
                let p = match &m.inst.priority {
                    Some(p) => p.value,
                    None => {
                        notes.push(Note::assumed(Some(m.at(m.inst.line)), format!(
                            "vrrp_instance {} has no priority: node {} gets keepalived's default, 100",
                            m.inst.name, n.name
                        )));
                        100
                    }
                };
                out.push((n.name.clone(), p));
            }
            None => notes.push(Note::error(Some(n.origin.clone()), format!(
                "node {} has no instance with virtual_router_id {vrid} (VIP {vip}); kubegate runs every VIP on every node: add it to this node's file with a low priority to keep the node a backup",
                n.name
            ))),
        }
    }
    out
}

/// `authentication { auth_type PASS; auth_pass X }`: v2 only, at most 8 bytes.
fn auth_pass(members: &[Member], version: u8, notes: &mut Vec<Note>) -> Option<String> {
    for m in members {
        if let Some(t) = m
            .inst
            .auth_type
            .as_ref()
            .filter(|t| t.value == AuthType::Ah)
        {
            notes.push(Note::error(Some(m.at(t.line)), "auth_type AH is not supported by kubegate; use auth_type PASS or no authentication (on every node)"));
        }
    }
    let pass = agree(members, "auth_pass", notes, |m| {
        let p = m.inst.auth_pass.as_ref().filter(|_| {
            m.inst
                .auth_type
                .as_ref()
                .is_none_or(|t| t.value == AuthType::Pass)
        });
        (
            Shown(p.map(|p| p.value.clone())),
            p.map_or(m.inst.line, |p| p.line),
        )
    })
    .0?;
    let line = members[0]
        .inst
        .auth_pass
        .as_ref()
        .map_or(members[0].inst.line, |p| p.line);
    if version == 3 {
        notes.push(Note::dropped(
            Some(members[0].at(line)),
            "authentication: VRRP version 3 has none (RFC 5798), and keepalived ignores it too",
        ));
        return None;
    }
    if pass.len() > 8 {
        let mut end = 8;
        while !pass.is_char_boundary(end) {
            end -= 1;
        }
        let cut = pass[..end].to_string();
        notes.push(Note::assumed(Some(members[0].at(line)), format!(
            "auth_pass is {} bytes; VRRPv2 carries 8 and keepalived sends only {cut:?}: kubegate uses {cut:?} too",
            pass.len()
        )));
        return Some(cut);
    }
    Some(pass)
}

/// An optional text shown as `none` when absent.
#[derive(PartialEq)]
pub struct Shown(pub Option<String>);

impl Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(s) => write!(f, "{s:?}"),
            None => write!(f, "none"),
        }
    }
}

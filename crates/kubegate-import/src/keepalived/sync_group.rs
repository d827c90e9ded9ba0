//! keepalived's `vrrp_sync_group` (keepalived behaviour, no RFC): read from one file, and
//! turned into `group:` on the merged VIPs whose instances it lists.

use super::super::draft::{DraftVip, Note};
use super::lexer::Item;
use super::model::SyncGroup;
use super::nodes::{valid_name, FileNode};
use super::value::Ctx;
use super::vip::{agree, Member};

/// `vrrp_sync_group NAME { group { VI_1 VI_2 } … }`; the group's own notify and tracking
/// settings have no kubegate equivalent and are left out with a note.
pub fn read(c: &mut Ctx, item: &Item, block: &[Item]) -> Option<SyncGroup> {
    let Some(name) = item.args.first() else {
        c.error(
            item.line,
            "vrrp_sync_group has no name; write it like `vrrp_sync_group VG_1 {`",
        );
        return None;
    };
    let mut instances = Vec::new();
    for i in block {
        match i.key.as_str() {
            "group" => {
                for member in i.block.as_deref().unwrap_or_default() {
                    instances.push(member.key.clone());
                    instances.extend(member.args.iter().cloned());
                }
            }
            other => c.dropped(
                i.line,
                format!(
                    "vrrp_sync_group {other} has no kubegate equivalent (the group moves its VIPs \
                     together; each VIP keeps its own notify and trackers)"
                ),
            ),
        }
    }
    Some(SyncGroup {
        name: name.clone(),
        line: item.line,
        instances,
    })
}

/// The group of a VIP: the sync group that lists its instance in each file; the files must
/// agree (the first file's group is kept, each other is an error naming both places).
pub fn of_vip(members: &[Member], notes: &mut Vec<Note>) -> Option<String> {
    agree(members, "vrrp_sync_group", notes, |m| {
        let g = m
            .file
            .sync_groups
            .iter()
            .find(|g| g.instances.contains(&m.inst.name));
        match g {
            Some(g) => (Written(Some(valid_name(&g.name))), g.line),
            None => (Written(None), m.inst.line),
        }
    })
    .0
}

/// A group that ended up with one VIP moves nothing with it (kubegate refuses it): left out.
pub fn drop_lone(vips: &mut [DraftVip], notes: &mut Vec<Note>) {
    for i in 0..vips.len() {
        let Some(g) = vips[i].group.clone() else {
            continue;
        };
        if vips.iter().filter(|v| v.group.as_ref() == Some(&g)).count() == 1 {
            vips[i].group = None;
            notes.push(Note::dropped(
                vips[i].origin.clone(),
                format!(
                    "vrrp_sync_group {g} holds only VIP {}: a group of one moves nothing with it, so it is left out",
                    vips[i].name
                ),
            ));
        }
    }
}

/// A group whose VIPs rank the nodes differently (by priority, then address: RFC 5798
/// §6.4.3's tie-break) could not sit on every member's first node; keepalived keeps it
/// together with `vrrp_sync_can_goto_master`, kubegate refuses it. The group is left out with
/// a note saying why and what to do.
pub fn drop_crossed(vips: &mut [DraftVip], nodes: &[FileNode], notes: &mut Vec<Note>) {
    let order = |v: &DraftVip| -> Vec<String> {
        let mut ranked: Vec<(u8, Option<std::net::IpAddr>, &str)> = nodes
            .iter()
            .map(|n| {
                let p = v.priority.iter().find(|(name, _)| *name == n.name);
                (p.map_or(1, |&(_, p)| p), n.address, n.name.as_str())
            })
            .collect();
        ranked.sort_by_key(|&(p, a, _)| std::cmp::Reverse((p, a)));
        ranked.into_iter().map(|(_, _, n)| n.to_string()).collect()
    };
    let mut groups: Vec<String> = vips.iter().filter_map(|v| v.group.clone()).collect();
    groups.sort();
    groups.dedup();
    for g in groups {
        let members: Vec<usize> = (0..vips.len())
            .filter(|&i| vips[i].group.as_ref() == Some(&g))
            .collect();
        let orders: Vec<Vec<String>> = members.iter().map(|&i| order(&vips[i])).collect();
        if orders.iter().all(|o| *o == orders[0]) {
            continue;
        }
        let said: Vec<String> = members
            .iter()
            .zip(&orders)
            .map(|(&i, o)| format!("{} prefers {}", vips[i].name, o[0]))
            .collect();
        notes.push(Note::dropped(
            vips[members[0]].origin.clone(),
            format!(
                "vrrp_sync_group {g}: {}; kubegate refuses a group whose VIPs rank the nodes differently (keepalived holds it together with vrrp_sync_can_goto_master), so the VIPs are written without `group` and move on their own: give them the same priorities and add `group: {g}` to each if they must move together",
                said.join(", ")
            ),
        ));
        for &i in &members {
            vips[i].group = None;
        }
    }
}

/// A sync group as the merge compares it: its name, or none.
#[derive(PartialEq)]
struct Written(Option<String>);

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(g) => write!(f, "{g}"),
            None => write!(f, "no group"),
        }
    }
}

//! keepalived's `vrrp_sync_group` (keepalived behaviour, no RFC): read from one file, and
//! turned into `group:` on the merged VIPs whose instances it lists.

use super::super::draft::{DraftVip, Note};
use super::lexer::Item;
use super::model::SyncGroup;
use super::nodes::valid_name;
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

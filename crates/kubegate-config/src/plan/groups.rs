//! The plan's words for VIP groups (`group:`, keepalived's `vrrp_sync_group`, not an RFC
//! mechanism): which VIPs move together and what that means (members that rank the nodes
//! differently are refused by validation).

use crate::model::ClusterConfig;

use super::and_list;

/// One sentence per group, in the order the groups first appear.
pub(crate) fn lines(cfg: &ClusterConfig) -> Vec<String> {
    let mut out = Vec::new();
    let mut done: Vec<&str> = Vec::new();
    for vip in &cfg.vips {
        let Some(group) = vip.group.as_deref() else {
            continue;
        };
        if done.contains(&group) {
            continue;
        }
        done.push(group);
        let members: Vec<_> = cfg
            .vips
            .iter()
            .filter(|v| v.group.as_deref() == Some(group))
            .collect();
        let names: Vec<String> = members.iter().map(|v| v.name.clone()).collect();
        let either = if names.len() == 2 {
            "either"
        } else {
            "any of them"
        };
        out.push(format!(
            "{} move together (group {group}, like keepalived's vrrp_sync_group): if {either} \
             goes to FAULT (link down, a weight-0 tracker failing) the others go to FAULT too and \
             another node takes them all; if another node outranks {either}, the others step \
             down to BACKUP as well (without priority 0) and do not preempt until one of them is \
             master again; a node is master of all of them or of none.",
            and_list(&names)
        ));
    }
    out
}

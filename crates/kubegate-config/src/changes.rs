//! What a reload changes for one node, and how each change is applied: the running config
//! and the new one → the list of changes (pure). A VIP's priority, preempt, trackers, peers,
//! advert interval, authentication, announcements and hook are applied to the running router;
//! a change of its VRID, address, interface, VRRP version, transport, label, checksum form,
//! of the owner's 255 or of this node's own entry needs a new router: the VIP is handed over
//! first (as on SIGTERM), then started again. BGP VIPs and sessions in `changes/bgp.rs`.

mod bgp;

pub use bgp::{BgpVipChange, SessionChange};

use crate::model::{Admin, ClusterConfig, Node, Vip};

/// One VIP's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VipChange {
    /// New in the file: its thread and trackers start.
    Added(String),
    /// Gone from the file: handed over first, then its thread ends.
    Removed(String),
    /// Cannot change while it runs: handed over, then started again with the new settings.
    Replaced {
        name: String,
        because: Vec<&'static str>,
    },
    /// Applied to the running router; the VIP stays where it is unless the new priorities
    /// say otherwise.
    Updated {
        name: String,
        what: Vec<&'static str>,
    },
}

impl VipChange {
    pub fn name(&self) -> &str {
        match self {
            VipChange::Added(n) | VipChange::Removed(n) => n,
            VipChange::Replaced { name, .. } | VipChange::Updated { name, .. } => name,
        }
    }

    /// One line for the reload's summary.
    pub fn describe(&self) -> String {
        match self {
            VipChange::Added(n) => format!("vip {n} added (started)"),
            VipChange::Removed(n) => format!("vip {n} removed (handed over, then stopped)"),
            VipChange::Replaced { name, because } => format!(
                "vip {name}: {} changed (handed over, then started again)",
                because.join(", ")
            ),
            VipChange::Updated { name, what } => {
                format!("vip {name}: {} changed (applied live)", what.join(", "))
            }
        }
    }
}

/// Everything a reload changes for one node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changes {
    /// The VRRP VIPs, in the new file's order, then the removed ones; unchanged VIPs are not
    /// listed.
    pub vips: Vec<VipChange>,
    /// The BGP VIPs, in the same order.
    pub bgp_vips: Vec<BgpVipChange>,
    /// This node's BGP sessions, by peer, in the new file's order, then the removed ones.
    pub bgp_sessions: Vec<SessionChange>,
    /// Node names added to and removed from `nodes:`.
    pub nodes_added: Vec<String>,
    pub nodes_removed: Vec<String>,
    /// The admin section changed: the endpoint is opened again.
    pub admin: Option<Admin>,
    /// Frontends or backends changed (the balancer applies them).
    pub frontends: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }

    /// The changes in words, one per line (the admin line is the caller's: only it knows
    /// whether the rebind worked).
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.nodes_added.is_empty() {
            lines.push(format!("nodes added: {}", self.nodes_added.join(", ")));
        }
        if !self.nodes_removed.is_empty() {
            lines.push(format!("nodes removed: {}", self.nodes_removed.join(", ")));
        }
        lines.extend(self.vips.iter().map(VipChange::describe));
        lines.extend(self.bgp_vips.iter().map(BgpVipChange::describe));
        lines.extend(self.bgp_sessions.iter().map(SessionChange::describe));
        if self.frontends {
            lines.push("frontends changed (applied live)".to_string());
        }
        lines
    }
}

/// The changes from `old` to `new` as `me` (by name) sees them. `Err` when the new file has
/// VIPs but no longer has this node.
pub fn changes(old: &ClusterConfig, new: &ClusterConfig, me: &str) -> Result<Changes, String> {
    let old_me = old.nodes.iter().find(|n| n.name == me);
    let new_me = new.nodes.iter().find(|n| n.name == me);
    let me_changed = match (old_me, new_me) {
        (Some(_), None) if new.needs_identity() => {
            return Err(format!(
                "this node ({me}) is not in nodes: of the new file; the running config is kept"
            ))
        }
        (Some(o), Some(n)) => o != n,
        _ => false,
    };
    let mut out = Changes {
        nodes_added: names_missing(&new.nodes, &old.nodes),
        nodes_removed: names_missing(&old.nodes, &new.nodes),
        admin: (old.admin != new.admin).then(|| new.admin.clone()),
        frontends: old.frontends != new.frontends,
        vips: Vec::new(),
        bgp_vips: bgp::vip_changes(old, new),
        bgp_sessions: bgp::session_changes(old, new, me, me_changed),
    };
    for vip in &new.vips {
        let Some(before) = old.vips.iter().find(|v| v.name == vip.name) else {
            out.vips.push(VipChange::Added(vip.name.clone()));
            continue;
        };
        let mut because = restart_fields(before, vip, me);
        if me_changed {
            because.push("this node's entry");
        }
        if !because.is_empty() {
            out.vips.push(VipChange::Replaced {
                name: vip.name.clone(),
                because,
            });
            continue;
        }
        let mut what = live_fields(before, vip, me);
        if let Some(me) = new_me {
            if old.peers_of(before, me) != new.peers_of(vip, me) {
                what.push("peers");
            }
        }
        if !what.is_empty() {
            out.vips.push(VipChange::Updated {
                name: vip.name.clone(),
                what,
            });
        }
    }
    for vip in &old.vips {
        if !new.vips.iter().any(|v| v.name == vip.name) {
            out.vips.push(VipChange::Removed(vip.name.clone()));
        }
    }
    Ok(out)
}

fn names_missing(from: &[Node], other: &[Node]) -> Vec<String> {
    from.iter()
        .filter(|n| !other.iter().any(|o| o.name == n.name))
        .map(|n| n.name.clone())
        .collect()
}

/// What a running router can take: this node's priority (short of becoming or ceasing to be
/// the owner), preempt, preempt delay, trackers, advert interval, authentication,
/// announcements, the notify hook, the sync group (the daemon relays by it).
fn live_fields(old: &Vip, new: &Vip, me: &str) -> Vec<&'static str> {
    let (o, n) = (&old.vrrp, &new.vrrp);
    [
        (old.priority_of(me) != new.priority_of(me), "priority"),
        (o.preempt != n.preempt, "preempt"),
        (o.preempt_delay != n.preempt_delay, "preempt_delay"),
        (old.track != new.track, "track"),
        (o.advert_interval != n.advert_interval, "advert_interval"),
        (o.auth_pass != n.auth_pass, "auth_pass"),
        (old.announce != new.announce, "announce"),
        (old.notify != new.notify, "notify"),
        (old.group != new.group, "group"),
    ]
    .into_iter()
    .filter_map(|(changed, what)| changed.then_some(what))
    .collect()
}

/// What needs a new router, named; any other difference not applied live is named
/// `settings` (so a field added to the model later is never silently ignored).
fn restart_fields(old: &Vip, new: &Vip, me: &str) -> Vec<&'static str> {
    let (o, n) = (&old.vrrp, &new.vrrp);
    let owner = |v: &Vip| v.priority_of(me) == 255;
    let mut why: Vec<&'static str> = [
        (o.vrid != n.vrid, "vrid"),
        (
            old.address != new.address || old.prefix_len != new.prefix_len,
            "address",
        ),
        (old.interface != new.interface, "interface"),
        (o.version != n.version, "version"),
        (o.transport != n.transport, "transport"),
        (old.label != new.label, "label"),
        (o.checksum != n.checksum, "checksum"),
        (owner(old) != owner(new), "owner priority 255"),
    ]
    .into_iter()
    .filter_map(|(changed, what)| changed.then_some(what))
    .collect();
    if why.is_empty() {
        // Everything applied live made equal: what is left differs only in what needs a
        // new router.
        let mut a = old.clone();
        let b = new;
        a.vrrp.priority = b.vrrp.priority.clone();
        a.vrrp.preempt = b.vrrp.preempt;
        a.vrrp.preempt_delay = b.vrrp.preempt_delay;
        a.vrrp.advert_interval = b.vrrp.advert_interval;
        a.vrrp.auth_pass = b.vrrp.auth_pass;
        a.track = b.track.clone();
        a.announce = b.announce.clone();
        a.notify = b.notify.clone();
        a.group = b.group.clone();
        if a != *b {
            why.push("settings");
        }
    }
    why
}

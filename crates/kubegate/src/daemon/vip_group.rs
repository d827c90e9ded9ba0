//! VIP groups in the daemon (`vips[].group`, keepalived's `vrrp_sync_group`: keepalived
//! behaviour, not an RFC mechanism). Each VIP thread's reports pass through here and each
//! member's change reaches the others of its group as a control message: a fault of its own
//! becomes `GroupFault` on the others; being outranked (Master → Backup, RFC 5798 §6.4.3)
//! becomes `GroupBackup(true)`; becoming master releases them with `GroupBackup(false)`.

use std::sync::{Arc, Mutex};

use crate::vip::driver::{Control, VipReport};

/// How a member is told something: its VIP thread's control channel.
pub type Tell = Box<dyn Fn(Control) + Send>;

/// The groups of the running VIPs, shared by the VIP threads' reporters.
pub type SharedGroups = Arc<Mutex<Groups>>;

/// Every running VIP with its group; a VIP thread by its id (a replaced VIP's successor has
/// the same name).
#[derive(Default)]
pub struct Groups {
    members: Vec<Member>,
}

struct Member {
    id: u64,
    group: Option<String>,
    tell: Tell,
    /// Last reported: in FAULT of its own making.
    own_fault: bool,
}

impl Groups {
    pub fn shared() -> SharedGroups {
        Arc::new(Mutex::new(Groups::default()))
    }

    /// A VIP thread started; it hears at once whether its group is at fault.
    pub fn join(&mut self, id: u64, group: Option<String>, tell: Tell) {
        self.members.retain(|m| m.id != id);
        self.members.push(Member {
            id,
            group,
            tell,
            own_fault: false,
        });
        self.pass_faults();
    }

    /// A VIP stops (handed over by a reload, or its thread ended): it no longer holds the
    /// others in FAULT.
    pub fn leave(&mut self, id: u64) {
        self.members.retain(|m| m.id != id);
        self.pass_faults();
    }

    /// A reload changed the VIP's group.
    pub fn regroup(&mut self, id: u64, group: Option<String>) {
        for m in self.members.iter_mut().filter(|m| m.id == id) {
            m.group = group.clone();
        }
        self.pass_faults();
    }

    /// A report of VIP thread `id`: passed on to the other members of its group.
    pub fn report(&mut self, id: u64, r: &VipReport) {
        let Some(me) = self.members.iter_mut().find(|m| m.id == id) else {
            return;
        };
        let Some(group) = me.group.clone() else {
            return;
        };
        if me.own_fault != r.own_fault {
            me.own_fault = r.own_fault;
            self.pass_faults();
        }
        let held = match &r.transition {
            Some((vrrp::State::Master, vrrp::State::Backup, vrrp::Reason::Preempted { .. })) => {
                Some(true)
            }
            Some((_, vrrp::State::Master, _)) => Some(false),
            _ => None,
        };
        if let Some(held) = held {
            for m in self.mates(id, &group) {
                (m.tell)(Control::GroupBackup(held));
            }
        }
    }

    fn mates<'a>(&'a self, id: u64, group: &'a str) -> impl Iterator<Item = &'a Member> {
        self.members
            .iter()
            .filter(move |m| m.id != id && m.group.as_deref() == Some(group))
    }

    /// Tells every member whether another member of its group is at fault (idempotent for
    /// the driver, so everyone hears it again on any change).
    fn pass_faults(&self) {
        for m in &self.members {
            let fault = m
                .group
                .as_deref()
                .is_some_and(|g| self.mates(m.id, g).any(|o| o.own_fault));
            (m.tell)(Control::GroupFault(fault));
        }
    }
}

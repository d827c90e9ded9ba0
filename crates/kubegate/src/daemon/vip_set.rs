//! The VIPs this node runs, and how a reload changes them without a restart: a VIP added
//! starts; a VIP removed is handed over first (as on SIGTERM: priority 0, kept until the
//! successor is heard, linger) and its thread ends; a VIP replaced (VRID, address,
//! interface, version … changed) is handed over the same way and started again once its old
//! thread has ended; any other change is given to the running VIP (`VipHandle::reconfigure`).

use std::sync::mpsc::Sender;
use std::sync::{Arc, RwLock};

use anyhow::Result;

use super::control::Event;
use super::vip_group::{Groups, SharedGroups};
use super::vips::{self, Starting, VipControl, VipHandle};
use crate::admin::hub::Hub;
use crate::track::FrontendReady;
use crate::vip::driver::Control;
use kubegate_config::changes::{Changes, VipChange};
use kubegate_config::model::{ClusterConfig, Node, Vip};

/// The VIPs the admin endpoint can act on (kept current across reloads).
pub type VipControls = Arc<RwLock<Vec<VipControl>>>;

/// How a VIP thread's end is to be read.
pub enum Ended {
    /// A running VIP ended (stopping, or it failed: then the daemon stops every VIP).
    Running,
    /// A VIP a reload removed or replaced finished its handover.
    Retired,
    /// Not ours (already forgotten).
    Unknown,
}

pub struct VipSet {
    me: Option<Node>,
    running: Vec<VipHandle>,
    /// Handed over by a reload, their threads not ended yet.
    retiring: Vec<VipHandle>,
    /// Replaced VIPs to start once their predecessor (same name) has ended, and whether the
    /// operator had handed the predecessor over (the successor is handed over too).
    waiting: Vec<(Vip, bool)>,
    /// The file the waiting VIPs come from.
    cluster: ClusterConfig,
    controls: VipControls,
    frontend_ready: FrontendReady,
    events: Sender<Event>,
    hub: Arc<Hub>,
    /// The running VIPs by group (keepalived's `vrrp_sync_group`).
    groups: SharedGroups,
    next_id: u64,
    stopping: bool,
}

impl VipSet {
    /// Starts every VIP of the file for `me` (none without a node identity).
    pub fn start(
        cluster: &ClusterConfig,
        me: Option<&Node>,
        frontend_ready: FrontendReady,
        events: &Sender<Event>,
        hub: &Arc<Hub>,
    ) -> Result<VipSet> {
        let groups = Groups::shared();
        let running = match me {
            Some(me) => vips::start(cluster, me, frontend_ready.clone(), events, hub, &groups)?,
            None => Vec::new(),
        };
        let set = VipSet {
            me: me.cloned(),
            next_id: running.len() as u64,
            controls: Arc::new(RwLock::new(Vec::new())),
            running,
            retiring: Vec::new(),
            waiting: Vec::new(),
            cluster: cluster.clone(),
            frontend_ready,
            events: events.clone(),
            hub: hub.clone(),
            groups,
            stopping: false,
        };
        set.publish_controls();
        Ok(set)
    }

    pub fn controls(&self) -> VipControls {
        self.controls.clone()
    }

    /// Threads not ended yet.
    pub fn threads(&self) -> usize {
        self.running.len() + self.retiring.len()
    }

    /// Hands every VIP over (SIGTERM, or a VIP failed): nothing waiting starts any more.
    pub fn shutdown(&mut self, except: Option<&str>) {
        self.stopping = true;
        self.waiting.clear();
        for h in self.running.iter().filter(|h| Some(h.name()) != except) {
            h.send(Control::Shutdown);
        }
    }

    /// Applies a reload's VIP changes (`new` is the new file); one line per VIP that could
    /// not be started. Nothing happens once stopping.
    pub fn apply(&mut self, changes: &Changes, new: &ClusterConfig) -> Vec<String> {
        let mut problems = Vec::new();
        let Some(me) = self.me.clone() else {
            return problems;
        };
        if self.stopping {
            return problems;
        }
        self.cluster = new.clone();
        let vip_of = |name: &str| new.vips.iter().find(|v| v.name == name);
        for change in &changes.vips {
            match change {
                VipChange::Added(name) => {
                    if self.retiring.iter().any(|h| h.name() == name) {
                        // Removed by an earlier reload, still handing over: it starts
                        // again once that thread has ended.
                        if let Some(vip) = vip_of(name) {
                            self.waiting.push((vip.clone(), false));
                        }
                    } else if let Some(vip) = vip_of(name) {
                        if let Err(e) = self.start_one(&me, &vip.clone()) {
                            problems.push(format!("vip {name}: not started: {e:#}"));
                        }
                    }
                }
                VipChange::Removed(name) => {
                    self.waiting.retain(|(v, _)| v.name != *name);
                    self.retire(name);
                }
                VipChange::Replaced { name, .. } => {
                    let handed_over = self
                        .hub
                        .vips()
                        .iter()
                        .any(|v| v.name == *name && v.handed_over);
                    self.retire(name);
                    if let Some(vip) = vip_of(name) {
                        self.waiting.push((vip.clone(), handed_over));
                    }
                }
                VipChange::Updated { name, .. } => {
                    let vip = vip_of(name).cloned();
                    // Not started yet (its predecessor still hands over): it starts with
                    // these settings.
                    for (waiting, _) in self.waiting.iter_mut().filter(|(v, _)| v.name == *name) {
                        if let Some(vip) = &vip {
                            *waiting = vip.clone();
                        }
                    }
                    if let (Some(h), Some(vip)) =
                        (self.running.iter_mut().find(|h| h.name() == name), vip)
                    {
                        h.reconfigure(new, &vip, &me);
                        vips::lock(&self.groups).regroup(h.id, vip.group.clone());
                    }
                }
            }
        }
        // A replaced VIP whose old thread had already ended starts now.
        problems.extend(self.start_waiting());
        self.publish_controls();
        problems
    }

    /// A VIP thread ended; a retired one makes room for its successor, if any.
    pub fn ended(&mut self, name: &str, id: u64) -> Ended {
        if let Some(i) = self.retiring.iter().position(|h| h.id == id) {
            self.retiring.remove(i);
            if !self.waiting.iter().any(|(v, _)| v.name == name) {
                self.hub.remove_vip(name);
            }
            for problem in self.start_waiting() {
                tracing::error!("{problem}");
            }
            self.publish_controls();
            return Ended::Retired;
        }
        if let Some(i) = self.running.iter().position(|h| h.id == id) {
            // Its trackers stop with the handle.
            let h = self.running.remove(i);
            vips::lock(&self.groups).leave(h.id);
            self.publish_controls();
            return Ended::Running;
        }
        Ended::Unknown
    }

    fn retire(&mut self, name: &str) {
        if let Some(i) = self.running.iter().position(|h| h.name() == name) {
            let h = self.running.remove(i);
            tracing::info!("vip {name}: handing over before it stops (reload)");
            h.send(Control::Shutdown);
            vips::lock(&self.groups).leave(h.id);
            self.retiring.push(h);
        }
    }

    /// Starts the waiting VIPs whose predecessor has ended.
    fn start_waiting(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        let Some(me) = self.me.clone() else {
            return problems;
        };
        let (ready, still): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(v, _)| !self.retiring.iter().any(|h| h.name() == v.name));
        self.waiting = still;
        for (vip, handed_over) in ready {
            match self.start_one(&me, &vip) {
                Ok(()) if handed_over => {
                    if let Some(h) = self.running.last() {
                        h.send(Control::HandOver);
                    }
                }
                Ok(()) => {}
                Err(e) => problems.push(format!("vip {}: not started again: {e:#}", vip.name)),
            }
        }
        problems
    }

    fn start_one(&mut self, me: &Node, vip: &Vip) -> Result<()> {
        let local = crate::host::local_addresses()?;
        let starting = Starting {
            cluster: &self.cluster,
            me,
            local: &local,
            frontend_ready: self.frontend_ready.clone(),
            events: &self.events,
            hub: &self.hub,
            groups: &self.groups,
        };
        let handle = vips::start_one(&starting, vip, self.next_id)?;
        self.next_id += 1;
        self.running.push(handle);
        Ok(())
    }

    fn publish_controls(&self) {
        let list = self.running.iter().map(|h| h.control.clone()).collect();
        *self.controls.write().unwrap_or_else(|p| p.into_inner()) = list;
    }
}

//! The daemon's VIPs: a thread per VIP with its trackers; this file's VIPs left behind by a
//! crash are removed first; `shutdown` starts a planned handover of every VIP; a reload's
//! new settings reach a running VIP (`VipHandle::reconfigure`). Each thread reports its view
//! to the status hub on change; the trackers' reasons go there too.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::thread;
use std::time::SystemTime;

use anyhow::{anyhow, Context, Result};

use super::control::Event;
use super::vip_group::SharedGroups;

use crate::admin::gather::VipSample;
use crate::admin::hub::{Heartbeat, Hub, VipUpdate};
use crate::admin::snapshot::VipState;
use crate::track::{self, Health};
use crate::vip::driver::{self, Control, DriverSetup, Reconfigure, VipReport};
use crate::vip::settings;
use kubegate_config::interface::resolve_interface;
use kubegate_config::local_addrs::LocalAddr;
use kubegate_config::model::{ClusterConfig, Node, Tracker, TrackerKind, Vip};

/// What the daemon and the admin endpoint hold to talk to a VIP thread.
#[derive(Clone)]
pub struct VipControl {
    pub name: String,
    control: Sender<Control>,
    wake: Arc<UnixStream>,
    pub heartbeat: Arc<Heartbeat>,
}

impl VipControl {
    pub fn send(&self, c: Control) {
        let _ = self.control.send(c);
        let _ = (&*self.wake).write(&[1]);
    }
}

/// A running VIP: its control, its settings as started or last reloaded, and its trackers
/// (stopped when dropped).
pub struct VipHandle {
    pub control: VipControl,
    /// Told in `Event::VipEnded`: a VIP replaced by a reload has the same name as its
    /// successor, not the same id.
    pub id: u64,
    pub vip: Vip,
    trackers: track::TrackerHandle,
    /// What a tracker restart needs.
    frontend_ready: track::FrontendReady,
    hub: Arc<Hub>,
}

impl VipHandle {
    pub fn send(&self, c: Control) {
        self.control.send(c);
    }
    pub fn name(&self) -> &str {
        &self.control.name
    }

    /// A reload's new settings for this running VIP (same VRID, address, interface, version,
    /// transport: the caller checked). The trackers start again when they or the configured
    /// priority changed, and their first word is sent at once, so a new priority reaches the
    /// router as the trackers' priorities always do.
    pub fn reconfigure(&mut self, cluster: &ClusterConfig, vip: &Vip, me: &Node) {
        let router = settings::router_config(cluster, vip, me);
        let base = router.priority;
        self.send(Control::Reconfigure(Box::new(Reconfigure {
            router,
            peers: settings::peers(cluster, vip, me),
            announce: vip.announce.clone(),
            notify: vip.notify.clone(),
        })));
        let restart = vip.track != self.vip.track || base != self.vip.priority_of(&me.name);
        if restart {
            // Each check keeps the health it had (a failing one stays failed), and the old
            // trackers stop before the new ones report.
            let starting = self.trackers.carried_to(&vip.track);
            let (trackers, initial) = spawn_trackers(
                base,
                vip,
                starting,
                &self.control,
                self.frontend_ready.clone(),
                &self.hub,
            );
            self.trackers = trackers;
            self.hub.set_tracker_reasons(
                &vip.name,
                reasons(&vip.track, &self.trackers.initial().health),
            );
            self.send(Control::Tracked {
                priority: initial.priority,
                fault: initial.fault,
            });
        }
        self.hub.set_base_priority(&vip.name, base);
        self.vip = vip.clone();
    }
}

/// The interface a VIP lives on for this node.
fn interface_for(vip: &Vip, me: &Node, local: &[LocalAddr]) -> Result<String> {
    resolve_interface(vip, me, local)
        .map(|r| r.name)
        .map_err(|e| anyhow!("vip {}: {e}", vip.name))
}

/// Starts every VIP of the file for `me`; each thread reports its end on `events` and its
/// view to `hub`; their ids are their places in the file.
pub fn start(
    cluster: &ClusterConfig,
    me: &Node,
    frontend_ready: track::FrontendReady,
    events: &Sender<Event>,
    hub: &Arc<Hub>,
    groups: &SharedGroups,
) -> Result<Vec<VipHandle>> {
    let local = crate::host::local_addresses().context("listing local addresses")?;
    let mut handles = Vec::new();
    for (id, vip) in cluster.vips.iter().enumerate() {
        let starting = Starting {
            cluster,
            me,
            local: &local,
            frontend_ready: frontend_ready.clone(),
            events,
            hub,
            groups,
        };
        handles.push(start_one(&starting, vip, id as u64)?);
    }
    Ok(handles)
}

/// What starting a VIP needs beside the VIP itself.
pub struct Starting<'a> {
    pub cluster: &'a ClusterConfig,
    pub me: &'a Node,
    pub local: &'a [LocalAddr],
    pub frontend_ready: track::FrontendReady,
    pub events: &'a Sender<Event>,
    pub hub: &'a Arc<Hub>,
    /// Where each report goes besides the hub: the VIP's group.
    pub groups: &'a SharedGroups,
}

/// Starts one VIP's thread and trackers (at start, or added by a reload).
pub fn start_one(s: &Starting, vip: &Vip, id: u64) -> Result<VipHandle> {
    let (cluster, me, hub) = (s.cluster, s.me, s.hub);
    let interface = interface_for(vip, me, s.local)?;
    let router = settings::router_config(cluster, vip, me);
    // Crash leftovers: a VIP of this file still on the interface is removed before we
    // start, as keepalived does; the protocol adds it back if we become master.
    let mut netlink = kubegate_sys::netlink::Netlink::open()?;
    let ifindex = kubegate_sys::interface::index(&interface)
        .with_context(|| format!("vip {}: interface {interface}", vip.name))?;
    for (address, prefix_len) in vip.addresses() {
        let leftover = netlink
            .addresses(ifindex)
            .map(|list| list.iter().any(|a| a.address == address))
            .unwrap_or(false);
        netlink
            .del_address(ifindex, address, prefix_len)
            .with_context(|| format!("vip {}: removing a leftover {address}", vip.name))?;
        if leftover {
            tracing::warn!(
                "vip {}: removed {address} from {interface}, left there by an earlier run that \
                 did not stop cleanly (or added by hand); it comes back if this node becomes \
                 master",
                vip.name,
            );
        }
    }

    hub.add_vip(VipSample {
        name: vip.name.clone(),
        address: vip
            .addresses()
            .iter()
            .map(|(a, len)| format!("{a}/{len}"))
            .collect::<Vec<_>>()
            .join(", "),
        interface: interface.clone(),
        vrid: vip.vrrp.vrid,
        base_priority: router.priority,
        state: VipState::Init,
        priority: router.priority,
        master: None,
        since: SystemTime::now(),
        transitions: 0,
        handed_over: false,
        tracker_reasons: Vec::new(),
        vrrp: Default::default(),
    });
    let (control, control_rx) = mpsc::channel();
    let (wake, wake_rx) = UnixStream::pair()?;
    let heartbeat = Arc::new(Heartbeat::default());
    heartbeat.beat();
    let vip_control = VipControl {
        name: vip.name.clone(),
        control,
        wake: Arc::new(wake),
        heartbeat: heartbeat.clone(),
    };
    let (trackers, initial) = spawn_trackers(
        router.priority,
        vip,
        Vec::new(),
        &vip_control,
        s.frontend_ready.clone(),
        hub,
    );
    tracing::info!(
        "vip {} ({}/{}) on {interface}: vrid {}, priority {}",
        vip.name,
        vip.address,
        vip.prefix_len,
        vip.vrrp.vrid,
        initial.priority
    );
    let report_hub = hub.clone();
    let report_name = vip.name.clone();
    let report_groups = s.groups.clone();
    let setup = DriverSetup {
        name: vip.name.clone(),
        router,
        interface,
        addresses: vip.addresses(),
        label: vip.label.clone(),
        checksum: vip.vrrp.checksum,
        announce: vip.announce.clone(),
        notify: vip.notify.clone(),
        notify_on: vip.notify_on.clone(),
        initial_priority: initial.priority,
        initial_fault: initial.fault,
        peers: settings::peers(cluster, vip, me),
        report: Box::new(move |r| {
            lock(&report_groups).report(id, &r);
            report_hub.update_vip(&report_name, update_of(&r));
        }),
        alive: Box::new(move || heartbeat.beat()),
    };
    let tell = vip_control.clone();
    lock(s.groups).join(id, vip.group.clone(), Box::new(move |c| tell.send(c)));
    let events = s.events.clone();
    let name = vip.name.clone();
    thread::Builder::new()
        .name(format!("vip-{name}"))
        .spawn(move || {
            let result = driver::run(setup, control_rx, wake_rx);
            let _ = events.send(Event::VipEnded { name, id, result });
        })?;
    Ok(VipHandle {
        control: vip_control,
        id,
        vip: vip.clone(),
        trackers,
        frontend_ready: s.frontend_ready.clone(),
        hub: hub.clone(),
    })
}

/// The groups, even if a reporter panicked while holding them (they stay consistent: every
/// change is one assignment).
pub fn lock(groups: &SharedGroups) -> std::sync::MutexGuard<'_, super::vip_group::Groups> {
    groups.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts `vip`'s trackers at `base`, each at its `starting` health (`score::fresh` when
/// missing);
/// their changes go to the VIP thread and their reasons to the hub. Also what they say before
/// any probe ran.
fn spawn_trackers(
    base: u8,
    vip: &Vip,
    starting: Vec<Option<Health>>,
    control: &VipControl,
    frontend_ready: track::FrontendReady,
    hub: &Arc<Hub>,
) -> (track::TrackerHandle, track::Effective) {
    let tracker_control = control.clone();
    let tracker_hub = hub.clone();
    let tracker_list = vip.track.clone();
    let tracker_vip = vip.name.clone();
    let trackers = track::spawn(
        base,
        vip.track.clone(),
        starting,
        frontend_ready,
        move |update| {
            tracker_control.send(Control::Tracked {
                priority: update.effective.priority,
                fault: update.effective.fault,
            });
            tracker_hub.set_tracker_reasons(&tracker_vip, reasons(&tracker_list, &update.health));
        },
    );
    let initial = trackers.initial().effective;
    (trackers, initial)
}

/// The counters for the status: every drop reason listed, zeros included.
fn vrrp_status(c: &crate::vip::counters::VrrpCounters) -> crate::admin::snapshot::VrrpStatus {
    crate::admin::snapshot::VrrpStatus {
        adverts_sent: c.adverts_sent,
        adverts_received: c.adverts_received,
        dropped: crate::vip::counters::DROP_REASONS
            .iter()
            .map(|r| (r.to_string(), c.dropped(r)))
            .collect(),
        address_list_mismatch: c.address_list_mismatch,
        foreign_adverts: c.foreign_adverts,
    }
}

/// The status name of a router state.
pub fn vip_state(s: vrrp::State) -> VipState {
    match s {
        vrrp::State::Initialize => VipState::Init,
        vrrp::State::Backup => VipState::Backup,
        vrrp::State::Master | vrrp::State::Stopping => VipState::Master,
        vrrp::State::Fault => VipState::Fault,
        vrrp::State::Stopped => VipState::Stopped,
    }
}

fn update_of(r: &VipReport) -> VipUpdate {
    VipUpdate {
        state: vip_state(r.state),
        priority: r.priority,
        master: r.master.map(|m| m.to_string()),
        handed_over: r.handed_over,
        vrrp: vrrp_status(&r.counters),
        transition: r.transition.as_ref().map(|(from, to, why)| {
            format!(
                "{} -> {} ({})",
                state_word(*from),
                state_word(*to),
                reason_words(why)
            )
        }),
    }
}

fn state_word(s: vrrp::State) -> &'static str {
    match s {
        vrrp::State::Initialize => "init",
        vrrp::State::Backup => "backup",
        vrrp::State::Master => "master",
        vrrp::State::Fault => "fault",
        vrrp::State::Stopping => "stopping",
        vrrp::State::Stopped => "stopped",
    }
}

fn reason_words(why: &vrrp::Reason) -> String {
    use vrrp::Reason as R;
    match why {
        R::Owner => "address owner".into(),
        R::Started => "started".into(),
        R::MasterDown => "master down".into(),
        R::MasterStopped => "the master handed over".into(),
        R::Preempted { by, priority } => format!("outranked by {by} at priority {priority}"),
        R::LinkDown => "link down".into(),
        R::LinkUp => "link up".into(),
        R::TrackerFailed => "a weight-0 tracker failed".into(),
        R::TrackerRecovered => "the tracker recovered".into(),
        R::ShutdownRequested => "shutting down".into(),
        R::HandedOver { to } => format!("handed over to {to}"),
        R::HandoverTimedOut => "nobody took over in time".into(),
        R::Resigned => "handed over by the operator".into(),
        R::GroupSteppedDown => "its group stepped down".into(),
        R::GroupFault => "another VIP of its group is in FAULT".into(),
        R::GroupRecovered => "no VIP of its group is in FAULT any more".into(),
    }
}

/// What a failing tracker means, in words (`frontend api: no ready backend`).
pub(super) fn failing(kind: &TrackerKind) -> String {
    match kind {
        TrackerKind::Script(s) => format!("script {s}: failing"),
        TrackerKind::Interface(i) => format!("interface {i}: down"),
        TrackerKind::Tcp(a) => format!("tcp {a}: not answering"),
        TrackerKind::Frontend(f) => format!("frontend {f}: no ready backend"),
    }
}

/// One line per failing tracker that changes the priority or causes a fault.
fn reasons(trackers: &[Tracker], health: &[Health]) -> Vec<String> {
    trackers
        .iter()
        .zip(health)
        .filter(|(_, h)| **h == Health::Failed)
        .map(|(t, _)| {
            let what = failing(&t.kind);
            match t.weight {
                0 => format!("{what} (fault)"),
                w if w < 0 => format!("{what} ({w})"),
                w => format!("{what} (+{w} not added)"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn tracker(kind: TrackerKind, weight: i16) -> Tracker {
        Tracker {
            kind,
            weight,
            weight_is_default: false,
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            rise: 1,
            fall: 1,
        }
    }

    #[test]
    fn reasons_name_the_failing_trackers_with_their_weight() {
        let trackers = [
            tracker(TrackerKind::Frontend("api".into()), -50),
            tracker(TrackerKind::Script("/bin/check".into()), 0),
            tracker(TrackerKind::Interface("eth1".into()), 20),
            tracker(TrackerKind::Tcp("127.0.0.1:6443".parse().unwrap()), -10),
        ];
        let health = [
            Health::Failed,
            Health::Failed,
            Health::Failed,
            Health::Healthy,
        ];
        assert_eq!(
            reasons(&trackers, &health),
            [
                "frontend api: no ready backend (-50)",
                "script /bin/check: failing (fault)",
                "interface eth1: down (+20 not added)",
            ]
        );
        assert!(reasons(&trackers, &[Health::Healthy; 4]).is_empty());
    }
}

//! The daemon's VIPs: a thread per VIP with its trackers; this file's VIPs left behind by a
//! crash are removed first; `shutdown` starts a planned handover of every VIP.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{self, Sender};
use std::thread;

use anyhow::{anyhow, Context, Result};

use super::Event;

use crate::config::interface::resolve_interface;
use crate::config::local_addrs::{local_addresses, LocalAddr};
use crate::config::model::{ClusterConfig, Node, Vip};
use crate::say;
use crate::track;
use crate::vip::driver::{self, Control, DriverSetup};
use crate::vip::settings;

/// A running VIP: its control channel and the wake-up socket of its thread.
pub struct VipHandle {
    pub name: String,
    control: Sender<Control>,
    wake: UnixStream,
    _trackers: track::TrackerHandle,
}

impl VipHandle {
    pub fn send(&self, c: Control) {
        let _ = self.control.send(c);
        let _ = (&self.wake).write(&[1]);
    }
}

/// The interface a VIP lives on for this node.
fn interface_for(vip: &Vip, me: &Node, local: &[LocalAddr]) -> Result<String> {
    resolve_interface(vip, me, local)
        .map(|r| r.name)
        .map_err(|e| anyhow!("vip {}: {e}", vip.name))
}

/// Starts every VIP of the file for `me`; each thread reports its end on `events`.
pub fn start(
    cluster: &ClusterConfig,
    me: &Node,
    frontend_ready: track::FrontendReady,
    events: &Sender<Event>,
) -> Result<Vec<VipHandle>> {
    let local = local_addresses().context("listing local addresses")?;
    let mut handles = Vec::new();
    for vip in &cluster.vips {
        let interface = interface_for(vip, me, &local)?;
        let router = settings::router_config(cluster, vip, me);
        // Crash leftovers: a VIP of this file still on the interface is removed before we
        // start, as keepalived does; the protocol adds it back if we become master.
        let mut netlink = crate::sys::netlink::Netlink::open()?;
        let ifindex = crate::sys::interface::index(&interface)
            .with_context(|| format!("vip {}: interface {interface}", vip.name))?;
        netlink
            .del_address(ifindex, vip.address, vip.prefix_len)
            .with_context(|| format!("vip {}: removing a leftover {}", vip.name, vip.address))?;

        let (control, control_rx) = mpsc::channel();
        let (wake, wake_rx) = UnixStream::pair()?;
        let tracker_control = control.clone();
        let tracker_wake = wake.try_clone()?;
        let trackers = track::spawn(
            router.priority,
            vip.track.clone(),
            frontend_ready.clone(),
            move |update| {
                let _ = tracker_control.send(Control::Tracked {
                    priority: update.effective.priority,
                    fault: update.effective.fault,
                });
                let _ = (&tracker_wake).write(&[1]);
            },
        );
        let initial = trackers.initial().effective;
        say!(
            "vip {} ({}/{}) on {interface}: vrid {}, priority {}",
            vip.name,
            vip.address,
            vip.prefix_len,
            vip.vrrp.vrid,
            initial.priority
        );
        let setup = DriverSetup {
            name: vip.name.clone(),
            router,
            interface,
            prefix_len: vip.prefix_len,
            label: vip.label.clone(),
            checksum: vip.vrrp.checksum,
            announce: vip.announce.clone(),
            notify: vip.notify.clone(),
            initial_priority: initial.priority,
            initial_fault: initial.fault,
        };
        let events = events.clone();
        let name = vip.name.clone();
        thread::Builder::new()
            .name(format!("vip-{name}"))
            .spawn(move || {
                let result = driver::run(setup, control_rx, wake_rx);
                let _ = events.send(Event::VipEnded { name, result });
            })?;
        handles.push(VipHandle {
            name: vip.name.clone(),
            control,
            wake,
            _trackers: trackers,
        });
    }
    Ok(handles)
}

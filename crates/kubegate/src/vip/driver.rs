//! The per-VIP thread: waits on the VRRP socket, link events and control messages with the
//! router's next timeout, feeds what happened into the router, and carries out its actions
//! (send adverts, add/remove the address, announce it). It decides nothing itself.

use std::io::Read;
use std::net::IpAddr;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::Instant;

use vrrp::{Action, AdvertRepr, ChecksumForm, Input, Router, State};

use super::announce_queue::AnnounceQueue;
use super::notify;
use super::settings;
use crate::admin::hub::Heartbeat;
use kubegate_config::model::AnnounceSettings;
use kubegate_sys as sys;
use kubegate_sys::announce::Announcer;
use kubegate_sys::netlink::{LinkEvents, Netlink};
use kubegate_sys::vrrp_socket::{VrrpSocket, VrrpSocketConfig};

/// SCHED_RR priority of the VIP threads: above every normal task, far below the kernel's own
/// real-time threads (keepalived's default `vrrp_rt_priority` is of the same order).
pub const REALTIME_PRIORITY: i32 = 10;

/// Messages from the daemon to a VIP thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// Trackers changed the effective priority / fault.
    Tracked {
        priority: u8,
        fault: bool,
    },
    /// Planned stop: hand the VIP over and end the thread.
    Shutdown,
    /// The operator gives the VIP away and keeps it away until `EndHandOver` (a reload).
    HandOver,
    EndHandOver,
    /// Only wakes the thread (it beats its heartbeat on every round): `/healthz`.
    Ping,
}

/// What the thread tells the daemon whenever the router's state, priority, master or
/// handover changed, and at every state change.
#[derive(Debug, Clone, PartialEq)]
pub struct VipReport {
    pub state: State,
    pub priority: u8,
    pub master: Option<IpAddr>,
    pub handed_over: bool,
    /// Set for a state change: from, to, why.
    pub transition: Option<(State, State, vrrp::Reason)>,
}

/// Where reports go (the admin endpoint's hub).
pub type Reporter = Box<dyn FnMut(VipReport) + Send>;

/// Everything a driver needs; built by the daemon from the config.
pub struct DriverSetup {
    pub name: String,
    pub router: vrrp::Config,
    pub interface: String,
    pub prefix_len: u8,
    pub label: Option<String>,
    pub checksum: ChecksumForm,
    pub announce: AnnounceSettings,
    pub notify: Option<PathBuf>,
    pub initial_priority: u8,
    pub initial_fault: bool,
    pub report: Reporter,
    /// Beaten on every round of the loop.
    pub heartbeat: Arc<Heartbeat>,
}

/// The adapters of one VIP and the router they serve.
struct Vip {
    setup: DriverSetup,
    router: Router,
    socket: VrrpSocket,
    netlink: Netlink,
    announcer: Announcer,
    announces: AnnounceQueue,
    /// Protocol-112 datagrams that did not parse as an advertisement.
    malformed: u64,
    ifindex: u32,
    label: Option<String>,
    destinations: Vec<IpAddr>,
    link_up: bool,
    /// What was last reported: state, priority, master, handed over.
    reported: Option<(State, u8, Option<IpAddr>, bool)>,
}

/// Runs the VIP until it has stopped. `wake` becomes readable whenever `control` has news.
pub fn run(
    setup: DriverSetup,
    control: Receiver<Control>,
    mut wake: UnixStream,
) -> std::io::Result<()> {
    // Adverts must leave on time even when every core is busy, or backups take over from a
    // healthy master (keepalived's maintainers give the same advice: real-time scheduling).
    // The thread only sleeps in poll(2) and handles a few packets per interval.
    if let Err(e) = sys::set_thread_realtime(REALTIME_PRIORITY) {
        tracing::warn!(
            "{}: no real-time scheduling for the VRRP thread ({e}); adverts may be late on a \
             saturated host (grant CAP_SYS_NICE)",
            setup.name
        );
    }
    let ifindex = sys::interface::index(&setup.interface)?;
    let socket = VrrpSocket::open(&VrrpSocketConfig {
        interface: setup.interface.clone(),
        source: setup.router.primary_address,
        multicast: setup.router.unicast_peers.is_none(),
    })?;
    let mut links = LinkEvents::open()?;
    let mut netlink = Netlink::open()?;
    let link_up = netlink.link(ifindex)?.is_up();
    wake.set_nonblocking(true)?;
    let mut vip = Vip {
        router: Router::new(setup.router.clone()),
        socket,
        announcer: Announcer::open(&setup.interface)?,
        announces: AnnounceQueue::new(setup.announce.clone()),
        netlink,
        malformed: 0,
        ifindex,
        label: setup
            .label
            .as_deref()
            .map(|l| address_label(&setup.interface, l)),
        destinations: settings::destinations(&setup.router),
        link_up,
        reported: None,
        setup,
    };
    let now = Instant::now();
    vip.router
        .handle(now, Input::Priority(vip.setup.initial_priority));
    vip.router.handle(now, Input::Startup);
    if vip.setup.initial_fault {
        vip.router.handle(now, Input::TrackerFault(true));
    }
    if !link_up {
        vip.router.handle(now, Input::LinkDown);
    }
    let mut buf = vec![0u8; 65_536];
    let mut shutting_down = false;
    loop {
        vip.carry_out_actions(Instant::now());
        vip.report_if_changed();
        vip.setup.heartbeat.beat();
        if vip.router.state() == State::Stopped {
            return Ok(());
        }
        let deadline = [vip.router.poll_timeout(), vip.announces.deadline()]
            .into_iter()
            .flatten()
            .min();
        let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let ready = sys::wait_any(&[vip.socket.as_fd(), links.as_fd(), wake.as_fd()], timeout)?;
        let now = Instant::now();
        if ready[0] {
            vip.receive_adverts(now, &mut buf);
        }
        if ready[1] {
            vip.link_changed(now, &mut links);
        }
        if ready[2] {
            let mut sink = [0u8; 64];
            while matches!(wake.read(&mut sink), Ok(n) if n > 0) {}
        }
        loop {
            match control.try_recv() {
                Ok(Control::Tracked { priority, fault }) => {
                    vip.router.handle(now, Input::Priority(priority));
                    vip.router.handle(now, Input::TrackerFault(fault));
                }
                Ok(Control::HandOver) => vip.router.handle(now, Input::HandOver),
                Ok(Control::EndHandOver) => vip.router.handle(now, Input::EndHandOver),
                Ok(Control::Ping) => {}
                Ok(Control::Shutdown) | Err(TryRecvError::Disconnected) => {
                    if !shutting_down {
                        shutting_down = true;
                        vip.router.handle(now, Input::Shutdown);
                    }
                    break;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        if vip.router.poll_timeout().is_some_and(|t| t <= now) {
            vip.router.handle_timeout(now);
        }
    }
}

impl Vip {
    /// Drains the router's actions and carries them out, then sends any announcement due.
    fn carry_out_actions(&mut self, now: Instant) {
        let address = self.setup.router.vips[0];
        while let Some(action) = self.router.poll_action() {
            match action {
                Action::SendAdvert(advert) => {
                    send(&self.socket, &advert, &self.destinations, &self.setup)
                }
                Action::AddVips => {
                    let prefix = self.setup.prefix_len;
                    let label = self.label.as_deref();
                    if let Err(e) = self
                        .netlink
                        .add_address(self.ifindex, address, prefix, label)
                    {
                        tracing::warn!("{}: adding {address}: {e}", self.setup.name);
                    }
                }
                Action::RemoveVips => {
                    self.announces.cancel();
                    reset_connections(&self.setup.name, address);
                    let prefix = self.setup.prefix_len;
                    if let Err(e) = self.netlink.del_address(self.ifindex, address, prefix) {
                        tracing::warn!("{}: removing {address}: {e}", self.setup.name);
                    }
                }
                Action::Announce => self.announces.start(now),
                Action::StateChanged { from, to, why } => {
                    let priority = self.router.effective_priority();
                    (self.setup.report)(VipReport {
                        state: to,
                        priority,
                        master: self.router.master_address(),
                        handed_over: self.router.handed_over(),
                        transition: Some((from, to, why.clone())),
                    });
                    tracing::info!(
                        "{}: {from:?} -> {to:?} ({why:?}); priority {priority}",
                        self.setup.name
                    );
                    if let Some(program) = &self.setup.notify {
                        notify::run(program, &self.setup.name, to, priority);
                    }
                }
            }
        }
        while self.announces.due(now) {
            if let Err(e) = self.announcer.announce(&[address]) {
                tracing::warn!("{}: announcing {address}: {e}", self.setup.name);
            }
        }
    }

    /// Tells the daemon when the state, priority, master or handover changed.
    fn report_if_changed(&mut self) {
        let r = &self.router;
        let now = (
            r.state(),
            r.effective_priority(),
            r.master_address(),
            r.handed_over(),
        );
        if self.reported == Some(now) {
            return;
        }
        self.reported = Some(now);
        (self.setup.report)(VipReport {
            state: now.0,
            priority: now.1,
            master: now.2,
            handed_over: now.3,
            transition: None,
        });
    }

    /// Reads every queued datagram; adverts go to the router, the rest is counted.
    fn receive_adverts(&mut self, now: Instant, buf: &mut [u8]) {
        loop {
            let rx = match self.socket.recv(buf) {
                Ok(Some(rx)) => rx,
                Ok(None) => return,
                // A receive error (the interface going away, say) is not the end of the VIP:
                // the link events and the timers carry on.
                Err(e) => {
                    tracing::warn!("{}: receiving adverts: {e}", self.setup.name);
                    return;
                }
            };
            match AdvertRepr::parse(&buf[rx.payload.clone()], rx.src, rx.dst) {
                Ok((advert, _form)) => self.router.handle(
                    now,
                    Input::Advert {
                        from: rx.src,
                        ttl: rx.ttl,
                        advert,
                    },
                ),
                Err(e) => {
                    // Logged at 1, 2, 4, 8 … so a flood cannot flood the log.
                    self.malformed += 1;
                    if self.malformed.is_power_of_two() {
                        tracing::info!(
                            "{}: {} malformed VRRP packet(s) ignored; last from {}: {e}",
                            self.setup.name,
                            self.malformed,
                            rx.src
                        );
                    }
                }
            }
        }
    }

    /// Feeds a change of the interface's link state to the router.
    fn link_changed(&mut self, now: Instant, links: &mut LinkEvents) {
        let up = match links.recv() {
            Ok(events) => events
                .iter()
                .rfind(|e| e.index == self.ifindex)
                .map(|e| e.up && !e.removed),
            // Events were lost (ENOBUFS): read the state afresh.
            Err(_) => Some(self.netlink.link(self.ifindex).is_ok_and(|l| l.is_up())),
        };
        if let Some(up) = up.filter(|&up| up != self.link_up) {
            self.link_up = up;
            self.router
                .handle(now, if up { Input::LinkUp } else { Input::LinkDown });
        }
    }
}

/// Connections to an address this node gives away cannot go on from here: reset them while
/// the address is still present so their clients reconnect to the new holder at once instead
/// of waiting for a reply that can no longer be sent.
fn reset_connections(name: &str, address: IpAddr) {
    match sys::netlink::reset_connections_from(address) {
        Ok(0) => {}
        Ok(n) => tracing::info!("{name}: reset {n} connection(s) to {address} before removing it"),
        Err(e) => tracing::warn!("{name}: cannot reset the connections to {address}: {e}"),
    }
}

fn send(socket: &VrrpSocket, advert: &AdvertRepr, destinations: &[IpAddr], setup: &DriverSetup) {
    for &dst in destinations {
        let bytes = match advert.to_bytes(setup.router.primary_address, dst, setup.checksum) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!("{}: cannot encode advert for {dst}: {e:?}", setup.name);
                continue;
            }
        };
        if let Err(e) = socket.send_to(&bytes, dst) {
            tracing::warn!("{}: sending advert to {dst}: {e}", setup.name);
        }
    }
}

/// keepalived-style address label: `IFNAME:LABEL`, at most 15 bytes (IFNAMSIZ − 1).
pub fn address_label(interface: &str, label: &str) -> String {
    let full = if label.starts_with(interface) {
        label.to_string()
    } else {
        format!("{interface}:{label}")
    };
    full.chars().take(15).collect()
}

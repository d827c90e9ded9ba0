//! The per-VIP thread: waits on the VRRP socket, link events and control messages with the
//! router's next timeout, feeds what happened into the router, and carries out its actions
//! (send adverts, add/remove the address, announce it). It decides nothing itself.

use std::io::Read;
use std::net::IpAddr;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use vrrp::{Action, AdvertRepr, ChecksumForm, Input, Router, State};

use super::notify;
use super::settings;
use crate::config::model::AnnounceSettings;
use crate::sys;
use crate::sys::announce::Announcer;
use crate::sys::netlink::{LinkEvents, Netlink};
use crate::sys::vrrp_socket::{VrrpSocket, VrrpSocketConfig};

/// Messages from the daemon to a VIP thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// Trackers changed the effective priority / fault.
    Tracked { priority: u8, fault: bool },
    /// Planned stop: hand the VIP over and end the thread.
    Shutdown,
}

/// What the rest of the daemon may read about a VIP (status, tests, `kubegate lab`).
#[derive(Debug, Clone, PartialEq)]
pub struct VipStatus {
    pub state: State,
    pub priority: u8,
    pub master: Option<IpAddr>,
    pub since: Instant,
    /// Protocol-112 datagrams that did not parse as an advertisement.
    pub malformed_adverts: u64,
}

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
}

/// Announcements still to send: (when, how many left).
struct AnnounceQueue {
    settings: AnnounceSettings,
    next: Option<(Instant, u32)>,
}

impl AnnounceQueue {
    fn start(&mut self, now: Instant) {
        if self.settings.count > 0 {
            self.next = Some((now, self.settings.count));
        }
    }
    fn cancel(&mut self) {
        self.next = None;
    }
    fn deadline(&self) -> Option<Instant> {
        self.next.map(|(at, _)| at)
    }
    /// Returns true when one announcement is due now.
    fn due(&mut self, now: Instant) -> bool {
        match self.next {
            Some((at, left)) if at <= now => {
                self.next = (left > 1).then(|| (now + self.settings.interval, left - 1));
                true
            }
            _ => false,
        }
    }
}

/// Runs the VIP until it has stopped. `wake` becomes readable whenever `control` has news.
pub fn run(
    setup: DriverSetup,
    control: Receiver<Control>,
    mut wake: UnixStream,
    status: Arc<Mutex<VipStatus>>,
) -> std::io::Result<()> {
    let vip = setup.router.vips[0];
    let ifindex = sys::interface::index(&setup.interface)?;
    let socket = VrrpSocket::open(&VrrpSocketConfig {
        interface: setup.interface.clone(),
        source: setup.router.primary_address,
        multicast: setup.router.unicast_peers.is_none(),
    })?;
    let mut links = LinkEvents::open()?;
    let mut netlink = Netlink::open()?;
    let mut announcer = Announcer::open(&setup.interface)?;
    let label = setup
        .label
        .as_deref()
        .map(|l| address_label(&setup.interface, l));
    let destinations = settings::destinations(&setup.router);
    let mut announces = AnnounceQueue {
        settings: setup.announce.clone(),
        next: None,
    };
    wake.set_nonblocking(true)?;

    let mut router = Router::new(setup.router.clone());
    let now = Instant::now();
    router.handle(now, Input::Priority(setup.initial_priority));
    router.handle(now, Input::Startup);
    if setup.initial_fault {
        router.handle(now, Input::TrackerFault(true));
    }
    let mut link_up = netlink.link(ifindex)?.is_up();
    if !link_up {
        router.handle(now, Input::LinkDown);
    }
    let mut buf = vec![0u8; 65_536];
    let mut shutting_down = false;
    loop {
        let now = Instant::now();
        let mut actions = Vec::new();
        while let Some(a) = router.poll_action() {
            actions.push(a);
        }
        for action in actions {
            match action {
                Action::SendAdvert(advert) => send(&socket, &advert, &destinations, &setup),
                Action::AddVips => {
                    if let Err(e) =
                        netlink.add_address(ifindex, vip, setup.prefix_len, label.as_deref())
                    {
                        crate::say!("{}: adding {vip} to {}: {e}", setup.name, setup.interface);
                    }
                }
                Action::RemoveVips => {
                    announces.cancel();
                    if let Err(e) = netlink.del_address(ifindex, vip, setup.prefix_len) {
                        crate::say!("{}: removing {vip}: {e}", setup.name);
                    }
                }
                Action::Announce => announces.start(now),
                Action::StateChanged { from, to, why } => {
                    crate::say!(
                        "{}: {:?} -> {:?} ({why:?}); priority {}",
                        setup.name,
                        from,
                        to,
                        router.effective_priority()
                    );
                    if let Some(program) = &setup.notify {
                        notify::run(program, &setup.name, to, router.effective_priority());
                    }
                    let mut s = status.lock().unwrap_or_else(|p| p.into_inner());
                    s.state = to;
                    s.since = now;
                }
            }
        }
        {
            let mut s = status.lock().unwrap_or_else(|p| p.into_inner());
            s.priority = router.effective_priority();
            s.master = router.master_address();
        }
        while announces.due(now) {
            if let Err(e) = announcer.announce(&[vip]) {
                crate::say!("{}: announcing {vip}: {e}", setup.name);
            }
        }
        if router.state() == State::Stopped {
            return Ok(());
        }

        let deadline = [router.poll_timeout(), announces.deadline()]
            .into_iter()
            .flatten()
            .min();
        let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let ready = sys::wait_any(&[socket.as_fd(), links.as_fd(), wake.as_fd()], timeout)?;
        let now = Instant::now();
        if ready[0] {
            while let Some(rx) = socket.recv(&mut buf)? {
                match AdvertRepr::parse(&buf[rx.payload.clone()], rx.src, rx.dst) {
                    Ok((advert, _form)) => router.handle(
                        now,
                        Input::Advert {
                            from: rx.src,
                            ttl: rx.ttl,
                            advert,
                        },
                    ),
                    Err(_) => {
                        status
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .malformed_adverts += 1
                    }
                }
            }
        }
        if ready[1] {
            let up = match links.recv() {
                Ok(events) => events
                    .iter()
                    .rfind(|e| e.index == ifindex)
                    .map(|e| e.up && !e.removed),
                // Events were lost (ENOBUFS): read the state afresh.
                Err(_) => Some(netlink.link(ifindex).map(|l| l.is_up()).unwrap_or(false)),
            };
            if let Some(up) = up.filter(|&up| up != link_up) {
                link_up = up;
                router.handle(now, if up { Input::LinkUp } else { Input::LinkDown });
            }
        }
        if ready[2] {
            let mut sink = [0u8; 64];
            while matches!(wake.read(&mut sink), Ok(n) if n > 0) {}
        }
        loop {
            match control.try_recv() {
                Ok(Control::Tracked { priority, fault }) => {
                    router.handle(now, Input::Priority(priority));
                    router.handle(now, Input::TrackerFault(fault));
                }
                Ok(Control::Shutdown) | Err(TryRecvError::Disconnected) => {
                    if !shutting_down {
                        shutting_down = true;
                        router.handle(now, Input::Shutdown);
                    }
                    break;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        if router.poll_timeout().is_some_and(|t| t <= now) {
            router.handle_timeout(now);
        }
    }
}

fn send(socket: &VrrpSocket, advert: &AdvertRepr, destinations: &[IpAddr], setup: &DriverSetup) {
    for &dst in destinations {
        let bytes = match advert.to_bytes(setup.router.primary_address, dst, setup.checksum) {
            Ok(b) => b,
            Err(e) => {
                crate::say!("{}: cannot encode advert for {dst}: {e:?}", setup.name);
                continue;
            }
        };
        if let Err(e) = socket.send_to(&bytes, dst) {
            crate::say!("{}: sending advert to {dst}: {e}", setup.name);
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

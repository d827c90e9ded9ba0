//! The per-VIP thread: waits on the VRRP socket, link events and control messages with the
//! router's next timeout, feeds what happened into the router, and carries out its actions
//! (send adverts, add/remove the address, announce it). It decides nothing itself.

use std::io::Read;
use std::net::IpAddr;
use std::os::fd::AsRawFd;
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
    let ifindex = sys::netlink::ifindex(&setup.interface)?;
    let multicast = setup.router.unicast_peers.is_none();
    let socket = sys::vrrp_socket::VrrpSocket::open(
        &setup.interface,
        setup.router.primary_address,
        multicast,
    )?;
    let mut links = sys::netlink::LinkEvents::open()?;
    let netlink = sys::netlink::Netlink::open()?;
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
    if !sys::netlink::link_is_up(&setup.interface) {
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
                    if let Err(e) = netlink.add_address(
                        ifindex,
                        vip,
                        setup.prefix_len,
                        setup.label.as_deref(),
                    ) {
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
            if let Err(e) = sys::announce::announce(&setup.interface, &[vip]) {
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
        let ready = sys::poll::wait(
            &[socket.as_raw_fd(), links.as_raw_fd(), wake.as_raw_fd()],
            timeout,
        )?;
        let now = Instant::now();
        if ready[0] {
            while let Some(rx) = socket.recv(&mut buf)? {
                match AdvertRepr::parse(rx.payload(&buf), rx.src, rx.dst) {
                    Ok((advert, _form)) => router.handle(
                        now,
                        Input::Advert {
                            from: rx.src,
                            ttl: rx.ttl,
                            advert,
                        },
                    ),
                    Err(_) => router.note_malformed(),
                }
            }
        }
        if ready[1] {
            while let Some(event) = links.next_event()? {
                if event.ifindex == ifindex {
                    router.handle(now, if event.up { Input::LinkUp } else { Input::LinkDown });
                }
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

fn send(
    socket: &sys::vrrp_socket::VrrpSocket,
    advert: &AdvertRepr,
    destinations: &[IpAddr],
    setup: &DriverSetup,
) {
    for &dst in destinations {
        let bytes = advert.to_bytes(setup.router.primary_address, dst, setup.checksum);
        if let Err(e) = socket.send_to(&bytes, dst) {
            crate::say!("{}: sending advert to {dst}: {e}", setup.name);
        }
    }
}

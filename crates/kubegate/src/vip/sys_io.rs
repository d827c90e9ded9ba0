//! The Linux adapter of a VIP driver: the raw VRRP socket, netlink (addresses, link state and
//! events, sock_diag resets), the announcer and the wake pipe from kubegate-sys, on the
//! system clock.

use std::io::{self, Read};
use std::net::IpAddr;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Instant;

use vrrp::State;

use super::io::{Datagram, Ready, VipIo};
use super::notify;
use kubegate_sys as sys;
use kubegate_sys::announce::Announcer;
use kubegate_sys::netlink::{LinkEvents, Netlink};
use kubegate_sys::vrrp_socket::{VrrpSocket, VrrpSocketConfig};

/// The sockets of one VIP on one interface.
pub struct SysIo {
    ifindex: u32,
    socket: VrrpSocket,
    links: LinkEvents,
    netlink: Netlink,
    announcer: Announcer,
    /// Readable whenever the daemon queued a control message.
    wake: UnixStream,
}

impl SysIo {
    /// Opens everything the VIP on `interface` needs; adverts leave from `source`, to the
    /// multicast group when `multicast`.
    pub fn open(
        interface: &str,
        source: IpAddr,
        multicast: bool,
        wake: UnixStream,
    ) -> io::Result<Self> {
        let ifindex = sys::interface::index(interface)?;
        let socket = VrrpSocket::open(&VrrpSocketConfig {
            interface: interface.to_string(),
            source,
            multicast,
        })?;
        let links = LinkEvents::open()?;
        let netlink = Netlink::open()?;
        wake.set_nonblocking(true)?;
        Ok(SysIo {
            ifindex,
            socket,
            links,
            netlink,
            announcer: Announcer::open(interface)?,
            wake,
        })
    }
}

impl VipIo for SysIo {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wait(&mut self, deadline: Option<Instant>) -> io::Result<Ready> {
        let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let fds = [self.socket.as_fd(), self.links.as_fd(), self.wake.as_fd()];
        let ready = sys::wait_any(&fds, timeout)?;
        if ready[2] {
            let mut sink = [0u8; 64];
            while matches!(self.wake.read(&mut sink), Ok(n) if n > 0) {}
        }
        Ok(Ready {
            adverts: ready[0],
            link: ready[1],
        })
    }

    fn recv_advert(&mut self, buf: &mut [u8]) -> io::Result<Option<Datagram>> {
        Ok(self.socket.recv(buf)?.map(|rx| Datagram {
            src: rx.src,
            dst: rx.dst,
            ttl: rx.ttl,
            payload: rx.payload,
        }))
    }

    fn send_advert(&mut self, bytes: &[u8], dst: IpAddr) -> io::Result<()> {
        self.socket.send_to(bytes, dst)
    }

    fn add_address(
        &mut self,
        address: IpAddr,
        prefix_len: u8,
        label: Option<&str>,
    ) -> io::Result<()> {
        self.netlink
            .add_address(self.ifindex, address, prefix_len, label)
    }

    fn del_address(&mut self, address: IpAddr, prefix_len: u8) -> io::Result<()> {
        self.netlink.del_address(self.ifindex, address, prefix_len)
    }

    fn reset_connections(&mut self, address: IpAddr) -> io::Result<usize> {
        sys::netlink::reset_connections_from(address)
    }

    fn announce(&mut self, addresses: &[IpAddr]) -> io::Result<()> {
        self.announcer.announce(addresses)
    }

    fn link_up(&mut self) -> io::Result<bool> {
        Ok(self.netlink.link(self.ifindex)?.is_up())
    }

    fn link_news(&mut self) -> Option<bool> {
        match self.links.recv() {
            Ok(events) => events
                .iter()
                .rfind(|e| e.index == self.ifindex)
                .map(|e| e.up && !e.removed),
            // Events were lost (ENOBUFS): read the state afresh.
            Err(_) => Some(self.link_up().unwrap_or(false)),
        }
    }

    fn notify(&mut self, program: &Path, instance: &str, state: State, priority: u8) {
        notify::run(program, instance, state, priority);
    }

    fn run_program(&mut self, program: &Path) {
        notify::run_bare(program);
    }
}

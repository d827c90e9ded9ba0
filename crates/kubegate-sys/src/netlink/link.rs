//! Link state (RTM_GETLINK) and the subscription to link changes (RTMGRP_LINK).

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use super::wire::{self, IfInfoMsg, MessageBuilder};
use super::{ffi, open_socket, Netlink, RECV_BUF};

/// The state of one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkState {
    pub index: u32,
    pub name: Option<String>,
    /// `IFF_UP`: administratively up.
    pub admin_up: bool,
    /// `IFF_LOWER_UP`: carrier present.
    pub carrier: bool,
    /// `IFF_RUNNING`: operationally up (RFC 2863 up or unknown).
    pub running: bool,
    /// `IFLA_OPERSTATE` (0 unknown, 2 down, 5 dormant, 6 up …), when the kernel sent it.
    pub oper_state: Option<u8>,
}

impl LinkState {
    /// Usable for VRRP: administratively and operationally up.
    pub fn is_up(&self) -> bool {
        self.admin_up && self.running
    }

    fn parse(payload: &[u8]) -> Option<Self> {
        let hdr = IfInfoMsg::parse(payload)?;
        let flags = hdr.flags;
        let mut state = Self {
            index: hdr.index,
            name: None,
            admin_up: flags & libc::IFF_UP as u32 != 0,
            carrier: flags & libc::IFF_LOWER_UP as u32 != 0,
            running: flags & libc::IFF_RUNNING as u32 != 0,
            oper_state: None,
        };
        for (ty, data) in wire::attrs(payload, IfInfoMsg::LEN) {
            match ty {
                wire::IFLA_IFNAME => state.name = wire::attr_str(data),
                wire::IFLA_OPERSTATE => state.oper_state = data.first().copied(),
                _ => {}
            }
        }
        Some(state)
    }
}

impl Netlink {
    /// The current state of interface `ifindex`.
    pub fn link(&mut self, ifindex: u32) -> io::Result<LinkState> {
        let hdr = IfInfoMsg {
            family: 0,
            link_type: 0,
            index: ifindex,
            flags: 0,
            change: 0,
        };
        let seq = self.next_seq();
        let msg = MessageBuilder::new(
            wire::RTM_GETLINK,
            wire::NLM_F_REQUEST | wire::NLM_F_ACK,
            seq,
        )
        .header(&hdr.emit())
        .finish();
        let mut found = None;
        self.request(seq, &msg, |m| {
            if m.ty == wire::RTM_NEWLINK {
                found =
                    Some(LinkState::parse(m.payload).ok_or_else(|| wire::malformed("ifinfomsg"))?);
            }
            Ok(())
        })?;
        found.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such interface"))
    }
}

/// One link change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEvent {
    pub index: u32,
    /// Administratively and operationally up after the change; false for a removed link.
    pub up: bool,
    /// The full state the kernel reported.
    pub state: LinkState,
    /// The interface was removed (RTM_DELLINK).
    pub removed: bool,
}

/// A non-blocking subscription to link changes in the calling thread's network namespace.
#[derive(Debug)]
pub struct LinkEvents {
    fd: OwnedFd,
    buf: Vec<u8>,
}

impl LinkEvents {
    pub fn open() -> io::Result<Self> {
        let fd = open_socket(libc::NETLINK_ROUTE, true)?;
        ffi::bind_netlink(fd.as_fd(), wire::RTMGRP_LINK)?;
        Ok(Self {
            fd,
            buf: vec![0; RECV_BUF],
        })
    }

    /// Every event queued now (empty when none). An `ENOBUFS` error means events were lost:
    /// the caller should read the current state with [`Netlink::link`] and carry on.
    pub fn recv(&mut self) -> io::Result<Vec<LinkEvent>> {
        let mut out = Vec::new();
        loop {
            let (len, truncated) = match ffi::recv(self.fd.as_fd(), &mut self.buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(out),
                other => other?,
            };
            if truncated {
                return Err(wire::malformed("link event (truncated)"));
            }
            for m in wire::messages(&self.buf[..len]) {
                let m = m?;
                let removed = match m.ty {
                    wire::RTM_NEWLINK => false,
                    wire::RTM_DELLINK => true,
                    _ => continue,
                };
                let state =
                    LinkState::parse(m.payload).ok_or_else(|| wire::malformed("ifinfomsg"))?;
                out.push(LinkEvent {
                    index: state.index,
                    up: !removed && state.is_up(),
                    state,
                    removed,
                });
            }
        }
    }
}

impl AsFd for LinkEvents {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for LinkEvents {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

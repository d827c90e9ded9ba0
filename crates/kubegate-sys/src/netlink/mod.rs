//! A small hand-written netlink client: interface addresses and link state (NETLINK_ROUTE),
//! and resetting the TCP connections of an address being given away (NETLINK_SOCK_DIAG).
//!
//! [`Netlink`] is a blocking request socket (each request waits for the kernel's reply or
//! acknowledgement); [`LinkEvents`] is a non-blocking subscription to link changes whose
//! descriptor can be polled.

mod addr;
mod link;
mod sockdiag;
pub(crate) mod wire;

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

pub use addr::InterfaceAddress;
pub use link::{LinkEvent, LinkEvents, LinkState};
pub use sockdiag::reset_connections_from;

use socket2::{Domain, SockRef, Socket, Type};

use super::ffi;
use wire::Message;

/// Large enough for any single datagram of an address or link dump.
const RECV_BUF: usize = 64 * 1024;

/// How long a request waits for the kernel before giving up.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// A NETLINK_ROUTE request socket.
#[derive(Debug)]
pub struct Netlink {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
}

/// A netlink socket of `protocol` (socket2 adds `SOCK_CLOEXEC`).
fn open_socket(protocol: libc::c_int, nonblocking: bool) -> io::Result<OwnedFd> {
    let ty = if nonblocking {
        Type::RAW.nonblocking()
    } else {
        Type::RAW
    };
    let socket = Socket::new(Domain::from(libc::AF_NETLINK), ty, Some(protocol.into()))?;
    Ok(OwnedFd::from(socket))
}

impl Netlink {
    /// Opens a request socket in the calling thread's network namespace.
    pub fn open() -> io::Result<Self> {
        Self::open_protocol(libc::NETLINK_ROUTE)
    }

    /// A request socket of another netlink family (`NETLINK_SOCK_DIAG`).
    fn open_protocol(protocol: libc::c_int) -> io::Result<Self> {
        let fd = open_socket(protocol, false)?;
        ffi::bind_netlink(fd.as_fd(), 0)?;
        SockRef::from(&fd).set_read_timeout(Some(REPLY_TIMEOUT))?;
        Ok(Self {
            fd,
            seq: 0,
            buf: vec![0; RECV_BUF],
        })
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Sends one request built with sequence number `seq` and feeds every reply message to
    /// `each` until the kernel's acknowledgement, error or end of dump.
    fn request(
        &mut self,
        seq: u32,
        msg: &[u8],
        mut each: impl FnMut(&Message<'_>) -> io::Result<()>,
    ) -> io::Result<()> {
        if ffi::send(self.fd.as_fd(), msg)? != msg.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "short netlink send",
            ));
        }
        loop {
            let (len, truncated) = ffi::recv(self.fd.as_fd(), &mut self.buf)?;
            if truncated {
                return Err(wire::malformed("netlink reply (truncated)"));
            }
            for m in wire::messages(&self.buf[..len]) {
                let m = m?;
                if m.seq != seq {
                    continue; // a late reply to an earlier request
                }
                match m.ty {
                    wire::NLMSG_ERROR | wire::NLMSG_DONE => {
                        // NLMSG_DONE of a dump carries an int error code too; NLMSG_ERROR
                        // without one is malformed.
                        let code = wire::error_code(m.payload);
                        return match (m.ty, code) {
                            (_, Some(0)) | (wire::NLMSG_DONE, None) => Ok(()),
                            (_, Some(c)) if c < 0 => Err(io::Error::from_raw_os_error(-c)),
                            _ => Err(wire::malformed("netlink error message")),
                        };
                    }
                    wire::NLMSG_NOOP => {}
                    _ => each(&m)?,
                }
            }
        }
    }
}

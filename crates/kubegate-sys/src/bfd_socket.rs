//! UDP sockets for BFD control packets (RFC 5881 single hop, RFC 5883 multihop).
//!
//! A [`BfdSocket::receiver`] is bound to a local address and the control port (3784, or 4784
//! for multihop) and reports each datagram's TTL / hop limit, so the receiver can apply RFC
//! 5881 §5's "TTL or Hop Limit equal to 255" rule. A [`BfdSocket::sender`] is bound to the
//! same local address and one source port from 49152..=65535 kept for the session's life
//! (RFC 5881 §4), and sends with TTL / hop limit 255 (RFC 5881 §5). The socket neither builds
//! nor checks BFD packets. Non-blocking, readable through `as_fd()` with `poll(2)`.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::os::fd::{AsFd, BorrowedFd};

use socket2::{Domain, Protocol, Socket, Type};

use super::ffi;

/// TTL / hop limit of every packet sent (RFC 5881 §5: "MUST ... be transmitted with a TTL or
/// Hop Limit value of 255"; RFC 5883 leaves it free, so multihop sends 255 too).
pub const SEND_TTL: u32 = 255;

/// One received datagram: where it came from and the TTL / hop limit it arrived with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BfdDatagram {
    pub src: SocketAddr,
    pub ttl: u8,
    /// The payload is the first `len` bytes of the buffer given to [`BfdSocket::recv`].
    pub len: usize,
}

/// A non-blocking UDP socket that carries BFD control packets.
#[derive(Debug)]
pub struct BfdSocket {
    socket: Socket,
    local: SocketAddr,
}

fn udp(local: IpAddr) -> io::Result<Socket> {
    let domain = match local {
        IpAddr::V4(_) => Domain::IPV4,
        IpAddr::V6(_) => Domain::IPV6,
    };
    let socket = Socket::new(domain, Type::DGRAM.nonblocking(), Some(Protocol::UDP))?;
    if local.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    Ok(socket)
}

fn set_send_ttl(socket: &Socket, local: IpAddr) -> io::Result<()> {
    match local {
        IpAddr::V4(_) => socket.set_ttl_v4(SEND_TTL),
        IpAddr::V6(_) => socket.set_unicast_hops_v6(SEND_TTL),
    }
}

impl BfdSocket {
    /// Binds `local:port` (3784 single hop, 4784 multihop) for receiving, with the TTL /
    /// hop limit of each datagram reported. `IP_FREEBIND` lets it bind an address that is not
    /// (yet) configured; `SO_REUSEADDR` lets a restarted daemon bind at once.
    pub fn receiver(local: IpAddr, port: u16) -> io::Result<BfdSocket> {
        let socket = udp(local)?;
        socket.set_reuse_address(true)?;
        match local {
            IpAddr::V4(_) => {
                socket.set_freebind_v4(true)?;
                ffi::udp_ttl::recv_ttl_v4(socket.as_fd())?;
            }
            IpAddr::V6(_) => {
                socket.set_freebind_v6(true)?;
                socket.set_recv_hoplimit_v6(true)?;
            }
        }
        let addr = SocketAddr::new(local, port);
        socket.bind(&addr.into())?;
        let local = socket.local_addr()?.as_socket().unwrap_or(addr);
        Ok(BfdSocket { socket, local })
    }

    /// Binds `local` and a source port from `ports` for sending, trying `first` and then the
    /// next ports of the range in turn when one is taken; TTL / hop limit [`SEND_TTL`].
    pub fn sender(local: IpAddr, ports: RangeInclusive<u16>, first: u16) -> io::Result<BfdSocket> {
        let (start, end) = (u32::from(*ports.start()), u32::from(*ports.end()));
        if start > end {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "empty port range",
            ));
        }
        let span = end - start + 1;
        let first = u32::from(first).clamp(start, end) - start;
        // A bounded search: at most 64 ports are tried.
        let mut last_error = None;
        for step in 0..span.min(64) {
            let port = (start + (first + step) % span) as u16;
            let socket = udp(local)?;
            match local {
                IpAddr::V4(_) => socket.set_freebind_v4(true)?,
                IpAddr::V6(_) => socket.set_freebind_v6(true)?,
            }
            set_send_ttl(&socket, local)?;
            let addr = SocketAddr::new(local, port);
            match socket.bind(&addr.into()) {
                Ok(()) => {
                    return Ok(BfdSocket {
                        socket,
                        local: addr,
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::from(io::ErrorKind::AddrInUse)))
    }

    /// The address and port the socket is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Sends one datagram to `dst`.
    pub fn send_to(&self, bytes: &[u8], dst: SocketAddr) -> io::Result<()> {
        let sent = self.socket.send_to(bytes, &dst.into())?;
        if sent != bytes.len() {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "short send"));
        }
        Ok(())
    }

    /// Reads one datagram into `buf`. `Ok(None)` when nothing is waiting, and for a datagram
    /// that was cut short by `buf` or came without its TTL / source (it is dropped: the TTL
    /// rule cannot be applied to it).
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<BfdDatagram>> {
        let r = match ffi::udp_ttl::recv_with_ttl(self.socket.as_fd(), buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            other => other?,
        };
        match (r.truncated, r.src, r.ttl) {
            (false, Some(src), Some(ttl)) => Ok(Some(BfdDatagram {
                src: canonical(src),
                ttl,
                len: r.len,
            })),
            _ => Ok(None),
        }
    }
}

/// An IPv4-mapped IPv6 source reads as the IPv4 address it is.
fn canonical(src: SocketAddr) -> SocketAddr {
    SocketAddr::new(src.ip().to_canonical(), src.port())
}

impl AsFd for BfdSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn a_sender_binds_a_source_port_in_its_range_and_sends_ttl_255() {
        // An unprivileged port, not 3784: the test runs beside other processes.
        let rx = BfdSocket::receiver(LOOPBACK, 0).unwrap_or_else(|e| panic!("receiver: {e}"));
        let rx_addr = rx.local_addr();
        let tx = BfdSocket::sender(LOOPBACK, 49152..=65535, 60000).unwrap();
        assert!((49152..=65535).contains(&tx.local_addr().port()));
        let other = BfdSocket::sender(LOOPBACK, 49152..=65535, tx.local_addr().port()).unwrap();
        assert_ne!(
            other.local_addr().port(),
            tx.local_addr().port(),
            "a taken port is skipped"
        );
        tx.send_to(b"bfd", rx_addr).unwrap();
        assert!(crate::wait_readable(rx.as_fd(), Some(Duration::from_secs(2))).unwrap());
        let mut buf = [0; 64];
        let got = rx.recv(&mut buf).unwrap().expect("a datagram");
        assert_eq!(&buf[..got.len], b"bfd");
        assert_eq!(got.src, tx.local_addr());
        assert_eq!(got.ttl, 255, "RFC 5881 §5: sent with TTL 255");
        assert_eq!(rx.recv(&mut buf).unwrap(), None, "nothing more waiting");
    }

    #[test]
    fn a_datagram_longer_than_the_buffer_is_dropped() {
        let rx = BfdSocket::receiver(LOOPBACK, 0).unwrap();
        let tx = BfdSocket::sender(LOOPBACK, 49152..=65535, 50000).unwrap();
        tx.send_to(&[7; 100], rx.local_addr()).unwrap();
        assert!(crate::wait_readable(rx.as_fd(), Some(Duration::from_secs(2))).unwrap());
        let mut small = [0; 24];
        assert_eq!(rx.recv(&mut small).unwrap(), None);
    }
}

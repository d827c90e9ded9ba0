//! Raw IP protocol 112 sockets that carry VRRP advertisements on one interface.
//!
//! One socket per address family and interface, non-blocking, readable through `as_raw_fd()`
//! with `poll(2)`. The socket neither builds nor checks VRRP packets: it hands out the payload
//! with the addresses and TTL / hop limit the receiver needs for its own checks.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use socket2::{Domain, InterfaceIndexOrAddress, Protocol, Socket, Type};

use super::ffi;

/// IP protocol number of VRRP (RFC 5798 §5.2.4, RFC 3768 §5.2.4).
pub const IPPROTO_VRRP: u8 = 112;
/// VRRP's IPv4 multicast group (RFC 5798 §5.1.1.2).
pub const GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// VRRP's IPv6 multicast group (RFC 5798 §5.1.2.2).
pub const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// TTL / hop limit every advertisement is sent with (RFC 5798 §5.1.1.3, §5.1.2.3).
pub const SEND_TTL: u8 = 255;

/// How to open a [`VrrpSocket`].
#[derive(Debug, Clone)]
pub struct VrrpSocketConfig {
    /// Interface the socket is bound to (`SO_BINDTODEVICE`).
    pub interface: String,
    /// Source address of sent packets; its family chooses IPv4 or IPv6. For IPv6, RFC 5798
    /// §5.1.2.1 wants the interface's link-local address.
    pub source: IpAddr,
    /// Join 224.0.0.18 / ff02::12 on the interface (multicast transport).
    pub multicast: bool,
}

/// One received protocol-112 datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6) as it arrived.
    pub ttl: u8,
    /// Where the VRRP payload lies in the buffer given to [`VrrpSocket::recv`].
    pub payload: Range<usize>,
}

/// A raw protocol-112 socket bound to one interface.
#[derive(Debug)]
pub struct VrrpSocket {
    fd: OwnedFd,
    source: IpAddr,
    ifindex: u32,
}

impl VrrpSocket {
    /// Opens the socket: bound to the interface, non-blocking, TTL / hop limit 255 for unicast
    /// and multicast, multicast loop off, joined to the VRRP group when `multicast` is set.
    pub fn open(config: &VrrpSocketConfig) -> io::Result<Self> {
        let ifindex = ffi::if_nametoindex(&config.interface)?;
        let ttl = u32::from(SEND_TTL);
        let socket = match config.source {
            IpAddr::V4(_) => {
                let s = raw_socket(Domain::IPV4)?;
                s.set_ttl_v4(ttl)?;
                s.set_multicast_ttl_v4(ttl)?;
                s.set_multicast_loop_v4(false)?;
                // By index (`ip_mreqn`), which socket2 does not offer for IP_MULTICAST_IF.
                ffi::multicast_if_v4(s.as_fd(), ifindex)?;
                if config.multicast {
                    s.join_multicast_v4_n(&GROUP_V4, &InterfaceIndexOrAddress::Index(ifindex))?;
                }
                s
            }
            IpAddr::V6(_) => {
                let s = raw_socket(Domain::IPV6)?;
                s.set_unicast_hops_v6(ttl)?;
                s.set_multicast_hops_v6(ttl)?;
                s.set_multicast_loop_v6(false)?;
                s.set_multicast_if_v6(ifindex)?;
                s.set_recv_hoplimit_v6(true)?;
                ffi::recv_pktinfo_v6(s.as_fd())?;
                if config.multicast {
                    s.join_multicast_v6(&GROUP_V6, ifindex)?;
                }
                s
            }
        };
        socket.bind_device(Some(config.interface.as_bytes()))?;
        let fd = OwnedFd::from(socket);
        Ok(Self {
            fd,
            source: config.source,
            ifindex,
        })
    }

    /// The source address this socket sends from.
    pub fn source(&self) -> IpAddr {
        self.source
    }

    /// Sends one VRRP packet (`bytes` is the VRRP header and body; the kernel adds the IP
    /// header) to `dst`, a peer or the VRRP group of the socket's family.
    pub fn send_to(&self, bytes: &[u8], dst: IpAddr) -> io::Result<()> {
        let sent = match (self.source, dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => {
                ffi::send_to_v4(self.fd.as_fd(), bytes, dst, Some(src), self.ifindex)?
            }
            (IpAddr::V6(src), IpAddr::V6(dst)) => {
                ffi::send_to_v6(self.fd.as_fd(), bytes, dst, Some(src), self.ifindex)?
            }
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "destination family differs from the socket's",
                ))
            }
        };
        if sent != bytes.len() {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "short send"));
        }
        Ok(())
    }

    /// Reads one datagram into `buf`. `Ok(None)` when nothing is waiting or the datagram was
    /// not a whole, well-formed protocol-112 packet (it is dropped).
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<Received>> {
        match self.source {
            IpAddr::V4(_) => {
                let (len, truncated) = match ffi::recv(self.fd.as_fd(), buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                    other => other?,
                };
                if truncated {
                    return Ok(None);
                }
                Ok(parse_ipv4(&buf[..len]))
            }
            IpAddr::V6(_) => {
                let r = match ffi::recv_v6(self.fd.as_fd(), buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                    other => other?,
                };
                // Without the hop limit the receiver cannot apply RFC 5798 §7.1's check.
                match (r.truncated, r.dst, r.hop_limit) {
                    (false, Some(dst), Some(ttl)) => Ok(Some(Received {
                        src: IpAddr::V6(r.src),
                        dst: IpAddr::V6(dst),
                        ttl,
                        payload: 0..r.len,
                    })),
                    _ => Ok(None),
                }
            }
        }
    }
}

fn raw_socket(domain: Domain) -> io::Result<Socket> {
    let protocol = Protocol::from(libc::c_int::from(IPPROTO_VRRP));
    Socket::new(domain, Type::RAW.nonblocking(), Some(protocol))
}

impl AsFd for VrrpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for VrrpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Splits a datagram from a raw IPv4 socket (which includes the IP header, RFC 791 §3.1) into
/// addresses, TTL and the payload range. `None` for anything malformed or not protocol 112.
pub fn parse_ipv4(packet: &[u8]) -> Option<Received> {
    let first = *packet.first()?;
    if first >> 4 != 4 {
        return None;
    }
    let header_len = usize::from(first & 0x0f) * 4;
    if header_len < 20 || packet.len() < header_len {
        return None;
    }
    let total_len = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
    // The kernel reassembles before raw delivery; a total length that disagrees is malformed.
    if total_len < header_len || total_len > packet.len() {
        return None;
    }
    if packet[9] != IPPROTO_VRRP {
        return None;
    }
    let src = Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]);
    let dst = Ipv4Addr::new(packet[16], packet[17], packet[18], packet[19]);
    Some(Received {
        src: IpAddr::V4(src),
        dst: IpAddr::V4(dst),
        ttl: packet[8],
        payload: header_len..total_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(ihl: u8, total: u16, proto: u8) -> Vec<u8> {
        let mut p = vec![0x40 | ihl, 0, 0, 0, 0, 0, 0, 0, 255, proto, 0, 0];
        p[2..4].copy_from_slice(&total.to_be_bytes());
        p.extend_from_slice(&[198, 18, 0, 11, 224, 0, 0, 18]);
        p.resize(usize::from(ihl) * 4, 0);
        p
    }

    #[test]
    fn parses_header_and_payload() {
        let mut p = header(5, 28, 112);
        p.extend_from_slice(&[0x31, 51, 100, 1, 0, 100, 0xab, 0xcd]);
        let r = parse_ipv4(&p).unwrap();
        assert_eq!(r.src, IpAddr::V4(Ipv4Addr::new(198, 18, 0, 11)));
        assert_eq!(r.dst, IpAddr::V4(GROUP_V4));
        assert_eq!(r.ttl, 255);
        assert_eq!(&p[r.payload], &[0x31, 51, 100, 1, 0, 100, 0xab, 0xcd]);
    }

    #[test]
    fn honours_options_and_total_length() {
        let mut p = header(6, 26, 112);
        p.extend_from_slice(&[1, 2, 9, 9]); // two payload bytes, then link-layer padding
        let r = parse_ipv4(&p).unwrap();
        assert_eq!(r.payload, 24..26);
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(parse_ipv4(&[]), None);
        assert_eq!(parse_ipv4(&header(5, 20, 6)), None, "not VRRP");
        assert_eq!(parse_ipv4(&header(4, 20, 112)[..16]), None, "IHL below 5");
        assert_eq!(parse_ipv4(&header(5, 40, 112)), None, "total beyond data");
        let mut v6 = header(5, 20, 112);
        v6[0] = 0x65;
        assert_eq!(parse_ipv4(&v6), None, "not IPv4");
        for cut in 0..20 {
            assert_eq!(parse_ipv4(&header(5, 20, 112)[..cut]), None);
        }
    }
}

//! Options of the TCP connection a BGP speaker opens to a router: the RFC 2385 TCP-MD5
//! signature key (`TCP_MD5SIG`) and the outgoing TTL / hop limit for multihop peers.

use std::io;
use std::net::IpAddr;
use std::os::fd::BorrowedFd;

use socket2::SockRef;

/// The longest TCP-MD5 key Linux accepts (`TCP_MD5SIG_MAXKEYLEN`).
pub const MAX_MD5_KEY_LEN: usize = super::ffi::TCP_MD5SIG_MAXKEYLEN;

/// Signs every segment exchanged with `peer` on this socket with `key` (RFC 2385 §2), and
/// makes the kernel drop unsigned or wrongly signed segments from it (RFC 2385 §3). Set it
/// before `connect`, so the SYN is signed. An empty key removes a key set earlier.
pub fn set_md5_key(fd: BorrowedFd<'_>, peer: IpAddr, key: &[u8]) -> io::Result<()> {
    super::ffi::tcp_md5sig(fd, peer, key)
}

/// The TTL (IPv4) or hop limit (IPv6) of the packets this socket sends: 1 for a directly
/// connected peer, more for a multihop one.
pub fn set_ttl(fd: BorrowedFd<'_>, ipv6: bool, ttl: u8) -> io::Result<()> {
    let socket = SockRef::from(&fd);
    if ipv6 {
        socket.set_unicast_hops_v6(u32::from(ttl))
    } else {
        socket.set_ttl_v4(u32::from(ttl))
    }
}

/// Starts a non-blocking `connect` on `socket` (already non-blocking): `Ok(true)` when it
/// completed at once, `Ok(false)` while the handshake is under way (wait for writability,
/// then [`finish_connect`]).
pub fn start_connect(socket: &socket2::Socket, to: std::net::SocketAddr) -> io::Result<bool> {
    match socket.connect(&to.into()) {
        Ok(()) => Ok(true),
        Err(e) if super::ffi::is_in_progress(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The outcome of a non-blocking `connect` once the socket is writable: the pending error
/// (`SO_ERROR`), if any.
pub fn finish_connect(socket: &socket2::Socket) -> io::Result<()> {
    match socket.take_error()? {
        Some(e) => Err(e),
        None => socket.peer_addr().map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socket2::{Domain, Protocol, Socket, Type};
    use std::os::fd::AsFd;

    #[test]
    fn keys_and_ttls_are_accepted_on_fresh_sockets() {
        for (domain, peer, v6) in [
            (Domain::IPV4, "198.18.0.1".parse::<IpAddr>().unwrap(), false),
            (Domain::IPV6, "2001:2::1".parse::<IpAddr>().unwrap(), true),
        ] {
            let s = Socket::new(domain, Type::STREAM, Some(Protocol::TCP)).unwrap();
            set_md5_key(s.as_fd(), peer, b"secret").unwrap();
            set_md5_key(s.as_fd(), peer, &[7; MAX_MD5_KEY_LEN]).unwrap();
            set_ttl(s.as_fd(), v6, 5).unwrap();
            let ttl = if v6 { s.unicast_hops_v6() } else { s.ttl_v4() };
            assert_eq!(ttl.unwrap(), 5);
        }
    }

    #[test]
    fn an_overlong_key_is_refused() {
        let s = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).unwrap();
        let peer: IpAddr = "198.18.0.1".parse().unwrap();
        let err = set_md5_key(s.as_fd(), peer, &[1; MAX_MD5_KEY_LEN + 1]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}

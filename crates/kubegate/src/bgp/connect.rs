//! Opening the TCP connection to a router: our address (the routes' next hop) from the
//! config or the routing table, the RFC 2385 TCP-MD5 key and the TTL set before `connect`,
//! and a handshake that never blocks the peer's thread.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::os::fd::AsFd;
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::config::{unspecified_like, PeerConfig};

/// The address the kernel would send from to reach `peer` (a UDP `connect` sends nothing;
/// it only looks the route up).
pub(crate) fn route_source(peer: IpAddr) -> io::Result<IpAddr> {
    let socket = UdpSocket::bind(SocketAddr::new(unspecified_like(peer), 0))?;
    socket.connect(SocketAddr::new(peer, 179))?;
    Ok(socket.local_addr()?.ip())
}

/// Our address for `peer`: configured, or the routing table's choice.
pub(crate) fn local_address(peer: &PeerConfig) -> io::Result<IpAddr> {
    match peer.local_address {
        Some(local) => Ok(local),
        None => route_source(peer.address),
    }
}

/// Starts connecting to the peer from `local` (so the connection's local address is the
/// next hop we announce), signed with the peer's MD5 key, without blocking: the socket and
/// whether the handshake is already done. Otherwise wait for the socket to be writable, then
/// [`finish`].
pub(crate) fn start(peer: &PeerConfig, local: IpAddr) -> io::Result<(Socket, bool)> {
    let domain = if peer.address.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let socket = Socket::new(domain, Type::STREAM.cloexec(), Some(Protocol::TCP))?;
    if let Some(key) = &peer.md5_key {
        // RFC 2385 §2: every segment, the SYN included, carries the signature.
        kubegate_sys::bgp_socket::set_md5_key(socket.as_fd(), peer.address, key)?;
    }
    kubegate_sys::bgp_socket::set_ttl(socket.as_fd(), peer.address.is_ipv6(), peer.ttl)?;
    // BGP messages are small and latency matters (a withdrawal): no Nagle delay.
    socket.set_tcp_nodelay(true)?;
    socket.bind(&SockAddr::from(SocketAddr::new(local, 0)))?;
    socket.set_nonblocking(true)?;
    let done =
        kubegate_sys::bgp_socket::start_connect(&socket, SocketAddr::new(peer.address, peer.port))?;
    Ok((socket, done))
}

/// The connection, once the socket of [`start`] is writable (or the handshake failed).
/// It is blocking from here on, with writes bounded by `write_timeout`.
pub(crate) fn finish(socket: Socket, write_timeout: Duration) -> io::Result<TcpStream> {
    kubegate_sys::bgp_socket::finish_connect(&socket)?;
    socket.set_nonblocking(false)?;
    socket.set_write_timeout(Some(write_timeout))?;
    Ok(socket.into())
}

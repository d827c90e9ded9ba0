//! `kubegate doctor`'s connection to one BGP peer: from this node's address (the next hop the
//! daemon announces), signed with the peer's TCP-MD5 key (RFC 2385) and with its TTL, within
//! a deadline; our OPEN out, the router's answer in (bounded reads), then a Cease and close.
//! Also whether this node already holds an established connection to the peer (the daemon's
//! session), read from `/proc/net/tcp`.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use ::bgp::wire::{cease, Ctx, ErrorCode, Message, Notification, MAX_MESSAGE_LEN};
use kubegate_config::model::BgpPeer;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::bgp_open::{our_open, peer_config, Answer};
use crate::bgp_key::Md5Key;

/// What one attempt to talk to a peer came to.
#[derive(Debug)]
pub enum Outcome {
    /// The connection could not even be set up here (key file, our address): why.
    Setup(String),
    /// No answer to our SYN within the deadline: a filter, a router that does not know us, or
    /// a TCP-MD5 key mismatch (RFC 2385 §3: bad or missing signatures are dropped silently).
    NoAnswer,
    /// A reset: nothing listens on the port, or the router refuses this address.
    Refused,
    /// No route, or no host answers ARP / neighbour discovery for the address.
    Unreachable(String),
    /// Another error on connecting or while talking.
    Failed(String),
    /// Connected; what the router sent, and whether it closed before it was done or fell
    /// silent past the deadline.
    Connected {
        answer: Answer,
        closed: bool,
        timed_out: bool,
    },
}

/// This node's side of the probe.
#[derive(Debug, Clone, Copy)]
pub struct Us {
    pub asn: u32,
    pub router_id: Ipv4Addr,
    pub address: IpAddr,
}

/// Connects to `peer` from `us.address`, exchanges OPENs and says goodbye, all within
/// `timeout` for the connection and `timeout` again for the answer.
pub fn probe(peer: &BgpPeer, us: Us, timeout: Duration) -> Outcome {
    let config = peer_config(peer);
    let key = match &peer.password_file {
        Some(path) => match Md5Key::load(path) {
            Ok(k) => Some(k),
            Err(e) => return Outcome::Setup(format!("{e:#}")),
        },
        None => None,
    };
    let to = SocketAddr::new(peer.address, peer.port);
    let socket = match socket(peer, us.address, key.as_ref()) {
        Ok(s) => s,
        Err(e) => return Outcome::Setup(e),
    };
    if let Err(e) = socket.connect_timeout(&SockAddr::from(to), timeout) {
        return match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Outcome::NoAnswer,
            io::ErrorKind::ConnectionRefused => Outcome::Refused,
            io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
                Outcome::Unreachable(e.to_string())
            }
            _ => Outcome::Failed(format!("connecting: {e}")),
        };
    }
    let mut stream: TcpStream = socket.into();
    let open = our_open(us.asn, us.router_id, &config, us.address);
    if let Err(e) = stream
        .set_write_timeout(Some(timeout))
        .and_then(|()| stream.write_all(&open))
    {
        return Outcome::Failed(format!("sending our OPEN: {e}"));
    }
    let (answer, closed, timed_out) = read_answer(&mut stream, timeout);
    // RFC 4486 §4: Cease, subcode 4 (Administrative Reset): we end this connection on
    // purpose, and the peering itself is to come up again (from the daemon). Not sent after
    // the router's own NOTIFICATION or close: the connection is over then (RFC 4271 §6).
    if answer.notification.is_none() && !closed {
        let bye = Message::Notification(Notification::new(ErrorCode::Cease, cease::ADMIN_RESET));
        if let Ok(bytes) = bye.to_bytes(Ctx::default()) {
            let _ = stream.write_all(&bytes);
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    Outcome::Connected {
        answer,
        closed,
        timed_out,
    }
}

/// A TCP socket bound to our address, with the peer's key and TTL set before `connect` (so
/// the SYN is signed, RFC 2385 §2).
fn socket(peer: &BgpPeer, local: IpAddr, key: Option<&Md5Key>) -> Result<Socket, String> {
    let domain = if peer.address.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let socket = Socket::new(domain, Type::STREAM.cloexec(), Some(Protocol::TCP))
        .map_err(|e| format!("cannot open a TCP socket: {e}"))?;
    if let Some(key) = key {
        kubegate_sys::bgp_socket::set_md5_key(socket.as_fd(), peer.address, key.expose())
            .map_err(|e| format!("cannot set the TCP-MD5 key (RFC 2385): {e}"))?;
    }
    kubegate_sys::bgp_socket::set_ttl(socket.as_fd(), peer.address.is_ipv6(), peer.multihop)
        .map_err(|e| format!("cannot set the TTL {}: {e}", peer.multihop))?;
    let _ = socket.set_tcp_nodelay(true);
    socket
        .bind(&SockAddr::from(SocketAddr::new(local, 0)))
        .map_err(|e| format!("cannot use this node's address {local}: {e}"))?;
    Ok(socket)
}

/// Reads until the answer is complete, the router closes, or `timeout` passes: the answer,
/// whether it closed, whether time ran out. At most one message's worth is held at a time.
fn read_answer(stream: &mut TcpStream, timeout: Duration) -> (Answer, bool, bool) {
    let until = Instant::now() + timeout;
    let mut answer = Answer::default();
    let mut chunk = [0u8; MAX_MESSAGE_LEN];
    while !answer.complete() {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (answer, false, true);
        }
        if stream.set_read_timeout(Some(left)).is_err() {
            return (answer, false, true);
        }
        match stream.read(&mut chunk) {
            Ok(0) => return (answer, true, false),
            Ok(n) => answer.feed(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return (answer, false, true)
            }
            // A reset after the router's last words is a close.
            Err(_) => return (answer, true, false),
        }
    }
    (answer, false, false)
}

/// Whether this host has an established TCP connection from `local` to `peer` (the daemon's
/// session: kubegate runs here), from `/proc/net/tcp` and `tcp6`.
pub fn established(local: IpAddr, peer: SocketAddr) -> bool {
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|file| {
        std::fs::read_to_string(file)
            .map(|text| established_in(&text, local, peer))
            .unwrap_or(false)
    })
}

/// The same, on the text of `/proc/net/tcp` or `tcp6`.
pub fn established_in(proc_net_tcp: &str, local: IpAddr, peer: SocketAddr) -> bool {
    const ESTABLISHED: &str = "01";
    proc_net_tcp.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(l), Some(r), Some(state)) = (fields.get(1), fields.get(2), fields.get(3)) else {
            return false;
        };
        *state == ESTABLISHED
            && proc_address(l).is_some_and(|a| a.ip() == local)
            && proc_address(r) == Some(peer)
    })
}

/// `0B0012C6:00B3` (IPv4: one 32-bit word in host order) or 32 hex digits (IPv6: four such
/// words), then the port.
fn proc_address(field: &str) -> Option<SocketAddr> {
    let (hex, port) = field.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |s: &str| u32::from_str_radix(s, 16).ok().map(u32::to_le_bytes);
    let ip = match hex.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(hex)?)),
        32 => {
            let mut octets = [0u8; 16];
            for (i, chunk) in octets.chunks_exact_mut(4).enumerate() {
                chunk.copy_from_slice(&word(hex.get(i * 8..i * 8 + 8)?)?);
            }
            IpAddr::V6(Ipv6Addr::from(octets))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0B0012C6:C350 640012C6:00B3 01 00000000:00000000 00:00000000 00000000     0        0 1234 1 0 20 4 30 10 -1
   1: 0C0012C6:C351 640012C6:00B3 06 00000000:00000000 00:00000000 00000000     0        0 0 1 0 20 4 30 10 -1
";

    #[test]
    fn an_established_session_to_the_peer_is_seen() {
        let peer: SocketAddr = "198.18.0.100:179".parse().unwrap();
        assert!(established_in(TCP, "198.18.0.11".parse().unwrap(), peer));
        // TIME_WAIT is not a session.
        assert!(!established_in(TCP, "198.18.0.12".parse().unwrap(), peer));
        assert!(!established_in(
            TCP,
            "198.18.0.11".parse().unwrap(),
            "198.18.0.100:1179".parse().unwrap()
        ));
        assert!(!established_in(
            "garbage\n1: x y 01\n",
            "198.18.0.11".parse().unwrap(),
            peer
        ));
    }

    #[test]
    fn ipv6_addresses_are_read_word_by_word() {
        // 2001:2::11 port 179, as the kernel prints it.
        let a = proc_address("02000120000000000000000011000000:00B3").unwrap();
        assert_eq!(a, "[2001:2::11]:179".parse().unwrap());
        assert_eq!(
            proc_address("0100007F:0050"),
            Some("127.0.0.1:80".parse().unwrap())
        );
        assert_eq!(proc_address("zz:0050"), None);
    }
}

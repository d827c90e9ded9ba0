//! Resetting the TCP connections whose local address is a VIP this node is giving away
//! (`SOCK_DESTROY` of NETLINK_SOCK_DIAG, the mechanism behind `ss -K`).
//!
//! Once the address is gone this node can no longer send from it: a connection the VIP's
//! clients still had here would hang silently until their own timeouts. Reset while the
//! address is still present, they see the reset at once and reconnect to the new holder.
//! Listening sockets are left alone (the balancer keeps listening on the VIP with
//! `IP_FREEBIND`).

use std::io;
use std::net::IpAddr;

use super::wire::MessageBuilder;
use super::Netlink;

const NETLINK_SOCK_DIAG: libc::c_int = 4;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const SOCK_DESTROY: u16 = 21;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;

/// TCP states worth a reset: every connected state (not LISTEN, TIME_WAIT or CLOSE).
const CONNECTED_STATES: u32 = (1 << 1) // ESTABLISHED
    | (1 << 2) // SYN_SENT
    | (1 << 4) // FIN_WAIT1
    | (1 << 5) // FIN_WAIT2
    | (1 << 8) // CLOSE_WAIT
    | (1 << 9) // LAST_ACK
    | (1 << 11); // CLOSING

/// `struct inet_diag_sockid`: ports, addresses, interface, cookie.
const SOCKID_LEN: usize = 48;
/// `struct inet_diag_msg` starts with family, state, timer, retrans, then the socket id.
const MSG_SOCKID_AT: usize = 4;
/// The most connections one call resets (bounds the memory of a dump).
const MAX_SOCKETS: usize = 200_000;

/// Resets every connected TCP socket whose local address is `address` (IPv4 sockets and, for
/// an IPv4 address, IPv6 sockets holding it as `::ffff:a.b.c.d`). Returns how many were reset.
/// Fails when the kernel lacks `CONFIG_INET_DIAG_DESTROY` (EOPNOTSUPP) or the process lacks
/// CAP_NET_ADMIN.
pub fn reset_connections_from(address: IpAddr) -> io::Result<usize> {
    let mut nl = Netlink::open_protocol(NETLINK_SOCK_DIAG)?;
    let mut ids = Vec::new();
    for &family in families(address) {
        let seq = nl.next_seq();
        let dump = request(
            SOCK_DIAG_BY_FAMILY,
            NLM_F_REQUEST | NLM_F_DUMP,
            seq,
            family,
            None,
        );
        nl.request(seq, &dump, |m| {
            if let Some(id) = m.payload.get(MSG_SOCKID_AT..MSG_SOCKID_AT + SOCKID_LEN) {
                if local_address(family, id) == Some(address) && ids.len() < MAX_SOCKETS {
                    ids.push((family, <[u8; SOCKID_LEN]>::try_from(id).unwrap_or([0; 48])));
                }
            }
            Ok(())
        })?;
    }
    let mut reset = 0;
    for (family, id) in ids {
        let seq = nl.next_seq();
        let destroy = request(
            SOCK_DESTROY,
            NLM_F_REQUEST | NLM_F_ACK,
            seq,
            family,
            Some(&id),
        );
        match nl.request(seq, &destroy, |_| Ok(())) {
            Ok(()) => reset += 1,
            // Closed meanwhile: nothing to reset.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(reset)
}

fn families(address: IpAddr) -> &'static [u8] {
    match address {
        IpAddr::V4(_) => &[libc::AF_INET as u8, libc::AF_INET6 as u8],
        IpAddr::V6(_) => &[libc::AF_INET6 as u8],
    }
}

/// `struct inet_diag_req_v2` with the socket id of a dump entry, or all zeros for a dump.
fn request(ty: u16, flags: u16, seq: u32, family: u8, id: Option<&[u8; SOCKID_LEN]>) -> Vec<u8> {
    let mut req = [0u8; 8 + SOCKID_LEN];
    req[0] = family;
    req[1] = libc::IPPROTO_TCP as u8;
    req[4..8].copy_from_slice(&CONNECTED_STATES.to_ne_bytes());
    if let Some(id) = id {
        req[8..].copy_from_slice(id);
    }
    MessageBuilder::new(ty, flags, seq).header(&req).finish()
}

/// The local address of a socket id (`idiag_src`, network byte order), IPv4-mapped IPv6
/// addresses as IPv4.
fn local_address(family: u8, id: &[u8]) -> Option<IpAddr> {
    let src = id.get(4..20)?;
    if family == libc::AF_INET as u8 {
        let v4: [u8; 4] = src[..4].try_into().ok()?;
        return Some(IpAddr::from(v4));
    }
    let v6: [u8; 16] = src.try_into().ok()?;
    let v6 = std::net::Ipv6Addr::from(v6);
    Some(match v6.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(v6),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_addresses_of_socket_ids() {
        let mut id = [0u8; SOCKID_LEN];
        id[4..8].copy_from_slice(&[198, 18, 0, 50]);
        assert_eq!(
            local_address(libc::AF_INET as u8, &id),
            Some("198.18.0.50".parse().unwrap())
        );
        let mapped: std::net::Ipv6Addr = "::ffff:198.18.0.50".parse().unwrap();
        id[4..20].copy_from_slice(&mapped.octets());
        assert_eq!(
            local_address(libc::AF_INET6 as u8, &id),
            Some("198.18.0.50".parse().unwrap())
        );
        assert_eq!(local_address(libc::AF_INET as u8, &id[..10]), None);
    }

    #[test]
    fn a_destroy_request_carries_the_socket_id() {
        let id = [7u8; SOCKID_LEN];
        let msg = request(SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, 9, 2, Some(&id));
        assert_eq!(msg.len(), 16 + 8 + SOCKID_LEN);
        assert_eq!(u16::from_ne_bytes([msg[4], msg[5]]), SOCK_DESTROY);
        assert_eq!(msg[16], 2);
        assert_eq!(msg[17], libc::IPPROTO_TCP as u8);
        assert_eq!(&msg[24..], &id);
    }
}

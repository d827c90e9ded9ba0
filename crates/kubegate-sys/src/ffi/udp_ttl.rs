//! UDP datagrams received with the TTL / hop limit they arrived with (`IP_RECVTTL`,
//! `IPV6_RECVHOPLIMIT`): what the BFD socket needs for the GTSM check of RFC 5881 §5, which
//! neither socket2 nor rustix read from `recvmsg(2)`'s control messages.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, BorrowedFd};

use libc::{c_int, socklen_t};

use super::{check_size, setsockopt, CmsgBuf, CMSG_SPACE};

/// `IP_RECVTTL`: received IPv4 datagrams carry their TTL as an `IP_TTL` control message.
pub(crate) fn recv_ttl_v4(fd: BorrowedFd<'_>) -> io::Result<()> {
    let on: c_int = 1;
    setsockopt(fd, libc::IPPROTO_IP, libc::IP_RECVTTL, &on)
}

/// One datagram read by [`recv_with_ttl`].
pub(crate) struct RecvTtl {
    pub len: usize,
    pub truncated: bool,
    pub src: Option<SocketAddr>,
    pub ttl: Option<u8>,
}

/// `recvmsg(2)` on a UDP socket (either family) with `IP_RECVTTL` / `IPV6_RECVHOPLIMIT` on.
pub(crate) fn recv_with_ttl(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<RecvTtl> {
    let mut control = CmsgBuf([0; CMSG_SPACE]);
    // SAFETY: all-zero is a valid `sockaddr_storage`.
    let mut sa: libc::sockaddr_storage = unsafe { zeroed() };
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: all-zero is a valid `msghdr`; every pointer set below outlives the call.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = (&mut sa as *mut libc::sockaddr_storage).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_storage>() as socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = CMSG_SPACE as _;
    // SAFETY: `msg` describes buffers that are valid for writes.
    let n = check_size(unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, libc::MSG_TRUNC) })?;
    let src = match c_int::from(sa.ss_family) {
        libc::AF_INET if msg.msg_namelen as usize >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: the kernel wrote a `sockaddr_in` (family AF_INET, length checked).
            let sin =
                unsafe { *(&sa as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)),
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 if msg.msg_namelen as usize >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: the kernel wrote a `sockaddr_in6` (family AF_INET6, length checked).
            let sin6 =
                unsafe { *(&sa as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    };
    let mut out = RecvTtl {
        len: n.min(buf.len()),
        truncated: n > buf.len() || msg.msg_flags & libc::MSG_TRUNC != 0,
        src,
        ttl: None,
    };
    // SAFETY: the kernel filled `msg_controllen` bytes of headers; CMSG_NXTHDR stays inside
    // them, and each data area is read unaligned and only when long enough.
    unsafe {
        let mut hdr = libc::CMSG_FIRSTHDR(&msg);
        while !hdr.is_null() {
            let data = libc::CMSG_DATA(hdr);
            let len = ((*hdr).cmsg_len as usize).saturating_sub(data as usize - hdr as usize);
            let (level, ty) = ((*hdr).cmsg_level, (*hdr).cmsg_type);
            let is_ttl = (level == libc::IPPROTO_IP && ty == libc::IP_TTL)
                || (level == libc::IPPROTO_IPV6 && ty == libc::IPV6_HOPLIMIT);
            if is_ttl && len >= size_of::<c_int>() {
                let ttl = data.cast::<c_int>().read_unaligned();
                out.ttl = u8::try_from(ttl).ok();
            }
            hdr = libc::CMSG_NXTHDR(&msg, hdr);
        }
    }
    Ok(out)
}

//! The one module of kubegate's system adapters that calls libc with `unsafe`.
//!
//! Every function here is a safe wrapper around one or two system calls: it takes Rust types,
//! fills the C structures itself and turns `-1` into `io::Error`. The rest of this crate (and `lab`) is
//! safe code built on these wrappers and on socket2, which makes the sockets and sets the
//! options it knows; only what no maintained crate does is here (raw packets with ancillary
//! data, netlink bind, splice, interface ioctls, setns, SCHED_RR, poll, ...).
#![allow(unsafe_code)]

pub(crate) mod ifaddrs;
pub(crate) mod udp_ttl;

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

use libc::{c_int, c_void, socklen_t};

fn check(ret: c_int) -> io::Result<c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn check_size(ret: isize) -> io::Result<usize> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as usize)
    }
}

fn setsockopt<T>(fd: BorrowedFd<'_>, level: c_int, name: c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` points to a live `T` of exactly the length we pass.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (value as *const T).cast::<c_void>(),
            size_of::<T>() as socklen_t,
        )
    })
    .map(drop)
}

fn mreqn(group: Ipv4Addr, ifindex: u32) -> libc::ip_mreqn {
    libc::ip_mreqn {
        imr_multiaddr: libc::in_addr {
            s_addr: u32::from_ne_bytes(group.octets()),
        },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex as c_int,
    }
}

/// `IPV6_RECVPKTINFO`: received datagrams carry their destination address and interface
/// (socket2 has no setter for it).
pub(crate) fn recv_pktinfo_v6(fd: BorrowedFd<'_>) -> io::Result<()> {
    let on: c_int = 1;
    setsockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, &on)
}

/// `IP_MULTICAST_IF` by interface index (`ip_mreqn`; socket2 takes only an address):
/// multicast leaves through interface `ifindex`.
pub(crate) fn multicast_if_v4(fd: BorrowedFd<'_>, ifindex: u32) -> io::Result<()> {
    let req = mreqn(Ipv4Addr::UNSPECIFIED, ifindex);
    setsockopt(fd, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &req)
}

/// Whether a non-blocking `connect` error only says the handshake is under way.
pub(crate) fn is_in_progress(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EINPROGRESS)
}

/// Linux's `struct tcp_md5sig` (include/uapi/linux/tcp.h), which libc does not define.
#[repr(C)]
struct TcpMd5Sig {
    addr: libc::sockaddr_storage,
    flags: u8,
    prefixlen: u8,
    keylen: u16,
    ifindex: c_int,
    key: [u8; TCP_MD5SIG_MAXKEYLEN],
}

// The kernel's structure is 216 octets with no padding.
const _: () = assert!(size_of::<TcpMd5Sig>() == 216);

/// `TCP_MD5SIG_MAXKEYLEN`: the longest key the kernel takes.
pub(crate) const TCP_MD5SIG_MAXKEYLEN: usize = 80;

/// `TCP_MD5SIG`: sign (and require signatures on) segments to and from `peer` with `key`
/// (RFC 2385 §2); an empty key removes it. The caller checks the key's length.
pub(crate) fn tcp_md5sig(fd: BorrowedFd<'_>, peer: std::net::IpAddr, key: &[u8]) -> io::Result<()> {
    if key.len() > TCP_MD5SIG_MAXKEYLEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "TCP-MD5 key longer than 80 octets",
        ));
    }
    // SAFETY: all-zero is a valid `TcpMd5Sig` (plain integers and byte arrays).
    let mut sig: TcpMd5Sig = unsafe { zeroed() };
    match peer {
        std::net::IpAddr::V4(a) => {
            // SAFETY: `sockaddr_storage` is large and aligned enough for any socket address.
            let sin = unsafe {
                &mut *(&mut sig.addr as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>()
            };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_addr = libc::in_addr {
                s_addr: u32::from_ne_bytes(a.octets()),
            };
        }
        std::net::IpAddr::V6(a) => {
            // SAFETY: as above.
            let sin6 = unsafe {
                &mut *(&mut sig.addr as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_addr = libc::in6_addr {
                s6_addr: a.octets(),
            };
        }
    }
    sig.keylen = key.len() as u16;
    sig.key[..key.len()].copy_from_slice(key);
    setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_MD5SIG, &sig)
}

/// Binds a netlink socket with a kernel-chosen port id to the multicast `groups` bitmask.
pub(crate) fn bind_netlink(fd: BorrowedFd<'_>, groups: u32) -> io::Result<()> {
    // SAFETY: all-zero is a valid `sockaddr_nl`.
    let mut sa: libc::sockaddr_nl = unsafe { zeroed() };
    sa.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    sa.nl_groups = groups;
    // SAFETY: `sa` is a live `sockaddr_nl` of the length passed.
    check(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sa as *const libc::sockaddr_nl).cast(),
            size_of::<libc::sockaddr_nl>() as socklen_t,
        )
    })
    .map(drop)
}

/// `send(2)` on a connected or netlink socket.
pub(crate) fn send(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for reads of its length; netlink sends to the kernel by default.
    check_size(unsafe { libc::send(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), 0) })
}

/// `recv(2)` with `MSG_TRUNC`: returns the bytes copied and whether the datagram was longer.
pub(crate) fn recv(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<(usize, bool)> {
    // SAFETY: `buf` is valid for writes of its length.
    let n = check_size(unsafe {
        libc::recv(
            fd.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_TRUNC,
        )
    })?;
    Ok((n.min(buf.len()), n > buf.len()))
}

/// Room for one `in6_pktinfo` and one hop-limit control message (and then some).
const CMSG_SPACE: usize = 128;

#[repr(C, align(8))]
struct CmsgBuf([u8; CMSG_SPACE]);

fn sendmsg(
    fd: BorrowedFd<'_>,
    buf: &[u8],
    name: *const c_void,
    name_len: usize,
    cmsg: Option<(c_int, c_int, &[u8])>,
) -> io::Result<usize> {
    let mut control = CmsgBuf([0; CMSG_SPACE]);
    let mut iov = libc::iovec {
        iov_base: buf.as_ptr() as *mut c_void,
        iov_len: buf.len(),
    };
    // SAFETY: all-zero is a valid `msghdr`; every pointer set below outlives the call.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = name as *mut c_void;
    msg.msg_namelen = name_len as socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if let Some((level, ty, data)) = cmsg {
        // SAFETY: CMSG_SPACE/CMSG_LEN only compute sizes.
        let space = unsafe { libc::CMSG_SPACE(data.len() as u32) } as usize;
        if space > CMSG_SPACE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "control message too long",
            ));
        }
        msg.msg_control = control.0.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        // SAFETY: the control buffer is aligned and holds `space` bytes, so the first header
        // and its data area of `data.len()` bytes lie inside it.
        unsafe {
            let hdr = libc::CMSG_FIRSTHDR(&msg);
            (*hdr).cmsg_level = level;
            (*hdr).cmsg_type = ty;
            (*hdr).cmsg_len = libc::CMSG_LEN(data.len() as u32) as _;
            std::ptr::copy_nonoverlapping(data.as_ptr(), libc::CMSG_DATA(hdr), data.len());
        }
    }
    // SAFETY: `msg` and everything it points to is valid for the duration of the call.
    check_size(unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, 0) })
}

/// C structs without padding bytes, so viewing them as bytes reads only initialised memory.
trait NoPadding {}
impl NoPadding for libc::in_pktinfo {}
impl NoPadding for libc::in6_pktinfo {}

fn as_bytes<T: NoPadding>(value: &T) -> &[u8] {
    // SAFETY: `T` has no padding (see `NoPadding`), so all its bytes are initialised.
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
}

/// Sends `buf` to `dst`; with `src`, an `IP_PKTINFO` control message picks the source address
/// and the outgoing interface `ifindex`.
pub(crate) fn send_to_v4(
    fd: BorrowedFd<'_>,
    buf: &[u8],
    dst: Ipv4Addr,
    src: Option<Ipv4Addr>,
    ifindex: u32,
) -> io::Result<usize> {
    // SAFETY: all-zero is a valid `sockaddr_in`.
    let mut sa: libc::sockaddr_in = unsafe { zeroed() };
    sa.sin_family = libc::AF_INET as libc::sa_family_t;
    sa.sin_addr.s_addr = u32::from_ne_bytes(dst.octets());
    let info = src.map(|src| libc::in_pktinfo {
        ipi_ifindex: ifindex as c_int,
        ipi_spec_dst: libc::in_addr {
            s_addr: u32::from_ne_bytes(src.octets()),
        },
        ipi_addr: libc::in_addr { s_addr: 0 },
    });
    let cmsg = info
        .as_ref()
        .map(|i| (libc::IPPROTO_IP, libc::IP_PKTINFO, as_bytes(i)));
    let name = (&sa as *const libc::sockaddr_in).cast();
    sendmsg(fd, buf, name, size_of::<libc::sockaddr_in>(), cmsg)
}

/// Sends `buf` to `dst` (scope `ifindex` for link-local and multicast destinations); with
/// `src`, an `IPV6_PKTINFO` control message picks the source address.
pub(crate) fn send_to_v6(
    fd: BorrowedFd<'_>,
    buf: &[u8],
    dst: Ipv6Addr,
    src: Option<Ipv6Addr>,
    ifindex: u32,
) -> io::Result<usize> {
    // SAFETY: all-zero is a valid `sockaddr_in6`.
    let mut sa: libc::sockaddr_in6 = unsafe { zeroed() };
    sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    sa.sin6_addr.s6_addr = dst.octets();
    sa.sin6_scope_id = ifindex;
    let info = src.map(|src| libc::in6_pktinfo {
        ipi6_addr: libc::in6_addr {
            s6_addr: src.octets(),
        },
        ipi6_ifindex: ifindex,
    });
    let cmsg = info
        .as_ref()
        .map(|i| (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, as_bytes(i)));
    let name = (&sa as *const libc::sockaddr_in6).cast();
    sendmsg(fd, buf, name, size_of::<libc::sockaddr_in6>(), cmsg)
}

/// What `recv_v6` learned about one datagram besides its bytes.
pub(crate) struct Recv6 {
    pub len: usize,
    pub truncated: bool,
    pub src: Ipv6Addr,
    pub dst: Option<Ipv6Addr>,
    pub hop_limit: Option<u8>,
}

/// `recvmsg(2)` on an IPv6 socket with `IPV6_RECVPKTINFO` and `IPV6_RECVHOPLIMIT` enabled.
pub(crate) fn recv_v6(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<Recv6> {
    let mut control = CmsgBuf([0; CMSG_SPACE]);
    // SAFETY: all-zero is a valid `sockaddr_in6`.
    let mut sa: libc::sockaddr_in6 = unsafe { zeroed() };
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: all-zero is a valid `msghdr`; every pointer set below outlives the call.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = (&mut sa as *mut libc::sockaddr_in6).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_in6>() as socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = CMSG_SPACE as _;
    // SAFETY: `msg` describes buffers that are valid for writes.
    let n = check_size(unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, libc::MSG_TRUNC) })?;
    let mut out = Recv6 {
        len: n.min(buf.len()),
        truncated: n > buf.len() || msg.msg_flags & libc::MSG_TRUNC != 0,
        src: Ipv6Addr::from(sa.sin6_addr.s6_addr),
        dst: None,
        hop_limit: None,
    };
    // SAFETY: the kernel filled `msg_controllen` bytes of headers; CMSG_NXTHDR stays inside
    // them, and each data area is read unaligned and only when long enough.
    unsafe {
        let mut hdr = libc::CMSG_FIRSTHDR(&msg);
        while !hdr.is_null() {
            let data = libc::CMSG_DATA(hdr);
            let len = ((*hdr).cmsg_len as usize).saturating_sub(data as usize - hdr as usize);
            if (*hdr).cmsg_level == libc::IPPROTO_IPV6 {
                match (*hdr).cmsg_type {
                    libc::IPV6_PKTINFO if len >= size_of::<libc::in6_pktinfo>() => {
                        let info = data.cast::<libc::in6_pktinfo>().read_unaligned();
                        out.dst = Some(Ipv6Addr::from(info.ipi6_addr.s6_addr));
                    }
                    libc::IPV6_HOPLIMIT if len >= size_of::<c_int>() => {
                        let hops = data.cast::<c_int>().read_unaligned();
                        out.hop_limit = u8::try_from(hops).ok();
                    }
                    _ => {}
                }
            }
            hdr = libc::CMSG_NXTHDR(&msg, hdr);
        }
    }
    Ok(out)
}

/// Sends one whole Ethernet `frame` out of `ifindex` on an `AF_PACKET`/`SOCK_RAW` socket.
pub(crate) fn send_frame(
    fd: BorrowedFd<'_>,
    frame: &[u8],
    ifindex: u32,
    dst_mac: [u8; 6],
    ethertype: u16,
) -> io::Result<usize> {
    // SAFETY: all-zero is a valid `sockaddr_ll`.
    let mut sa: libc::sockaddr_ll = unsafe { zeroed() };
    sa.sll_family = libc::AF_PACKET as u16;
    sa.sll_protocol = ethertype.to_be();
    sa.sll_ifindex = ifindex as c_int;
    sa.sll_halen = 6;
    sa.sll_addr[..6].copy_from_slice(&dst_mac);
    // SAFETY: `frame` and `sa` are valid for the duration of the call.
    check_size(unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            frame.as_ptr().cast(),
            frame.len(),
            0,
            (&sa as *const libc::sockaddr_ll).cast(),
            size_of::<libc::sockaddr_ll>() as socklen_t,
        )
    })
}

fn ifreq(ifname: &str) -> io::Result<libc::ifreq> {
    let name = ifname.as_bytes();
    if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "bad interface name",
        ));
    }
    // SAFETY: all-zero is a valid `ifreq`.
    let mut req: libc::ifreq = unsafe { zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name) {
        *dst = *src as libc::c_char;
    }
    Ok(req)
}

fn ioctl_ifreq(ifname: &str, request: libc::c_ulong) -> io::Result<libc::ifreq> {
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)?;
    let mut req = ifreq(ifname)?;
    // SAFETY: both requests read the name and write into the `ifreq` we own.
    check(unsafe { libc::ioctl(sock.as_raw_fd(), request as _, &mut req) })?;
    Ok(req)
}

/// `SIOCGIFHWADDR`: the interface's hardware address (first six bytes).
pub(crate) fn interface_hwaddr(ifname: &str) -> io::Result<[u8; 6]> {
    let req = ioctl_ifreq(ifname, libc::SIOCGIFHWADDR)?;
    // SAFETY: SIOCGIFHWADDR fills the `ifru_hwaddr` member.
    let data = unsafe { req.ifr_ifru.ifru_hwaddr.sa_data };
    let mut mac = [0u8; 6];
    for (dst, src) in mac.iter_mut().zip(data.iter()) {
        *dst = *src as u8;
    }
    Ok(mac)
}

/// `SIOCGIFFLAGS`: the interface's `IFF_*` flags (the low 16 bits).
pub(crate) fn interface_flags(ifname: &str) -> io::Result<u32> {
    let req = ioctl_ifreq(ifname, libc::SIOCGIFFLAGS)?;
    // SAFETY: SIOCGIFFLAGS fills the `ifru_flags` member.
    Ok(u32::from(unsafe { req.ifr_ifru.ifru_flags } as u16))
}

/// `if_nametoindex(3)` in the calling thread's network namespace.
pub(crate) fn if_nametoindex(ifname: &str) -> io::Result<u32> {
    let name = std::ffi::CString::new(ifname)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "bad interface name"))?;
    // SAFETY: `name` is a valid C string.
    match unsafe { libc::if_nametoindex(name.as_ptr()) } {
        0 => Err(io::Error::last_os_error()),
        index => Ok(index),
    }
}

/// `setns(2)` into the network namespace behind `fd`, for the calling thread only.
pub fn setns_net(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: plain system call on a descriptor we borrow.
    check(unsafe { libc::setns(fd.as_raw_fd(), libc::CLONE_NEWNET) }).map(drop)
}

/// `poll(2)` for readability of one descriptor; `None` waits for ever.
pub(crate) fn poll_readable(fd: BorrowedFd<'_>, timeout: Option<Duration>) -> io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.map_or(-1, |t| t.as_millis().min(c_int::MAX as u128) as c_int);
    // SAFETY: one valid `pollfd`.
    let n = check(unsafe { libc::poll(&mut pfd, 1, ms) })?;
    Ok(n > 0 && pfd.revents != 0)
}

/// `poll(2)` for readability on several descriptors; entry `i` is true when `fds[i]` is
/// readable (or has an error / hang-up to report). `None` waits without a bound.
pub(crate) fn poll_many(
    fds: &[BorrowedFd<'_>],
    timeout: Option<Duration>,
) -> io::Result<Vec<bool>> {
    let fds: Vec<(BorrowedFd<'_>, bool)> = fds.iter().map(|fd| (*fd, false)).collect();
    poll_many_for(&fds, timeout)
}

/// `poll(2)` on several descriptors, each for readability or (`true`) writability; entry
/// `i` is true when `fds[i]` is ready (or has an error / hang-up to report).
pub(crate) fn poll_many_for(
    fds: &[(BorrowedFd<'_>, bool)],
    timeout: Option<Duration>,
) -> io::Result<Vec<bool>> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|(fd, write)| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: if *write { libc::POLLOUT } else { libc::POLLIN },
            revents: 0,
        })
        .collect();
    // Round up so a deadline a fraction of a millisecond away is not a busy loop of 0 ms polls.
    let ms = timeout.map_or(-1, |t| {
        (t.as_micros().div_ceil(1000)).min(c_int::MAX as u128) as c_int
    });
    // SAFETY: `pfds` is a valid array of `pfds.len()` initialised `pollfd`s.
    match check(unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, ms) }) {
        Ok(_) => Ok(pfds.iter().map(|p| p.revents != 0).collect()),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(vec![false; fds.len()]),
        Err(e) => Err(e),
    }
}

/// `pipe2(2)` with `O_NONBLOCK | O_CLOEXEC`: (read end, write end).
pub(crate) fn pipe_nonblocking() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: `fds` has room for the two descriptors the kernel writes.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) })?;
    // SAFETY: both are fresh descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `fcntl(F_SETPIPE_SZ)`: returns the capacity the kernel actually gave.
pub(crate) fn set_pipe_size(fd: BorrowedFd<'_>, bytes: usize) -> io::Result<usize> {
    let size = bytes.min(c_int::MAX as usize) as c_int;
    // SAFETY: plain system call on a descriptor we borrow.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, size) }).map(|n| n as usize)
}

/// `splice(2)` of at most `len` bytes from `from` to `to` (one of them a pipe), without
/// offsets, with `SPLICE_F_MOVE | SPLICE_F_NONBLOCK` (and `SPLICE_F_MORE` when `more`).
pub(crate) fn splice(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    len: usize,
    more: bool,
) -> io::Result<usize> {
    let mut flags = libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK;
    if more {
        flags |= libc::SPLICE_F_MORE;
    }
    // SAFETY: null offsets (both ends are streams); the descriptors are borrowed and live.
    check_size(unsafe {
        libc::splice(
            from.as_raw_fd(),
            std::ptr::null_mut(),
            to.as_raw_fd(),
            std::ptr::null_mut(),
            len,
            flags,
        )
    })
}

/// `read(2)` into `buf`.
pub(crate) fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of its length.
    check_size(unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) })
}

/// `send(2)` with `MSG_NOSIGNAL` (a closed peer is `EPIPE`, never `SIGPIPE`).
pub(crate) fn send_nosignal(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for reads of its length.
    check_size(unsafe {
        libc::send(
            fd.as_raw_fd(),
            buf.as_ptr().cast(),
            buf.len(),
            libc::MSG_NOSIGNAL,
        )
    })
}

/// Raise the soft `RLIMIT_NOFILE` to the hard limit; returns the new soft limit.
pub(crate) fn raise_nofile_limit() -> io::Result<u64> {
    // SAFETY: all-zero is a valid `rlimit`, filled in by the kernel.
    let mut lim: libc::rlimit = unsafe { zeroed() };
    // SAFETY: `lim` is a live `rlimit`.
    check(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) })?;
    if lim.rlim_cur < lim.rlim_max {
        lim.rlim_cur = lim.rlim_max;
        // SAFETY: `lim` is a live, initialised `rlimit`.
        check(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) })?;
    }
    Ok(lim.rlim_cur as u64)
}

/// Puts the calling thread in the SCHED_RR real-time class at `priority` (1..=99), so its
/// timers keep time on a saturated machine (the kernel still reserves 5 % of each second
/// for normal tasks by default, `sched_rt_runtime_us`).
pub(crate) fn set_thread_realtime(priority: i32) -> io::Result<()> {
    // SAFETY: all-zero is a valid `sched_param` (musl's has fields glibc's lacks).
    let mut param: libc::sched_param = unsafe { zeroed() };
    param.sched_priority = priority;
    // SAFETY: pid 0 names the calling thread; `param` is a valid sched_param.
    check(unsafe { libc::sched_setscheduler(0, libc::SCHED_RR, &param) }).map(drop)
}

/// `capget`/`capset` header and data (`linux/capability.h`, version 3: two 32-bit words).
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const CAP_VERSION_3: u32 = 0x2008_0522;

/// Makes every permitted capability of the calling thread effective; returns the effective
/// set as a 64-bit mask. Capabilities that file capabilities without the effective bit put
/// in the permitted set are unused until this is done.
pub(crate) fn raise_effective_caps() -> io::Result<u64> {
    let mut header = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: a version-3 header with pid 0 (this thread) and room for the two words the
    // kernel writes.
    check(unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) } as c_int)?;
    if data.iter().any(|d| d.effective != d.permitted) {
        for d in &mut data {
            d.effective = d.permitted;
        }
        // SAFETY: as above; the kernel only reads `data`.
        check(unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) } as c_int)?;
    }
    Ok(u64::from(data[0].effective) | (u64::from(data[1].effective) << 32))
}

/// A close-on-exec duplicate of descriptor number `fd` (`fcntl(F_DUPFD_CLOEXEC)`). Sound for any
/// number: a closed one fails with EBADF; the duplicate is owned by the caller.
pub(crate) fn dup_cloexec(fd: std::os::fd::RawFd) -> io::Result<OwnedFd> {
    // SAFETY: fcntl only reads the number; on success it returns a new descriptor we own.
    let new = check(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) })?;
    // SAFETY: `new` was just returned by fcntl and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// `kill(2)`: `pid` > 0 signals one process, `pid` < 0 the process group `-pid`.
pub(crate) fn kill(pid: libc::pid_t, signal: c_int) -> io::Result<()> {
    // SAFETY: kill(2) touches no memory of ours.
    check(unsafe { libc::kill(pid, signal) }).map(drop)
}

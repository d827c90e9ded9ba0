//! `getifaddrs(3)`: one call, a walk over the list it returns, and `freeifaddrs` on every path
//! (a guard).

use std::ffi::CStr;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::addresses::InterfaceAddr;

/// Every IPv4 and IPv6 address configured on this machine (in the current network namespace).
pub(crate) fn getifaddrs() -> io::Result<Vec<InterfaceAddr>> {
    struct Guard(*mut libc::ifaddrs);
    impl Drop for Guard {
        fn drop(&mut self) {
            // SAFETY: the pointer came from a successful getifaddrs and is freed once, here.
            unsafe { libc::freeifaddrs(self.0) }
        }
    }

    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs writes a list head into `head` or returns -1 and leaves it unset.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let guard = Guard(head);
    let mut out = Vec::new();
    let mut cur = guard.0;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned, alive until the guard drops;
        // its name is a NUL-terminated string and its address / netmask, when not null, point to
        // sockaddrs whose family field says which sockaddr type they are.
        unsafe {
            let ifa = &*cur;
            if let (Some(address), Some(mask)) = (ip_of(ifa.ifa_addr), ip_of(ifa.ifa_netmask)) {
                out.push(InterfaceAddr {
                    interface: CStr::from_ptr(ifa.ifa_name).to_string_lossy().into_owned(),
                    address,
                    prefix_len: prefix_of(mask),
                });
            }
            cur = ifa.ifa_next;
        }
    }
    Ok(out)
}

/// The IP in a sockaddr of family AF_INET or AF_INET6.
///
/// # Safety
/// `sa` is null or points to a valid sockaddr of the size its family implies.
unsafe fn ip_of(sa: *const libc::sockaddr) -> Option<IpAddr> {
    if sa.is_null() {
        return None;
    }
    match i32::from((*sa).sa_family) {
        libc::AF_INET => {
            let sin = &*(sa as *const libc::sockaddr_in);
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                sin.sin_addr.s_addr,
            ))))
        }
        libc::AF_INET6 => {
            let sin6 = &*(sa as *const libc::sockaddr_in6);
            Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

fn prefix_of(mask: IpAddr) -> u8 {
    match mask {
        IpAddr::V4(m) => u32::from(m).leading_ones() as u8,
        IpAddr::V6(m) => u128::from(m).leading_ones() as u8,
    }
}

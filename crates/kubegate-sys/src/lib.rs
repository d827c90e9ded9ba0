//! Thin, blocking Linux adapters: raw VRRP sockets, BFD UDP sockets, netlink addresses and
//! link state, gratuitous ARP / neighbour advertisements, interface facts, and the balancer's
//! TCP options and zero-copy `splice(2)` pipes; the BGP connection's TCP-MD5 key and TTL;
//! systemd readiness notification.
//!
//! Everything is file-descriptor based and can be driven with `poll(2)`. All `unsafe` lives in
//! the private `ffi` module; the rest is safe code.
#![deny(unsafe_code)]

pub mod addresses;
pub mod announce;
pub mod bfd_socket;
pub mod bgp_socket;
mod ffi;
pub mod interface;
pub mod netlink;
pub mod notify;
pub mod own_sockets;
pub mod process;
pub mod splice;
pub mod tcp;
pub mod vrrp_socket;

pub use ffi::setns_net;

/// Waits until `fd` is readable or `timeout` passes (`poll(2)`); true when readable.
pub fn wait_readable(
    fd: std::os::fd::BorrowedFd<'_>,
    timeout: Option<std::time::Duration>,
) -> std::io::Result<bool> {
    ffi::poll_readable(fd, timeout)
}

/// Waits until any of `fds` is readable or `timeout` passes (`poll(2)`); one flag per fd.
/// An interrupted wait returns all flags false.
pub fn wait_any(
    fds: &[std::os::fd::BorrowedFd<'_>],
    timeout: Option<std::time::Duration>,
) -> std::io::Result<Vec<bool>> {
    ffi::poll_many(fds, timeout)
}

/// Waits until any of `fds` is ready or `timeout` passes (`poll(2)`): each entry is a
/// descriptor and whether to wait for writability (a connection being made) rather than
/// readability. One flag per fd; an interrupted wait returns all flags false.
pub fn wait_any_for(
    fds: &[(std::os::fd::BorrowedFd<'_>, bool)],
    timeout: Option<std::time::Duration>,
) -> std::io::Result<Vec<bool>> {
    ffi::poll_many_for(fds, timeout)
}

/// Raise this process's open-file soft limit to its hard limit (a balancer holds two
/// descriptors per proxied connection); returns the limit now in force.
pub fn raise_fd_limit() -> std::io::Result<u64> {
    ffi::raise_nofile_limit()
}

/// Makes the permitted capabilities effective, for this thread and the threads it starts
/// afterwards: a binary given capabilities as file capabilities without the effective bit
/// (the container image's, `setcap …=p`) uses them only after this. Returns the effective
/// set as a bit mask.
pub fn raise_effective_capabilities() -> std::io::Result<u64> {
    ffi::raise_effective_caps()
}

/// Puts the calling thread in the SCHED_RR real-time class (VRRP timers on a busy host).
pub fn set_thread_realtime(priority: i32) -> std::io::Result<()> {
    ffi::set_thread_realtime(priority)
}

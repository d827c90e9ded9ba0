//! This machine's addresses as the config sees them: passed in by the caller (the daemon reads
//! them from the system), so everything that depends on them stays pure and testable.

use std::net::IpAddr;

/// One address on one interface, with its prefix length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAddr {
    pub interface: String,
    pub address: IpAddr,
    pub prefix_len: u8,
}

/// Just the addresses, for `identity::resolve`.
pub fn ips(addrs: &[LocalAddr]) -> Vec<IpAddr> {
    addrs.iter().map(|a| a.address).collect()
}

//! This machine's interface addresses (in the current network namespace).

use std::io;
use std::net::IpAddr;

/// One address on one interface, with its prefix length (from the netmask).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceAddr {
    pub interface: String,
    pub address: IpAddr,
    pub prefix_len: u8,
}

/// Every IPv4 and IPv6 address configured on this machine, read with `getifaddrs(3)`.
pub fn interface_addresses() -> io::Result<Vec<InterfaceAddr>> {
    crate::ffi::ifaddrs::getifaddrs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn loopback_is_listed_with_its_prefix() {
        let addrs = interface_addresses().expect("getifaddrs");
        let lo = addrs
            .iter()
            .find(|a| a.address == IpAddr::V4(Ipv4Addr::LOCALHOST))
            .expect("every network namespace has 127.0.0.1 on lo once lo is up");
        assert_eq!(lo.interface, "lo");
        assert_eq!(lo.prefix_len, 8);
    }
}

//! Telling the segment who holds an address now: gratuitous ARP for IPv4, unsolicited neighbour
//! advertisements for IPv6. Frame building is pure; [`Announcer`] sends them.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsFd, OwnedFd};

use socket2::{Domain, Protocol, Socket, Type};

use super::ffi;

const ETH_P_ARP: u16 = 0x0806;
const ETH_P_IP: u16 = 0x0800;
const BROADCAST: [u8; 6] = [0xff; 6];
/// All-nodes multicast (RFC 4291 §2.7.1), where unsolicited advertisements go (RFC 4861 §7.2.6).
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// Length of a gratuitous ARP frame: padded to Ethernet's 60-byte minimum (without FCS).
pub const GARP_LEN: usize = 60;
/// Length of an unsolicited neighbour advertisement with a link-layer address option.
pub const NA_LEN: usize = 32;

/// An Ethernet broadcast ARP request announcing `ip` at `mac`: sender and target protocol
/// address are both `ip` (RFC 5227 §3 "ARP Announcement"; RFC 5798 §8.1.2 asks the new master
/// to send one per virtual address).
pub fn garp_frame(mac: [u8; 6], ip: Ipv4Addr) -> [u8; GARP_LEN] {
    let mut f = [0u8; GARP_LEN];
    f[0..6].copy_from_slice(&BROADCAST);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&ETH_P_ARP.to_be_bytes());
    // RFC 826: htype Ethernet, ptype IPv4, hlen 6, plen 4, op request.
    f[14..16].copy_from_slice(&1u16.to_be_bytes());
    f[16..18].copy_from_slice(&ETH_P_IP.to_be_bytes());
    f[18] = 6;
    f[19] = 4;
    f[20..22].copy_from_slice(&1u16.to_be_bytes());
    f[22..28].copy_from_slice(&mac);
    f[28..32].copy_from_slice(&ip.octets());
    // Target hardware address stays zero (RFC 5227 §2.3 says it is ignored).
    f[38..42].copy_from_slice(&ip.octets());
    f
}

/// An ICMPv6 neighbour advertisement for `target` at `mac` (RFC 4861 §4.4): Override set,
/// Solicited clear (§7.2.6), with a target link-layer address option. The checksum field is
/// left zero: the kernel computes it for raw ICMPv6 sockets (RFC 3542 §3.1).
pub fn na_message(mac: [u8; 6], target: Ipv6Addr) -> [u8; NA_LEN] {
    let mut m = [0u8; NA_LEN];
    m[0] = 136; // type: neighbour advertisement
    m[4] = 0x20; // flags: R=0 S=0 O=1
    m[8..24].copy_from_slice(&target.octets());
    m[24] = 2; // option: target link-layer address
    m[25] = 1; // length in units of 8 bytes
    m[26..32].copy_from_slice(&mac);
    m
}

/// Sends announcements out of one interface.
#[derive(Debug)]
pub struct Announcer {
    interface: String,
    ifindex: u32,
    packet: Option<OwnedFd>,
    icmp6: Option<OwnedFd>,
}

impl Announcer {
    pub fn open(interface: &str) -> io::Result<Self> {
        let ifindex = ffi::if_nametoindex(interface)?;
        Ok(Self {
            interface: interface.to_owned(),
            ifindex,
            packet: None,
            icmp6: None,
        })
    }

    /// Sends one gratuitous ARP per IPv4 address and one unsolicited neighbour advertisement
    /// per IPv6 address, all with the interface's current MAC address.
    pub fn announce(&mut self, addresses: &[IpAddr]) -> io::Result<()> {
        let mac = ffi::interface_hwaddr(&self.interface)?;
        let ifindex = self.ifindex;
        for addr in addresses {
            match addr {
                IpAddr::V4(ip) => {
                    let fd = self.packet_socket()?;
                    let frame = garp_frame(mac, *ip);
                    ffi::send_frame(fd.as_fd(), &frame, ifindex, BROADCAST, ETH_P_ARP)?;
                }
                IpAddr::V6(ip) => {
                    let fd = self.icmp6_socket()?;
                    let msg = na_message(mac, *ip);
                    ffi::send_to_v6(fd.as_fd(), &msg, ALL_NODES, None, ifindex)?;
                }
            }
        }
        Ok(())
    }

    fn packet_socket(&mut self) -> io::Result<&OwnedFd> {
        if self.packet.is_none() {
            // Protocol 0: this socket only sends, it receives nothing.
            let fd = OwnedFd::from(Socket::new(Domain::PACKET, Type::RAW, None)?);
            self.packet = Some(fd);
        }
        Ok(self.packet.as_ref().expect("set above"))
    }

    fn icmp6_socket(&mut self) -> io::Result<&OwnedFd> {
        if self.icmp6.is_none() {
            let s = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::ICMPV6))?;
            // RFC 4861 §7.1.2: receivers drop neighbour discovery with a hop limit below 255.
            s.set_multicast_hops_v6(255)?;
            s.set_unicast_hops_v6(255)?;
            s.set_multicast_if_v6(self.ifindex)?;
            s.bind_device(Some(self.interface.as_bytes()))?;
            let fd = OwnedFd::from(s);
            self.icmp6 = Some(fd);
        }
        Ok(self.icmp6.as_ref().expect("set above"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: [u8; 6] = [0x02, 0, 0x5e, 0x10, 0x20, 0x30];

    #[test]
    fn garp_bytes() {
        let f = garp_frame(MAC, Ipv4Addr::new(198, 18, 0, 50));
        let expected: [u8; 42] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0x5e, 0x10, 0x20, 0x30, 0x08,
            0x06, //
            0, 1, 0x08, 0, 6, 4, 0, 1, //
            0x02, 0, 0x5e, 0x10, 0x20, 0x30, 198, 18, 0, 50, //
            0, 0, 0, 0, 0, 0, 198, 18, 0, 50,
        ];
        assert_eq!(&f[..42], &expected);
        assert!(f[42..].iter().all(|&b| b == 0));
    }

    #[test]
    fn na_bytes() {
        let target: Ipv6Addr = "2001:2::50".parse().unwrap();
        let m = na_message(MAC, target);
        assert_eq!(&m[..8], &[136, 0, 0, 0, 0x20, 0, 0, 0]);
        assert_eq!(&m[8..24], &target.octets());
        assert_eq!(&m[24..], &[2, 1, 0x02, 0, 0x5e, 0x10, 0x20, 0x30]);
    }
}

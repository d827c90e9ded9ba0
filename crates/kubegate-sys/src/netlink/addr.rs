//! Adding, removing and listing interface addresses (RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::wire::{self, IfAddrMsg, MessageBuilder};
use super::Netlink;

/// One address configured on an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceAddress {
    pub address: IpAddr,
    pub prefix_len: u8,
    /// IPv4 label (`eth0:vip`); `None` for IPv6.
    pub label: Option<String>,
}

fn family_of(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => libc::AF_INET as u8,
        IpAddr::V6(_) => libc::AF_INET6 as u8,
    }
}

fn octets(addr: &IpAddr) -> Vec<u8> {
    match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn check_prefix(addr: IpAddr, prefix_len: u8) -> io::Result<()> {
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if prefix_len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "prefix length too long",
        ));
    }
    Ok(())
}

impl Netlink {
    /// Adds `address/prefix_len` to interface `ifindex`. Already present is success. IPv4 may
    /// carry a `label` (at most 15 bytes, starting with the interface name, as `eth0:vip`);
    /// IPv6 addresses skip duplicate address detection (`IFA_F_NODAD`) so they work at once.
    pub fn add_address(
        &mut self,
        ifindex: u32,
        address: IpAddr,
        prefix_len: u8,
        label: Option<&str>,
    ) -> io::Result<()> {
        check_prefix(address, prefix_len)?;
        let flags = if address.is_ipv6() {
            wire::IFA_F_NODAD
        } else {
            0
        };
        let hdr = IfAddrMsg {
            family: family_of(address),
            prefix_len,
            flags,
            scope: 0,
            index: ifindex,
        };
        let seq = self.next_seq();
        let req = wire::NLM_F_REQUEST | wire::NLM_F_ACK | wire::NLM_F_CREATE | wire::NLM_F_EXCL;
        let mut b = MessageBuilder::new(wire::RTM_NEWADDR, req, seq)
            .header(&hdr.emit())
            .attr(wire::IFA_LOCAL, &octets(&address))
            .attr(wire::IFA_ADDRESS, &octets(&address));
        if let (Some(label), IpAddr::V4(_)) = (label, address) {
            if label.is_empty() || label.len() >= libc::IFNAMSIZ || label.contains('\0') {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "bad address label",
                ));
            }
            let mut data = label.as_bytes().to_vec();
            data.push(0);
            b = b.attr(wire::IFA_LABEL, &data);
        }
        match self.request(seq, &b.finish(), |_| Ok(())) {
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => Ok(()),
            other => other,
        }
    }

    /// Removes `address` from interface `ifindex`. Already absent is success. IPv4 matches the
    /// address alone; IPv6 matches address and prefix length.
    pub fn del_address(&mut self, ifindex: u32, address: IpAddr, prefix_len: u8) -> io::Result<()> {
        check_prefix(address, prefix_len)?;
        let hdr = IfAddrMsg {
            family: family_of(address),
            prefix_len,
            flags: 0,
            scope: 0,
            index: ifindex,
        };
        let seq = self.next_seq();
        // Only IFA_LOCAL: with IFA_ADDRESS the IPv4 kernel code also demands an equal prefix.
        let msg = MessageBuilder::new(
            wire::RTM_DELADDR,
            wire::NLM_F_REQUEST | wire::NLM_F_ACK,
            seq,
        )
        .header(&hdr.emit())
        .attr(wire::IFA_LOCAL, &octets(&address))
        .finish();
        match self.request(seq, &msg, |_| Ok(())) {
            Err(e) if e.raw_os_error() == Some(libc::EADDRNOTAVAIL) => Ok(()),
            other => other,
        }
    }

    /// The IPv4 and IPv6 addresses configured on interface `ifindex`.
    pub fn addresses(&mut self, ifindex: u32) -> io::Result<Vec<InterfaceAddress>> {
        let hdr = IfAddrMsg {
            family: libc::AF_UNSPEC as u8,
            prefix_len: 0,
            flags: 0,
            scope: 0,
            index: 0,
        };
        let seq = self.next_seq();
        let msg = MessageBuilder::new(
            wire::RTM_GETADDR,
            wire::NLM_F_REQUEST | wire::NLM_F_DUMP,
            seq,
        )
        .header(&hdr.emit())
        .finish();
        let mut out = Vec::new();
        self.request(seq, &msg, |m| {
            if m.ty != wire::RTM_NEWADDR {
                return Ok(());
            }
            let hdr = IfAddrMsg::parse(m.payload).ok_or_else(|| wire::malformed("ifaddrmsg"))?;
            if hdr.index == ifindex {
                if let Some(a) = parse_address(&hdr, m.payload) {
                    out.push(a);
                }
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Whether `address` (any prefix length) is configured on interface `ifindex`.
    pub fn has_address(&mut self, ifindex: u32, address: IpAddr) -> io::Result<bool> {
        Ok(self
            .addresses(ifindex)?
            .iter()
            .any(|a| a.address == address))
    }
}

fn parse_address(hdr: &IfAddrMsg, payload: &[u8]) -> Option<InterfaceAddress> {
    let (mut local, mut address, mut label) = (None, None, None);
    for (ty, data) in wire::attrs(payload, IfAddrMsg::LEN) {
        match ty {
            wire::IFA_LOCAL => local = ip_from(hdr.family, data),
            wire::IFA_ADDRESS => address = ip_from(hdr.family, data),
            wire::IFA_LABEL => label = wire::attr_str(data),
            _ => {}
        }
    }
    // IFA_LOCAL is the interface's own address; IFA_ADDRESS differs only on point-to-point
    // links (the peer). IPv6 usually sends IFA_ADDRESS alone.
    Some(InterfaceAddress {
        address: local.or(address)?,
        prefix_len: hdr.prefix_len,
        label,
    })
}

fn ip_from(family: u8, data: &[u8]) -> Option<IpAddr> {
    match i32::from(family) {
        libc::AF_INET => <[u8; 4]>::try_from(data)
            .ok()
            .map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        libc::AF_INET6 => <[u8; 16]>::try_from(data)
            .ok()
            .map(|b| IpAddr::V6(Ipv6Addr::from(b))),
        _ => None,
    }
}

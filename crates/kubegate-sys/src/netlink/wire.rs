//! Netlink route messages as bytes (RFC 3549 §2.2, rtnetlink(7)): building requests and
//! walking replies. Pure code: no sockets. Walking never panics on malformed input; it stops.

use std::io;

pub const NLMSG_HDRLEN: usize = 16;
pub const NLMSG_NOOP: u16 = 1;
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;

pub const RTM_NEWLINK: u16 = 16;
pub const RTM_DELLINK: u16 = 17;
pub const RTM_GETLINK: u16 = 18;
pub const RTM_NEWADDR: u16 = 20;
pub const RTM_DELADDR: u16 = 21;
pub const RTM_GETADDR: u16 = 22;

pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_ACK: u16 = 0x4;
pub const NLM_F_EXCL: u16 = 0x200;
pub const NLM_F_CREATE: u16 = 0x400;
pub const NLM_F_DUMP: u16 = 0x300;

pub const IFA_ADDRESS: u16 = 1;
pub const IFA_LOCAL: u16 = 2;
pub const IFA_LABEL: u16 = 3;
pub const IFA_F_NODAD: u8 = 0x02;

pub const IFLA_IFNAME: u16 = 3;
pub const IFLA_OPERSTATE: u16 = 16;

/// `RTMGRP_LINK`: the multicast group of link changes.
pub const RTMGRP_LINK: u32 = 1;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// Builds one netlink message: header, fixed family header, then attributes.
pub struct MessageBuilder {
    buf: Vec<u8>,
}

impl MessageBuilder {
    pub fn new(ty: u16, flags: u16, seq: u32) -> Self {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&0u32.to_ne_bytes()); // length, set by finish()
        buf.extend_from_slice(&ty.to_ne_bytes());
        buf.extend_from_slice(&flags.to_ne_bytes());
        buf.extend_from_slice(&seq.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it in
        Self { buf }
    }

    /// Appends a fixed header such as `ifaddrmsg` or `ifinfomsg`, padded to four bytes.
    pub fn header(mut self, bytes: &[u8]) -> Self {
        self.buf.extend_from_slice(bytes);
        self.buf.resize(align4(self.buf.len()), 0);
        self
    }

    /// Appends one `rtattr`.
    pub fn attr(mut self, ty: u16, data: &[u8]) -> Self {
        let len = (4 + data.len()) as u16;
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.buf.resize(align4(self.buf.len()), 0);
        self
    }

    pub fn finish(mut self) -> Vec<u8> {
        let len = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&len.to_ne_bytes());
        self.buf
    }
}

/// One message of a received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    pub payload: &'a [u8],
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The messages of one datagram; yields one error and stops at a malformed header.
pub fn messages(buf: &[u8]) -> impl Iterator<Item = io::Result<Message<'_>>> {
    let mut rest = buf;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let parsed = (|| {
            let len = u32_at(rest, 0)? as usize;
            if len < NLMSG_HDRLEN || len > rest.len() {
                return None;
            }
            let msg = Message {
                ty: u16_at(rest, 4)?,
                flags: u16_at(rest, 6)?,
                seq: u32_at(rest, 8)?,
                payload: &rest[NLMSG_HDRLEN..len],
            };
            Some((msg, align4(len).min(rest.len())))
        })();
        match parsed {
            Some((msg, used)) => {
                rest = &rest[used..];
                Some(Ok(msg))
            }
            None => {
                rest = &[];
                Some(Err(malformed("netlink message header")))
            }
        }
    })
}

/// The attributes after a fixed header of `skip` bytes; stops at the first malformed one.
pub fn attrs(payload: &[u8], skip: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = payload.get(align4(skip)..).unwrap_or(&[]);
    std::iter::from_fn(move || {
        let len = usize::from(u16_at(rest, 0)?);
        let ty = u16_at(rest, 2)?;
        if len < 4 || len > rest.len() {
            rest = &[];
            return None;
        }
        let data = &rest[4..len];
        rest = &rest[align4(len).min(rest.len())..];
        // NLA_F_NESTED and NLA_F_NET_BYTEORDER are flags, not part of the type.
        Some((ty & 0x3fff, data))
    })
}

/// The error code of an `NLMSG_ERROR` (or `NLMSG_DONE`) payload: 0 is an acknowledgement.
pub fn error_code(payload: &[u8]) -> Option<i32> {
    u32_at(payload, 0).map(|v| v as i32)
}

pub fn malformed(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("malformed {what}"))
}

/// The `ifaddrmsg` header of an address message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfAddrMsg {
    pub family: u8,
    pub prefix_len: u8,
    pub flags: u8,
    pub scope: u8,
    pub index: u32,
}

impl IfAddrMsg {
    pub const LEN: usize = 8;

    pub fn emit(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        b[..4].copy_from_slice(&[self.family, self.prefix_len, self.flags, self.scope]);
        b[4..].copy_from_slice(&self.index.to_ne_bytes());
        b
    }

    pub fn parse(payload: &[u8]) -> Option<Self> {
        let b = payload.get(..Self::LEN)?;
        Some(Self {
            family: b[0],
            prefix_len: b[1],
            flags: b[2],
            scope: b[3],
            index: u32_at(b, 4)?,
        })
    }
}

/// The `ifinfomsg` header of a link message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfInfoMsg {
    pub family: u8,
    pub link_type: u16,
    pub index: u32,
    pub flags: u32,
    pub change: u32,
}

impl IfInfoMsg {
    pub const LEN: usize = 16;

    pub fn emit(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        b[0] = self.family;
        b[2..4].copy_from_slice(&self.link_type.to_ne_bytes());
        b[4..8].copy_from_slice(&self.index.to_ne_bytes());
        b[8..12].copy_from_slice(&self.flags.to_ne_bytes());
        b[12..16].copy_from_slice(&self.change.to_ne_bytes());
        b
    }

    pub fn parse(payload: &[u8]) -> Option<Self> {
        let b = payload.get(..Self::LEN)?;
        Some(Self {
            family: b[0],
            link_type: u16_at(b, 2)?,
            index: u32_at(b, 4)?,
            flags: u32_at(b, 8)?,
            change: u32_at(b, 12)?,
        })
    }
}

/// A NUL-terminated string attribute, without the NUL.
pub fn attr_str(data: &[u8]) -> Option<String> {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    std::str::from_utf8(&data[..end]).ok().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_walks_a_message() {
        let hdr = IfAddrMsg {
            family: 2,
            prefix_len: 24,
            flags: 0,
            scope: 0,
            index: 7,
        };
        let msg = MessageBuilder::new(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK, 9)
            .header(&hdr.emit())
            .attr(IFA_LOCAL, &[198, 18, 0, 50])
            .attr(IFA_LABEL, b"eth0:vip\0")
            .finish();
        assert_eq!(msg.len(), 16 + 8 + 8 + 16);
        assert_eq!(u32_at(&msg, 0), Some(msg.len() as u32));
        let parsed: Vec<_> = messages(&msg).collect::<io::Result<_>>().unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!((parsed[0].ty, parsed[0].seq), (RTM_NEWADDR, 9));
        assert_eq!(IfAddrMsg::parse(parsed[0].payload), Some(hdr));
        let a: Vec<_> = attrs(parsed[0].payload, IfAddrMsg::LEN).collect();
        assert_eq!(a[0], (IFA_LOCAL, &[198u8, 18, 0, 50][..]));
        assert_eq!(attr_str(a[1].1).as_deref(), Some("eth0:vip"));
    }

    #[test]
    fn two_messages_in_one_datagram() {
        let mut buf = MessageBuilder::new(NLMSG_NOOP, 0, 1)
            .header(&[1, 2, 3])
            .finish();
        buf.extend(
            MessageBuilder::new(NLMSG_DONE, 0, 2)
                .header(&0i32.to_ne_bytes())
                .finish(),
        );
        let seqs: Vec<u32> = messages(&buf).map(|m| m.unwrap().seq).collect();
        assert_eq!(seqs, [1, 2]);
    }

    #[test]
    fn malformed_input_stops_without_panicking() {
        let good = MessageBuilder::new(RTM_NEWLINK, 0, 3)
            .header(
                &IfInfoMsg {
                    family: 0,
                    link_type: 1,
                    index: 2,
                    flags: 1,
                    change: 0,
                }
                .emit(),
            )
            .attr(IFLA_OPERSTATE, &[6])
            .finish();
        for cut in 0..good.len() {
            let items: Vec<_> = messages(&good[..cut]).collect();
            assert!(cut == 0 || items.iter().all(|m| m.is_err()), "cut {cut}");
        }
        let mut bad_len = good.clone();
        bad_len[..4].copy_from_slice(&4u32.to_ne_bytes());
        assert!(messages(&bad_len).next().unwrap().is_err());
        // An attribute claiming more bytes than there are ends the walk.
        let mut bad_attr = good;
        let at = NLMSG_HDRLEN + IfInfoMsg::LEN;
        bad_attr[at..at + 2].copy_from_slice(&200u16.to_ne_bytes());
        let m = messages(&bad_attr).next().unwrap().unwrap();
        assert_eq!(attrs(m.payload, IfInfoMsg::LEN).count(), 0);
        assert_eq!(attrs(&[], 16).count(), 0);
        assert_eq!(error_code(&[1, 2]), None);
    }
}

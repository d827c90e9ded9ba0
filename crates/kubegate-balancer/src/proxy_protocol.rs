//! PROXY protocol version 2 (haproxy's proxy-protocol.txt, section 2.2): the binary header a
//! balancer sends first on a backend connection so that the backend (an ingress controller)
//! sees the real client address. `encode` builds it; `decode` reads it from untrusted bytes
//! (for tests and test backends) without panicking and without allocating.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The 12-byte signature that opens every v2 header (section 2.2).
pub const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";

/// Fixed part: signature, version/command, family/transport, length (section 2.2).
pub const FIXED_LEN: usize = 16;

/// Version 2 in the high nibble of the 13th byte (section 2.2: "must always be sent as \x2").
const VERSION_2: u8 = 0x20;
const CMD_LOCAL: u8 = 0x0;
const CMD_PROXY: u8 = 0x1;
/// Family in the high nibble, transport in the low nibble of the 14th byte (section 2.2).
const TCP4: u8 = 0x11;
const TCP6: u8 = 0x21;
const UNSPEC: u8 = 0x00;
/// Address block lengths (section 2.2): 2 × 4 + 2 × 2 and 2 × 16 + 2 × 2.
const TCP4_LEN: usize = 12;
const TCP6_LEN: usize = 36;

/// The header for a connection proxied from `src` (the client) to `dst` (the address it
/// connected to: the frontend's).
///
/// Families (section 2.2 has one family for both addresses): when both addresses are IPv4 —
/// or IPv4-mapped IPv6, as a dual-stack listener reports IPv4 clients — the header is TCP over
/// IPv4 with plain IPv4 addresses, which is what backends log and match on. Otherwise it is TCP
/// over IPv6, an IPv4 address being written IPv4-mapped (`::ffff:a.b.c.d`). The LOCAL command
/// would also be valid for a mixed pair, but would lose the client address, which is the whole
/// point of sending the header.
pub fn encode(src: SocketAddr, dst: SocketAddr) -> Vec<u8> {
    let mut out = Vec::with_capacity(FIXED_LEN + TCP6_LEN);
    out.extend_from_slice(&SIGNATURE);
    out.push(VERSION_2 | CMD_PROXY);
    match (as_v4(src.ip()), as_v4(dst.ip())) {
        (Some(s), Some(d)) => {
            out.push(TCP4);
            out.extend_from_slice(&(TCP4_LEN as u16).to_be_bytes());
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
        }
        _ => {
            out.push(TCP6);
            out.extend_from_slice(&(TCP6_LEN as u16).to_be_bytes());
            out.extend_from_slice(&as_v6(src.ip()).octets());
            out.extend_from_slice(&as_v6(dst.ip()).octets());
        }
    }
    // Section 2.2: the layer 4 addresses (ports) follow both layer 3 addresses.
    out.extend_from_slice(&src.port().to_be_bytes());
    out.extend_from_slice(&dst.port().to_be_bytes());
    out
}

/// The header for a connection the balancer makes on its own behalf (a health check to a
/// backend that requires the header): LOCAL command, UNSPEC family, no address (section 2.2:
/// "the sender should use this family when sending LOCAL commands", length zero).
pub fn encode_local() -> [u8; FIXED_LEN] {
    let mut out = [0u8; FIXED_LEN];
    out[..12].copy_from_slice(&SIGNATURE);
    out[12] = VERSION_2 | CMD_LOCAL;
    out[13] = UNSPEC;
    out
}

fn as_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    }
}

fn as_v6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

/// Section 2.2's two commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// The connection is the proxy's own: use the real endpoints.
    Local,
    /// Relayed on behalf of a client.
    Proxy,
}

/// A decoded header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub command: Command,
    /// Source and destination for PROXY over TCP/IPv4 or TCP/IPv6. `None` for LOCAL and for
    /// the families a TCP receiver does not use (UNSPEC, UDP, UNIX), which section 2.2 lets a
    /// receiver treat as UNSPEC: use the real endpoints.
    pub addresses: Option<(SocketAddr, SocketAddr)>,
    /// Bytes the header occupies (16 + its length field, TLVs included): skip these.
    pub len: usize,
}

/// Why bytes are not a (complete) v2 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A valid beginning: `needed` bytes in all are required (16, then 16 + length).
    #[error("incomplete PROXY v2 header: {needed} bytes needed")]
    Incomplete { needed: usize },
    #[error("not a PROXY v2 header (signature mismatch)")]
    Signature,
    #[error("PROXY header version {0}, only 2 is accepted")]
    Version(u8),
    #[error("PROXY v2 command {0:#x} is unassigned")]
    Command(u8),
    #[error("PROXY v2 family/transport byte {0:#04x} is invalid")]
    Family(u8),
    #[error("PROXY v2 address block of {len} bytes is too short for its family")]
    AddressTooShort { len: usize },
}

/// Read a v2 header from the start of `bytes` (anything after it is left alone).
pub fn decode(bytes: &[u8]) -> Result<Header, DecodeError> {
    let prefix = bytes.len().min(SIGNATURE.len());
    if bytes[..prefix] != SIGNATURE[..prefix] {
        return Err(DecodeError::Signature);
    }
    // Section 2.2: do not parse addresses before the whole header is there.
    let Some(fixed) = bytes.get(..FIXED_LEN) else {
        return Err(DecodeError::Incomplete { needed: FIXED_LEN });
    };
    let (ver_cmd, fam) = (fixed[12], fixed[13]);
    let len = usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
    // Section 2.2: the receiver must only accept version 2...
    if ver_cmd & 0xF0 != VERSION_2 {
        return Err(DecodeError::Version(ver_cmd >> 4));
    }
    // ...and drop unassigned commands.
    let command = match ver_cmd & 0x0F {
        CMD_LOCAL => Command::Local,
        CMD_PROXY => Command::Proxy,
        other => return Err(DecodeError::Command(other)),
    };
    // Families above AF_UNIX and transports above DGRAM "must be rejected as invalid".
    if fam >> 4 > 0x3 || fam & 0x0F > 0x2 {
        return Err(DecodeError::Family(fam));
    }
    let total = FIXED_LEN + len;
    let Some(block) = bytes.get(FIXED_LEN..total) else {
        return Err(DecodeError::Incomplete { needed: total });
    };
    // LOCAL: "discard the protocol block including the family"; the length is still honoured.
    let addresses = match (command, fam) {
        (Command::Proxy, TCP4) => Some(tcp4(block)?),
        (Command::Proxy, TCP6) => Some(tcp6(block)?),
        _ => None,
    };
    Ok(Header {
        command,
        addresses,
        len: total,
    })
}

fn tcp4(block: &[u8]) -> Result<(SocketAddr, SocketAddr), DecodeError> {
    let b: &[u8; TCP4_LEN] = block
        .get(..TCP4_LEN)
        .and_then(|b| b.try_into().ok())
        .ok_or(DecodeError::AddressTooShort { len: block.len() })?;
    let src = Ipv4Addr::new(b[0], b[1], b[2], b[3]);
    let dst = Ipv4Addr::new(b[4], b[5], b[6], b[7]);
    let (sp, dp) = (
        u16::from_be_bytes([b[8], b[9]]),
        u16::from_be_bytes([b[10], b[11]]),
    );
    Ok((
        SocketAddr::new(src.into(), sp),
        SocketAddr::new(dst.into(), dp),
    ))
}

fn tcp6(block: &[u8]) -> Result<(SocketAddr, SocketAddr), DecodeError> {
    let b: &[u8; TCP6_LEN] = block
        .get(..TCP6_LEN)
        .and_then(|b| b.try_into().ok())
        .ok_or(DecodeError::AddressTooShort { len: block.len() })?;
    let mut src = [0u8; 16];
    let mut dst = [0u8; 16];
    src.copy_from_slice(&b[..16]);
    dst.copy_from_slice(&b[16..32]);
    let (sp, dp) = (
        u16::from_be_bytes([b[32], b[33]]),
        u16::from_be_bytes([b[34], b[35]]),
    );
    Ok((
        SocketAddr::new(Ipv6Addr::from(src).into(), sp),
        SocketAddr::new(Ipv6Addr::from(dst).into(), dp),
    ))
}

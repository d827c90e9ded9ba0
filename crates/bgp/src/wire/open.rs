//! The OPEN message (RFC 4271 §4.2) and the capabilities it carries (RFC 5492): multiprotocol
//! (RFC 4760 §8), route refresh (RFC 2918 §2), graceful restart (RFC 4724 §3) and 4-octet AS
//! numbers (RFC 6793 §3).

use std::net::Ipv4Addr;

use super::{EmitError, Invalid};

/// RFC 4271 §4.2: the protocol version this crate speaks.
pub const BGP_VERSION: u8 = 4;
/// RFC 6793 §9: the 2-octet stand-in for an AS number above 65535.
pub const AS_TRANS: u16 = 23456;
/// RFC 5492 §4: optional parameter type 2 carries capabilities.
const PARAM_CAPABILITIES: u8 = 2;

const CAP_MULTIPROTOCOL: u8 = 1;
const CAP_ROUTE_REFRESH: u8 = 2;
const CAP_GRACEFUL_RESTART: u8 = 64;
const CAP_FOUR_OCTET_AS: u8 = 65;

/// An OPEN message. `version` is always 4: anything else is refused when parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    /// The 2-octet "My Autonomous System" field; AS_TRANS when the real AS is in the
    /// 4-octet AS capability (RFC 6793 §4.1).
    pub my_as: u16,
    /// Seconds; 0 or at least 3 (RFC 4271 §4.2).
    pub hold_time: u16,
    pub bgp_id: Ipv4Addr,
    pub capabilities: Vec<Capability>,
}

/// One (AFI, SAFI) as the multiprotocol capability names it (RFC 4760 §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AfiSafi {
    pub afi: u16,
    pub safi: u8,
}

/// A family in the graceful restart capability (RFC 4724 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrFamily {
    pub afi_safi: AfiSafi,
    /// The F bit: forwarding state was preserved across the restart.
    pub forwarding_preserved: bool,
}

/// A capability (RFC 5492 §4). Unknown ones are kept as they came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capability {
    Multiprotocol(AfiSafi),
    RouteRefresh,
    GracefulRestart {
        /// The R bit: the sender has restarted (RFC 4724 §3).
        restarting: bool,
        /// The N bit: the sender supports RFC 8538 (graceful NOTIFICATION).
        notification: bool,
        /// Seconds, 12 bits.
        restart_time: u16,
        families: Vec<GrFamily>,
    },
    FourOctetAs(u32),
    Unknown {
        code: u8,
        value: Vec<u8>,
    },
}

impl Capability {
    fn parse(code: u8, value: &[u8]) -> Result<Capability, Invalid> {
        // A known capability whose length does not fit its layout: RFC 5492 names no
        // subcode, so OPEN Message Error / unspecific (RFC 4271 §4.5).
        Ok(match code {
            CAP_MULTIPROTOCOL => {
                let b: [u8; 4] = value.try_into().map_err(|_| Invalid::MalformedOpen)?;
                Capability::Multiprotocol(AfiSafi {
                    afi: u16::from_be_bytes([b[0], b[1]]),
                    safi: b[3],
                })
            }
            CAP_ROUTE_REFRESH if value.is_empty() => Capability::RouteRefresh,
            CAP_ROUTE_REFRESH => return Err(Invalid::MalformedOpen),
            CAP_FOUR_OCTET_AS => {
                let b: [u8; 4] = value.try_into().map_err(|_| Invalid::MalformedOpen)?;
                Capability::FourOctetAs(u32::from_be_bytes(b))
            }
            CAP_GRACEFUL_RESTART => {
                if value.len() < 2 || !(value.len() - 2).is_multiple_of(4) {
                    return Err(Invalid::MalformedOpen);
                }
                let head = u16::from_be_bytes([value[0], value[1]]);
                let families = value[2..]
                    .chunks_exact(4)
                    .map(|f| GrFamily {
                        afi_safi: AfiSafi {
                            afi: u16::from_be_bytes([f[0], f[1]]),
                            safi: f[2],
                        },
                        forwarding_preserved: f[3] & 0x80 != 0,
                    })
                    .collect();
                Capability::GracefulRestart {
                    restarting: head & 0x8000 != 0,
                    notification: head & 0x4000 != 0,
                    restart_time: head & 0x0fff,
                    families,
                }
            }
            code => Capability::Unknown {
                code,
                value: value.to_vec(),
            },
        })
    }

    /// Appends code, length and value (RFC 5492 §4).
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), EmitError> {
        let mut value = Vec::new();
        let code = match self {
            Capability::Multiprotocol(f) => {
                value.extend_from_slice(&f.afi.to_be_bytes());
                value.extend_from_slice(&[0, f.safi]);
                CAP_MULTIPROTOCOL
            }
            Capability::RouteRefresh => CAP_ROUTE_REFRESH,
            Capability::FourOctetAs(asn) => {
                value.extend_from_slice(&asn.to_be_bytes());
                CAP_FOUR_OCTET_AS
            }
            Capability::GracefulRestart {
                restarting,
                notification,
                restart_time,
                families,
            } => {
                let head = (u16::from(*restarting) << 15)
                    | (u16::from(*notification) << 14)
                    | (restart_time & 0x0fff);
                value.extend_from_slice(&head.to_be_bytes());
                for f in families {
                    value.extend_from_slice(&f.afi_safi.afi.to_be_bytes());
                    value.push(f.afi_safi.safi);
                    value.push(if f.forwarding_preserved { 0x80 } else { 0 });
                }
                CAP_GRACEFUL_RESTART
            }
            Capability::Unknown { code, value: v } => {
                value.extend_from_slice(v);
                *code
            }
        };
        // The capability must fit one optional parameter (255 octets, RFC 4271 §4.2).
        if value.len() > 253 {
            return Err(EmitError::FieldTooLong);
        }
        out.push(code);
        out.push(value.len() as u8);
        out.extend_from_slice(&value);
        Ok(())
    }
}

impl Open {
    /// Parses the body after the header (at least 10 octets: the header check ensures it).
    pub(crate) fn parse(body: &[u8]) -> Result<Open, Invalid> {
        let Some((fixed, params)) = body.split_first_chunk::<10>() else {
            return Err(Invalid::BadLength((body.len() + super::HEADER_LEN) as u16));
        };
        // RFC 4271 §6.2: version other than 4.
        if fixed[0] != BGP_VERSION {
            return Err(Invalid::UnsupportedVersion(fixed[0]));
        }
        let my_as = u16::from_be_bytes([fixed[1], fixed[2]]);
        let hold_time = u16::from_be_bytes([fixed[3], fixed[4]]);
        // RFC 4271 §6.2: a Hold Time of one or two seconds MUST be rejected.
        if hold_time == 1 || hold_time == 2 {
            return Err(Invalid::UnacceptableHoldTime(hold_time));
        }
        let bgp_id = Ipv4Addr::new(fixed[5], fixed[6], fixed[7], fixed[8]);
        // RFC 6286 §2.2 (updating RFC 4271 §6.2): the identifier is a non-zero 4-octet value.
        if bgp_id.is_unspecified() {
            return Err(Invalid::BadBgpIdentifier);
        }
        // The parameters must fill the rest of the message exactly.
        if usize::from(fixed[9]) != params.len() {
            return Err(Invalid::MalformedOpen);
        }
        let mut capabilities = Vec::new();
        let mut rest = params;
        while !rest.is_empty() {
            let [kind, len, tail @ ..] = rest else {
                return Err(Invalid::MalformedOpen);
            };
            let Some((value, tail)) = tail.split_at_checked(usize::from(*len)) else {
                return Err(Invalid::MalformedOpen);
            };
            // RFC 4271 §6.2 / RFC 5492 §4: capabilities are the only parameter we know.
            if *kind != PARAM_CAPABILITIES {
                return Err(Invalid::UnsupportedOptionalParameter(*kind));
            }
            let mut caps = value;
            while !caps.is_empty() {
                let [code, clen, ctail @ ..] = caps else {
                    return Err(Invalid::MalformedOpen);
                };
                let Some((cvalue, ctail)) = ctail.split_at_checked(usize::from(*clen)) else {
                    return Err(Invalid::MalformedOpen);
                };
                capabilities.push(Capability::parse(*code, cvalue)?);
                caps = ctail;
            }
            rest = tail;
        }
        Ok(Open {
            my_as,
            hold_time,
            bgp_id,
            capabilities,
        })
    }

    pub(crate) fn emit_body(&self, out: &mut Vec<u8>) -> Result<(), EmitError> {
        out.push(BGP_VERSION);
        out.extend_from_slice(&self.my_as.to_be_bytes());
        out.extend_from_slice(&self.hold_time.to_be_bytes());
        out.extend_from_slice(&self.bgp_id.octets());
        // Capabilities go into as few type-2 parameters as fit 255 octets each (RFC 5492 §4
        // allows one or several per parameter).
        let mut params = Vec::new();
        let mut current = Vec::new();
        for cap in &self.capabilities {
            let mut one = Vec::new();
            cap.emit(&mut one)?;
            if current.len() + one.len() > 255 {
                push_param(&mut params, &current);
                current.clear();
            }
            current.extend_from_slice(&one);
        }
        if !current.is_empty() {
            push_param(&mut params, &current);
        }
        let len = u8::try_from(params.len()).map_err(|_| EmitError::FieldTooLong)?;
        out.push(len);
        out.extend_from_slice(&params);
        Ok(())
    }

    /// The speaker's AS: the 4-octet capability's when present, else the 2-octet field
    /// (RFC 6793 §4.1).
    pub fn asn(&self) -> u32 {
        self.capabilities
            .iter()
            .find_map(|c| match c {
                Capability::FourOctetAs(asn) => Some(*asn),
                _ => None,
            })
            .unwrap_or(u32::from(self.my_as))
    }
}

fn push_param(params: &mut Vec<u8>, caps: &[u8]) {
    params.push(PARAM_CAPABILITIES);
    params.push(caps.len() as u8);
    params.extend_from_slice(caps);
}

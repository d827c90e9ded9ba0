//! The NOTIFICATION (RFC 4271 §4.5) and ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3) messages.

use super::{ErrorCode, Invalid};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub code: ErrorCode,
    pub subcode: u8,
    pub data: Vec<u8>,
}

impl Notification {
    pub fn new(code: ErrorCode, subcode: u8) -> Notification {
        Notification {
            code,
            subcode,
            data: Vec::new(),
        }
    }

    pub(crate) fn parse(body: &[u8]) -> Result<Notification, Invalid> {
        let [code, subcode, data @ ..] = body else {
            return Err(Invalid::BadLength((body.len() + super::HEADER_LEN) as u16));
        };
        Ok(Notification {
            code: ErrorCode::from_u8(*code),
            subcode: *subcode,
            data: data.to_vec(),
        })
    }

    pub(crate) fn emit_body(&self, out: &mut Vec<u8>) {
        out.push(self.code.to_u8());
        out.push(self.subcode);
        out.extend_from_slice(&self.data);
    }
}

/// ROUTE-REFRESH: AFI, a reserved octet (RFC 7313's message subtype), SAFI (RFC 2918 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteRefresh {
    pub afi: u16,
    /// 0 = normal request; RFC 7313 §3 uses 1 and 2 for BoRR / EoRR.
    pub subtype: u8,
    pub safi: u8,
}

impl RouteRefresh {
    pub(crate) fn parse(body: &[u8]) -> Result<RouteRefresh, Invalid> {
        let [a0, a1, subtype, safi] = body else {
            return Err(Invalid::BadLength((body.len() + super::HEADER_LEN) as u16));
        };
        Ok(RouteRefresh {
            afi: u16::from_be_bytes([*a0, *a1]),
            subtype: *subtype,
            safi: *safi,
        })
    }

    pub(crate) fn emit_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.afi.to_be_bytes());
        out.push(self.subtype);
        out.push(self.safi);
    }
}

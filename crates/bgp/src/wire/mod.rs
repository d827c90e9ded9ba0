//! The BGP-4 message codec: the common header (RFC 4271 §4.1) and the dispatch to each
//! message's own module. `Message::parse` works on a stream buffer: it returns the message and
//! the octets it used, `Error::Incomplete` when more must be read, `Error::Invalid` (with the
//! NOTIFICATION to send) when the bytes are bad. It never panics, and it allocates only for
//! what the message's own octets hold (a buffer is never sized from a length field).

mod attrs;
mod error;
mod fuzz;
mod notification;
mod open;
mod prefix;
mod update;

pub use attrs::{
    Ipv6NextHop, LargeCommunity, MpReach, MpUnreach, Origin, PathAttributes, RawAttribute, Segment,
    SegmentKind,
};
pub use error::{cease, fsm, EmitError, Error, ErrorCode, Invalid};
pub use fuzz::fuzz_parse;
pub use notification::{Notification, RouteRefresh};
pub use open::{AfiSafi, Capability, GrFamily, Open, AS_TRANS, BGP_VERSION};
pub use prefix::{Family, Prefix, AFI_IPV4, AFI_IPV6, SAFI_UNICAST};
pub use update::Update;

/// RFC 4271 §4.1: the marker (all ones), header length and the longest message.
pub const MARKER: [u8; 16] = [0xff; 16];
pub const HEADER_LEN: usize = 19;
pub const MAX_MESSAGE_LEN: usize = 4096;

/// Message type codes (RFC 4271 §4.1, RFC 2918 §3).
pub const TYPE_OPEN: u8 = 1;
pub const TYPE_UPDATE: u8 = 2;
pub const TYPE_NOTIFICATION: u8 = 3;
pub const TYPE_KEEPALIVE: u8 = 4;
pub const TYPE_ROUTE_REFRESH: u8 = 5;

/// What the session negotiated that changes the encoding: whether AS numbers in AS_PATH are
/// 4 octets (both sides sent the RFC 6793 capability) or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ctx {
    pub four_octet_as: bool,
}

impl Ctx {
    pub const FOUR_OCTET_AS: Ctx = Ctx {
        four_octet_as: true,
    };
    pub const TWO_OCTET_AS: Ctx = Ctx {
        four_octet_as: false,
    };
}

impl Default for Ctx {
    fn default() -> Ctx {
        Ctx::FOUR_OCTET_AS
    }
}

/// One BGP message. An UPDATE is much larger than the others; messages are short-lived
/// (parsed, handled, dropped), so it is not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Open(Open),
    Update(Update),
    Notification(Notification),
    Keepalive,
    RouteRefresh(RouteRefresh),
}

/// The smallest length each type may have (RFC 4271 §4.2-§4.5, RFC 2918 §3), and whether
/// it is also the largest.
fn length_rule(kind: u8) -> Option<(usize, bool)> {
    match kind {
        TYPE_OPEN => Some((29, false)),
        TYPE_UPDATE => Some((23, false)),
        TYPE_NOTIFICATION => Some((21, false)),
        TYPE_KEEPALIVE => Some((19, true)),
        TYPE_ROUTE_REFRESH => Some((23, true)),
        _ => None,
    }
}

impl Message {
    /// Parses one message from the front of `buf` with 4-octet AS numbers in AS_PATH.
    pub fn parse(buf: &[u8]) -> Result<(Message, usize), Error> {
        Message::parse_with(buf, Ctx::default())
    }

    /// Parses one message from the front of `buf`; returns it and the octets consumed.
    pub fn parse_with(buf: &[u8], ctx: Ctx) -> Result<(Message, usize), Error> {
        // RFC 4271 §6.1: a marker that is not all ones means the stream is out of sync;
        // checked on whatever part has arrived, so garbage is refused early.
        let seen = buf.len().min(MARKER.len());
        if buf[..seen] != MARKER[..seen] {
            return Err(Invalid::BadMarker.into());
        }
        let Some(header) = buf.first_chunk::<HEADER_LEN>() else {
            return Err(Error::Incomplete {
                needed: HEADER_LEN - buf.len(),
            });
        };
        let length = u16::from_be_bytes([header[16], header[17]]);
        let kind = header[18];
        let len = usize::from(length);
        // RFC 4271 §6.1: length out of 19..=4096, or wrong for the type: Bad Message Length.
        if !(HEADER_LEN..=MAX_MESSAGE_LEN).contains(&len) {
            return Err(Invalid::BadLength(length).into());
        }
        // RFC 4271 §6.1: an unknown type: Bad Message Type.
        let Some((min, exact)) = length_rule(kind) else {
            return Err(Invalid::BadType(kind).into());
        };
        if len < min || (exact && len != min) {
            return Err(Invalid::BadLength(length).into());
        }
        let Some(message) = buf.get(..len) else {
            return Err(Error::Incomplete {
                needed: len - buf.len(),
            });
        };
        let body = &message[HEADER_LEN..];
        let parsed = match kind {
            TYPE_OPEN => Message::Open(Open::parse(body)?),
            TYPE_UPDATE => Message::Update(Update::parse(body, ctx)?),
            TYPE_NOTIFICATION => Message::Notification(Notification::parse(body)?),
            TYPE_KEEPALIVE => Message::Keepalive,
            _ => Message::RouteRefresh(RouteRefresh::parse(body)?),
        };
        Ok((parsed, len))
    }

    pub fn type_code(&self) -> u8 {
        match self {
            Message::Open(_) => TYPE_OPEN,
            Message::Update(_) => TYPE_UPDATE,
            Message::Notification(_) => TYPE_NOTIFICATION,
            Message::Keepalive => TYPE_KEEPALIVE,
            Message::RouteRefresh(_) => TYPE_ROUTE_REFRESH,
        }
    }

    /// Appends the whole message (header included) to `out`; on error `out` is unchanged.
    pub fn emit(&self, ctx: Ctx, out: &mut Vec<u8>) -> Result<(), EmitError> {
        let start = out.len();
        out.extend_from_slice(&MARKER);
        out.extend_from_slice(&[0, 0, self.type_code()]);
        let body = match self {
            Message::Open(open) => open.emit_body(out),
            Message::Update(update) => update.emit_body(ctx, out),
            Message::Notification(n) => {
                n.emit_body(out);
                Ok(())
            }
            Message::Keepalive => Ok(()),
            Message::RouteRefresh(rr) => {
                rr.emit_body(out);
                Ok(())
            }
        };
        let len = out.len() - start;
        let result = match body {
            Ok(()) if len > MAX_MESSAGE_LEN => Err(EmitError::TooLong),
            other => other,
        };
        match result {
            Ok(()) => {
                out[start + 16..start + 18].copy_from_slice(&(len as u16).to_be_bytes());
                Ok(())
            }
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }

    pub fn to_bytes(&self, ctx: Ctx) -> Result<Vec<u8>, EmitError> {
        let mut out = Vec::new();
        self.emit(ctx, &mut out)?;
        Ok(out)
    }
}

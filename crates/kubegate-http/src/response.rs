//! Response heads (RFC 9112 §4: `status-line = HTTP-version SP status-code SP
//! [ reason-phrase ]`, then `field-line CRLF`s and an empty line), whole or only the status
//! code from the first bytes.

use crate::head::{bounded, find, owned, HeadError, Header, MAX_HEADERS};

/// A complete response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    /// Three digits (RFC 9110 §15); the range is the caller's to judge.
    pub code: u16,
    pub reason: String,
    pub headers: Vec<Header>,
    /// Bytes of the head, the empty line included: the body starts here.
    pub len: usize,
}

impl ResponseHead {
    /// The first field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        find(&self.headers, name)
    }
}

/// Parse a response head from the start of `buf`, looking at no more than `max_head` bytes.
/// `Ok(None)`: not complete yet; read more.
pub fn parse_response(buf: &[u8], max_head: usize) -> Result<Option<ResponseHead>, HeadError> {
    bounded(buf, max_head, |window| {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut res = httparse::Response::new(&mut headers);
        Ok(match res.parse(window)? {
            httparse::Status::Partial => httparse::Status::Partial,
            httparse::Status::Complete(len) => httparse::Status::Complete(ResponseHead {
                minor_version: res.version.unwrap_or_default(),
                code: res.code.unwrap_or_default(),
                reason: res.reason.unwrap_or_default().to_owned(),
                headers: owned(res.headers),
                len,
            }),
        })
    })
}

/// Bytes that decide a status code: `HTTP/1.1 200` and the byte after the code.
pub const STATUS_PREFIX_LEN: usize = 13;

/// The status code from the first bytes of an answer, for readers that need nothing else and
/// buffer no more than [`STATUS_PREFIX_LEN`] bytes. `Ok(None)`: fewer bytes than that so far
/// and nothing wrong with them yet. The byte after the code must be SP, CR or LF (a server
/// that omits the SP before an empty reason phrase is accepted, RFC 9112 §4 lets clients
/// ignore the reason phrase); leading empty lines are not accepted here.
pub fn parse_status_prefix(prefix: &[u8]) -> Result<Option<u16>, HeadError> {
    let prefix = &prefix[..prefix.len().min(STATUS_PREFIX_LEN)];
    let mut headers = [httparse::EMPTY_HEADER; 0];
    let mut res = httparse::Response::new(&mut headers);
    // Partial or not, httparse has filled in the code once it has read it; with all 13 bytes
    // it has also judged the byte after it.
    let complete = match res.parse(prefix) {
        Ok(_) | Err(httparse::Error::TooManyHeaders) => prefix.len() == STATUS_PREFIX_LEN,
        Err(e) => return Err(e.into()),
    };
    match (complete, res.code) {
        (false, _) => Ok(None),
        (true, Some(code)) => Ok(Some(code)),
        (true, None) => Err(HeadError::StartLine),
    }
}

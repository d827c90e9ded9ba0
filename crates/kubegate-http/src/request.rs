//! Request heads (RFC 9112 §3: `request-line = method SP request-target SP HTTP-version`,
//! then `field-line CRLF`s and an empty line).

use crate::head::{bounded, find, owned, HeadError, Header, MAX_HEADERS};

/// A complete request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    pub method: String,
    /// The request target as sent (not decoded).
    pub target: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    pub headers: Vec<Header>,
    /// Bytes of the head, the empty line included: the body starts here.
    pub len: usize,
}

impl RequestHead {
    /// The first field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        find(&self.headers, name)
    }
}

/// Parse a request head from the start of `buf`, looking at no more than `max_head` bytes.
/// `Ok(None)`: not complete yet; read more.
pub fn parse_request(buf: &[u8], max_head: usize) -> Result<Option<RequestHead>, HeadError> {
    bounded(buf, max_head, |window| {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        Ok(match req.parse(window)? {
            httparse::Status::Partial => httparse::Status::Partial,
            httparse::Status::Complete(len) => httparse::Status::Complete(RequestHead {
                method: req.method.unwrap_or_default().to_owned(),
                target: req.path.unwrap_or_default().to_owned(),
                minor_version: req.version.unwrap_or_default(),
                headers: owned(req.headers),
                len,
            }),
        })
    })
}

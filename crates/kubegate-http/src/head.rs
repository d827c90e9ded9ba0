//! What request and response heads share: the header fields, the error kinds, the bounds and
//! the one place where `httparse`'s verdict meets our head-size limit.

/// Most header fields accepted in one head (more is [`HeadError::TooManyHeaders`]).
pub const MAX_HEADERS: usize = 64;

/// One header field; the value as sent (RFC 9110 §5.5 allows obs-text, so not always UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: Vec<u8>,
}

/// Why a head is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadError {
    /// The head did not end within the limit.
    TooLarge,
    /// More than [`MAX_HEADERS`] header fields.
    TooManyHeaders,
    /// Not HTTP/1.0 or HTTP/1.1.
    Version,
    /// The request line or status line is malformed (method, target or status code).
    StartLine,
    /// A header field is malformed (no colon, space before the colon, a bare CR in the value).
    Header,
}

impl std::fmt::Display for HeadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HeadError::TooLarge => "head too large",
            HeadError::TooManyHeaders => "too many header fields",
            HeadError::Version => "not HTTP/1.0 or HTTP/1.1",
            HeadError::StartLine => "malformed start line",
            HeadError::Header => "malformed header field",
        })
    }
}

impl std::error::Error for HeadError {}

impl From<httparse::Error> for HeadError {
    fn from(e: httparse::Error) -> HeadError {
        use httparse::Error as E;
        match e {
            E::Version => HeadError::Version,
            E::TooManyHeaders => HeadError::TooManyHeaders,
            E::HeaderName | E::HeaderValue => HeadError::Header,
            E::Token | E::Status | E::NewLine => HeadError::StartLine,
        }
    }
}

/// Looks at no more than `max_head` bytes of `buf`; `Ok(None)` while the head may still end
/// within the limit, [`HeadError::TooLarge`] once it cannot.
pub(crate) fn bounded<T>(
    buf: &[u8],
    max_head: usize,
    parse: impl FnOnce(&[u8]) -> httparse::Result<T>,
) -> Result<Option<T>, HeadError> {
    let window = &buf[..buf.len().min(max_head)];
    match parse(window)? {
        httparse::Status::Complete(head) => Ok(Some(head)),
        httparse::Status::Partial if buf.len() >= max_head => Err(HeadError::TooLarge),
        httparse::Status::Partial => Ok(None),
    }
}

pub(crate) fn owned(headers: &[httparse::Header<'_>]) -> Vec<Header> {
    headers
        .iter()
        .map(|h| Header {
            name: h.name.to_owned(),
            value: h.value.to_vec(),
        })
        .collect()
}

/// The first field named `name` (case-insensitive, RFC 9110 §5.1).
pub(crate) fn find<'a>(headers: &'a [Header], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_slice())
}

//! The little HTTP/1.1 the admin endpoint speaks: a request head parsed from untrusted bytes
//! (bounded, never panicking; parsed by `kubegate_http`), and responses that always close the
//! connection.

use kubegate_http::HeadError;

/// Largest request head accepted (request line and headers).
pub const MAX_HEAD: usize = 8 * 1024;
/// Largest request body accepted (actions take none; a small one is read and ignored).
pub const MAX_BODY: usize = 1024;

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path without the query string, percent-decoded.
    pub path: String,
    /// The `Authorization` header's value.
    pub authorization: Option<String>,
    pub content_length: usize,
    /// Bytes of the head (so the caller knows where the body starts).
    pub head_len: usize,
}

/// A request the server answers with an error status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub message: &'static str,
}

fn refused(status: u16, message: &'static str) -> Refused {
    Refused { status, message }
}

/// `Ok(None)`: the head is not complete yet (read more, up to [`MAX_HEAD`]).
pub fn parse_head(buf: &[u8]) -> Result<Option<Request>, Refused> {
    let head = match kubegate_http::parse_request(buf, MAX_HEAD) {
        Ok(Some(head)) => head,
        Ok(None) => return Ok(None),
        Err(HeadError::TooLarge) => return Err(refused(431, "request head too large")),
        Err(HeadError::TooManyHeaders) => return Err(refused(431, "too many headers")),
        Err(HeadError::Version) => return Err(refused(505, "HTTP/1.x only")),
        Err(HeadError::StartLine) => return Err(refused(400, "malformed request line")),
        Err(HeadError::Header) => return Err(refused(400, "malformed header")),
    };
    if !head.method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(refused(400, "malformed method"));
    }
    if !head.target.starts_with('/') {
        return Err(refused(400, "the target must be a path"));
    }
    let raw_path = head.target.split(['?', '#']).next().unwrap_or_default();
    let path = percent_decode(raw_path).ok_or(refused(400, "bad percent-encoding"))?;
    let mut authorization = None;
    let mut content_length = 0usize;
    for header in &head.headers {
        let value = std::str::from_utf8(&header.value).map_err(|_| refused(400, "not UTF-8"))?;
        if header.name.eq_ignore_ascii_case("authorization") {
            authorization = Some(value.to_string());
        } else if header.name.eq_ignore_ascii_case("content-length") {
            content_length = value
                .parse()
                .map_err(|_| refused(400, "bad content-length"))?;
            if content_length > MAX_BODY {
                return Err(refused(413, "request body too large"));
            }
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(refused(411, "send a content-length, not a chunked body"));
        }
    }
    Ok(Some(Request {
        method: head.method,
        path,
        authorization,
        content_length,
        head_len: head.len,
    }))
}

/// `%XX` decoded; `None` for a malformed escape or a result that is not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A whole response; `Connection: close` always.
pub fn response(status: u16, content_type: &str, body: &[u8], extra: &[(&str, &str)]) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n",
        reason(status),
        body.len()
    );
    for (k, v) in extra {
        head.push_str(k);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_head_is_parsed() {
        let head: &[u8] =
            b"POST /api/v1/frontends/api/backends/127.0.0.1%3A80/drain?x=1 HTTP/1.1\r\n\
              Host: x\r\nAuthorization: Bearer abc\r\nContent-Length: 0\r\n\r\n";
        let mut bytes = head.to_vec();
        bytes.extend_from_slice(b"rest");
        let r = parse_head(&bytes).unwrap().unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/api/v1/frontends/api/backends/127.0.0.1:80/drain");
        assert_eq!(r.authorization.as_deref(), Some("Bearer abc"));
        assert_eq!(r.head_len, head.len());
        assert_eq!(r.content_length, 0);
    }

    #[test]
    fn incomplete_oversized_and_malformed_heads() {
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n"), Ok(None));
        let big = vec![b'a'; MAX_HEAD];
        assert_eq!(parse_head(&big).unwrap_err().status, 431);
        assert_eq!(parse_head(b"GET /\r\n\r\n").unwrap_err().status, 400);
        assert_eq!(parse_head(b"GET / SPDY/3\r\n\r\n").unwrap_err().status, 505);
        assert_eq!(
            parse_head(b"GET /%zz HTTP/1.1\r\n\r\n").unwrap_err().status,
            400
        );
        assert_eq!(
            parse_head(b"GET /%e2 HTTP/1.1\r\n\r\n").unwrap_err().status,
            400
        );
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\nContent-Length: 99999\r\n\r\n")
                .unwrap_err()
                .status,
            413
        );
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\nnocolon\r\n\r\n")
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(parse_head(b"\xff\xfe\r\n\r\n").unwrap_err().status, 400);
        assert_eq!(
            parse_head(b"get / HTTP/1.1\r\n\r\n").unwrap_err().status,
            400
        );
        assert_eq!(
            parse_head(b"GET * HTTP/1.1\r\n\r\n").unwrap_err().status,
            400
        );
        let many: String = (0..100).map(|i| format!("X-{i}: v\r\n")).collect();
        let many = format!("GET / HTTP/1.1\r\n{many}\r\n");
        let refused = parse_head(many.as_bytes()).unwrap_err();
        assert_eq!((refused.status, refused.message), (431, "too many headers"));
        let latin1 = parse_head(b"GET / HTTP/1.1\r\nAuthorization: \xe9\r\n\r\n");
        assert_eq!(latin1.unwrap_err().message, "not UTF-8");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            let mut buf = Vec::new();
            for _ in 0..(x % 200) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                const ALPHABET: &[u8] = b"GET /%:\r\n aA1";
                buf.push(ALPHABET[(x % ALPHABET.len() as u64) as usize]);
            }
            buf.extend_from_slice(b"\r\n\r\n");
            let _ = parse_head(&buf);
        }
    }
}

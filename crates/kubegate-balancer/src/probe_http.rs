//! The HTTP/1.1 half of a health check, sans-IO: the request a probe sends and the reading of
//! the status code from the first bytes of the answer (parsed by `kubegate_http`). Nothing
//! after the status code matters to a check, so the reader decides after 13 bytes and never
//! buffers more than that.

use std::net::SocketAddr;

pub use kubegate_http::STATUS_PREFIX_LEN;

/// What the first bytes of an answer say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusLine {
    /// Fewer than [`STATUS_PREFIX_LEN`] bytes so far, and nothing wrong with them yet.
    NeedMore,
    /// The status code.
    Status(u16),
    /// Not an HTTP/1.x status line.
    Invalid,
}

/// Read the status code from the start of a response (with `kubegate_http`).
///
/// RFC 9112 §4: `status-line = HTTP-version SP status-code SP [ reason-phrase ]`;
/// RFC 9110 §15: `status-code` is three digits, 100..=599 in use. Servers that omit the SP
/// before an empty reason phrase are common, so a CR right after the code is accepted too
/// (the reason phrase is ignored anyway, RFC 9112 §4 "A client SHOULD ignore the
/// reason-phrase content").
pub fn parse_status(prefix: &[u8]) -> StatusLine {
    match kubegate_http::parse_status_prefix(prefix) {
        Ok(None) => StatusLine::NeedMore,
        Ok(Some(code)) if (100..=599).contains(&code) => StatusLine::Status(code),
        Ok(Some(_)) | Err(_) => StatusLine::Invalid,
    }
}

/// Why a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The path is not an origin-form target (RFC 9112 §3.2.1): it must start with `/` and
    /// hold no whitespace or control characters (which would split the request).
    BadPath,
    /// The Host value holds characters that do not belong in a header field (RFC 9110 §5.5).
    BadHost,
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RequestError::BadPath => "the path must start with / and hold no spaces or controls",
            RequestError::BadHost => "server_name does not fit in a Host header",
        })
    }
}

/// The probe's request: `GET path HTTP/1.1` with `Host`, `User-Agent` and `Connection:
/// close` (RFC 9112 §9.6: the client closes after this one response). `host` is the name the
/// probe uses, or `None` for the backend's address (RFC 9110 §7.2: `Host = uri-host [ ":"
/// port ]`, an IPv6 address in brackets, RFC 3986 §3.2.2).
pub fn request(path: &str, host: Option<&str>, addr: SocketAddr) -> Result<Vec<u8>, RequestError> {
    let path_ok = path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'#' && b != b'\\');
    if !path_ok {
        return Err(RequestError::BadPath);
    }
    let host = match host {
        Some(h) if !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()) => h.to_owned(),
        Some(_) => return Err(RequestError::BadHost),
        // SocketAddr's Display already writes `[v6]:port`.
        None => addr.to_string(),
    };
    Ok(format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: kubegate\r\nAccept: */*\r\n\
         Connection: close\r\n\r\n"
    )
    .into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_read_from_the_first_13_bytes() {
        assert_eq!(
            parse_status(b"HTTP/1.1 200 OK\r\n"),
            StatusLine::Status(200)
        );
        assert_eq!(parse_status(b"HTTP/1.0 503 \r\n"), StatusLine::Status(503));
        assert_eq!(parse_status(b"HTTP/1.1 401\r\n"), StatusLine::Status(401));
        assert_eq!(parse_status(b"HTTP/1.1 20"), StatusLine::NeedMore);
        assert_eq!(parse_status(b""), StatusLine::NeedMore);
    }

    #[test]
    fn anything_else_is_invalid_as_early_as_possible() {
        assert_eq!(parse_status(b"SSH-2.0-"), StatusLine::Invalid);
        assert_eq!(parse_status(b"HTTP/2 200 "), StatusLine::Invalid);
        assert_eq!(parse_status(b"HTTP/1.1 600 x"), StatusLine::Invalid);
        assert_eq!(parse_status(b"HTTP/1.1 20x "), StatusLine::Invalid);
        assert_eq!(parse_status(b"HTTP/1.1 2000"), StatusLine::Invalid);
        assert_eq!(parse_status(b"\x16\x03\x01"), StatusLine::Invalid);
        assert_eq!(parse_status(b"HTTP/1.1 099 x"), StatusLine::Invalid);
    }

    #[test]
    fn every_byte_string_gets_an_answer() {
        // Exhaustive over short inputs built from the interesting bytes: never a panic.
        let alphabet = b"HTP/1. 2059\r\n\xff";
        for len in 0..=4 {
            let mut idx = vec![0usize; len];
            loop {
                let bytes: Vec<u8> = idx.iter().map(|&i| alphabet[i]).collect();
                let _ = parse_status(&bytes);
                let mut k = 0;
                while k < len {
                    idx[k] += 1;
                    if idx[k] < alphabet.len() {
                        break;
                    }
                    idx[k] = 0;
                    k += 1;
                }
                if k == len {
                    break;
                }
            }
        }
    }

    #[test]
    fn the_request_names_the_host_and_closes() {
        let addr: SocketAddr = "[fd00::1]:6443".parse().unwrap();
        let req = String::from_utf8(request("/readyz", None, addr).unwrap()).unwrap();
        assert!(req.starts_with("GET /readyz HTTP/1.1\r\nHost: [fd00::1]:6443\r\n"));
        assert!(req.contains("\r\nConnection: close\r\n"));
        assert!(req.contains("\r\nUser-Agent: kubegate\r\n"));
        assert!(req.ends_with("\r\n\r\n"));
        let req = request("/healthz?verbose", Some("kubernetes"), addr).unwrap();
        assert!(String::from_utf8(req)
            .unwrap()
            .contains("Host: kubernetes\r\n"));
    }

    #[test]
    fn paths_and_hosts_that_would_split_the_request_are_refused() {
        let addr: SocketAddr = "127.0.0.1:80".parse().unwrap();
        assert_eq!(request("readyz", None, addr), Err(RequestError::BadPath));
        assert_eq!(
            request("/a\r\nX: y", None, addr),
            Err(RequestError::BadPath)
        );
        assert_eq!(request("/a b", None, addr), Err(RequestError::BadPath));
        assert_eq!(
            request("/", Some("a\r\nb"), addr),
            Err(RequestError::BadHost)
        );
    }
}

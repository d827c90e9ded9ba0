//! The fake apiserver's HTTP/1.1, sans-IO: reading a request head (bounded; anything odd is
//! refused, never a panic; parsed by `kubegate_http`), choosing what to answer, and framing
//! the answers.

use kubegate_http::HeadError;

/// Longest request head accepted (request line and fields); longer ones get 431.
pub const MAX_HEAD: usize = 8 * 1024;

/// The parts of a request the fake server acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
    /// The client asked to close after this answer (or speaks HTTP/1.0).
    pub close: bool,
    /// The request announces a body (the fake server reads none: it answers and closes).
    pub has_body: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    NeedMore,
    /// A request and the length of its head in the buffer.
    Complete(Request, usize),
    Invalid,
    TooLarge,
}

/// Parse a request head from the start of `buf` (with `kubegate_http`; RFC 9112 §3, §5).
pub fn parse_head(buf: &[u8]) -> Head {
    let head = match kubegate_http::parse_request(buf, MAX_HEAD) {
        Ok(Some(head)) => head,
        Ok(None) => return Head::NeedMore,
        Err(HeadError::TooLarge | HeadError::TooManyHeaders) => return Head::TooLarge,
        Err(_) => return Head::Invalid,
    };
    let alphabetic = head.method.bytes().all(|b| b.is_ascii_alphabetic());
    if !alphabetic || !head.target.starts_with('/') {
        return Head::Invalid;
    }
    // RFC 9112 §9.3: HTTP/1.0 closes unless it asks otherwise; 1.1 persists unless "close".
    let mut close = head.minor_version == 0;
    let mut has_body = false;
    for field in &head.headers {
        let value = field.value.trim_ascii();
        if field.name.eq_ignore_ascii_case("connection") {
            for option in value.split(|&b| b == b',') {
                close |= option.trim_ascii().eq_ignore_ascii_case(b"close");
            }
        } else if field.name.eq_ignore_ascii_case("transfer-encoding")
            || (field.name.eq_ignore_ascii_case("content-length") && value != b"0")
        {
            has_body = true;
        }
    }
    Head::Complete(
        Request {
            method: head.method,
            target: head.target,
            close,
            has_body,
        },
        head.len,
    )
}

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Readyz,
    Livez,
    Version,
    /// A list call under `/api/`: answered with an empty list.
    List,
    /// `?watch=1|true` under `/api/`: a stream of events; `timeoutSeconds` ends it.
    Watch {
        timeout_seconds: Option<u64>,
    },
    NotFound,
}

pub fn route(target: &str) -> Route {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let param = |key: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    };
    match path {
        "/readyz" => Route::Readyz,
        "/livez" | "/healthz" => Route::Livez,
        "/version" => Route::Version,
        p if p.starts_with("/api/") => match param("watch") {
            Some("1" | "true") => Route::Watch {
                timeout_seconds: param("timeoutSeconds").and_then(|v| v.parse().ok()),
            },
            _ => Route::List,
        },
        _ => Route::NotFound,
    }
}

/// A complete answer with a body (RFC 9112 §6.3: its length is the Content-Length).
pub fn response(status: u16, content_type: &str, body: &str, close: bool) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Internal Server Error",
    };
    let connection = if close { "Connection: close\r\n" } else { "" };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nCache-Control: no-cache, private\r\n{connection}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The head of a streamed answer (RFC 9112 §7.1: chunked transfer coding).
pub fn stream_head() -> &'static [u8] {
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
      Cache-Control: no-cache, private\r\n\r\n"
}

/// One chunk: `chunk-size CRLF chunk-data CRLF` (RFC 9112 §7.1); empty data is the last
/// chunk (`0 CRLF CRLF`, no trailers).
pub fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

/// The kube-apiserver's 401 body (a `Status` object).
pub const UNAUTHORIZED: &str = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\
    \"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}\n";

/// `/version` of the fake.
pub const VERSION: &str =
    "{\"major\":\"1\",\"minor\":\"33\",\"gitVersion\":\"v1.33.0-kubegate-lab\",\
    \"platform\":\"linux/amd64\"}\n";

/// `/readyz` of a server that is shutting down.
pub const NOT_READY: &str = "[-]shutdown failed: reason withheld\nreadyz check failed\n";

/// The `n`-th event of a watch, one JSON line.
pub fn watch_event(n: u64) -> String {
    format!(
        "{{\"type\":\"ADDED\",\"object\":{{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\
         \"metadata\":{{\"name\":\"lab-{n}\",\"namespace\":\"default\",\
         \"resourceVersion\":\"{n}\"}}}}}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_parsed_and_bounded() {
        let head = b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nrest";
        match parse_head(head) {
            Head::Complete(r, n) => {
                assert_eq!((r.method.as_str(), r.target.as_str()), ("GET", "/readyz"));
                assert!(r.close && !r.has_body);
                assert_eq!(&head[n..], b"rest");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\nHost"), Head::NeedMore);
        assert_eq!(parse_head(&vec![b'a'; MAX_HEAD + 1]), Head::TooLarge);
        assert_eq!(parse_head(b"GET / HTTP/2\r\n\r\n"), Head::Invalid);
        assert_eq!(parse_head(b"GET  / HTTP/1.1\r\n\r\n"), Head::Invalid);
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
            Head::Invalid
        );
        assert_eq!(parse_head(b"\xff\xfe\r\n\r\n"), Head::Invalid);
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\nnocolon\r\n\r\n"),
            Head::Invalid
        );
        assert_eq!(parse_head(&vec![b'a'; MAX_HEAD]), Head::TooLarge);
        let Head::Complete(r, _) = parse_head(b"POST /x HTTP/1.0\r\nContent-Length: 3\r\n\r\n")
        else {
            panic!("a 1.0 request with a body is still a request")
        };
        assert!(r.close && r.has_body);
    }

    #[test]
    fn routes() {
        assert_eq!(route("/readyz?verbose"), Route::Readyz);
        assert_eq!(route("/version"), Route::Version);
        assert_eq!(
            route("/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=5"),
            Route::Watch {
                timeout_seconds: Some(5)
            }
        );
        assert_eq!(route("/api/v1/namespaces/default/pods"), Route::List);
        assert_eq!(route("/metrics"), Route::NotFound);
    }

    #[test]
    fn chunks_are_framed() {
        assert_eq!(chunk(b"hello\n"), b"6\r\nhello\n\r\n");
        assert_eq!(chunk(b""), b"0\r\n\r\n");
        let r = String::from_utf8(response(200, "text/plain", "ok", true)).unwrap();
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(r.contains("Content-Length: 2\r\n") && r.ends_with("\r\n\r\nok"));
    }
}

//! The edge cases every user of the parser relies on, for request and response heads alike:
//! partial heads, oversized heads, invalid bytes, header fields without a colon, and
//! arbitrary bytes that never panic.

use super::*;

const MAX: usize = 256;

/// Both parsers on the same head after a given start line, as `Result<Option<len>, _>`.
fn both(after_start: &[u8]) -> [(&'static str, Result<Option<usize>, HeadError>); 2] {
    let request = [b"GET / HTTP/1.1\r\n".as_slice(), after_start].concat();
    let response = [b"HTTP/1.1 200 OK\r\n".as_slice(), after_start].concat();
    [
        (
            "request",
            parse_request(&request, MAX).map(|h| h.map(|h| h.len)),
        ),
        (
            "response",
            parse_response(&response, MAX).map(|h| h.map(|h| h.len)),
        ),
    ]
}

#[test]
fn complete_heads_give_their_length_and_fields() {
    let req = parse_request(
        b"POST /a?b HTTP/1.0\r\nHost: x\r\nX-A:  v \r\n\r\nbody",
        MAX,
    );
    let req = req.expect("a valid head").expect("a complete head");
    assert_eq!((req.method.as_str(), req.target.as_str()), ("POST", "/a?b"));
    assert_eq!((req.minor_version, req.len), (0, 41));
    assert_eq!(
        req.header("x-a"),
        Some(&b"v"[..]),
        "OWS trimmed, name case-insensitive"
    );
    let res = parse_response(b"HTTP/1.1 503 Service Unavailable\r\nA: b\r\n\r\nx", MAX);
    let res = res.expect("a valid head").expect("a complete head");
    assert_eq!(
        (res.code, res.reason.as_str(), res.len),
        (503, "Service Unavailable", 42)
    );
    assert_eq!(res.header("a"), Some(&b"b"[..]));
}

#[test]
fn partial_heads_ask_for_more() {
    for (who, got) in both(b"Host: x\r\n") {
        assert_eq!(got, Ok(None), "{who}: a head without its empty line");
    }
    for cut in [&b""[..], b"G", b"GET /re", b"GET /readyz HTTP/1.1\r"] {
        assert_eq!(parse_request(cut, MAX), Ok(None), "request cut at {cut:?}");
    }
    for cut in [&b""[..], b"HT", b"HTTP/1.1 2", b"HTTP/1.1 200 O"] {
        assert_eq!(
            parse_response(cut, MAX),
            Ok(None),
            "response cut at {cut:?}"
        );
    }
}

#[test]
fn oversized_heads_are_refused_at_the_limit() {
    let long = [b"X: ".as_slice(), &[b'a'; MAX]].concat();
    for (who, got) in both(&long) {
        assert_eq!(
            got,
            Err(HeadError::TooLarge),
            "{who}: a field longer than the limit"
        );
    }
    // Exactly at the limit: refused while incomplete, accepted when it ends there.
    let fill = |start: &[u8]| {
        let mut head = start.to_vec();
        head.extend_from_slice(b"X: ");
        head.resize(MAX - 4, b'a');
        head.extend_from_slice(b"\r\n\r\n");
        head
    };
    let len = |start: &[u8], bytes: &[u8], limit| {
        if start.starts_with(b"GET") {
            parse_request(bytes, limit).map(|h| h.map(|h| h.len))
        } else {
            parse_response(bytes, limit).map(|h| h.map(|h| h.len))
        }
    };
    for start in [&b"GET / HTTP/1.1\r\n"[..], b"HTTP/1.1 200 OK\r\n"] {
        let head = fill(start);
        assert_eq!(
            len(start, &head, MAX),
            Ok(Some(MAX)),
            "a head of exactly {MAX} bytes"
        );
        assert_eq!(
            len(start, &head, MAX - 1),
            Err(HeadError::TooLarge),
            "the same head one byte over the limit"
        );
        assert_eq!(
            len(start, &head[..MAX - 1], MAX),
            Ok(None),
            "the head one byte short of its end"
        );
    }
    assert_eq!(parse_request(&[b'a'; MAX], MAX), Err(HeadError::TooLarge));
    assert_eq!(parse_request(&[b'a'; MAX - 1], MAX), Ok(None));
    let many: Vec<u8> = (0..=MAX_HEADERS)
        .flat_map(|i| format!("H{i}: v\r\n").into_bytes())
        .collect();
    let many = [many.as_slice(), b"\r\n"].concat();
    let req = [b"GET / HTTP/1.1\r\n".as_slice(), &many].concat();
    assert_eq!(parse_request(&req, 1 << 16), Err(HeadError::TooManyHeaders));
    let res = [b"HTTP/1.1 200 OK\r\n".as_slice(), &many].concat();
    assert_eq!(
        parse_response(&res, 1 << 16),
        Err(HeadError::TooManyHeaders)
    );
}

#[test]
fn fields_without_a_colon_or_with_bad_bytes_are_refused() {
    for field in [
        &b"nocolon\r\n\r\n"[..],
        b"Host : x\r\n\r\n",
        b"Ho\xffst: x\r\n\r\n",
        b"A: b\rc\r\n\r\n",
        b"A: b\0c\r\n\r\n",
    ] {
        for (who, got) in both(field) {
            assert_eq!(got, Err(HeadError::Header), "{who} with field {field:?}");
        }
    }
}

#[test]
fn invalid_start_lines_are_refused() {
    for line in [
        &b"\xff\xfe\r\n\r\n"[..],
        b"GET /\r\n\r\n",
        b"GET  / HTTP/1.1\r\n\r\n",
        b"NONSENSE\r\n\r\n",
        b"GET /\xff HTTP/1.1\r\n\r\n",
    ] {
        assert_eq!(
            parse_request(line, MAX),
            Err(HeadError::StartLine),
            "{line:?}"
        );
    }
    for line in [&b"GET / SPDY/3\r\n\r\n"[..], b"GET / HTTP/2\r\n\r\n"] {
        assert_eq!(
            parse_request(line, MAX),
            Err(HeadError::Version),
            "{line:?}"
        );
    }
    for line in [&b"HTTP/1.1 20x OK\r\n\r\n"[..], b"HTTP/1.1 2000\r\n\r\n"] {
        assert_eq!(
            parse_response(line, MAX),
            Err(HeadError::StartLine),
            "{line:?}"
        );
    }
    for line in [
        &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
        b"\x16\x03\x01",
        b"HTTP/2 200\r\n\r\n",
    ] {
        assert_eq!(
            parse_response(line, MAX),
            Err(HeadError::Version),
            "{line:?}"
        );
    }
}

#[test]
fn a_status_code_is_decided_by_its_first_13_bytes() {
    assert_eq!(parse_status_prefix(b"HTTP/1.1 200 OK\r\n"), Ok(Some(200)));
    assert_eq!(parse_status_prefix(b"HTTP/1.0 503 \r\n"), Ok(Some(503)));
    assert_eq!(parse_status_prefix(b"HTTP/1.1 401\r\n"), Ok(Some(401)));
    assert_eq!(parse_status_prefix(b"HTTP/1.1 204\nX"), Ok(Some(204)));
    assert_eq!(
        parse_status_prefix(b"HTTP/1.1 200"),
        Ok(None),
        "the 13th byte decides"
    );
    assert_eq!(parse_status_prefix(b""), Ok(None));
    assert_eq!(
        parse_status_prefix(b"HTTP/1.1 2000"),
        Err(HeadError::StartLine)
    );
    assert_eq!(
        parse_status_prefix(b"\r\nHTTP/1.1 20"),
        Err(HeadError::StartLine)
    );
    assert_eq!(
        parse_status_prefix(b"SSH-"),
        Err(HeadError::Version),
        "refused early"
    );
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    const ALPHABET: &[u8] = b"GET /HTP1.02:\r\n aA\xff\t";
    for _ in 0..5000 {
        let mut buf = Vec::new();
        for _ in 0..(x % 300) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf.push(ALPHABET[(x % ALPHABET.len() as u64) as usize]);
        }
        for limit in [0, 1, 16, MAX] {
            if let Ok(Some(h)) = parse_request(&buf, limit) {
                assert!(
                    h.len <= limit,
                    "a request head of {} bytes under a limit of {limit}",
                    h.len
                );
            }
            if let Ok(Some(h)) = parse_response(&buf, limit) {
                assert!(
                    h.len <= limit,
                    "a response head of {} bytes under a limit of {limit}",
                    h.len
                );
            }
        }
        let _ = parse_status_prefix(&buf);
    }
}

//! The body of the `probe` fuzz target (`fuzz/`), kept in the crate so an ordinary test
//! replays its corpus. Two readers of the health check meet untrusted bytes: the status line
//! of a backend's answer, read in whatever pieces the network delivers (`probe.rs` decides
//! after at most 13 bytes), and the request built from a path and server name of the config.

use std::net::SocketAddr;

use crate::probe_http::{parse_status, request, StatusLine, STATUS_PREFIX_LEN};

/// Input layout: one byte chooses the reader and how the answer is cut into pieces; the rest
/// is the answer, or a path and a server name separated by a 0xff byte.
///
/// # Panics
/// When a reader breaks one of its promises (that is the point of a fuzz target).
pub fn fuzz_probe(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        status_in_pieces(rest, 1 + usize::from(mode >> 1) % STATUS_PREFIX_LEN);
    } else {
        built_request(rest, mode & 2 != 0);
    }
}

/// Reads the status as `probe.rs` does, `piece` bytes at a time: the verdict is the one the
/// bytes read so far give at once, and 13 bytes always decide.
fn status_in_pieces(answer: &[u8], piece: usize) {
    let mut have = 0;
    let verdict = loop {
        match parse_status(&answer[..have]) {
            StatusLine::NeedMore => {
                assert!(have < STATUS_PREFIX_LEN, "13 bytes did not decide");
                if have == answer.len() {
                    break StatusLine::NeedMore;
                }
                have = (have + piece).min(answer.len()).min(STATUS_PREFIX_LEN);
            }
            decided => break decided,
        }
    };
    if let StatusLine::Status(code) = verdict {
        assert!((100..=599).contains(&code), "{code}");
    }
    // Read whole, the first 13 bytes give the same answer as read in pieces.
    let whole = parse_status(&answer[..answer.len().min(STATUS_PREFIX_LEN)]);
    assert_eq!(whole, verdict, "pieces of {piece} disagree with the whole");
}

/// A request built from a path and a server name is one complete head that says exactly
/// them; anything that would split it is refused.
fn built_request(rest: &[u8], ipv6: bool) {
    let (path, host) = match rest.iter().position(|&b| b == 0xff) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let path = String::from_utf8_lossy(path);
    let host = host.map(String::from_utf8_lossy);
    let addr: SocketAddr = if ipv6 {
        "[fd00::1]:6443".parse().unwrap()
    } else {
        "198.18.0.1:6443".parse().unwrap()
    };
    let Ok(bytes) = request(&path, host.as_deref(), addr) else {
        return;
    };
    let head = match kubegate_http::parse_request(&bytes, 64 * 1024) {
        Ok(Some(head)) => head,
        other => panic!("the built request is not one head ({other:?}): {bytes:?}"),
    };
    assert_eq!(head.len, bytes.len(), "bytes after the head");
    assert_eq!(
        (head.method.as_str(), head.target.as_str()),
        ("GET", &*path)
    );
    let expected = host.map_or_else(|| addr.to_string(), |h| h.into_owned());
    assert_eq!(head.header("host"), Some(expected.as_bytes()));
    assert_eq!(head.headers.len(), 4, "{:?}", head.headers);
}

//! The body of the `heads` fuzz target (`fuzz/`), kept in the crate so an ordinary test
//! replays its corpus: whatever the bytes, parsing a request head, a response head or a status
//! prefix never panics and keeps the promises of this crate (a head is never longer than the
//! bytes or the limit, a verdict does not change when more bytes come after a complete head,
//! `TooLarge` only once the limit is reached).

use crate::{parse_request, parse_response, parse_status_prefix, HeadError, MAX_HEADERS};

/// Input layout: two bytes choose the head limit (1..=16 KiB), the rest is what the peer sent.
///
/// # Panics
/// When a parser breaks one of its promises (that is the point of a fuzz target).
pub fn fuzz_heads(data: &[u8]) {
    let Some((limit, buf)) = data.split_first_chunk::<2>() else {
        return;
    };
    let max_head = 1 + usize::from(u16::from_be_bytes(*limit)) % (16 * 1024);

    let request = parse_request(buf, max_head);
    check(buf, max_head, &request, |h| (h.len, h.headers.len()));
    if let Ok(Some(head)) = &request {
        // The same head is found in its own bytes, and with anything after it.
        let again = parse_request(&buf[..head.len], max_head);
        assert_eq!(again.as_ref().ok().and_then(Option::as_ref), Some(head));
        assert!(head.minor_version <= 1);
        assert!(!head.method.is_empty() && !head.target.is_empty());
    }

    let response = parse_response(buf, max_head);
    check(buf, max_head, &response, |h| (h.len, h.headers.len()));
    if let Ok(Some(head)) = &response {
        let again = parse_response(&buf[..head.len], max_head);
        assert_eq!(again.as_ref().ok().and_then(Option::as_ref), Some(head));
        assert!(head.code <= 999 && head.minor_version <= 1);
    }

    // The status prefix: once decided, more bytes never change the verdict.
    let mut decided = None;
    for end in 0..=buf.len().min(crate::STATUS_PREFIX_LEN + 2) {
        let verdict = parse_status_prefix(&buf[..end]);
        // Three digits, `000` to `999`: the range in use is the caller's to judge.
        if let Ok(Some(code)) = verdict {
            assert!(code <= 999, "{code}");
        }
        if end >= crate::STATUS_PREFIX_LEN {
            assert!(verdict != Ok(None), "13 bytes always decide");
        }
        match (&decided, verdict) {
            (None, Ok(None)) => {}
            (None, v) => decided = Some(v),
            (Some(d), v) => assert_eq!(*d, v, "the verdict changed at {end} bytes"),
        }
    }
}

/// What both kinds of head promise about `result` for `buf` under `max_head`.
fn check<T>(
    buf: &[u8],
    max_head: usize,
    result: &Result<Option<T>, HeadError>,
    len_and_headers: impl Fn(&T) -> (usize, usize),
) {
    match result {
        Ok(Some(head)) => {
            let (len, headers) = len_and_headers(head);
            assert!(len <= buf.len() && len <= max_head, "head of {len} bytes");
            assert!(headers <= MAX_HEADERS);
        }
        Ok(None) => assert!(buf.len() < max_head, "incomplete at the limit"),
        Err(HeadError::TooLarge) => assert!(buf.len() >= max_head, "too large below the limit"),
        Err(_) => {}
    }
}

//! The connection log: one record per finished client connection, in the spirit of haproxy's
//! `tcplog`, as a text line for people or a JSON object (one per line) for log shippers.
//!
//! Text: `198.18.0.100:51234 [22/Nov/2026:03:04:05.123] api 10.0.0.51:6443 connect=1ms
//! total=5230ms bytes=1234/56789 retries=0 end=client-closed` (one line; `-` for no backend
//! or no connect time; the date is UTC; bytes are client→backend / backend→client).

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// The client closed (or reset) its side first.
    ClientClosed,
    /// The backend closed (or reset) its side first.
    BackendClosed,
    /// No traffic either way for the idle timeout.
    IdleTimeout,
    /// Every backend tried (first choice and retries) failed to connect.
    ConnectFailed,
    /// Refused at once: no backend was Up and Ready.
    NoBackend,
    /// Refused: the frontend's connection limit was reached.
    ConnectionLimit,
    /// Still open when the drain time after SIGTERM ran out.
    Shutdown,
    /// Closed because its backend was marked down (shutdown-sessions on down).
    BackendDown,
    /// Still open when the drain time after a reload that removed its backend ran out.
    BackendRemoved,
}

impl Termination {
    /// The short name used in both formats.
    pub fn as_str(self) -> &'static str {
        match self {
            Termination::ClientClosed => "client-closed",
            Termination::BackendClosed => "backend-closed",
            Termination::IdleTimeout => "idle-timeout",
            Termination::ConnectFailed => "connect-failed",
            Termination::NoBackend => "no-backend",
            Termination::ConnectionLimit => "conn-limit",
            Termination::Shutdown => "shutdown",
            Termination::BackendDown => "backend-down",
            Termination::BackendRemoved => "backend-removed",
        }
    }
}

/// One finished client connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnRecord {
    pub client: SocketAddr,
    pub frontend: String,
    /// The backend that carried the connection, or the last one tried; `None` when none was.
    pub backend: Option<SocketAddr>,
    /// When the connection was accepted (wall clock, for the log only).
    pub accepted: SystemTime,
    /// From accept to the backend connection being established; `None` if it never was.
    pub connect: Option<Duration>,
    /// From accept to the end.
    pub total: Duration,
    /// Bytes from the client to the backend.
    pub bytes_from_client: u64,
    /// Bytes from the backend to the client.
    pub bytes_from_backend: u64,
    /// Backends tried after the first choice failed.
    pub retries: u32,
    pub end: Termination,
}

impl ConnRecord {
    /// The text line (no trailing newline).
    pub fn text(&self) -> String {
        let mut s = String::with_capacity(160);
        let _ = write!(
            s,
            "{} [{}] {} ",
            self.client,
            clf_date(self.accepted),
            text_field(&self.frontend)
        );
        match self.backend {
            Some(b) => {
                let _ = write!(s, "{b}");
            }
            None => s.push('-'),
        }
        match self.connect {
            Some(c) => {
                let _ = write!(s, " connect={}ms", c.as_millis());
            }
            None => s.push_str(" connect=-"),
        }
        let _ = write!(
            s,
            " total={}ms bytes={}/{} retries={} end={}",
            self.total.as_millis(),
            self.bytes_from_client,
            self.bytes_from_backend,
            self.retries,
            self.end.as_str()
        );
        s
    }

    /// One JSON object (no trailing newline). Keys: `time` (RFC 3339, UTC, milliseconds),
    /// `client`, `frontend`, `backend` (string or null), `connect_ms` (number or null),
    /// `total_ms`, `bytes_from_client`, `bytes_from_backend`, `retries`, `end`.
    pub fn json(&self) -> String {
        let mut s = String::with_capacity(256);
        s.push_str("{\"time\":");
        json_string(&mut s, &rfc3339_millis(self.accepted));
        s.push_str(",\"client\":");
        json_string(&mut s, &self.client.to_string());
        s.push_str(",\"frontend\":");
        json_string(&mut s, &self.frontend);
        s.push_str(",\"backend\":");
        match self.backend {
            Some(b) => json_string(&mut s, &b.to_string()),
            None => s.push_str("null"),
        }
        s.push_str(",\"connect_ms\":");
        match self.connect {
            Some(c) => {
                let _ = write!(s, "{}", c.as_millis());
            }
            None => s.push_str("null"),
        }
        let _ = write!(
            s,
            ",\"total_ms\":{},\"bytes_from_client\":{},\"bytes_from_backend\":{},\"retries\":{},\"end\":\"{}\"}}",
            self.total.as_millis(),
            self.bytes_from_client,
            self.bytes_from_backend,
            self.retries,
            self.end.as_str()
        );
        s
    }
}

/// `2026-11-22T03:04:05.123Z` (RFC 3339, UTC, milliseconds).
pub fn rfc3339_millis(t: SystemTime) -> String {
    utc(t, "%Y-%m-%dT%H:%M:%S%.3fZ")
}

/// `22/Nov/2026:03:04:05.123` (the common log format's date with milliseconds, UTC).
fn clf_date(t: SystemTime) -> String {
    utc(t, "%d/%b/%Y:%H:%M:%S%.3f")
}

fn utc(t: SystemTime, format: &str) -> String {
    match jiff::Timestamp::try_from(t) {
        Ok(ts) => ts.strftime(format).to_string(),
        // Beyond jiff's range (years -9999..=9999): a clock this wrong is shown as is.
        Err(_) => format!("{t:?}"),
    }
}

/// A field of the text line: whitespace, control characters and backslashes are escaped
/// (`\u{a}`), and an empty one is `-`, so a line is always one line and splits on spaces.
fn text_field(s: &str) -> String {
    if s.is_empty() {
        return "-".into();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() || c == '\\' {
            let _ = write!(out, "{}", c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A JSON string literal (RFC 8259 section 7): quote, backslash and control characters escaped.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn clf_dates() {
        assert_eq!(clf_date(UNIX_EPOCH), "01/Jan/1970:00:00:00.000");
        // 2026-11-22T03:04:05.123Z = 1_795_316_645.123 s after the epoch.
        let t = UNIX_EPOCH + Duration::from_millis(1_795_316_645_123);
        assert_eq!(clf_date(t), "22/Nov/2026:03:04:05.123");
    }

    #[test]
    fn rfc3339_timestamps_are_utc_calendar_dates() {
        assert_eq!(rfc3339_millis(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_833_321_123);
        assert_eq!(rfc3339_millis(t), "2026-11-28T02:35:21.123Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339_millis(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn json_strings_escape_what_rfc_8259_requires() {
        let mut s = String::new();
        json_string(&mut s, "a\"b\\c\nd\u{1}e\u{7f}é");
        assert_eq!(s, r#""a\"b\\c\nd\u0001e\u007fé""#);
    }

    #[test]
    fn text_fields_stay_one_token() {
        assert_eq!(text_field("api"), "api");
        assert_eq!(text_field(""), "-");
        assert_eq!(text_field("a b\nc\\"), "a\\u{20}b\\u{a}c\\u{5c}");
    }
}

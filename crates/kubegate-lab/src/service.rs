//! The lab's stand-in service: a TCP server that answers every connection with its node's
//! name and closes, and the client that probes it every few milliseconds to measure gaps.
//! Both run inside lab namespaces as hidden `kubegate lab-serve` / `lab-probe` subcommands.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Serve forever: each connection gets `name\n`.
pub fn serve(listen: SocketAddr, name: &str) -> std::io::Result<()> {
    let listener = TcpListener::bind(listen)?;
    let reply = format!("{name}\n");
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else { continue };
        let _ = conn.write_all(reply.as_bytes());
    }
    Ok(())
}

/// One attempt of the probing client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Milliseconds since the probe started.
    pub at_ms: u64,
    /// The node that answered, or `None` when the attempt failed.
    pub answer: Option<String>,
    /// Why a failed attempt failed (`connect: Connection refused …`), when known.
    pub failure: Option<String>,
    /// Why the first try was reset, when the answer came from a second try (see [`probe`]).
    pub retried: Option<String>,
}

impl Sample {
    pub fn new(at_ms: u64, answer: Option<&str>) -> Sample {
        Sample {
            at_ms,
            answer: answer.map(str::to_string),
            failure: None,
            retried: None,
        }
    }
}

/// The probe's first output line: when it started, in milliseconds since the Unix epoch, so
/// its samples can be laid beside the nodes' logs.
fn start_line(unix_ms: u128) -> String {
    format!("# started {unix_ms}\n")
}

/// Connect to `target` every `period` for `duration`; each attempt bounded by `timeout`.
///
/// An attempt whose connection is reset is tried once more at once, as client-go does for a
/// GET whose connection was reset (the request is idempotent), and the sample says so. A VIP
/// that moves to another node moves the client's ARP entry with it: a connection whose
/// handshake is under way at that instant sends its last packets to the new holder, which
/// knows no such connection and resets it. No VRRP implementation can prevent that; a client
/// that retries does not notice it.
pub fn probe(
    target: SocketAddr,
    period: Duration,
    duration: Duration,
    timeout: Duration,
) -> Vec<Sample> {
    let mut samples = Vec::new();
    probe_each(target, period, duration, timeout, |s| samples.push(s));
    samples
}

/// [`probe`], handing each sample to `each` as soon as it is taken.
pub fn probe_each(
    target: SocketAddr,
    period: Duration,
    duration: Duration,
    timeout: Duration,
    mut each: impl FnMut(Sample),
) {
    let start = Instant::now();
    let mut next = start;
    while start.elapsed() < duration {
        let at_ms = start.elapsed().as_millis() as u64;
        let (first, retried) = match attempt(target, timeout) {
            Err(Failure { why, reset: true }) => (attempt(target, timeout), Some(why)),
            other => (other, None),
        };
        let (answer, failure) = match first {
            Ok(name) => (Some(name), None),
            Err(f) => (None, Some(f.why)),
        };
        each(Sample {
            at_ms,
            answer,
            failure,
            retried,
        });
        next += period;
        let now = Instant::now();
        if next > now {
            thread::sleep(next - now);
        } else {
            next = now;
        }
    }
}

/// Why an attempt failed, and whether its connection was reset (worth one retry).
struct Failure {
    why: String,
    reset: bool,
}

impl Failure {
    fn io(what: String, e: &std::io::Error) -> Failure {
        use std::io::ErrorKind::{ConnectionAborted, ConnectionReset};
        Failure {
            why: format!("{what}: {e}"),
            reset: matches!(e.kind(), ConnectionReset | ConnectionAborted),
        }
    }
}

fn attempt(target: SocketAddr, timeout: Duration) -> Result<String, Failure> {
    let started = Instant::now();
    let mut conn = TcpStream::connect_timeout(&target, timeout)
        .map_err(|e| Failure::io("connect".into(), &e))?;
    conn.set_read_timeout(Some(timeout))
        .map_err(|e| Failure::io("set_read_timeout".into(), &e))?;
    let mut reply = String::new();
    conn.read_to_string(&mut reply).map_err(|e| {
        let ms = started.elapsed().as_millis();
        Failure::io(format!("read, {ms} ms after connecting began"), &e)
    })?;
    let name = reply.trim();
    if name.is_empty() {
        return Err(Failure {
            why: "closed without an answer".into(),
            reset: false,
        });
    }
    Ok(name.to_string())
}

/// Summary of a probe run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapReport {
    /// Longest time between two successful attempts, in milliseconds (the outage as a client
    /// sees it, to the probe's period).
    pub longest_gap_ms: u64,
    pub failed: usize,
    pub succeeded: usize,
    /// Attempts answered only by their second try, after a reset (see [`probe`]).
    pub retried: usize,
    /// Distinct answering nodes in order of first answer.
    pub answered_by: Vec<String>,
    /// The first few failed or retried attempts: when (ms since the probe started) and why.
    pub first_failures: Vec<String>,
    /// When the probe started (ms since the Unix epoch), when its output said.
    pub started_unix_ms: Option<u64>,
}

/// How many failed attempts a report describes.
const FAILURES_DESCRIBED: usize = 3;

/// Analyse samples (pure).
pub fn analyse(samples: &[Sample]) -> GapReport {
    let mut longest = 0;
    let mut last_ok: Option<u64> = None;
    let mut answered_by: Vec<String> = Vec::new();
    for s in samples {
        if let Some(name) = &s.answer {
            if let Some(prev) = last_ok {
                longest = longest.max(s.at_ms - prev);
            }
            last_ok = Some(s.at_ms);
            if !answered_by.contains(name) {
                answered_by.push(name.clone());
            }
        }
    }
    let succeeded = samples.iter().filter(|s| s.answer.is_some()).count();
    let first_failures = samples
        .iter()
        .filter_map(|s| match (&s.answer, &s.retried) {
            (None, _) => Some(format!(
                "at {} ms: {}",
                s.at_ms,
                s.failure.as_deref().unwrap_or("no reason recorded")
            )),
            (Some(_), Some(why)) => Some(format!("at {} ms, retried: {why}", s.at_ms)),
            (Some(_), None) => None,
        })
        .take(FAILURES_DESCRIBED)
        .collect();
    GapReport {
        longest_gap_ms: longest,
        failed: samples.len() - succeeded,
        succeeded,
        retried: samples
            .iter()
            .filter(|s| s.answer.is_some() && s.retried.is_some())
            .count(),
        answered_by,
        first_failures,
        started_unix_ms: None,
    }
}

/// Analyses the probe's whole output: its samples and its start line.
pub fn analyse_output(text: &str) -> GapReport {
    let mut report = analyse(&parse_samples(text));
    report.started_unix_ms = text
        .lines()
        .find_map(|l| l.strip_prefix("# started ")?.trim().parse().ok());
    report
}

/// The probe's whole output: a start line, then the samples.
pub fn format_output(started: std::time::SystemTime, samples: &[Sample]) -> String {
    format_start(started) + &format_samples(samples)
}

/// The probe's first output line (see `start_line`).
pub fn format_start(started: std::time::SystemTime) -> String {
    let unix_ms = started
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    start_line(unix_ms)
}

/// Serialise samples one per line: `at_ms answer`, `at_ms answer ~ why` for an answer after a
/// retry, or `at_ms - why` for a failed attempt.
pub fn format_samples(samples: &[Sample]) -> String {
    let line = |why: &str| why.replace('\n', " ");
    samples
        .iter()
        .map(|s| match (&s.answer, &s.failure, &s.retried) {
            (Some(who), _, Some(why)) => format!("{} {who} ~ {}\n", s.at_ms, line(why)),
            (Some(who), _, None) => format!("{} {who}\n", s.at_ms),
            (None, Some(why), _) => format!("{} - {}\n", s.at_ms, line(why)),
            (None, None, _) => format!("{} -\n", s.at_ms),
        })
        .collect()
}

/// Parse the probe's stdout format; comment and malformed lines are skipped.
pub fn parse_samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter_map(|line| {
            let (at, rest) = line.split_once(' ')?;
            let at_ms = at.parse().ok()?;
            Some(match rest.strip_prefix('-') {
                Some(why) => Sample {
                    at_ms,
                    answer: None,
                    failure: Some(why.trim().to_string()).filter(|w| !w.is_empty()),
                    retried: None,
                },
                None => match rest.split_once(" ~ ") {
                    Some((who, why)) => Sample {
                        retried: Some(why.trim().to_string()),
                        ..Sample::new(at_ms, Some(who))
                    },
                    None => Sample::new(at_ms, Some(rest)),
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(at_ms: u64, who: Option<&str>) -> Sample {
        Sample::new(at_ms, who)
    }

    #[test]
    fn gap_is_time_between_successes() {
        let samples = [
            s(0, Some("n1")),
            s(20, Some("n1")),
            s(40, None),
            s(60, None),
            s(80, Some("n2")),
            s(100, Some("n2")),
        ];
        let r = analyse(&samples);
        assert_eq!(r.longest_gap_ms, 60);
        assert_eq!(r.failed, 2);
        assert_eq!(r.succeeded, 4);
        assert_eq!(r.answered_by, vec!["n1".to_string(), "n2".to_string()]);
        assert_eq!(parse_samples(&format_samples(&samples)), samples.to_vec());
    }

    #[test]
    fn failures_keep_their_reason_and_the_start_time() {
        let mut refused = s(40, None);
        refused.failure = Some("connect: Connection refused (os error 111)".into());
        let mut retried = s(80, Some("n2"));
        retried.retried = Some("connect: Connection reset by peer (os error 104)".into());
        let samples = [s(20, Some("n1")), refused, s(60, None), retried];
        let start = std::time::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let text = format_output(start, &samples);
        assert!(text.starts_with("# started 1700000000123\n"), "{text}");
        assert_eq!(parse_samples(&text), samples.to_vec());
        let r = analyse_output(&text);
        assert_eq!(r.started_unix_ms, Some(1_700_000_000_123));
        assert_eq!(
            r.first_failures,
            [
                "at 40 ms: connect: Connection refused (os error 111)",
                "at 60 ms: no reason recorded",
                "at 80 ms, retried: connect: Connection reset by peer (os error 104)"
            ]
        );
        assert_eq!((r.failed, r.retried, r.succeeded), (2, 1, 2));
    }

    /// A server that resets connections (SO_LINGER 0, then close) while `resets` says so.
    fn resetting_server(resets: impl Fn(usize) -> bool + Send + 'static) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for (n, conn) in listener.incoming().enumerate() {
                let Ok(mut conn) = conn else { continue };
                if resets(n) {
                    let sock = socket2::SockRef::from(&conn);
                    let _ = sock.set_linger(Some(Duration::ZERO));
                } else {
                    let _ = conn.write_all(b"beta\n");
                }
            }
        });
        addr
    }

    #[test]
    fn a_reset_is_tried_once_more_and_counted() {
        let once = resetting_server(|n| n == 0);
        let r = analyse(&probe(
            once,
            Duration::from_millis(10),
            Duration::from_millis(50),
            Duration::from_millis(500),
        ));
        assert_eq!((r.failed, r.retried), (0, 1), "{r:?}");
        assert!(
            r.first_failures[0].starts_with("at 0 ms, retried: read"),
            "{r:?}"
        );

        let always = resetting_server(|_| true);
        let r = analyse(&probe(
            always,
            Duration::from_millis(10),
            Duration::from_millis(30),
            Duration::from_millis(500),
        ));
        assert_eq!((r.succeeded, r.retried), (0, 0), "{r:?}");
        assert!(
            r.failed >= 1 && r.first_failures[0].contains("reset"),
            "{r:?}"
        );
    }

    #[test]
    fn serve_and_probe_over_loopback() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        thread::spawn(move || serve(addr, "alpha"));
        thread::sleep(Duration::from_millis(100));
        let samples = probe(
            addr,
            Duration::from_millis(10),
            Duration::from_millis(100),
            Duration::from_millis(200),
        );
        let r = analyse(&samples);
        assert!(r.succeeded >= 5, "{r:?}");
        assert_eq!(r.failed, 0);
        assert_eq!(r.answered_by, vec!["alpha".to_string()]);
    }
}

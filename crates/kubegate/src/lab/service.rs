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
}

impl Sample {
    pub fn new(at_ms: u64, answer: Option<&str>) -> Sample {
        Sample {
            at_ms,
            answer: answer.map(str::to_string),
        }
    }
}

/// Connect to `target` every `period` for `duration`; each attempt bounded by `timeout`.
pub fn probe(
    target: SocketAddr,
    period: Duration,
    duration: Duration,
    timeout: Duration,
) -> Vec<Sample> {
    let start = Instant::now();
    let mut samples = Vec::new();
    let mut next = start;
    while start.elapsed() < duration {
        let at_ms = start.elapsed().as_millis() as u64;
        samples.push(Sample {
            at_ms,
            answer: attempt(target, timeout),
        });
        next += period;
        let now = Instant::now();
        if next > now {
            thread::sleep(next - now);
        } else {
            next = now;
        }
    }
    samples
}

fn attempt(target: SocketAddr, timeout: Duration) -> Option<String> {
    let mut conn = TcpStream::connect_timeout(&target, timeout).ok()?;
    conn.set_read_timeout(Some(timeout)).ok()?;
    let mut reply = String::new();
    conn.read_to_string(&mut reply).ok()?;
    let name = reply.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Summary of a probe run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapReport {
    /// Longest time between two successful attempts, in milliseconds (the outage as a client
    /// sees it, to the probe's period).
    pub longest_gap_ms: u64,
    pub failed: usize,
    pub succeeded: usize,
    /// Distinct answering nodes in order of first answer.
    pub answered_by: Vec<String>,
}

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
    GapReport {
        longest_gap_ms: longest,
        failed: samples.len() - succeeded,
        succeeded,
        answered_by,
    }
}

/// Serialise samples one per line: `at_ms answer|-` (the probe's stdout format).
pub fn format_samples(samples: &[Sample]) -> String {
    samples
        .iter()
        .map(|s| format!("{} {}\n", s.at_ms, s.answer.as_deref().unwrap_or("-")))
        .collect()
}

/// Parse the probe's stdout format; malformed lines are skipped.
pub fn parse_samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter_map(|line| {
            let (at, who) = line.split_once(' ')?;
            Some(Sample {
                at_ms: at.parse().ok()?,
                answer: (who != "-").then(|| who.to_string()),
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

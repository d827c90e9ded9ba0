//! What each daemon process holds over a long run (the soak): resident memory, open files and
//! threads read from `/proc/PID` every [`EVERY`], a line per process from its first sample
//! after the warm-up to its last, and the growth that counts as a leak.

use std::fmt::Write as _;
use std::time::Duration;

use super::judge::Violation;

/// How often the processes are sampled.
pub const EVERY: Duration = Duration::from_secs(10);
/// Samples before this (after a process started) are its warm-up: caches, pools and TLS
/// sessions fill then.
pub const WARM_UP: Duration = Duration::from_secs(60);

/// One process at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub at_ms: u64,
    pub host: String,
    pub pid: u32,
    pub rss_kib: u64,
    pub fds: u64,
    pub threads: u64,
}

/// Reads `pid`'s usage now; `None` when the process is gone.
pub fn read(pid: u32) -> Option<(u64, u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let (rss, threads) = parse_status(&status)?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64;
    Some((rss, fds, threads))
}

/// `VmRSS` (KiB) and `Threads` of a `/proc/PID/status` text.
pub fn parse_status(text: &str) -> Option<(u64, u64)> {
    let field = |key: &str| -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    Some((field("VmRSS:")?, field("Threads:")?))
}

/// One process's first sample after its warm-up and its last.
fn spans(samples: &[Usage]) -> Vec<(&Usage, &Usage, u64)> {
    let mut pids: Vec<(&str, u32)> = samples.iter().map(|u| (u.host.as_str(), u.pid)).collect();
    pids.dedup();
    pids.sort();
    pids.dedup();
    pids.into_iter()
        .filter_map(|(host, pid)| {
            let mine: Vec<&Usage> = samples
                .iter()
                .filter(|u| u.pid == pid && u.host == host)
                .collect();
            let start = mine.first()?.at_ms;
            let warm = start + WARM_UP.as_millis() as u64;
            let first = mine.iter().find(|u| u.at_ms >= warm)?;
            let last = mine.last()?;
            let peak = mine
                .iter()
                .filter(|u| u.at_ms >= warm)
                .map(|u| u.rss_kib)
                .max()
                .unwrap_or(0);
            Some((*first, *last, peak))
        })
        .collect()
}

/// A leak suspected: after its warm-up a process grew by more than a quarter of its memory
/// (and 2 MiB), by more than 16 open files, or by more than 4 threads, by its last sample.
pub fn leaks(samples: &[Usage]) -> Vec<Violation> {
    let mut out = Vec::new();
    for (first, last, _) in spans(samples) {
        let rss_growth = last.rss_kib.saturating_sub(first.rss_kib);
        let grew = [
            (rss_growth > first.rss_kib / 4 && rss_growth > 2048)
                .then(|| format!("resident memory {} → {} KiB", first.rss_kib, last.rss_kib)),
            (last.fds > first.fds + 16).then(|| format!("open files {} → {}", first.fds, last.fds)),
            (last.threads > first.threads + 4)
                .then(|| format!("threads {} → {}", first.threads, last.threads)),
        ];
        for what in grew.into_iter().flatten() {
            out.push(Violation {
                at_ms: last.at_ms,
                what: format!(
                    "kubegate on {} (pid {}) kept growing after its warm-up: {what}",
                    first.host, first.pid
                ),
            });
        }
    }
    out
}

/// The table: per process, after its warm-up, first and last memory (and the peak), files and
/// threads, over how long.
pub fn table(samples: &[Usage]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<9} {:>8} {:>9} {:>20} {:>10} {:>10} {:>8}",
        "host", "pid", "minutes", "RSS KiB first→last", "peak KiB", "files", "threads"
    );
    for (first, last, peak) in spans(samples) {
        let _ = writeln!(
            s,
            "{:<9} {:>8} {:>9.1} {:>20} {:>10} {:>10} {:>8}",
            first.host,
            first.pid,
            (last.at_ms - first.at_ms) as f64 / 60_000.0,
            format!("{}→{}", first.rss_kib, last.rss_kib),
            peak,
            format!("{}→{}", first.fds, last.fds),
            format!("{}→{}", first.threads, last.threads),
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(at_s: u64, pid: u32, rss: u64, fds: u64, threads: u64) -> Usage {
        Usage {
            at_ms: at_s * 1000,
            host: "lb1".into(),
            pid,
            rss_kib: rss,
            fds,
            threads,
        }
    }

    #[test]
    fn proc_status_fields() {
        let text = "Name:\tkubegate\nVmRSS:\t    7168 kB\nThreads:\t9\n";
        assert_eq!(parse_status(text), Some((7168, 9)));
        assert_eq!(parse_status("Name: x\n"), None);
        let (rss, fds, threads) = read(std::process::id()).expect("our own process");
        assert!(rss > 0 && fds > 0 && threads > 0);
    }

    #[test]
    fn growth_after_the_warm_up_is_a_leak_and_warm_up_growth_is_not() {
        // Warm-up growth (0 → 60 s) and a flat line afterwards: fine.
        let flat = vec![
            usage(0, 10, 4000, 20, 8),
            usage(30, 10, 9000, 40, 9),
            usage(60, 10, 9000, 40, 9),
            usage(600, 10, 9100, 41, 9),
        ];
        assert!(leaks(&flat).is_empty(), "{:?}", leaks(&flat));
        let leaky = vec![
            usage(0, 11, 8000, 20, 8),
            usage(60, 11, 8000, 20, 8),
            usage(600, 11, 16000, 80, 20),
        ];
        let found: Vec<String> = leaks(&leaky).into_iter().map(|v| v.what).collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].contains("8000 → 16000 KiB"));
        assert!(table(&leaky).contains("8000→16000"));
        // A process sampled for less than its warm-up is not judged.
        assert!(leaks(&[usage(0, 12, 1, 1, 1), usage(30, 12, 90000, 900, 90)]).is_empty());
    }
}

//! The HTTPS probe's events: the line format it prints, and what a run amounts to (pure).

/// One thing the probe saw; times in ms since the probe started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Request {
        start: u64,
        end: u64,
        /// Times the request was sent again after a reset (as client-go retries GETs).
        retries: u8,
        /// `None` = 200 with a `/version` body; otherwise why it failed.
        error: Option<String>,
    },
    WatchOpened {
        at: u64,
    },
    WatchCut {
        at: u64,
        why: String,
    },
}

/// The probe's output, one event a line.
pub fn format_events(events: &[Event]) -> String {
    let mut out = String::new();
    for e in events {
        let line = match e {
            Event::Request {
                start,
                end,
                retries,
                error: None,
            } => format!("req {start} {end} {retries} ok"),
            Event::Request {
                start,
                end,
                retries,
                error: Some(why),
            } => format!("req {start} {end} {retries} fail {}", one_line(why)),
            Event::WatchOpened { at } => format!("watch {at} open"),
            Event::WatchCut { at, why } => format!("watch {at} cut {}", one_line(why)),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Parses [`format_events`]' output; malformed lines are skipped.
pub fn parse_events(text: &str) -> Vec<Event> {
    text.lines()
        .filter_map(|line| {
            let mut w = line.splitn(6, ' ');
            match (w.next()?, w.next()?.parse::<u64>().ok()?, w.next()?) {
                ("req", start, end) => {
                    let end = end.parse().ok()?;
                    let retries = w.next()?.parse().ok()?;
                    let error = match w.next()? {
                        "ok" => None,
                        "fail" => Some(w.next().unwrap_or("").to_string()),
                        _ => return None,
                    };
                    Some(Event::Request {
                        start,
                        end,
                        retries,
                        error,
                    })
                }
                ("watch", at, "open") => Some(Event::WatchOpened { at }),
                ("watch", at, "cut") => {
                    let why = w.collect::<Vec<_>>().join(" ");
                    Some(Event::WatchCut { at, why })
                }
                _ => None,
            }
        })
        .collect()
}

/// What a probe run amounts to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Longest time without a successful request: between two successive successful
    /// completions, also counting from the start and to the end of the run.
    pub longest_gap_ms: u64,
    pub failed: usize,
    pub succeeded: usize,
    /// Requests sent a second time after a reset (counted once each, failed or not).
    pub retried: usize,
    /// Times the watch ended while the probe ran (each was reopened).
    pub watches_cut: usize,
    /// The first failure's reason, to say why a bound was missed.
    pub first_error: Option<String>,
}

/// Sums up the events of a run of `duration_ms` (pure).
pub fn analyse(events: &[Event], duration_ms: u64) -> Outcome {
    let mut out = Outcome::default();
    let mut ok_ends: Vec<u64> = Vec::new();
    for e in events {
        if let Event::Request { retries, .. } = e {
            out.retried += usize::from(*retries > 0);
        }
        match e {
            Event::Request {
                end, error: None, ..
            } => {
                out.succeeded += 1;
                ok_ends.push(*end);
            }
            Event::Request {
                start,
                end,
                error: Some(why),
                ..
            } => {
                out.failed += 1;
                out.first_error.get_or_insert_with(|| {
                    format!("{why} (sent at {start} ms, ended at {end} ms)")
                });
            }
            Event::WatchCut { .. } => out.watches_cut += 1,
            Event::WatchOpened { .. } => {}
        }
    }
    ok_ends.sort_unstable();
    let mut last = 0;
    for end in ok_ends.iter().copied().chain([duration_ms]) {
        out.longest_gap_ms = out.longest_gap_ms.max(end.saturating_sub(last));
        last = last.max(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(start: u64, end: u64, ok: bool) -> Event {
        Event::Request {
            start,
            end,
            retries: u8::from(!ok),
            error: (!ok).then(|| "connect: refused".to_string()),
        }
    }

    #[test]
    fn outcome_counts_gaps_failures_and_cuts() {
        let events = vec![
            req(0, 10, true),
            Event::WatchOpened { at: 15 },
            req(20, 30, true),
            req(40, 240, false),
            Event::WatchCut {
                at: 250,
                why: "error: reset".into(),
            },
            req(60, 400, true),
            Event::WatchOpened { at: 420 },
            req(400, 410, true),
        ];
        let text = format_events(&events);
        assert_eq!(parse_events(&text), events);
        let o = analyse(&parse_events(&text), 500);
        assert_eq!(o.longest_gap_ms, 370, "30 → 400");
        assert_eq!(
            (o.succeeded, o.failed, o.watches_cut, o.retried),
            (4, 1, 1, 1)
        );
        assert_eq!(
            o.first_error.as_deref(),
            Some("connect: refused (sent at 40 ms, ended at 240 ms)")
        );
    }

    #[test]
    fn silence_until_the_end_is_a_gap() {
        let o = analyse(&[req(0, 10, true), req(20, 1000, false)], 3000);
        assert_eq!(o.longest_gap_ms, 2990);
        let none = analyse(&[], 800);
        assert_eq!(none.longest_gap_ms, 800);
    }

    #[test]
    fn malformed_lines_are_skipped() {
        assert_eq!(
            parse_events("req x 1 0 ok\nwatch 5\nreq 1 2 0 maybe\nreq 1 2 ok\n\n"),
            vec![]
        );
    }
}

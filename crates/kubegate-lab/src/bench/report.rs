//! The failover benchmark's report: median and max per case, kubegate/keepalived ratios of the
//! medians at equal timers, and kubegate's targets, as a plain or markdown table (pure).

use std::fmt::Write as _;
use std::time::Duration;

use super::{CaseResult, Event, Measurement, Speaker};

/// kubegate's targets: link loss with the default config < 1 s; SIGTERM: no failed
/// connection and a gap < 100 ms.
const LINK_LOSS_TARGET_MS: u64 = 1000;
const SIGTERM_TARGET_MS: u64 = 100;

/// Median of the values (mean of the two middle ones for an even count).
pub fn median(values: &[u64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_unstable();
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2] as f64,
        n => (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0,
    }
}

fn column(runs: &[Measurement], f: impl Fn(&Measurement) -> u64) -> Vec<u64> {
    runs.iter().map(f).collect()
}

fn gap(c: &CaseResult) -> Vec<u64> {
    column(&c.runs, |m| m.gap_ms)
}

fn failed(c: &CaseResult) -> Vec<u64> {
    column(&c.runs, |m| m.failed as u64)
}

/// The target a case is held to, if any: (max gap, whether failed connections are allowed).
fn target(c: &CaseResult) -> Option<(u64, bool)> {
    match (c.speaker, c.event) {
        (Speaker::Kubegate(None), Event::LinkLoss) => Some((LINK_LOSS_TARGET_MS, true)),
        (Speaker::Kubegate(_), Event::Sigterm) => Some((SIGTERM_TARGET_MS, false)),
        _ => None,
    }
}

fn meets(c: &CaseResult) -> Option<bool> {
    let (max_gap, failures_ok) = target(c)?;
    Some(
        c.runs
            .iter()
            .all(|m| m.gap_ms < max_gap && (failures_ok || m.failed == 0)),
    )
}

/// Whether every kubegate case with a target met it in every run.
pub fn targets_met(results: &[CaseResult]) -> bool {
    results.iter().all(|c| meets(c) != Some(false))
}

fn find(results: &[CaseResult], speaker: Speaker, event: Event) -> Option<&CaseResult> {
    results
        .iter()
        .find(|c| c.speaker == speaker && c.event == event)
}

fn ms(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn ratio(kg: f64, ka: f64) -> String {
    if ka == 0.0 {
        if kg == 0.0 {
            "equal (both 0)".into()
        } else {
            "n/a (keepalived 0)".into()
        }
    } else {
        format!("{:.2}", kg / ka)
    }
}

/// Renders rows as a markdown table or as aligned plain columns.
fn table(head: &[&str], rows: &[Vec<String>], markdown: bool) -> String {
    let mut out = String::new();
    if markdown {
        let _ = writeln!(out, "| {} |", head.join(" | "));
        let _ = writeln!(
            out,
            "|{}",
            head.iter()
                .enumerate()
                .map(|(i, _)| if i < 2 { "---|" } else { "---:|" })
                .collect::<String>()
        );
        for r in rows {
            let _ = writeln!(out, "| {} |", r.join(" | "));
        }
        return out;
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i < 2 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let _ = writeln!(out, "{}", line(head.to_vec()));
    for r in rows {
        let _ = writeln!(out, "{}", line(r.iter().map(String::as_str).collect()));
    }
    out
}

/// The whole report.
pub fn render(
    results: &[CaseResult],
    runs: usize,
    attempt_timeout: Duration,
    markdown: bool,
) -> String {
    let head = [
        "event",
        "setup",
        "longest gap median (ms)",
        "longest gap max (ms)",
        "failed median",
        "failed max",
        "retried max",
        "successor holds VIP median (ms)",
        "target",
    ];
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|c| {
            let target = match (target(c), meets(c)) {
                (Some((g, true)), Some(ok)) => {
                    format!("< {g} ms: {}", if ok { "met" } else { "MISSED" })
                }
                (Some((g, false)), Some(ok)) => {
                    format!("0 failed, < {g} ms: {}", if ok { "met" } else { "MISSED" })
                }
                _ => "-".into(),
            };
            vec![
                c.event.label().to_string(),
                c.speaker.label(),
                ms(median(&gap(c))),
                gap(c).iter().max().copied().unwrap_or(0).to_string(),
                ms(median(&failed(c))),
                failed(c).iter().max().copied().unwrap_or(0).to_string(),
                column(&c.runs, |m| m.retried as u64)
                    .iter()
                    .max()
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
                ms(median(&column(&c.runs, |m| m.takeover_ms))),
                target,
            ]
        })
        .collect();
    let mut out = format!(
        "Failover, 3 nodes (priorities 150/100/50, unicast), a client connecting every {} ms \
         (each attempt bounded by {} ms, and tried once more when its connection is reset, as \
         client-go does; such attempts count as retried, not failed); {runs} runs per case.\n\n",
        super::PERIOD.as_millis(),
        attempt_timeout.as_millis()
    );
    out.push_str(&table(&head, &rows, markdown));
    out.push('\n');

    let pairs = [
        (
            Speaker::Kubegate(Some(Duration::from_millis(100))),
            Speaker::Keepalived(3, Duration::from_millis(100)),
            "same timers (v3, 100 ms)",
        ),
        (
            Speaker::Kubegate(None),
            Speaker::Keepalived(2, Duration::from_secs(1)),
            "defaults, not the same timers: kubegate default vs keepalived v2 1 s",
        ),
    ];
    let mut ratio_rows = Vec::new();
    for (kg, ka, what) in pairs {
        for event in [Event::LinkLoss, Event::Sigterm] {
            let (Some(a), Some(b)) = (find(results, kg, event), find(results, ka, event)) else {
                continue;
            };
            ratio_rows.push(vec![
                event.label().to_string(),
                what.to_string(),
                ratio(median(&gap(a)), median(&gap(b))),
                format!("{} vs {}", ms(median(&failed(a))), ms(median(&failed(b)))),
            ]);
        }
    }
    out.push_str("kubegate / keepalived, ratio of the medians (below 1: kubegate is faster)\n\n");
    out.push_str(&table(
        &[
            "event",
            "comparison",
            "gap ratio",
            "failed (kubegate vs keepalived)",
        ],
        &ratio_rows,
        markdown,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(speaker: Speaker, event: Event, gaps: &[(u64, usize)]) -> CaseResult {
        CaseResult {
            speaker,
            event,
            runs: gaps
                .iter()
                .map(|&(gap_ms, failed)| Measurement {
                    gap_ms,
                    failed,
                    retried: 0,
                    takeover_ms: gap_ms,
                    switch_ms: gap_ms as i64,
                    first_failure_ms: None,
                })
                .collect(),
        }
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[5, 1, 3]), 3.0);
        assert_eq!(median(&[4, 1, 3, 2]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn ratios_and_targets_come_from_the_runs() {
        let kg = Speaker::Kubegate(Some(Duration::from_millis(100)));
        let ka = Speaker::Keepalived(3, Duration::from_millis(100));
        let results = vec![
            case(kg, Event::LinkLoss, &[(300, 14), (320, 15), (500, 20)]),
            case(ka, Event::LinkLoss, &[(400, 19), (640, 30), (420, 20)]),
            case(kg, Event::Sigterm, &[(20, 0), (40, 0), (20, 0)]),
            case(ka, Event::Sigterm, &[(200, 9), (220, 10), (240, 11)]),
        ];
        let text = render(&results, 3, Duration::from_millis(50), true);
        // 320 / 420 and 20 / 220.
        assert!(text.contains("| 0.76 |"), "{text}");
        assert!(text.contains("| 0.09 |"), "{text}");
        assert!(text.contains("| 0 vs 10 |"), "{text}");
        assert!(text.contains("0 failed, < 100 ms: met"), "{text}");
        assert!(targets_met(&results));

        let slow = vec![case(kg, Event::Sigterm, &[(20, 0), (140, 0), (20, 0)])];
        assert!(!targets_met(&slow));
        let lossy = vec![case(kg, Event::Sigterm, &[(20, 1)])];
        assert!(!targets_met(&lossy));
        assert!(render(&lossy, 1, Duration::from_millis(50), false).contains("MISSED"));
        let default_slow = vec![case(
            Speaker::Kubegate(None),
            Event::LinkLoss,
            &[(1000, 40)],
        )];
        assert!(!targets_met(&default_slow), "the bound is strict: < 1 s");
    }
}

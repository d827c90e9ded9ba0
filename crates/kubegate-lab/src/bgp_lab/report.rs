//! The words and tables of the `bgp` scenario: one line per step as it completes (the
//! router's next hops before and after, the time it took, the bound), and the two stacks side
//! by side with the ratio of their withdrawal times.

use std::fmt::Write as _;
use std::time::Duration;

use super::steps::Row;
use super::BgpStack;

/// The column heads of [`line`].
pub fn header(stack: BgpStack) -> String {
    format!(
        "{}:\n{:<30} {:<44} {:>14} {:>6} {:>11} {:<22} result",
        stack.label(),
        "step",
        "router's next hops before -> after",
        "withdrawn/back",
        "failed",
        "longest gap",
        "bound"
    )
}

fn hops(nodes: &[&str]) -> String {
    if nodes.is_empty() {
        "-".into()
    } else {
        nodes.join("+")
    }
}

/// `1234 ms`, or `never (5 s)` when the router did not change within the window.
pub fn took(row: &Row) -> String {
    match row.took {
        Some(t) => format!("{} ms", t.as_millis()),
        None => format!("never ({} s)", row.watched.as_secs()),
    }
}

fn bound(row: &Row) -> String {
    let failed = match row.failed_bound {
        Some(0) => ", 0 failed",
        _ => "",
    };
    let exit = if row.before_exit.is_some() {
        ", before exit"
    } else {
        ""
    };
    format!("<{} ms{failed}{exit}", row.bound.as_millis())
}

/// One row; `judged` says whether the bound decides the result (kubegate) or is only shown.
pub fn line(row: &Row, judged: bool) -> String {
    let result = match (judged, row.ok()) {
        (false, _) => "(reference)",
        (true, true) => "ok",
        (true, false) => "MISSED",
    };
    let mut s = format!(
        "{:<30} {:<44} {:>14} {:>6} {:>8} ms {:<22} {result}",
        row.name,
        format!("{} -> {}", hops(&row.before), hops(&row.after)),
        took(row),
        row.outcome.failed,
        row.outcome.longest_gap_ms,
        bound(row),
    );
    if row.before_exit == Some(false) {
        s.push_str(" (the process had exited before its path went)");
    }
    s
}

/// The note under a table.
pub fn footer() -> &'static str {
    "(withdrawn/back: from the fault until the router's forwarding table no longer, or again, \
     routes the VIP to the node; requests: GET /version every 20 ms through the VIP on a new \
     TLS connection, spread by the router across the nodes)"
}

fn ms(d: Option<Duration>) -> Option<f64> {
    d.map(|d| d.as_secs_f64() * 1000.0)
}

/// The two runs step by step.
pub fn side_by_side(other: BgpStack, ours: &[Row], theirs: &[Row]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "\nside by side (kubegate | {}):", other.label());
    let _ = writeln!(
        t,
        "{:<30} {:>14} | {:<14} {:>8} {:>8}",
        "step", "kubegate", "reference", "ratio", "failed"
    );
    for (a, b) in ours.iter().zip(theirs) {
        let ratio = match (ms(a.took), ms(b.took)) {
            (Some(x), Some(y)) if y > 0.0 => format!("{:.2}", x / y),
            (Some(_), None) if !a.fault_is_return() => "0 (never)".into(),
            _ => "-".into(),
        };
        let _ = writeln!(
            t,
            "{:<30} {:>14} | {:<14} {:>8} {:>3} | {}",
            a.name,
            took(a),
            took(b),
            ratio,
            a.outcome.failed,
            b.outcome.failed
        );
    }
    let _ = write!(
        t,
        "(ratio: kubegate's time over the reference's; below 1: the router stopped sending \
         clients to the failed node sooner)"
    );
    t
}

//! Duration strings: `250ms`, `2s`, `1.5s`, `1m30s`, `1h`. Units `ms`, `s`, `m`, `h`; one or more
//! `NUMBER UNIT` parts, each number whole or decimal; the total must be a whole number of
//! milliseconds. A bare number is refused (`2` could mean seconds or milliseconds): write `2s`.

use std::fmt::Write as _;
use std::time::Duration;

use super::scalar::Scalar;

const UNITS: [(&str, u128); 4] = [
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Longest accepted duration: a year is far beyond any timer in this program.
const MAX_NANOS: u128 = 366 * 24 * 3_600_000_000_000;

/// Parses a duration string; the error says how to write it.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("expected a duration like 2s or 250ms, found nothing".into());
    }
    if s.parse::<f64>().is_ok() {
        return Err(format!("{s:?} has no unit; write {s}s or {s}ms"));
    }
    let mut rest = s;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let Some(&(_, unit_nanos)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(bad(s, &format!("unknown unit {unit:?}")));
        };
        let part = nanos(num, unit_nanos).ok_or_else(|| bad(s, &format!("bad number {num:?}")))?;
        total = total.saturating_add(part);
        if total > MAX_NANOS {
            return Err(format!("{s:?} is too long; durations go up to a year"));
        }
        rest = next;
    }
    if !total.is_multiple_of(1_000_000) {
        return Err(format!(
            "{s:?} is finer than a millisecond; durations have 1 ms steps"
        ));
    }
    Ok(Duration::from_nanos(total as u64))
}

/// `NUMBER` (`12`, `1.5`) times the unit, in nanoseconds; `None` if not a number or not a whole
/// number of nanoseconds.
fn nanos(num: &str, unit_nanos: u128) -> Option<u128> {
    let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
    if whole.is_empty() && frac.is_empty() || whole.len() > 12 || frac.len() > 9 {
        return None;
    }
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(frac) || (num.contains('.') && frac.is_empty()) {
        return None;
    }
    let w: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let scale = 10u128.pow(frac.len() as u32);
    let frac_nanos = f * unit_nanos;
    if !frac_nanos.is_multiple_of(scale) {
        return None;
    }
    Some(w * unit_nanos + frac_nanos / scale)
}

fn bad(s: &str, why: &str) -> String {
    format!("{s:?} is not a duration ({why}); write it like 250ms, 2s, 1.5s, 1m30s or 1h")
}

/// A duration from a YAML value: text as above; numbers are refused with the fix.
pub fn duration_of(v: &Scalar) -> Result<Duration, String> {
    match v {
        Scalar::Str(s) => parse_duration(s),
        Scalar::Int(n) => Err(format!("{n} has no unit; write {n}s or {n}ms")),
        Scalar::Float(x) => Err(format!("{x} has no unit; write {x}s")),
        other => Err(format!(
            "expected a duration like 2s or 250ms, found {}",
            other.describe()
        )),
    }
}

/// Writes a duration the way a user would: `200ms`, `2s`, `1.5s`, `1m30s`, `1h`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (h, rem) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rem) = (rem / 60_000, rem % 60_000);
    let mut out = String::new();
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if m > 0 {
        let _ = write!(out, "{m}m");
    }
    if rem > 0 {
        if rem % 1000 == 0 {
            let _ = write!(out, "{}s", rem / 1000);
        } else {
            let frac = format!("{:03}", rem % 1000);
            let _ = write!(out, "{}.{}s", rem / 1000, frac.trim_end_matches('0'));
        }
    }
    out
}

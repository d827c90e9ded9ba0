//! Times as haproxy and nginx write them. haproxy: one number and an optional unit (`us`, `ms`,
//! `s`, `m`, `h`, `d`); no unit means milliseconds (`inter 2000` = 2 s). nginx: one or more
//! `NUMBER UNIT` parts (`ms`, `s`, `m`, `h`, `d`, `w`, `M`, `y`; `1h30m`); a bare number means
//! seconds. Shared by both readers.

use std::time::Duration;

use crate::notes::Notes;

/// An haproxy time (`2000`, `2s`, `1m`).
/// A time kubegate can write: kubegate's times are whole milliseconds, so a shorter one
/// (haproxy reads `500us`) is rounded up to 1 ms, with a note; longer ones are kept.
pub fn whole_ms(d: Duration, line: usize, notes: &mut Notes) -> Duration {
    if d >= Duration::from_millis(1) {
        return d;
    }
    notes.assumed(
        line,
        format!("{d:?} is shorter than kubegate's finest time: 1ms is used"),
    );
    Duration::from_millis(1)
}

pub fn haproxy(text: &str) -> Result<Duration, String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = text.split_at(digits);
    let micros: u64 = match unit {
        "us" => 1,
        "" | "ms" => 1_000,
        "s" => 1_000_000,
        "m" => 60_000_000,
        "h" => 3_600_000_000,
        "d" => 86_400_000_000,
        _ => 0,
    };
    match num.parse::<u64>() {
        Ok(n) if micros > 0 => n
            .checked_mul(micros)
            .map(Duration::from_micros)
            .ok_or_else(|| format!("{text:?} is too long a time")),
        _ => Err(format!(
            "{text:?} is not an haproxy time; write a number with an optional unit (us, ms, s, \
             m, h, d), like 2s or 2000 (milliseconds)"
        )),
    }
}

/// An nginx time (`10s`, `1m`, `1h30m`, `600` = seconds).
pub fn nginx(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "{text:?} is not an nginx time; write a number with a unit (ms, s, m, h, d), like \
             10s or 10m"
        )
    };
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = text.parse().map_err(|_| bad())?;
        return Ok(Duration::from_secs(secs));
    }
    let mut rest = text;
    let mut total: u64 = 0;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (num, after) = rest.split_at(digits);
        let unit_len = if after.starts_with("ms") {
            2
        } else {
            after.chars().next().map_or(0, char::len_utf8)
        };
        let (unit, next) = after.split_at(unit_len);
        let millis: u64 = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            "M" => 30 * 86_400_000,
            "y" => 365 * 86_400_000,
            _ => return Err(bad()),
        };
        let n: u64 = num.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(millis)
            .and_then(|p| total.checked_add(p))
            .ok_or_else(bad)?;
        rest = next;
    }
    Ok(Duration::from_millis(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haproxy_times_default_to_milliseconds() {
        assert_eq!(haproxy("2000"), Ok(Duration::from_secs(2)));
        assert_eq!(haproxy("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(haproxy("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(haproxy("500us"), Ok(Duration::from_micros(500)));
        assert_eq!(haproxy("1d"), Ok(Duration::from_secs(86_400)));
        assert!(haproxy("2x").unwrap_err().contains("not an haproxy time"));
        assert!(haproxy("").is_err());
        assert!(haproxy("s").is_err());
        assert!(haproxy("99999999999999999999d").is_err());
    }

    #[test]
    fn nginx_times_default_to_seconds() {
        assert_eq!(nginx("600"), Ok(Duration::from_secs(600)));
        assert_eq!(nginx("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(nginx("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(nginx("250ms"), Ok(Duration::from_millis(250)));
        assert!(nginx("").is_err());
        assert!(nginx("10x").is_err());
        assert!(nginx("m").is_err());
        assert!(nginx("5é").is_err());
    }
}

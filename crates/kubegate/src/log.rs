//! Plain log lines on stderr: `2026-11-22T02:35:21.123Z node: message`. One line per event,
//! readable by people and by `journalctl`.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

static NODE: OnceLock<String> = OnceLock::new();

/// Name printed on every line (the node's name once known).
pub fn set_node(name: &str) {
    let _ = NODE.set(name.to_string());
}

/// Print one log line.
pub fn line(message: std::fmt::Arguments<'_>) {
    let node = NODE.get().map(String::as_str).unwrap_or("kubegate");
    eprintln!("{} {node}: {message}", timestamp(SystemTime::now()));
}

/// `say!("...", args)`: one log line.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => { $crate::log::line(format_args!($($arg)*)) };
}

/// UTC timestamp with milliseconds, computed without a date library (civil-from-days).
pub fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_833_321_123);
        assert_eq!(timestamp(t), "2026-11-28T02:35:21.123Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(timestamp(leap), "2000-02-29T00:00:00.000Z");
    }
}

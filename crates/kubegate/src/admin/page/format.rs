//! Text for people: HTML escaping, byte sizes, durations, relative and UTC times, grouped
//! counts and the ids derived from names. Pure functions; the page passes `now` in.

/// Text made safe for HTML element content and (double- or single-quoted) attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A part of an element id made from a name: letters, digits, `-`, `_` and `.` are kept,
/// anything else becomes `_` (ids cannot hold spaces; the `data-*` hooks keep the exact name).
pub fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `512 B`, `1.5 KiB`, `12.3 MiB`, `640 GiB` (binary units).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value < 100.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// `250 ms`, `45 s`, `3 m 12 s`, `2 h 5 m`, `3 d 4 h`: the two largest units, a zero second
/// unit left out.
pub fn duration(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let s = ms / 1000;
    let (big, big_unit, small, small_unit) = if s < 60 {
        return format!("{s} s");
    } else if s < 3600 {
        (s / 60, "m", s % 60, "s")
    } else if s < 86_400 {
        (s / 3600, "h", s % 3600 / 60, "m")
    } else {
        (s / 86_400, "d", s % 86_400 / 3600, "h")
    };
    if small == 0 {
        format!("{big} {big_unit}")
    } else {
        format!("{big} {big_unit} {small} {small_unit}")
    }
}

/// How long before `now_ms` the moment `at_ms` was: `12 s ago`, `3 m 12 s ago`; `just now`
/// under a second (and for a moment after `now`, which a clock step can produce).
pub fn ago(now_ms: u64, at_ms: u64) -> String {
    let elapsed = now_ms.saturating_sub(at_ms);
    if elapsed < 1000 {
        "just now".to_owned()
    } else {
        format!("{} ago", duration(elapsed / 1000 * 1000))
    }
}

/// A count with its thousands grouped by a narrow no-break space: `1 234 567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// The calendar date and time of `ms` since the Unix epoch, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utc {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Utc {
    pub fn from_ms(ms: u64) -> Utc {
        let at = i64::try_from(ms)
            .ok()
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
            .unwrap_or(jiff::Timestamp::MAX);
        let t = at.to_zoned(jiff::tz::TimeZone::UTC);
        Utc {
            year: i64::from(t.year()),
            month: t.month() as u32,
            day: t.day() as u32,
            hour: t.hour() as u32,
            minute: t.minute() as u32,
            second: t.second() as u32,
        }
    }

    /// `2026-11-22T05:34:20Z`, for `<time datetime>`.
    pub fn iso(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `05:34:20 UTC` when on the same UTC day as `today`, else `2026-11-21 23:10 UTC`.
    pub fn short(&self, today: &Utc) -> String {
        if (self.year, self.month, self.day) == (today.year, today.month, today.day) {
            format!("{:02}:{:02}:{:02} UTC", self.hour, self.minute, self.second)
        } else {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                self.year, self.month, self.day, self.hour, self.minute
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<img src=x onerror="a('b')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
        assert_eq!(escape("198.18.0.1:6443"), "198.18.0.1:6443");
    }

    #[test]
    fn slug_keeps_safe_characters_only() {
        assert_eq!(slug("198.18.0.11:6443"), "198.18.0.11_6443");
        assert_eq!(slug("api-v2_x"), "api-v2_x");
        assert_eq!(slug("a b\"<"), "a_b__");
    }

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(12_900_000), "12.3 MiB");
        assert_eq!(bytes(640 * 1024 * 1024 * 1024), "640 GiB");
        assert_eq!(bytes(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn durations_show_two_units() {
        assert_eq!(duration(0), "0 ms");
        assert_eq!(duration(250), "250 ms");
        assert_eq!(duration(45_900), "45 s");
        assert_eq!(duration(192_000), "3 m 12 s");
        assert_eq!(duration(180_000), "3 m");
        assert_eq!(duration(7_500_000), "2 h 5 m");
        assert_eq!(duration(3 * 86_400_000 + 4 * 3_600_000 + 59_000), "3 d 4 h");
    }

    #[test]
    fn ago_is_relative_to_now() {
        assert_eq!(ago(100_000, 88_000), "12 s ago");
        assert_eq!(ago(1_000_000, 807_500), "3 m 12 s ago");
        assert_eq!(ago(100_000, 99_500), "just now");
        assert_eq!(ago(100_000, 105_000), "just now");
    }

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1\u{202f}000");
        assert_eq!(count(1_234_567), "1\u{202f}234\u{202f}567");
    }

    #[test]
    fn utc_dates_match_the_calendar() {
        assert_eq!(Utc::from_ms(0).iso(), "1970-01-01T00:00:00Z");
        // 2000-02-29 (a leap day in a year divisible by 400) and the day after.
        assert_eq!(Utc::from_ms(951_782_400_000).iso(), "2000-02-29T00:00:00Z");
        assert_eq!(Utc::from_ms(951_868_800_000).iso(), "2000-03-01T00:00:00Z");
        assert_eq!(
            Utc::from_ms(1_795_325_660_123).iso(),
            "2026-11-22T05:34:20Z"
        );
        assert_eq!(
            Utc::from_ms(4_107_542_399_000).iso(),
            "2100-02-28T23:59:59Z"
        );
    }

    #[test]
    fn short_times_show_the_date_only_on_another_day() {
        let now = Utc::from_ms(1_795_325_660_000);
        assert_eq!(Utc::from_ms(1_795_325_000_000).short(&now), "05:23:20 UTC");
        assert_eq!(
            Utc::from_ms(1_795_300_000_000).short(&now),
            "2026-11-21 22:26 UTC"
        );
    }
}

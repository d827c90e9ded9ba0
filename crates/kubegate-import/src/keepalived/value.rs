//! Reading single values of keepalived statements (numbers, seconds, addresses) into notes
//! that say file:line, what is wrong and what to write instead.

use std::net::IpAddr;
use std::time::Duration;

use super::super::draft::{Note, Origin};
use super::lexer::Item;

/// The file being read and the notes gathered so far.
pub struct Ctx<'a> {
    pub file: &'a str,
    pub notes: &'a mut Vec<Note>,
}

impl Ctx<'_> {
    pub fn at(&self, line: usize) -> Option<Origin> {
        Some(Origin::new(self.file, line))
    }
    pub fn error(&mut self, line: usize, text: impl Into<String>) {
        let o = self.at(line);
        self.notes.push(Note::error(o, text));
    }
    pub fn dropped(&mut self, line: usize, text: impl Into<String>) {
        let o = self.at(line);
        self.notes.push(Note::dropped(o, text));
    }

    /// The one word after the keyword; a missing value is an error.
    pub fn word<'i>(&mut self, item: &'i Item) -> Option<&'i str> {
        match item.args.first() {
            Some(w) => Some(w.as_str()),
            None => {
                self.error(
                    item.line,
                    format!(
                        "`{}` has no value; write it like `{} VALUE`",
                        item.key, item.key
                    ),
                );
                None
            }
        }
    }

    /// A whole number in `lo..=hi`; `fix` says what to write instead.
    pub fn int_in(&mut self, item: &Item, lo: i64, hi: i64, fix: &str) -> Option<i64> {
        let w = self.word(item)?;
        match w.parse::<i64>() {
            Ok(n) if (lo..=hi).contains(&n) => Some(n),
            _ => {
                self.error(
                    item.line,
                    format!(
                        "{} {w:?} is not a whole number from {lo} to {hi}; {fix}",
                        item.key
                    ),
                );
                None
            }
        }
    }

    /// Seconds, fractions allowed (`0.1`), at least `min_ms` milliseconds, at most a day.
    pub fn seconds(&mut self, item: &Item, min_ms: u64) -> Option<Duration> {
        let w = self.word(item)?;
        let ms = w
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && (0.0..=86_400.0).contains(s))
            .map(|s| (s * 1000.0).round() as u64)
            .filter(|ms| *ms >= min_ms);
        match ms {
            Some(ms) => Some(Duration::from_millis(ms)),
            None => {
                let least = if min_ms == 0 {
                    "0".to_string()
                } else {
                    format!("{}", min_ms as f64 / 1000.0)
                };
                self.error(
                    item.line,
                    format!("{} {w:?} is not a number of seconds; write seconds from {least} to 86400, like `{} 1`", item.key, item.key),
                );
                None
            }
        }
    }

    /// An IP address in `text` (written at `line` for `what`).
    pub fn ip(&mut self, text: &str, line: usize, what: &str) -> Option<IpAddr> {
        match text.parse::<IpAddr>() {
            Ok(ip) => Some(ip),
            Err(_) => {
                self.error(
                    line,
                    format!("{what} {text:?} is not an IP address; write the real address (like 10.0.0.51), not a placeholder"),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str, arg: &str) -> Item {
        Item {
            key: key.into(),
            args: vec![arg.into()],
            line: 7,
            block: None,
        }
    }

    #[test]
    fn fractional_seconds_and_bad_numbers() {
        let mut notes = Vec::new();
        let mut c = Ctx {
            file: "a.conf",
            notes: &mut notes,
        };
        assert_eq!(
            c.seconds(&item("advert_int", "0.1"), 10),
            Some(Duration::from_millis(100))
        );
        assert_eq!(c.seconds(&item("advert_int", "-1"), 10), None);
        assert_eq!(c.seconds(&item("advert_int", "NaN"), 10), None);
        assert_eq!(
            c.int_in(&item("priority", "256"), 1, 255, "use 1 to 254"),
            None
        );
        assert_eq!(c.ip("xxx.16.106.208", 3, "unicast_src_ip"), None);
        assert_eq!(notes.len(), 4);
        assert_eq!(notes[3].origin, Some(Origin::new("a.conf", 3)));
        assert!(notes[3]
            .text
            .contains("\"xxx.16.106.208\" is not an IP address"));
    }
}

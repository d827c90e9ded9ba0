//! The notes one reader gathers for one file, each located at a line of it; shared by the
//! haproxy and nginx readers. Finishing removes repeats (a `defaults` setting inherited by
//! several proxies is reported once) and orders them by line.

use std::collections::HashSet;
use std::time::Duration;

use crate::draft::{Note, Origin, Severity};
use kubegate_config::duration::format_duration;

/// Under this idle timeout `kubegate check` warns that quiet watches get cut.
const SHORT_IDLE: Duration = Duration::from_secs(300);

/// Notes of one file.
#[derive(Debug)]
pub struct Notes {
    file: String,
    list: Vec<Note>,
}

impl Notes {
    pub fn new(file: &str) -> Self {
        Self {
            file: file.to_string(),
            list: Vec::new(),
        }
    }

    /// `file:line`; line 0 means the file as a whole (reported at its first line).
    pub fn origin(&self, line: usize) -> Option<Origin> {
        Some(Origin::new(self.file.clone(), line.max(1)))
    }

    pub fn assumed(&mut self, line: usize, text: impl Into<String>) {
        let note = Note::assumed(self.origin(line), text);
        self.list.push(note);
    }

    pub fn dropped(&mut self, line: usize, text: impl Into<String>) {
        let note = Note::dropped(self.origin(line), text);
        self.list.push(note);
    }

    pub fn error(&mut self, line: usize, text: impl Into<String>) {
        let note = Note::error(self.origin(line), text);
        self.list.push(note);
    }

    /// Whether an error was noted.
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(|n| n.severity == Severity::Error)
    }

    /// The notes without repeats, by line (notes of one line keep their order).
    pub fn finish(self) -> Vec<Note> {
        let mut seen = HashSet::new();
        let mut out: Vec<Note> = self
            .list
            .into_iter()
            .filter(|n| seen.insert(n.to_string()))
            .collect();
        out.sort_by_key(|n| n.origin.as_ref().map_or(0, |o| o.line));
        out
    }
}

/// The note for an idle timeout under 5 minutes (kept as written: the import is faithful).
pub fn short_idle(idle: Duration) -> Option<String> {
    let d = format_duration(idle);
    (idle < SHORT_IDLE).then(|| {
        format!(
            "idle timeout {d}: quiet `kubectl logs -f`, `exec` sessions and watches get cut \
             after {d}; kubegate's default is 1h. Kept as written (`kubegate check` warns too)"
        )
    })
}

/// An idle timeout as kubegate takes it: one under 1s (kubegate refuses it: it cuts every
/// connection that pauses) becomes 1s, with a note; a short one is kept, with the note of
/// [`short_idle`].
pub fn idle_kept(idle: Duration, line: usize, notes: &mut Notes) -> Duration {
    let shortest = Duration::from_secs(1);
    if idle < shortest {
        notes.assumed(
            line,
            format!(
                "idle timeout {}: kubegate's shortest is 1s (a shorter one cuts every \
                 connection that pauses); 1s is used",
                format_duration(idle)
            ),
        );
        return shortest;
    }
    if let Some(text) = short_idle(idle) {
        notes.assumed(line, text);
    }
    idle
}

/// `a, b and c`.
pub fn list_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_go_and_lines_order() {
        let mut n = Notes::new("a.cfg");
        n.dropped(7, "x");
        n.assumed(3, "y");
        n.dropped(7, "x");
        n.error(0, "z");
        let out = n.finish();
        let seen: Vec<(usize, Severity)> = out
            .iter()
            .map(|n| (n.origin.as_ref().map_or(0, |o| o.line), n.severity))
            .collect();
        assert_eq!(
            seen,
            [
                (1, Severity::Error),
                (3, Severity::Assumed),
                (7, Severity::Dropped)
            ]
        );
        assert_eq!(out[2].to_string(), "a.cfg:7: left out: x");
    }

    #[test]
    fn words_read_as_a_list() {
        let w = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(list_words(&w(&[])), "");
        assert_eq!(list_words(&w(&["log"])), "log");
        assert_eq!(list_words(&w(&["a", "b", "c"])), "a, b and c");
    }
}

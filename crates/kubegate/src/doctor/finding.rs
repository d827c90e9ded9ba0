//! What `kubegate doctor` found: one finding per thing checked (its severity, what it is about,
//! what was seen, what to do), and the report they make, as aligned plain text or JSON. Pure.

use std::fmt::Write as _;

use serde::Serialize;

/// How bad a finding is. Ordered: `Ok < Warn < Fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Checked and fine.
    Ok,
    /// Works, but probably not as meant, or could not be checked.
    Warn,
    /// Will break: fix it before running kubegate.
    Fail,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Warn => "warn",
            Severity::Fail => "FAIL",
        }
    }
}

/// One thing checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// What the finding is about: `certificate 198.18.0.11:6443`, `vrid 51 on eth0`, `port
    /// 198.18.0.50:8443`, `capabilities`.
    pub subject: String,
    /// What was found, in one sentence.
    pub found: String,
    /// What to do about it; empty for most `ok` findings.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub advice: String,
}

impl Finding {
    pub fn ok(subject: impl Into<String>, found: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Ok,
            subject: subject.into(),
            found: found.into(),
            advice: String::new(),
        }
    }

    pub fn warn(
        subject: impl Into<String>,
        found: impl Into<String>,
        advice: impl Into<String>,
    ) -> Finding {
        Finding {
            severity: Severity::Warn,
            subject: subject.into(),
            found: found.into(),
            advice: advice.into(),
        }
    }

    pub fn fail(
        subject: impl Into<String>,
        found: impl Into<String>,
        advice: impl Into<String>,
    ) -> Finding {
        Finding {
            severity: Severity::Fail,
            subject: subject.into(),
            found: found.into(),
            advice: advice.into(),
        }
    }
}

/// Every finding, in the order the checks ran.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The node the checks ran as, when known.
    pub node: Option<String>,
    pub findings: Vec<Finding>,
}

impl Report {
    /// The worst severity found (`Ok` for an empty report).
    pub fn worst(&self) -> Severity {
        self.findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Ok)
    }

    /// `kubegate doctor` exits non-zero exactly when a finding is `Fail`.
    pub fn passed(&self) -> bool {
        self.worst() != Severity::Fail
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// One line per finding, `LEVEL  SUBJECT  what was found`, columns aligned; the advice on
    /// the next line, indented under the finding; a summary line last.
    pub fn render_text(&self) -> String {
        // The widest label, so columns line up from one run to the next.
        let level_w = Severity::Fail.label().len();
        let subject_w = self
            .findings
            .iter()
            .map(|f| f.subject.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        if let Some(node) = &self.node {
            let _ = writeln!(out, "kubegate doctor on {node}");
        }
        for f in &self.findings {
            let _ = writeln!(
                out,
                "{:<level_w$}  {:<subject_w$}  {}",
                f.severity.label(),
                f.subject,
                f.found
            );
            if !f.advice.is_empty() {
                let indent = level_w + 2;
                for (i, piece) in wrap(&f.advice, ADVICE_WIDTH).iter().enumerate() {
                    let arrow = if i == 0 { "-> " } else { "   " };
                    let _ = writeln!(out, "{:indent$}{arrow}{piece}", "");
                }
            }
        }
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let _ = writeln!(
            out,
            "{} ok, {}, {}",
            self.count(Severity::Ok),
            plural(self.count(Severity::Warn), "warning", "warnings"),
            plural(self.count(Severity::Fail), "failure", "failures")
        );
        out
    }

    /// The report as one JSON object: `{"node": …, "findings": [{"severity": "fail", …}]}`.
    pub fn render_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            // Plain strings and enums always serialize; keep the output JSON regardless.
            format!("{{\"error\": {:?}}}", e.to_string())
        });
        s.push('\n');
        s
    }
}

/// Advice lines are wrapped at this many characters (after the indent).
const ADVICE_WIDTH: usize = 92;

/// Greedy word wrap; a word longer than `width` gets a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        Report {
            node: Some("master1".into()),
            findings: vec![
                Finding::ok(
                    "capabilities",
                    "CAP_NET_ADMIN and CAP_NET_RAW are effective",
                ),
                Finding::fail(
                    "certificate 10.0.0.52:6443",
                    "the VIP 10.0.0.50 is not among its SANs",
                    "add it to certSANs",
                ),
                Finding::warn("vip api", "outside the subnet", "move it"),
            ],
        }
    }

    #[test]
    fn worst_and_exit() {
        let mut r = sample();
        assert_eq!(r.worst(), Severity::Fail);
        assert!(!r.passed());
        r.findings.remove(1);
        assert_eq!(r.worst(), Severity::Warn);
        assert!(r.passed(), "warnings alone do not fail");
        assert!(Report::default().passed());
    }

    #[test]
    fn text_is_aligned_with_advice_underneath() {
        let text = sample().render_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "kubegate doctor on master1");
        assert_eq!(
            lines[1],
            "ok    capabilities                CAP_NET_ADMIN and CAP_NET_RAW are effective"
        );
        assert_eq!(
            lines[2],
            "FAIL  certificate 10.0.0.52:6443  the VIP 10.0.0.50 is not among its SANs"
        );
        assert_eq!(lines[3], "      -> add it to certSANs");
        assert_eq!(
            lines[4],
            "warn  vip api                     outside the subnet"
        );
        assert_eq!(lines[5], "      -> move it");
        assert_eq!(lines[6], "1 ok, 1 warning, 1 failure");
    }

    #[test]
    fn long_advice_wraps_under_the_arrow() {
        let mut r = sample();
        r.findings[2].advice = "word ".repeat(30).trim_end().to_string();
        let text = r.render_text();
        let advice: Vec<&str> = text.lines().skip(5).take(2).collect();
        assert_eq!(
            advice[0],
            format!("      -> {}", "word ".repeat(18).trim_end())
        );
        assert_eq!(
            advice[1],
            format!("         {}", "word ".repeat(12).trim_end())
        );
        assert_eq!(wrap("a verylongword b", 4), ["a", "verylongword", "b"]);
    }

    #[test]
    fn json_carries_severity_and_omits_empty_advice() {
        let v: serde_json::Value = serde_json::from_str(&sample().render_json()).unwrap();
        assert_eq!(v["node"], "master1");
        assert_eq!(v["findings"][1]["severity"], "fail");
        assert_eq!(v["findings"][1]["subject"], "certificate 10.0.0.52:6443");
        assert_eq!(v["findings"][1]["advice"], "add it to certSANs");
        assert!(v["findings"][0].get("advice").is_none());
    }
}

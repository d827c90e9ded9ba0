//! haproxy's health checks as kubegate's `check:`. `check` on servers is a TCP connect unless
//! `option httpchk` / `http-check send` make it HTTP (HTTPS with `check-ssl`). When `check` is
//! written without timings, haproxy's own values (inter 2s, rise 2, fall 3) are written out so
//! the backends are judged as before (kubegate's defaults differ: fall 2).

use std::time::Duration;

use super::pool::Kept;
use super::proxy::Proxy;
use crate::draft::{DraftCheck, DraftCheckKind};
use crate::notes::Notes;

/// haproxy's `inter` when none is written.
const INTER: Duration = Duration::from_secs(2);
/// haproxy's `rise` when none is written.
const RISE: u32 = 2;
/// haproxy's `fall` when none is written.
const FALL: u32 = 3;
/// Most status codes a range may name (`statuses` is a list).
const MAX_STATUSES: usize = 20;

/// The check of a pool; `None` when no server had `check` (kubegate's default TCP check).
pub fn read(
    title: &str,
    section_line: usize,
    back: &Proxy,
    kept: &[Kept],
    notes: &mut Notes,
) -> Option<DraftCheck> {
    let checked: Vec<&Kept> = kept.iter().filter(|k| k.params.check).collect();
    let Some(first) = checked.first() else {
        if !kept.is_empty() {
            notes.assumed(
                section_line,
                format!(
                    "no server of `{title}` has `check`: haproxy sent them connections \
                     unchecked; kubegate always checks its backends (a TCP connect every 2s; \
                     `check: {{ https: /readyz }}` for apiservers)"
                ),
            );
        }
        return None;
    };
    let p = &first.params;
    let timing = |k: &Kept| (k.params.inter, k.params.rise, k.params.fall);
    if let Some(other) = checked.iter().find(|k| timing(k) != timing(first)) {
        notes.assumed(
            other.line,
            format!(
                "servers of `{title}` check with different inter/rise/fall; kubegate checks the \
                 backends of a frontend alike: took those of server {} (line {})",
                first.name, first.line
            ),
        );
    }
    if let Some(port) = &p.check_port {
        notes.assumed(
            first.line,
            format!(
                "checks went to port {port}; kubegate checks each backend's own address and port"
            ),
        );
    }
    let s = &back.settings;
    let kind = match &s.httpchk {
        Some(h) => {
            let path = match kubegate_config::check_path(&h.value.path) {
                Ok(()) => h.value.path.clone(),
                Err(why) => {
                    notes.assumed(h.line, format!("the check path: {why}; checking / instead"));
                    "/".into()
                }
            };
            if h.value.method != "GET" {
                notes.assumed(
                    h.line,
                    format!(
                        "haproxy checked with {} {path}; kubegate checks with GET {path}",
                        h.value.method
                    ),
                );
            }
            if p.check_ssl {
                DraftCheckKind::Https { path }
            } else {
                DraftCheckKind::Http { path }
            }
        }
        None => {
            if let Some(o) = &s.other_check {
                notes.assumed(
                    o.line,
                    format!(
                        "`{}` becomes a TCP connect check; for apiservers use \
                         `check: {{ https: /readyz }}`",
                        o.value
                    ),
                );
            } else if p.check_ssl {
                notes.assumed(
                    first.line,
                    "`check-ssl` without `option httpchk` (a TLS handshake) becomes a TCP \
                     connect check; for apiservers use `check: { https: /readyz }`",
                );
            }
            DraftCheckKind::Tcp
        }
    };
    let statuses = match (&kind, &s.expect) {
        (DraftCheckKind::Tcp, _) => Vec::new(),
        (_, Some(e)) => statuses(&e.value).unwrap_or_else(|why| {
            notes.assumed(e.line, why);
            Vec::new()
        }),
        (_, None) => {
            let line = s.httpchk.as_ref().map_or(section_line, |h| h.line);
            notes.assumed(
                line,
                "haproxy accepted any 2xx or 3xx answer to the check; kubegate accepts 200 \
                 (add `statuses` for others)",
            );
            Vec::new()
        }
    };
    Some(DraftCheck {
        kind,
        interval: Some(p.inter.unwrap_or(INTER)),
        timeout: s.check_timeout.as_ref().map(|t| t.value),
        rise: Some(p.rise.unwrap_or(RISE).clamp(1, 1000)),
        fall: Some(p.fall.unwrap_or(FALL).clamp(1, 1000)),
        statuses,
        ca_file: None,
    })
}

/// `http-check expect status 200` (`200,401`, `200-204`); other matches cannot be imported.
fn statuses(expect: &[String]) -> Result<Vec<u16>, String> {
    let words: Vec<&str> = expect.iter().map(String::as_str).collect();
    let unusable = || {
        format!(
            "`http-check expect {}` left out: kubegate matches status codes only; it accepts 200 \
             (add `statuses` for others)",
            words.join(" ")
        )
    };
    let ["status", list] = words.as_slice() else {
        return Err(unusable());
    };
    let mut out = Vec::new();
    for part in list.split(',') {
        let (lo, hi) = part.split_once('-').unwrap_or((part, part));
        let (Ok(lo), Ok(hi)) = (lo.parse::<u16>(), hi.parse::<u16>()) else {
            return Err(unusable());
        };
        if !(100..=599).contains(&lo) || !(100..=599).contains(&hi) || lo > hi {
            return Err(unusable());
        }
        out.extend(lo..=hi);
        if out.len() > MAX_STATUSES {
            return Err(format!(
                "`http-check expect {}` names more than {MAX_STATUSES} codes; kubegate lists \
                 them one by one: it accepts 200 (add `statuses` for others)",
                words.join(" ")
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn expected_statuses() {
        assert_eq!(statuses(&w("status 200")), Ok(vec![200]));
        assert_eq!(
            statuses(&w("status 200,401-403")),
            Ok(vec![200, 401, 402, 403])
        );
        assert!(statuses(&w("status 200-399"))
            .unwrap_err()
            .contains("more than 20"));
        assert!(statuses(&w("string ok"))
            .unwrap_err()
            .contains("status codes only"));
        assert!(statuses(&w("! status 500")).is_err());
        assert!(statuses(&w("rstatus ^2")).is_err());
        assert!(statuses(&w("status 99")).is_err());
        assert!(statuses(&w("status 300-200")).is_err());
    }
}

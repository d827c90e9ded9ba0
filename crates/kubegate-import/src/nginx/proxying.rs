//! The `proxy_*` settings of an nginx stream (inherited) or server block that kubegate has:
//! `proxy_timeout` → idle, `proxy_connect_timeout` → connect, `proxy_protocol on`,
//! `proxy_next_upstream off` / `proxy_next_upstream_tries N` → retries.

use std::time::Duration;

use super::tree::Directive;
use crate::draft::DraftTimeouts;
use crate::durations;
use crate::notes::{idle_kept, Notes};

/// kubegate's highest `retries`.
const MAX_RETRIES: u32 = 10;

/// The `proxy_*` settings of a stream or server block; `(value, line)`.
#[derive(Debug, Clone, Default)]
pub struct Proxying {
    pub connect: Option<(Duration, usize)>,
    pub idle: Option<(Duration, usize)>,
    pub proxy_protocol: bool,
    pub retries: Option<u32>,
}

impl Proxying {
    /// Applies `d` if it is a `proxy_*` setting kubegate has; false otherwise.
    pub fn apply(&mut self, d: &Directive, notes: &mut Notes) -> bool {
        match d.name.as_str() {
            "proxy_timeout" => self.idle = time(d, notes).or(self.idle),
            "proxy_connect_timeout" => self.connect = time(d, notes).or(self.connect),
            "proxy_protocol" => self.proxy_protocol = d.arg(0) == "on",
            "proxy_next_upstream" if d.arg(0) == "off" => self.retries = Some(0),
            "proxy_next_upstream" => {}
            "proxy_next_upstream_tries" => self.retries = tries(d, notes).or(self.retries),
            "proxy_ssl" if d.arg(0) == "on" => notes.error(
                d.line,
                "`proxy_ssl on` makes nginx open TLS to the backends; kubegate passes bytes \
                 through unchanged: remove it so the client's TLS reaches the backends end to end",
            ),
            _ => return false,
        }
        true
    }
}

fn time(d: &Directive, notes: &mut Notes) -> Option<(Duration, usize)> {
    match durations::nginx(d.arg(0)) {
        Ok(t) if !t.is_zero() => Some((t, d.line)),
        Ok(_) => {
            notes.error(
                d.line,
                format!("`{}` is zero; write a time like 10s", d.name),
            );
            None
        }
        Err(why) => {
            notes.error(d.line, format!("`{}`: {why}", d.name));
            None
        }
    }
}

/// `proxy_next_upstream_tries N`: N tries in all, so N - 1 retries; 0 = no limit.
fn tries(d: &Directive, notes: &mut Notes) -> Option<u32> {
    match d.arg(0).parse::<u32>() {
        Ok(0) => None,
        Ok(n) if n - 1 > MAX_RETRIES => {
            notes.assumed(
                d.line,
                format!(
                    "`proxy_next_upstream_tries {n}` is {} retries, above kubegate's \
                     {MAX_RETRIES}: imported as `retries: {MAX_RETRIES}`",
                    n - 1
                ),
            );
            Some(MAX_RETRIES)
        }
        Ok(n) => Some(n - 1),
        Err(_) => {
            notes.error(
                d.line,
                format!(
                    "`proxy_next_upstream_tries` needs a whole number, found {:?}",
                    d.arg(0)
                ),
            );
            None
        }
    }
}

/// `proxy_timeout` → idle, `proxy_connect_timeout` → connect; unset ones keep kubegate's
/// defaults, said in one note.
pub fn timeouts(line: usize, p: &Proxying, notes: &mut Notes) -> DraftTimeouts {
    let mut unset = Vec::new();
    if p.idle.is_none() {
        unset.push("no `proxy_timeout`: nginx closed connections quiet for 10m, kubegate's idle timeout is 1h");
    }
    if p.connect.is_none() {
        unset.push("no `proxy_connect_timeout`: nginx waited 60s for a backend to accept, kubegate waits 3s and tries another");
    }
    if !unset.is_empty() {
        notes.assumed(
            line,
            format!("{}; kubegate's defaults apply", unset.join("; ")),
        );
    }
    DraftTimeouts {
        connect: p.connect.map(|c| c.0),
        idle: p.idle.map(|(idle, at)| idle_kept(idle, at, notes)),
    }
}

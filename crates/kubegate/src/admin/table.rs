//! `kubegate status` in a terminal: the VIPs, BGP mode (`table_bgp`), each frontend with its backends, and the last
//! events, as compact aligned tables (no colours: it is read in logs and over ssh too).

use std::fmt::Write;

use super::snapshot::{BackendState, Status, VipState};

/// How many events the table shows (the JSON has them all).
pub const EVENTS_IN_TABLE: usize = 10;

/// Rows of cells, aligned on the widest cell of each column, two spaces apart.
pub(crate) fn aligned(rows: &[Vec<String>], indent: &str) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = indent.to_string();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ", w = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `1.2 KiB`, `3.4 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `45s`, `12m`, `3h05m`, `2d04h`.
pub fn ago(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

fn vip_state(s: VipState) -> &'static str {
    match s {
        VipState::Init => "init",
        VipState::Backup => "backup",
        VipState::Master => "MASTER",
        VipState::Fault => "FAULT",
        VipState::Stopped => "stopped",
    }
}

pub fn backend_state(s: BackendState) -> &'static str {
    match s {
        BackendState::Up => "up",
        BackendState::Down => "DOWN",
        BackendState::Drain => "drain",
        BackendState::Maint => "MAINT",
        BackendState::GoingUp => "going up",
        BackendState::GoingDown => "going down",
    }
}

/// The whole table.
pub fn render(s: &Status) -> String {
    let mut out = format!(
        "kubegate {} on {}, up {}\n",
        s.version,
        s.node.as_deref().unwrap_or("(no node: frontends only)"),
        ago(s.now_ms.saturating_sub(s.started_ms))
    );
    out.push_str(&config_line(s));
    if !s.vips.is_empty() {
        out.push('\n');
        let mut rows = vec![vec![
            "VIP".to_string(),
            "ADDRESS".into(),
            "STATE".into(),
            "PRIO".into(),
            "MASTER".into(),
            "SINCE".into(),
            "WHY".into(),
        ]];
        for v in &s.vips {
            rows.push(vec![
                v.name.clone(),
                format!("{} {} vrid {}", v.address, v.interface, v.vrid),
                vip_state(v.state).to_string(),
                format!("{}/{}", v.priority, v.base_priority),
                v.master.clone().unwrap_or_else(|| "-".into()),
                ago(s.now_ms.saturating_sub(v.since_ms)),
                if v.reasons.is_empty() {
                    "-".into()
                } else {
                    v.reasons.join("; ")
                },
            ]);
        }
        out.push_str(&aligned(&rows, ""));
    }
    out.push_str(&super::table_bgp::render(s));
    for f in &s.frontends {
        let _ = writeln!(
            out,
            "\nfrontend {} on {} ({}): {} open, {} total, in {}, out {}{}",
            f.name,
            f.bind,
            f.balance,
            f.sessions_current,
            f.sessions_total,
            bytes(f.bytes_in),
            bytes(f.bytes_out),
            refused(f.refused_no_backend + f.refused_limit + f.connect_failed)
        );
        let mut rows = vec![vec![
            "BACKEND".to_string(),
            "STATE".into(),
            "OPEN".into(),
            "TOTAL".into(),
            "IN".into(),
            "OUT".into(),
            "FAILS".into(),
            "LAST CHECK".into(),
        ]];
        for b in &f.backends {
            rows.push(vec![
                b.address.clone(),
                match b.state {
                    BackendState::Drain | BackendState::Maint => {
                        format!("{} (operator)", backend_state(b.state))
                    }
                    _ => backend_state(b.state).to_string(),
                },
                b.sessions_current.to_string(),
                b.sessions_total.to_string(),
                bytes(b.bytes_in),
                bytes(b.bytes_out),
                b.connect_failures.to_string(),
                b.last_check.as_ref().map_or("-".to_string(), |c| {
                    format!(
                        "{} ({} ago)",
                        c.detail,
                        ago(s.now_ms.saturating_sub(c.at_ms))
                    )
                }),
            ]);
        }
        out.push_str(&aligned(&rows, "  "));
    }
    if !s.events.is_empty() {
        out.push_str("\nrecent events\n");
        let skip = s.events.len().saturating_sub(EVENTS_IN_TABLE);
        let rows: Vec<Vec<String>> = s.events[skip..]
            .iter()
            .map(|e| {
                vec![
                    format!("{} ago", ago(s.now_ms.saturating_sub(e.at_ms))),
                    e.subject.clone(),
                    e.message.clone(),
                ]
            })
            .collect();
        out.push_str(&aligned(&rows, "  "));
    }
    out
}

fn refused(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(", {n} refused or failed")
    }
}

/// `config /etc/kubegate.yaml, fingerprint 3f2a…, loaded 5m ago` and, when the last reload
/// was rejected, that and its first error.
fn config_line(s: &Status) -> String {
    let c = &s.config;
    if c.path.is_empty() {
        return String::new();
    }
    let mut line = format!(
        "config {}, fingerprint {}, loaded {} ago",
        c.path,
        c.fingerprint,
        ago(s.now_ms.saturating_sub(c.loaded_ms))
    );
    if let (false, Some(at)) = (c.last_reload_ok, c.last_reload_ms) {
        let first = c
            .last_reload_error
            .as_deref()
            .and_then(|e| e.lines().next())
            .unwrap_or("");
        line.push_str(&format!(
            "; LAST RELOAD REJECTED {} ago (running the config above): {first}",
            ago(s.now_ms.saturating_sub(at))
        ));
    }
    line.push('\n');
    line
}

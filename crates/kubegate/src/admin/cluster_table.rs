//! `kubegate status --cluster` in a terminal: the nodes (endpoint, config fingerprint), each
//! VIP and each backend with one column per node, then the drift, or a line saying there is
//! none.

use std::fmt::Write;

use super::cluster::{ClusterView, VipCell};
use super::snapshot::VipState;
use super::table::{aligned, backend_state};

/// The whole table.
pub fn render(v: &ClusterView) -> String {
    let mut out = String::new();
    let mut rows = vec![vec![
        "NODE".to_string(),
        "ADMIN".into(),
        "VERSION".into(),
        "CONFIG".into(),
    ]];
    for n in &v.nodes {
        rows.push(vec![
            n.name.clone(),
            n.admin.clone(),
            n.version.clone().unwrap_or_else(|| "-".into()),
            match (&n.fingerprint, &n.error) {
                (Some(fp), _) if n.last_reload_ok == Some(false) => {
                    format!("{fp} (last reload rejected)")
                }
                (Some(fp), _) => fp.clone(),
                (None, Some(e)) => format!("UNREACHABLE: {e}"),
                (None, None) => "-".into(),
            },
        ]);
    }
    out.push_str(&aligned(&rows, ""));
    let names = || v.nodes.iter().map(|n| n.name.clone());
    if !v.vips.is_empty() {
        out.push('\n');
        let mut rows = vec![std::iter::once("VIP".to_string()).chain(names()).collect()];
        for vip in &v.vips {
            rows.push(
                std::iter::once(vip.name.clone())
                    .chain(
                        vip.cells
                            .iter()
                            .map(|c| c.as_ref().map_or("-".into(), vip_cell)),
                    )
                    .collect(),
            );
        }
        out.push_str(&aligned(&rows, ""));
    }
    if !v.backends.is_empty() {
        out.push('\n');
        let mut rows = vec![std::iter::once("BACKEND".to_string())
            .chain(names())
            .collect::<Vec<_>>()];
        for b in &v.backends {
            rows.push(
                std::iter::once(format!("{}/{}", b.frontend, b.backend))
                    .chain(
                        b.states
                            .iter()
                            .map(|s| s.map_or("-".into(), |s| backend_state(s).to_string())),
                    )
                    .collect(),
            );
        }
        out.push_str(&aligned(&rows, ""));
    }
    out.push('\n');
    if v.drift.is_empty() {
        out.push_str("no drift: every node answered, runs the same config and agrees\n");
    } else {
        let _ = writeln!(out, "DRIFT ({})", v.drift.len());
        for d in &v.drift {
            let _ = writeln!(out, "  {}", d.message);
        }
    }
    out
}

/// `MASTER 150/150`, `backup 100/150 (frontend api: no ready backend (-50))`.
fn vip_cell(c: &VipCell) -> String {
    let state = match c.state {
        VipState::Master => "MASTER",
        VipState::Backup => "backup",
        VipState::Fault => "FAULT",
        VipState::Init => "init",
        VipState::Stopped => "stopped",
    };
    let mut s = format!("{state} {}/{}", c.priority, c.base_priority);
    if !c.reasons.is_empty() {
        let _ = write!(s, " ({})", c.reasons.join("; "));
    }
    s
}

//! A reload (SIGHUP, `kubegate reload`, or [`super::Control::reload`]): parse → validate →
//! diff (`kubegate_config::changes`) → apply, without a restart: the frontends, the VIPs
//! (added, removed or replaced after a handover, or given their new settings live; see
//! `vip_set`) and the admin endpoint (`admin_rebind`). On any error before applying, the
//! running config is kept. Operator states (backend drain/maint, VIP handovers) are kept; a
//! backend or VIP the file no longer has takes its state with it. The summary lists what
//! changed and how; it is logged, published as an event and in the config status
//! (`/metrics`, `/api/v1/status`), and answered to `kubegate reload`.

use std::path::Path;
use std::time::SystemTime;

use kubegate_config::changes::changes;
use kubegate_config::model::{ClusterConfig, Node};

use super::admin_rebind::{After, Endpoint};
use super::bgp_vips::BgpVips;
use super::control::ReloadOutcome;
use super::frontends::Frontends;
use super::vip_set::VipSet;
use crate::admin::gather::epoch_ms;
use crate::admin::hub::Hub;
use crate::admin::snapshot::EventKind;

/// The subject of reload events.
pub const SUBJECT: &str = "reload";

/// What a reload acts on.
pub struct Running<'a> {
    pub cluster: &'a mut ClusterConfig,
    pub frontends: &'a mut Frontends,
    pub vips: &'a mut VipSet,
    pub admin: &'a mut Endpoint,
    pub me: Option<&'a Node>,
    /// BGP mode, when it runs.
    pub bgp: Option<&'a BgpVips>,
}

/// Applies the file at `path`; `Err` says why it was rejected, one located error per line
/// (and is logged). Also what is left to do once the answer is sent (the admin endpoint).
pub fn reload(path: &Path, run: Running) -> (Result<(String, String), String>, After) {
    let (next, fingerprint) = match crate::host::read_config(path) {
        Ok(read) => read,
        Err(e) => {
            tracing::warn!("reload rejected, the running config is kept:\n{e}");
            return (Err(e.to_string()), After::Nothing);
        }
    };
    let me_name = run.me.map(|m| m.name.as_str()).unwrap_or_default();
    let mut diff = match changes(run.cluster, &next, me_name) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("reload rejected: {e}");
            return (Err(format!("{}: {e}", path.display())), After::Nothing);
        }
    };
    // What the BGP sessions need is read first (TCP-MD5 key files): a key that cannot be
    // read rejects the reload before anything changes.
    let mut bgp_lines = Vec::new();
    let bgp_plan = if diff.bgp_vips.is_empty() && diff.bgp_sessions.is_empty() {
        None
    } else {
        let runs_next = next.bgp.is_some() && !next.bgp_vips.is_empty();
        match (run.bgp, run.me, runs_next) {
            (Some(_), Some(me), true) => {
                let me = next.node(&me.name).unwrap_or(me);
                match BgpVips::plan_sessions(&next, me, &diff.bgp_sessions) {
                    Ok(plan) => Some(plan),
                    Err(e) => {
                        tracing::warn!("reload rejected, the running config is kept: {e:#}");
                        return (Err(format!("{}: {e:#}", path.display())), After::Nothing);
                    }
                }
            }
            _ => {
                diff.bgp_vips.clear();
                diff.bgp_sessions.clear();
                bgp_lines
                    .push("BGP mode starts or stops: restart kubegate to apply it".to_string());
                None
            }
        }
    };
    if let Err(e) = run.frontends.reload(&next) {
        tracing::warn!("reload rejected, the running config is kept: {e:#}");
        return (Err(format!("{}: {e:#}", path.display())), After::Nothing);
    }
    let mut unidentified = None;
    if run.me.is_none() && !diff.vips.is_empty() {
        // Started without VIPs, hence without knowing which node this is.
        diff.vips.clear();
        unidentified = Some(
            "VIPs: this daemon started without VIPs and does not know which node it is; they \
             start when kubegate restarts"
                .to_string(),
        );
    }
    if let (Some(bgp), Some(plan)) = (run.bgp, bgp_plan) {
        if let Err(e) = bgp.reload(&next, plan, &diff.bgp_vips) {
            tracing::error!("bgp: applying the reload: {e:#}");
            bgp_lines.push(format!("BGP: {e:#}"));
        }
    }
    let mut lines = diff.describe();
    lines.extend(unidentified);
    lines.extend(bgp_lines);
    lines.extend(run.vips.apply(&diff, &next));
    let mut after = After::Nothing;
    let admin = match &diff.admin {
        Some(changed) => Some(changed),
        None if !run.admin.runs(&next.admin) => Some(&next.admin),
        None => None,
    };
    if let Some(admin) = admin {
        let (line, then) = run.admin.change(admin);
        lines.extend(line);
        after = then;
    }
    let backends: usize = next.frontends.iter().map(|f| f.backends.len()).sum();
    let mut summary = format!(
        "reloaded {} (fingerprint {fingerprint}): {} frontend(s), {backends} backend(s)",
        path.display(),
        next.frontends.len(),
    );
    if lines.is_empty() {
        summary.push_str("; nothing changed");
    } else {
        summary.push_str("; ");
        summary.push_str(&lines.join("; "));
    }
    tracing::info!("{summary}");
    *run.cluster = next;
    (Ok((summary, fingerprint)), after)
}

/// The running config at start: its path and fingerprint (read again here; `unknown` if the
/// file cannot be read now).
pub fn publish_start(hub: &Hub, path: &Path) {
    let fingerprint = std::fs::read(path)
        .map(|content| crate::host::fingerprint(&content))
        .unwrap_or_else(|_| "unknown".to_string());
    hub.update_config(|c| {
        c.path = path.display().to_string();
        c.fingerprint = fingerprint;
        c.loaded_ms = epoch_ms(SystemTime::now());
        c.last_reload_ok = true;
    });
}

/// A reload's outcome in the config status and the events; what the caller is answered.
pub fn publish(hub: &Hub, outcome: Result<(String, String), String>) -> ReloadOutcome {
    let now = epoch_ms(SystemTime::now());
    match outcome {
        Ok((summary, fingerprint)) => {
            hub.update_config(|c| {
                c.fingerprint = fingerprint;
                c.loaded_ms = now;
                c.last_reload_ok = true;
                c.last_reload_ms = Some(now);
                c.last_reload_error = None;
            });
            hub.push_event(EventKind::Config, SUBJECT, format!("accepted: {summary}"));
            Ok(summary)
        }
        Err(errors) => {
            hub.update_config(|c| {
                c.last_reload_ok = false;
                c.last_reload_ms = Some(now);
                c.last_reload_error = Some(errors.clone());
            });
            hub.push_event(
                EventKind::Config,
                SUBJECT,
                format!(
                    "rejected, the running config is kept: {}",
                    errors.lines().collect::<Vec<_>>().join("; ")
                ),
            );
            Err(errors)
        }
    }
}

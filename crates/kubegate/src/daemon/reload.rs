//! A reload (SIGHUP, `kubegate reload`, or [`super::Control::reload`]): parse → validate →
//! apply the frontends; on any error the running config is kept. VIP, node and admin changes
//! wait for a restart. Operator states (backend drain/maint, VIP handovers) are kept; a
//! backend the file no longer has takes its state with it. The outcome is published as an
//! event and in the config status (`/metrics`, `/api/v1/status`).

use std::path::Path;
use std::time::SystemTime;

use kubegate_config::model::{ClusterConfig, Node};

use super::control::ReloadOutcome;
use super::frontends::Frontends;
use crate::admin::gather::epoch_ms;
use crate::admin::hub::Hub;
use crate::admin::snapshot::EventKind;

/// The subject of reload events.
pub const SUBJECT: &str = "reload";

/// Applies the file at `path`; `Err` says why it was rejected, one located error per line
/// (and is logged).
pub fn reload(
    path: &Path,
    cluster: &mut ClusterConfig,
    frontends: &mut Frontends,
    me: Option<&Node>,
) -> Result<(String, String), String> {
    let (next, fingerprint) = match crate::host::read_config(path) {
        Ok(read) => read,
        Err(e) => {
            tracing::warn!("reload rejected, the running config is kept:\n{e}");
            return Err(e.to_string());
        }
    };
    if let Err(e) = frontends.reload(&next) {
        tracing::warn!("reload rejected, the running config is kept: {e:#}");
        return Err(format!("{}: {e:#}", path.display()));
    }
    let mut later = Vec::new();
    if next.admin != cluster.admin {
        later.push("admin");
        tracing::info!("reload: admin endpoint changes take effect when kubegate restarts");
    }
    if next.vips != cluster.vips || next.nodes != cluster.nodes {
        later.push("VIP and node");
        tracing::info!(
            "reload: VIP and node changes take effect when kubegate restarts{}",
            me.map(|m| format!(" (this node: {})", m.name))
                .unwrap_or_default()
        );
    }
    let backends: usize = next.frontends.iter().map(|f| f.backends.len()).sum();
    let mut summary = format!(
        "reloaded {} (fingerprint {fingerprint}): {} frontend(s), {backends} backend(s)",
        path.display(),
        next.frontends.len(),
    );
    if !later.is_empty() {
        summary.push_str(&format!(
            "; {} changes take effect when kubegate restarts",
            later.join(" and ")
        ));
    }
    tracing::info!("{summary}");
    cluster.frontends = next.frontends;
    Ok((summary, fingerprint))
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

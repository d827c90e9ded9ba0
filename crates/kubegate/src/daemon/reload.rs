//! A reload (SIGHUP, or [`super::Control::reload`]): parse → validate → apply the frontends;
//! on any error the running config is kept. VIP, node and admin changes wait for a restart.

use std::path::Path;

use kubegate_config::model::{ClusterConfig, Node};

use super::frontends::Frontends;

/// Applies the file at `path`; `Err` says why it was rejected (and is logged).
pub fn reload(
    path: &Path,
    cluster: &mut ClusterConfig,
    frontends: &mut Frontends,
    me: Option<&Node>,
) -> Result<(), String> {
    let next = match crate::host::load_config(path) {
        Ok(next) => next,
        Err(e) => {
            tracing::warn!("reload rejected, the running config is kept:\n{e}");
            return Err(e.to_string());
        }
    };
    if let Err(e) = frontends.reload(&next) {
        tracing::warn!("reload rejected, the running config is kept: {e:#}");
        return Err(format!("{e:#}"));
    }
    if next.admin != cluster.admin {
        tracing::info!("reload: admin endpoint changes take effect when kubegate restarts");
    }
    if next.vips != cluster.vips || next.nodes != cluster.nodes {
        tracing::info!(
            "reload: VIP and node changes take effect when kubegate restarts{}",
            me.map(|m| format!(" (this node: {})", m.name))
                .unwrap_or_default()
        );
    }
    tracing::info!(
        "reloaded {}: {} frontend(s)",
        path.display(),
        next.frontends.len()
    );
    cluster.frontends = next.frontends;
    Ok(())
}

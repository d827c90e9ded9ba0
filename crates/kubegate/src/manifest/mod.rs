//! `kubegate manifest`: deployment files made from a validated config — a static pod for
//! `/etc/kubernetes/manifests`, a DaemonSet (k3s servers), a systemd unit. Output is text; the
//! caller prints it. What the files need from the config (host directories, stop timeout,
//! warnings) is worked out in `needs.rs`; the writers only lay it out.

mod needs;
mod pod;
mod systemd;
pub(crate) mod yaml;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use kubegate_config::model::ClusterConfig;

pub use needs::{stop_timeout, HostDir};

/// Which deployment file to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Pod for the kubelet's static pod directory (kubeadm masters; any node with a kubelet).
    StaticPod,
    /// A DaemonSet on the control-plane nodes (k3s servers).
    DaemonSet,
    /// A systemd service unit with `Type=notify`.
    Systemd,
}

/// How the daemon is reached for liveness: an HTTP GET on the host network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liveness {
    pub address: SocketAddr,
    pub path: String,
}

impl Liveness {
    /// The admin endpoint's default (`admin: { bind: 127.0.0.1:9099 }`) and its health path.
    pub fn admin_default() -> Liveness {
        Liveness {
            address: SocketAddr::from(([127, 0, 0, 1], 9099)),
            path: "/healthz".to_string(),
        }
    }
}

/// Everything beside the config that shapes the output.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the config file lives on the nodes: an absolute path (mounted, or given to
    /// `ExecStart`).
    pub config_path: PathBuf,
    /// Container image (pod and DaemonSet).
    pub image: String,
    /// Where the pods' liveness (`/healthz`) and readiness (`/readyz`) probes ask. `None`:
    /// the config's `admin.bind` (no probes when it is `off`).
    pub liveness: Option<Liveness>,
}

impl Options {
    /// The default image, probes from the config.
    pub fn new(config_path: impl Into<PathBuf>) -> Options {
        Options {
            config_path: config_path.into(),
            image: default_image(),
            liveness: None,
        }
    }
}

/// `ghcr.io/kubegate/kubegate:VERSION`, the version of this build.
pub fn default_image() -> String {
    format!("ghcr.io/kubegate/kubegate:{}", env!("CARGO_PKG_VERSION"))
}

/// The file's path on the nodes was unusable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ManifestError(String);

/// The deployment file of `kind` for `cluster`.
pub fn render(
    kind: Kind,
    cluster: &ClusterConfig,
    options: &Options,
) -> Result<String, ManifestError> {
    check_config_path(&options.config_path)?;
    match kind {
        Kind::StaticPod => Ok(pod::static_pod(cluster, options)),
        Kind::DaemonSet => Ok(pod::daemonset(cluster, options)),
        Kind::Systemd => {
            needs::systemd_readable(cluster, &options.config_path).map_err(ManifestError)?;
            Ok(systemd::unit(cluster, options))
        }
    }
}

/// What the user should know about deploying this config this way (for stderr).
pub fn warnings(kind: Kind, cluster: &ClusterConfig) -> Vec<String> {
    needs::warnings(kind, cluster)
}

fn check_config_path(path: &Path) -> Result<(), ManifestError> {
    if !path.is_absolute() {
        return Err(ManifestError(format!(
            "the config path on the nodes must be absolute: {}",
            path.display()
        )));
    }
    if path.to_string_lossy().chars().any(char::is_control) {
        return Err(ManifestError(format!(
            "the config path holds a control character: {path:?}"
        )));
    }
    match path.parent() {
        Some(dir) if dir != Path::new("/") => Ok(()),
        _ => Err(ManifestError(format!(
            "put the config file in a directory of its own (such as /etc/kubegate/), not in /: {}",
            path.display()
        ))),
    }
}

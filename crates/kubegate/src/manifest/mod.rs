//! `kubegate manifest`: deployment files made from a validated config — a static pod for
//! `/etc/kubernetes/manifests`, a DaemonSet (k3s servers; the config on the nodes or in a
//! ConfigMap), a systemd unit. Output is text; the caller prints it. What the files need from
//! the config (host directories, stop timeout, warnings, what cannot work in a pod) is worked
//! out in `needs.rs`; the writers only lay it out.

mod configmap;
mod needs;
mod pod;
mod systemd;
pub(crate) mod yaml;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use kubegate_config::model::ClusterConfig;

pub use configmap::{config_path as configmap_config_path, KEY as CONFIGMAP_KEY};
pub use needs::{stop_timeout, HostDir};
pub use pod::CONFIG_HASH;

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
    /// The config file's text: ship it in a ConfigMap beside the DaemonSet instead of reading
    /// it from the nodes (`config_path` then only names it in the header).
    pub config_map: Option<String>,
}

impl Options {
    /// The default image, probes from the config.
    pub fn new(config_path: impl Into<PathBuf>) -> Options {
        Options {
            config_path: config_path.into(),
            image: default_image(),
            liveness: None,
            config_map: None,
        }
    }
}

/// `ghcr.io/kubegate/kubegate:VERSION`, the version of this build: the name the image
/// archive of the packages carries.
pub fn default_image() -> String {
    crate::build_info::image()
}

/// The uid and gid the pods run as, and the image's user (`scripts/oci-image.sh` writes the
/// same number; the packaging test compares them): not root, no name needed in the image.
pub const POD_UID: u32 = 65532;

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
    check_pod_fits(kind, cluster, options)?;
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

/// What a pod cannot carry: script trackers in kubegate's own image (it holds only kubegate,
/// so the script always fails and the node loses its priority for good), a ConfigMap outside a
/// DaemonSet, or a ConfigMap mount that a host directory would cover.
fn check_pod_fits(
    kind: Kind,
    cluster: &ClusterConfig,
    options: &Options,
) -> Result<(), ManifestError> {
    if options.config_map.is_some() {
        if kind != Kind::DaemonSet {
            return Err(ManifestError(
                "--configmap goes with `daemonset` only: a static pod and a systemd unit run \
                 without the API server, so they read the config file from the node"
                    .to_string(),
            ));
        }
        let dir = configmap::config_path();
        let dir = dir.parent().unwrap_or(Path::new("/"));
        if let Some(file) = needs::clash_with(cluster, dir) {
            return Err(ManifestError(format!(
                "{} is too close to {} where the ConfigMap is mounted: move it to another \
                 directory (such as /etc/kubegate/)",
                file.display(),
                dir.display()
            )));
        }
    }
    let in_pod = matches!(kind, Kind::StaticPod | Kind::DaemonSet);
    let scripts = needs::script_trackers(cluster);
    if in_pod && options.image == default_image() && !scripts.is_empty() {
        let list = scripts
            .iter()
            .map(|(vip, script)| format!("vip {vip}: track script `{script}`"))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ManifestError(format!(
            "{list}: the pod would run it in the image {}, which holds only kubegate (no shell, \
             no other programs), so it would always fail and the node would lose its priority \
             for good. Use `tcp:` or `frontend:` trackers instead, deploy with \
             `kubegate manifest systemd`, or name an image that holds the script and what it \
             calls with --image",
            options.image
        )));
    }
    Ok(())
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

//! What a deployment of one config needs from the host: the directories of the files it reads,
//! how long a stop may take, and what will not work the chosen way (warnings). Pure.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Kind;
use kubegate_config::model::{CheckKind, ClusterConfig, TrackerKind};

/// Time allowed beyond the handover and the drain: process exit, a loaded host.
const STOP_MARGIN: Duration = Duration::from_secs(10);

/// Directories the unit does not show the daemon: `ProtectHome=yes` hides /home, /root and
/// /run/user; `PrivateTmp=yes` gives it empty /tmp and /var/tmp.
const HIDDEN_FROM_UNIT: &[&str] = &["/home", "/root", "/run/user", "/tmp", "/var/tmp"];

/// A host directory the daemon reads, mounted read-only at the same path in a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostDir {
    /// Volume name: `config` for the config file's directory, `files-N` for the others.
    pub name: String,
    pub path: PathBuf,
}

/// The config file's directory first, then the directories of the TLS files the health checks
/// read, the admin token and the BGP peers' TCP-MD5 keys (absolute paths only; relative ones
/// are warned about). A directory inside another one
/// on the list is not mounted twice.
pub fn host_dirs(cluster: &ClusterConfig, config_path: &Path) -> Vec<HostDir> {
    let config_dir = config_path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let mut dirs: Vec<PathBuf> = vec![config_dir];
    let md5_keys = cluster
        .bgp
        .iter()
        .flat_map(|b| b.peers.iter().filter_map(|p| p.password_file.as_deref()));
    for file in tls_files(cluster)
        .chain(cluster.admin.token_file.as_deref())
        .chain(md5_keys)
    {
        let Some(dir) = file.parent().filter(|_| file.is_absolute()) else {
            continue;
        };
        if dirs.iter().any(|d| dir.starts_with(d)) {
            continue;
        }
        // A new ancestor of directories already listed replaces them; the config's keeps the
        // first place (and the name `config`).
        let config_replaced = dirs[0].starts_with(dir);
        dirs.retain(|d| !d.starts_with(dir));
        if config_replaced {
            dirs.insert(0, dir.to_path_buf());
        } else {
            dirs.push(dir.to_path_buf());
        }
    }
    dirs.into_iter()
        .enumerate()
        .map(|(i, path)| HostDir {
            name: if i == 0 {
                "config".to_string()
            } else {
                format!("files-{i}")
            },
            path,
        })
        .collect()
}

/// How long stopping may take: every VIP's handover (they run side by side; each ends within
/// `handover_bound`: the offer to healthy nodes, then the wait after the priority-0 advert;
/// BGP VIPs' withdrawal and the routers' pause beside them)
/// then the longest `timeouts.drain` of the
/// frontends, plus a margin; whole seconds, rounded up. systemd's `TimeoutStopSec` and the pod's
/// `terminationGracePeriodSeconds` must not cut the drain short.
pub fn stop_timeout(cluster: &ClusterConfig) -> Duration {
    let handover = cluster
        .vips
        .iter()
        .map(kubegate_config::handover::handover_bound)
        .max()
        .unwrap_or_default();
    let drain = cluster
        .frontends
        .iter()
        .map(|f| f.timeouts.drain)
        .max()
        .unwrap_or_default();
    // BGP VIPs are withdrawn beside the handovers, then the routers get their pause.
    let withdraw = if cluster.bgp_vips.is_empty() {
        Duration::ZERO
    } else {
        crate::daemon::bgp_vips::STOP_BOUND
    };
    let total = handover.max(withdraw) + drain + STOP_MARGIN;
    Duration::from_secs(total.as_secs() + u64::from(total.subsec_nanos() > 0))
}

/// Every file the daemon reads must be visible inside the unit's sandbox.
pub fn systemd_readable(cluster: &ClusterConfig, config_path: &Path) -> Result<(), String> {
    let hidden = |p: &Path| HIDDEN_FROM_UNIT.iter().any(|h| p.starts_with(h));
    let files = std::iter::once(config_path)
        .chain(tls_files(cluster))
        .chain(cluster.admin.token_file.as_deref());
    match files.into_iter().find(|p| hidden(p)) {
        Some(p) => Err(format!(
            "{} is under {}, which the unit hides from the daemon (ProtectHome=yes, \
             PrivateTmp=yes): put it elsewhere, for example in /etc/kubegate/",
            p.display(),
            HIDDEN_FROM_UNIT.join(", ")
        )),
        None => Ok(()),
    }
}

/// The `(vip, script)` of every script tracker: programs the kubegate image does not hold.
pub fn script_trackers(cluster: &ClusterConfig) -> Vec<(&str, &str)> {
    cluster
        .vips
        .iter()
        .flat_map(|v| {
            v.track.iter().filter_map(move |t| match &t.kind {
                TrackerKind::Script(s) => Some((v.name.as_str(), s.as_str())),
                _ => None,
            })
        })
        .collect()
}

/// A file the daemon reads from the host whose directory is, contains or lies inside `dir`
/// (where the ConfigMap is mounted): the two mounts would hide each other.
pub fn clash_with(cluster: &ClusterConfig, dir: &Path) -> Option<PathBuf> {
    tls_files(cluster)
        .chain(cluster.admin.token_file.as_deref())
        .filter(|f| f.is_absolute())
        .find(|f| {
            let parent = f.parent().unwrap_or(Path::new("/"));
            parent.starts_with(dir) || dir.starts_with(parent)
        })
        .map(Path::to_path_buf)
}

/// What will not work, or needs care, when this config is deployed as `kind`.
pub fn warnings(kind: Kind, cluster: &ClusterConfig) -> Vec<String> {
    let in_pod = matches!(kind, Kind::StaticPod | Kind::DaemonSet);
    let mut out = Vec::new();
    for vip in &cluster.vips {
        let scripts = vip.track.iter().filter_map(|t| match &t.kind {
            TrackerKind::Script(s) => Some(format!("track script `{s}`")),
            _ => None,
        });
        let notify = vip
            .notify
            .iter()
            .map(|n| format!("notify `{}`", n.display()));
        for program in scripts.chain(notify) {
            out.push(if in_pod {
                format!(
                    "vip {}: {program} would run inside the container, and kubegate's own \
                     image holds only kubegate (no shell, no other programs): use `tcp:` or \
                     `frontend:` trackers and no notify, the systemd unit, or an image that \
                     holds the program",
                    vip.name
                )
            } else {
                format!(
                    "vip {}: {program} runs as the user {} with a read-only file system \
                     (ProtectSystem=strict) and only the unit's capabilities: `killall -0` of \
                     another user's process fails there (use `pgrep -x NAME`)",
                    vip.name,
                    super::systemd::USER
                )
            });
        }
    }
    for file in tls_files(cluster).filter(|f| !f.is_absolute()) {
        out.push(format!(
            "{} is a relative path: the daemon reads it relative to its working directory (/); \
             write it as an absolute path",
            file.display()
        ));
    }
    // The daemon is not root: what it reads must be readable by its user.
    let (user, owner) = if in_pod {
        let uid = super::POD_UID;
        (format!("uid {uid}, which the pod runs as"), uid.to_string())
    } else {
        let user = super::systemd::USER;
        (
            format!("the user {user}, which the unit runs as"),
            user.to_string(),
        )
    };
    let secrets = tls_files(cluster).chain(cluster.admin.token_file.as_deref());
    for file in secrets.filter(|f| f.is_absolute()) {
        out.push(format!(
            "{file} must be readable by {user}: chgrp {owner} {file} && chmod g+r {file}",
            file = file.display(),
        ));
    }
    if kind == Kind::DaemonSet && cluster.vips.is_empty() {
        out.push(
            "this file has frontends only (a node-local balancer): a DaemonSet starts only once \
             the node reaches the API server, which is what the balancer is for; use static-pod \
             or systemd"
                .to_string(),
        );
    }
    out
}

/// The files the HTTPS checks read.
fn tls_files(cluster: &ClusterConfig) -> impl Iterator<Item = &Path> {
    cluster.frontends.iter().flat_map(|f| {
        let tls = match &f.check.kind {
            CheckKind::Http { tls: Some(tls), .. } => Some(tls),
            _ => None,
        };
        tls.into_iter().flat_map(|t| {
            [&t.ca_file, &t.client_cert, &t.client_key]
                .into_iter()
                .flatten()
                .map(PathBuf::as_path)
        })
    })
}

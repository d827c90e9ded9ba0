//! The VIP in every apiserver certificate: which backends are apiservers, which names their
//! certificate must hold, the SubjectAltNames of a certificate, and the finding per apiserver.
//!
//! The apiservers are, in this order, without repeats:
//! - every backend of a frontend whose check is HTTPS (`check: { https: /readyz }`);
//! - every other backend on port 6443 (the apiserver's port);
//! - when the file has VIPs and no frontends at all (a VIP straight onto the apiservers, as
//!   keepalived alone does it), each node's address on port 6443;
//! - each `--apiserver ADDR:PORT` given.
//!
//! The names clients use, which each certificate must therefore hold:
//! - the VIPs the apiserver frontends bind (all VIPs when one binds a wildcard address, or
//!   when no frontend fronts an apiserver), as IP SANs;
//! - the specific bind address of an apiserver frontend that is not a VIP (a node-local
//!   balancer on 127.0.0.1:6443), as an IP SAN;
//! - the `server_name` of an apiserver frontend's check, as a DNS SAN.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use super::finding::Finding;
use kubegate_config::model::{CheckKind, ClusterConfig, Frontend, Vip};

/// Port kube-apiserver listens on by default.
pub const APISERVER_PORT: u16 = 6443;

/// One apiserver to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apiserver {
    pub address: SocketAddr,
    /// SNI to send (the check's `server_name`), if any.
    pub server_name: Option<String>,
}

/// A name the certificates must hold, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub name: SanName,
    /// `VIP api`, `bind address of frontend local`.
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SanName {
    Ip(IpAddr),
    Dns(String),
}

impl std::fmt::Display for SanName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SanName::Ip(ip) => write!(f, "{ip}"),
            SanName::Dns(name) => f.write_str(name),
        }
    }
}

/// The SubjectAltNames of one certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sans {
    pub ips: Vec<IpAddr>,
    pub dns: Vec<String>,
}

fn https_checked(f: &Frontend) -> bool {
    matches!(&f.check.kind, CheckKind::Http { tls: Some(_), .. })
}

fn fronts_apiservers(f: &Frontend) -> bool {
    https_checked(f)
        || f.backends
            .iter()
            .any(|b| b.address.port() == APISERVER_PORT)
}

fn check_server_name(f: &Frontend) -> Option<String> {
    match &f.check.kind {
        CheckKind::Http { tls: Some(t), .. } => t.server_name.clone(),
        _ => None,
    }
}

/// The apiservers of the file (see the module comment for the rule), then `extra`.
pub fn apiservers(cfg: &ClusterConfig, extra: &[SocketAddr]) -> Vec<Apiserver> {
    let mut out: Vec<Apiserver> = Vec::new();
    let mut push = |address: SocketAddr, server_name: Option<String>| {
        if !out.iter().any(|a| a.address == address) {
            out.push(Apiserver {
                address,
                server_name,
            });
        }
    };
    for f in &cfg.frontends {
        let all = https_checked(f);
        for b in &f.backends {
            if all || b.address.port() == APISERVER_PORT {
                push(b.address, check_server_name(f));
            }
        }
    }
    if cfg.frontends.is_empty() && !cfg.vips.is_empty() {
        for n in &cfg.nodes {
            push(SocketAddr::new(n.address, APISERVER_PORT), None);
        }
    }
    for a in extra {
        push(*a, None);
    }
    out
}

/// The names every apiserver certificate must hold (see the module comment).
pub fn wanted(cfg: &ClusterConfig) -> Vec<Wanted> {
    let mut out: Vec<Wanted> = Vec::new();
    let mut push = |name: SanName, why: String| {
        if !out.iter().any(|w| w.name == name) {
            out.push(Wanted { name, why });
        }
    };
    let fronting: Vec<&Frontend> = cfg
        .frontends
        .iter()
        .filter(|f| fronts_apiservers(f))
        .collect();
    let all_vips = fronting.is_empty() || fronting.iter().any(|f| f.bind.ip().is_unspecified());
    let is_vip = |vip: &Vip, ip: IpAddr| vip.addresses().iter().any(|&(a, _)| a == ip);
    for vip in &cfg.vips {
        for (address, _) in vip.addresses() {
            if all_vips || fronting.iter().any(|f| f.bind.ip() == address) {
                push(SanName::Ip(address), format!("VIP {}", vip.name));
            }
        }
    }
    for f in &fronting {
        let ip = f.bind.ip();
        if !ip.is_unspecified() && !cfg.vips.iter().any(|v| is_vip(v, ip)) {
            push(
                SanName::Ip(ip),
                format!("bind address of frontend {}", f.name),
            );
        }
        if let Some(name) = check_server_name(f) {
            push(
                SanName::Dns(name.to_ascii_lowercase()),
                format!("server_name of frontend {}'s check", f.name),
            );
        }
    }
    out
}

/// The SubjectAltNames of a DER certificate. A certificate without the extension has none.
pub fn sans_of(der: &[u8]) -> Result<Sans, String> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("unreadable certificate: {e}"))?;
    let mut sans = Sans::default();
    let ext = cert
        .subject_alternative_name()
        .map_err(|e| format!("unreadable subjectAltName: {e}"))?;
    for name in ext.iter().flat_map(|e| e.value.general_names.iter()) {
        match name {
            GeneralName::DNSName(n) => sans.dns.push(n.to_ascii_lowercase()),
            GeneralName::IPAddress(bytes) => {
                if let Ok(b) = <[u8; 4]>::try_from(*bytes) {
                    sans.ips.push(IpAddr::from(b));
                } else if let Ok(b) = <[u8; 16]>::try_from(*bytes) {
                    sans.ips.push(IpAddr::from(b));
                }
            }
            _ => {}
        }
    }
    Ok(sans)
}

/// Whether `sans` holds `name`: an IP SAN equal to the address, or a DNS SAN equal to the name
/// (case-insensitive) or a `*.` wildcard covering its first label (RFC 6125 §6.4.3).
pub fn holds(sans: &Sans, name: &SanName) -> bool {
    match name {
        SanName::Ip(ip) => sans.ips.contains(ip),
        SanName::Dns(n) => {
            let n = n.to_ascii_lowercase();
            sans.dns.iter().any(|d| {
                *d == n
                    || d.strip_prefix("*.").is_some_and(|suffix| {
                        n.split_once('.').is_some_and(|(_, rest)| rest == suffix)
                    })
            })
        }
    }
}

fn subject(a: &Apiserver) -> String {
    format!("certificate {}", a.address)
}

fn listing(sans: &Sans) -> String {
    let mut all: Vec<String> = sans.ips.iter().map(IpAddr::to_string).collect();
    all.extend(sans.dns.iter().cloned());
    if all.is_empty() {
        "none".into()
    } else {
        all.join(", ")
    }
}

/// The advice for names missing from an apiserver certificate.
pub fn regenerate_advice(missing: &[&Wanted]) -> String {
    let names: Vec<String> = missing.iter().map(|w| w.name.to_string()).collect();
    let list = names.join(", ");
    let k3s: Vec<String> = names.iter().map(|n| format!("--tls-san {n}")).collect();
    format!(
        "add {list} to the apiserver certificate. kubeadm: list it under `apiServer.certSANs` in \
         the ClusterConfiguration, then on each control-plane node move \
         /etc/kubernetes/pki/apiserver.{{crt,key}} aside, run `kubeadm init phase certs apiserver \
         --config kubeadm.yaml` and restart kube-apiserver. k3s: start the servers with {} (or \
         `tls-san:` in /etc/rancher/k3s/config.yaml) and restart k3s",
        k3s.join(" ")
    )
}

/// The finding for one apiserver, from what connecting to it gave.
pub fn finding(a: &Apiserver, fetched: Result<Sans, String>, wanted: &[Wanted]) -> Finding {
    let sans = match fetched {
        Ok(s) => s,
        Err(e) => {
            return Finding::warn(
                subject(a),
                format!("cannot read its certificate: {e}"),
                format!(
                    "start the apiserver or correct the address, then run doctor again (or pass \
                     --apiserver ADDR:PORT for one that runs); until then it is unknown whether \
                     its certificate holds {}",
                    names(wanted)
                ),
            )
        }
    };
    let missing: Vec<&Wanted> = wanted.iter().filter(|w| !holds(&sans, &w.name)).collect();
    if missing.is_empty() {
        return Finding::ok(
            subject(a),
            format!("its SANs hold {} (SANs: {})", names(wanted), listing(&sans)),
        );
    }
    let what: Vec<String> = missing
        .iter()
        .map(|w| format!("{} {}", w.why, w.name))
        .collect();
    Finding::fail(
        subject(a),
        format!(
            "{} not among its SANs ({}): clients of the VIP get a certificate error",
            what.join(", "),
            listing(&sans)
        ),
        regenerate_advice(&missing),
    )
}

fn names(wanted: &[Wanted]) -> String {
    wanted
        .iter()
        .map(|w| w.name.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Connects to every apiserver (each bounded by `timeout`) and checks its leaf certificate.
pub fn check(cfg: &ClusterConfig, extra: &[SocketAddr], timeout: Duration) -> Vec<Finding> {
    let servers = apiservers(cfg, extra);
    let wanted = wanted(cfg);
    if servers.is_empty() {
        return vec![Finding::ok(
            "certificates",
            "no apiserver in the file (no backend with an https check or on port 6443); nothing \
             to check",
        )];
    }
    if wanted.is_empty() {
        return vec![Finding::ok(
            "certificates",
            "no VIP or bind address fronts the apiservers; no SAN to check",
        )];
    }
    // One thread per apiserver: unreachable ones cost one timeout in all, not one each.
    std::thread::scope(|scope| {
        let running: Vec<_> = servers
            .iter()
            .map(|a| {
                scope.spawn(move || {
                    super::tls::fetch_chain(a.address, a.server_name.as_deref(), timeout)
                        .map_err(|e| e.to_string())
                        .and_then(|chain| sans_of(&chain[0]))
                })
            })
            .collect();
        servers
            .iter()
            .zip(running)
            .map(|(a, thread)| {
                let fetched = thread
                    .join()
                    .unwrap_or_else(|_| Err("the check panicked".to_string()));
                finding(a, fetched, &wanted)
            })
            .collect()
    })
}

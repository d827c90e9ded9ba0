//! `/metrics`: the snapshot in the Prometheus text exposition format (version 0.0.4), with
//! conventional names and units (`_total` counters, `_bytes`, `_seconds`). The metric names
//! are listed in docs/admin.md.

use std::fmt::Write;

mod bgp;

use super::api::Snapshot;
use super::snapshot::{BackendState, ConfigStatus, VipState};

/// One metric family: `# HELP`, `# TYPE`, then its samples.
struct Family<'a> {
    out: &'a mut String,
}

impl<'a> Family<'a> {
    fn new(out: &'a mut String, name: &str, kind: &str, help: &str) -> Family<'a> {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        Family { out }
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
        self
    }
}

/// Label values: backslash, double quote and line feed escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

const VIP_STATES: [(VipState, &str); 5] = [
    (VipState::Init, "init"),
    (VipState::Backup, "backup"),
    (VipState::Master, "master"),
    (VipState::Fault, "fault"),
    (VipState::Stopped, "stopped"),
];

const BACKEND_STATES: [(BackendState, &str); 6] = [
    (BackendState::Up, "up"),
    (BackendState::Down, "down"),
    (BackendState::Drain, "drain"),
    (BackendState::Maint, "maint"),
    (BackendState::GoingUp, "going-up"),
    (BackendState::GoingDown, "going-down"),
];

/// The whole exposition.
pub fn render(snap: &Snapshot) -> String {
    let s = &snap.status;
    let mut out = String::new();
    let node = s.node.clone().unwrap_or_default();
    Family::new(
        &mut out,
        "kubegate_info",
        "gauge",
        "Version and node name; always 1.",
    )
    .sample(
        "kubegate_info",
        &[("version", &s.version), ("node", &node)],
        1.0,
    );
    Family::new(
        &mut out,
        "kubegate_start_time_seconds",
        "gauge",
        "When the daemon started, seconds since the Unix epoch.",
    )
    .sample(
        "kubegate_start_time_seconds",
        &[],
        s.started_ms as f64 / 1000.0,
    );

    config(&mut out, &s.config);

    let mut f = Family::new(
        &mut out,
        "kubegate_vip_state",
        "gauge",
        "1 for the VIP's current VRRP state on this node, 0 for the others.",
    );
    for v in &s.vips {
        for (state, word) in VIP_STATES {
            let value = if v.state == state { 1.0 } else { 0.0 };
            f.sample(
                "kubegate_vip_state",
                &[("vip", &v.name), ("state", word)],
                value,
            );
        }
    }
    let mut f = Family::new(
        &mut out,
        "kubegate_vip_priority",
        "gauge",
        "The VRRP priority the VIP advertises now (trackers and handover applied).",
    );
    for v in &s.vips {
        f.sample(
            "kubegate_vip_priority",
            &[("vip", &v.name)],
            f64::from(v.priority),
        );
    }
    let mut f = Family::new(
        &mut out,
        "kubegate_vip_transitions_total",
        "counter",
        "VRRP state changes of the VIP since the daemon started.",
    );
    for v in &s.vips {
        f.sample(
            "kubegate_vip_transitions_total",
            &[("vip", &v.name)],
            v.transitions as f64,
        );
    }

    vrrp_families(&mut out, s);
    if let Some(b) = &s.bgp {
        bgp::families(&mut out, b);
    }

    type FrontendValue = fn(&super::snapshot::FrontendStatus) -> u64;
    let frontend_families: [(&str, &str, &str, FrontendValue); 7] = [
        (
            "kubegate_frontend_connections_total",
            "counter",
            "Client connections accepted.",
            |f| f.sessions_total,
        ),
        (
            "kubegate_frontend_connections",
            "gauge",
            "Client connections open now.",
            |f| f.sessions_current,
        ),
        (
            "kubegate_frontend_received_bytes_total",
            "counter",
            "Bytes received from clients.",
            |f| f.bytes_in,
        ),
        (
            "kubegate_frontend_sent_bytes_total",
            "counter",
            "Bytes sent to clients (from the backends).",
            |f| f.bytes_out,
        ),
        (
            "kubegate_frontend_refused_no_backend_total",
            "counter",
            "Client connections refused because no backend was ready.",
            |f| f.refused_no_backend,
        ),
        (
            "kubegate_frontend_refused_limit_total",
            "counter",
            "Client connections refused at max_connections.",
            |f| f.refused_limit,
        ),
        (
            "kubegate_frontend_connect_failed_total",
            "counter",
            "Client connections closed because every connect attempt failed.",
            |f| f.connect_failed,
        ),
    ];
    for (name, kind, help, value) in frontend_families {
        let mut fam = Family::new(&mut out, name, kind, help);
        for fr in &s.frontends {
            fam.sample(name, &[("frontend", &fr.name)], value(fr) as f64);
        }
    }

    let mut fam = Family::new(
        &mut out,
        "kubegate_backend_up",
        "gauge",
        "1 when the backend is healthy (up or going down), else 0; the operator's drain and \
         maint do not change it.",
    );
    for b in &snap.backends {
        fam.sample(
            "kubegate_backend_up",
            &[("frontend", &b.frontend), ("backend", &b.backend)],
            if b.healthy { 1.0 } else { 0.0 },
        );
    }
    let mut fam = Family::new(
        &mut out,
        "kubegate_backend_state",
        "gauge",
        "1 for the backend's current state (health combined with the operator's), 0 for the \
         others.",
    );
    for fr in &s.frontends {
        for b in &fr.backends {
            for (state, word) in BACKEND_STATES {
                fam.sample(
                    "kubegate_backend_state",
                    &[
                        ("frontend", &fr.name),
                        ("backend", &b.address),
                        ("state", word),
                    ],
                    if b.state == state { 1.0 } else { 0.0 },
                );
            }
        }
    }
    type BackendValue = fn(&super::snapshot::BackendStatus) -> f64;
    let backend_families: [(&str, &str, &str, BackendValue); 7] = [
        (
            "kubegate_backend_connections_total",
            "counter",
            "Connections established to the backend.",
            |b| b.sessions_total as f64,
        ),
        (
            "kubegate_backend_connections",
            "gauge",
            "Connections open (or being opened) to the backend now.",
            |b| b.sessions_current as f64,
        ),
        (
            "kubegate_backend_sent_bytes_total",
            "counter",
            "Bytes sent to the backend (from clients), counted when each connection ends.",
            |b| b.bytes_in as f64,
        ),
        (
            "kubegate_backend_received_bytes_total",
            "counter",
            "Bytes received from the backend, counted when each connection ends.",
            |b| b.bytes_out as f64,
        ),
        (
            "kubegate_backend_connect_failures_total",
            "counter",
            "Connect attempts to the backend that failed.",
            |b| b.connect_failures as f64,
        ),
        (
            "kubegate_backend_checks_total",
            "counter",
            "Health checks run against the backend.",
            |b| b.checks as f64,
        ),
        (
            "kubegate_backend_downtime_seconds_total",
            "counter",
            "Time the backend has spent down since the daemon started.",
            |b| b.downtime_ms as f64 / 1000.0,
        ),
    ];
    for (name, kind, help, value) in backend_families {
        let mut fam = Family::new(&mut out, name, kind, help);
        for fr in &s.frontends {
            for b in &fr.backends {
                fam.sample(
                    name,
                    &[("frontend", &fr.name), ("backend", &b.address)],
                    value(b),
                );
            }
        }
    }

    let name = "kubegate_backend_check_duration_seconds";
    let mut fam = Family::new(
        &mut out,
        name,
        "histogram",
        "How long health checks of the backend took, failed ones included.",
    );
    for (frontend, backend, h) in snap
        .backends
        .iter()
        .filter_map(|b| Some((&b.frontend, &b.backend, b.latency.as_ref()?)))
    {
        for (le, n) in h.cumulative() {
            let le = number(le);
            fam.sample(
                &format!("{name}_bucket"),
                &[("frontend", frontend), ("backend", backend), ("le", &le)],
                n as f64,
            );
        }
        let labels = [
            ("frontend", frontend.as_str()),
            ("backend", backend.as_str()),
        ];
        fam.sample(&format!("{name}_sum"), &labels, h.sum_seconds());
        fam.sample(&format!("{name}_count"), &labels, h.count() as f64);
    }
    out
}

/// The running config's fingerprint and the last reload (as Prometheus exposes its own).
fn config(out: &mut String, c: &ConfigStatus) {
    Family::new(
        out,
        "kubegate_config_info",
        "gauge",
        "The running config file: fingerprint = the first 12 hex digits of its SHA-256; always 1.",
    )
    .sample(
        "kubegate_config_info",
        &[("fingerprint", &c.fingerprint)],
        1.0,
    );
    Family::new(
        out,
        "kubegate_config_last_reload_successful",
        "gauge",
        "1 when the last reload was accepted (or none was asked), 0 when it was rejected.",
    )
    .sample(
        "kubegate_config_last_reload_successful",
        &[],
        if c.last_reload_ok { 1.0 } else { 0.0 },
    );
    Family::new(
        out,
        "kubegate_config_last_reload_success_timestamp_seconds",
        "gauge",
        "When the running config was loaded (start or last accepted reload), seconds since the Unix epoch.",
    )
    .sample(
        "kubegate_config_last_reload_success_timestamp_seconds",
        &[],
        c.loaded_ms as f64 / 1000.0,
    );
}

/// The VIPs' VRRP packet counters (RFC 5798 §7.1 drop reasons as the `reason` label).
fn vrrp_families(out: &mut String, s: &super::snapshot::Status) {
    type VrrpValue = fn(&super::snapshot::VrrpStatus) -> u64;
    let families: [(&str, &str, VrrpValue); 4] = [
        (
            "kubegate_vrrp_adverts_sent_total",
            "VRRP advertisements sent (one per destination).",
            |v| v.adverts_sent,
        ),
        (
            "kubegate_vrrp_adverts_received_total",
            "VRRP packets received for the VIP's interface, dropped ones included.",
            |v| v.adverts_received,
        ),
        (
            "kubegate_vrrp_address_list_mismatch_total",
            "Accepted advertisements whose address list differs from ours (not dropped).",
            |v| v.address_list_mismatch,
        ),
        (
            "kubegate_vrrp_foreign_adverts_total",
            "Advertisements for our VRID from a router that is neither a node of the file nor one of its extra_peers.",
            |v| v.foreign_adverts,
        ),
    ];
    for (name, help, value) in families {
        let mut fam = Family::new(out, name, "counter", help);
        for v in &s.vips {
            fam.sample(name, &[("vip", &v.name)], value(&v.vrrp) as f64);
        }
    }
    let name = "kubegate_vrrp_dropped_total";
    let mut fam = Family::new(
        out,
        name,
        "counter",
        "Received VRRP packets dropped, by reason (ttl, version, checksum, vrid, auth, \
         interval, unknown_peer, own_address, not_listening, truncated, length, type, \
         address_count, family).",
    );
    for v in &s.vips {
        for (reason, n) in &v.vrrp.dropped {
            fam.sample(name, &[("vip", &v.name), ("reason", reason)], *n as f64);
        }
    }
}

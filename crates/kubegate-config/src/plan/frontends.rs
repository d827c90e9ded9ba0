//! Frontends in plain words: where each listens, how it spreads connections, how it checks its
//! backends and what its timeouts mean; warnings for settings that hurt an apiserver (TCP-only
//! checks, a check timeout not shorter than its interval, short idle timeouts, a listener on the
//! apiserver's own port). The same on every node.

use std::net::IpAddr;
use std::time::Duration;

use super::{and_list, human};
use crate::model::{Balance, CheckKind, ClusterConfig, Frontend, HealthCheck};

/// The apiserver's usual port: backends on it are taken to be apiservers.
const APISERVER_PORT: u16 = 6443;

/// Shorter idle timeouts cut quiet `kubectl logs -f`, `exec` and watches (FIELD-NOTES).
const SHORT_IDLE: Duration = Duration::from_secs(5 * 60);

/// Sentences for every frontend; lines starting with `warning:` flag settings that probably do
/// not do what was meant.
pub fn explain(cfg: &ClusterConfig) -> Vec<String> {
    let mut out = Vec::new();
    for f in &cfg.frontends {
        out.push(format!(
            "frontend {} listens on {}{} and {}, checked by {} every {} ({}).",
            f.name,
            f.bind,
            where_(cfg, f.bind.ip()),
            spreads(f),
            check(&f.check),
            span(f.check.interval),
            rise_fall(&f.check),
        ));
        out.push(format!("frontend {}: {}.", f.name, settings(f).join("; ")));
        out.extend(warnings(cfg, f));
    }
    out
}

fn where_(cfg: &ClusterConfig, ip: IpAddr) -> String {
    if let Some(v) = cfg.vips.iter().find(|v| v.has_address(ip)) {
        format!(
            " (VIP {}'s address: bound before this node holds it)",
            v.name
        )
    } else if let Some(v) = cfg.bgp_vips.iter().find(|v| v.address == ip) {
        format!(
            " (BGP VIP {}'s address: bound before this node announces it)",
            v.name
        )
    } else if ip.is_loopback() {
        " (loopback: for clients on this node only)".into()
    } else if ip.is_unspecified() {
        " (every address of this node)".into()
    } else if let Some(n) = cfg.nodes.iter().find(|n| n.address == ip) {
        format!(" (node {}'s own address)", n.name)
    } else {
        String::new()
    }
}

fn spreads(f: &Frontend) -> String {
    let n = f.backends.len();
    if n == 1 {
        return format!("forwards connections to {}", f.backends[0].address);
    }
    let weights: Vec<String> = f.backends.iter().map(|b| b.weight.to_string()).collect();
    let weighted = if f.backends.iter().all(|b| b.weight == f.backends[0].weight) {
        String::new()
    } else {
        format!(" (weights {})", weights.join(", "))
    };
    match f.balance {
        Balance::RoundRobin => {
            format!("spreads connections round-robin over {n} backends{weighted}")
        }
        Balance::LeastConn => format!(
            "sends each connection to the least busy of {n} backends{weighted} (least-conn)"
        ),
        Balance::RandomTwo => format!(
            "sends each connection to the less busy of two random picks among {n} \
             backends{weighted} (random-two)"
        ),
        Balance::SourceHash => format!(
            "sends each client address to the same one of {n} backends{weighted} (source-hash)"
        ),
    }
}

fn check(c: &HealthCheck) -> String {
    match &c.kind {
        CheckKind::Tcp => "a TCP connect".into(),
        CheckKind::Http {
            path,
            statuses,
            tls,
        } => {
            let scheme = if tls.is_some() { "HTTPS" } else { "HTTP" };
            if statuses == &[200] {
                format!("{scheme} GET {path}")
            } else {
                let s: Vec<String> = statuses.iter().map(u16::to_string).collect();
                format!("{scheme} GET {path} answering {}", or_list(&s))
            }
        }
    }
}

fn rise_fall(c: &HealthCheck) -> String {
    let plural = |n: u32, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    format!(
        "down after {}, up after {}",
        plural(c.fall, "failure", "failures"),
        plural(c.rise, "success", "successes")
    )
}

fn settings(f: &Frontend) -> Vec<String> {
    let t = &f.timeouts;
    let mut out = vec![match f.retries {
        0 => "a failed connect is not retried".to_string(),
        1 => "a failed connect is retried on 1 other backend".to_string(),
        n => format!("a failed connect is retried on up to {n} other backends"),
    }];
    out.push(format!(
        "connects time out after {}, idle connections close after {}, a silent peer is dropped \
         after {}",
        span(t.connect),
        span(t.idle),
        span(t.dead_peer)
    ));
    if let Some(n) = f.max_connections {
        out.push(format!("at most {n} client connections at once"));
    }
    if f.proxy_protocol {
        out.push("backends get a PROXY protocol v2 header".into());
    }
    if f.shutdown_sessions_on_down {
        out.push("sessions on a backend that goes down are closed".into());
    }
    if let Some(s) = f.slowstart {
        out.push(format!(
            "a backend that comes up gets its full share of new connections over {}",
            span(s)
        ));
    }
    if let CheckKind::Http { tls: Some(tls), .. } = &f.check.kind {
        out.push(match &tls.ca_file {
            Some(ca) => format!("checks verify certificates against {}", ca.display()),
            None => "checks do not verify the backends' certificates (no ca_file)".into(),
        });
        if let Some(cert) = &tls.client_cert {
            out.push(format!(
                "checks present the client certificate {}",
                cert.display()
            ));
        }
    }
    out.push(format!(
        "on stop, connections get {} to finish",
        span(t.drain)
    ));
    out
}

fn warnings(cfg: &ClusterConfig, f: &Frontend) -> Vec<String> {
    let mut out = Vec::new();
    if f.check.kind == CheckKind::Tcp
        && f.backends
            .iter()
            .any(|b| b.address.port() == APISERVER_PORT)
    {
        out.push(format!(
            "warning: frontend {} checks its apiserver backends (port {APISERVER_PORT}) by TCP \
             connect only: an apiserver that accepts connections but is not ready still gets \
             traffic; use `check: {{ https: /readyz }}`.",
            f.name
        ));
    }
    if f.check.timeout >= f.check.interval {
        out.push(format!(
            "warning: frontend {} waits up to {} for a check answer but checks every {}: each check \
             waits out its timeout before the next starts, so a backend that stops answering is \
             checked once per timeout, not per interval, and marked down later than planned; make `check.timeout` shorter than `check.interval`, like {{ interval: 2s, \
             timeout: 1s }}.",
            f.name,
            span(f.check.timeout),
            span(f.check.interval)
        ));
    }
    if f.timeouts.idle < SHORT_IDLE {
        out.push(format!(
            "warning: frontend {} closes idle connections after {}: `kubectl logs -f`, `exec` and \
             watches that stay quiet longer get cut; use `timeouts: {{ idle: 1h }}` (the default) \
             for the apiserver.",
            f.name,
            span(f.timeouts.idle)
        ));
    }
    // A wildcard bind on a node backend's port is refused by validation (`overlap.rs`); a VIP
    // bind there only collides when the server holds the port on all addresses, as the
    // apiserver does by default.
    let ip = f.bind.ip();
    let vip_name = cfg
        .vips
        .iter()
        .find(|v| v.has_address(ip))
        .map(|v| &v.name)
        .or_else(|| {
            cfg.bgp_vips
                .iter()
                .find(|v| v.address == ip)
                .map(|v| &v.name)
        });
    if let Some(vip_name) = vip_name {
        let port = f.bind.port();
        let on_nodes: Vec<String> = cfg
            .nodes
            .iter()
            .filter(|n| {
                f.backends
                    .iter()
                    .any(|b| b.address == (n.address, port).into())
            })
            .map(|n| n.name.clone())
            .collect();
        if !on_nodes.is_empty() {
            let place = format!("VIP {vip_name}'s address");
            out.push(format!(
                "warning: frontend {} listens on port {port} of {place}, and its backends on {} \
                 use port {port} too: where the apiserver runs beside kubegate it usually holds \
                 that port on all addresses, so the frontend cannot bind it; listen on another \
                 port, like 9443.",
                f.name,
                and_list(&on_nodes)
            ));
        }
    }
    out
}

/// `human` for short spans; `1 h`, `10 min`, `1 min 30 s` from a minute on.
fn span(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        return human(d);
    }
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let parts: Vec<String> = [(h, "h"), (m, "min"), (s, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n} {u}"))
        .collect();
    parts.join(" ")
}

fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

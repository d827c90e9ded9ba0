//! Each frontend's health check, run once against each of its backends with the daemon's own
//! probe (`kubegate_balancer::probe::Prober`), so a backend the daemon would keep down fails
//! here too: one finding per (frontend, backend), with the probe's detail and, for a failure,
//! what the answer means and what to do. All probes run at once; each ends within its check's
//! `timeout`, so the whole check takes about the longest timeout.

use std::net::SocketAddr;
use std::time::Duration;

use kubegate_balancer::probe::{ProbeResult, Prober};
use kubegate_config::model::{CheckKind, ClusterConfig, HealthCheck};

use super::Finding;

/// Probe every backend of every frontend, concurrently; the findings come in file order.
pub fn check(cfg: &ClusterConfig) -> Vec<Finding> {
    let targets: Vec<(&str, &HealthCheck, SocketAddr)> = cfg
        .frontends
        .iter()
        .flat_map(|f| {
            f.backends
                .iter()
                .map(move |b| (f.name.as_str(), &f.check, b.address))
        })
        .collect();
    if targets.is_empty() {
        return Vec::new();
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return vec![Finding::warn(
                "health checks",
                format!("cannot start the probes: {e}"),
                "run doctor again; report it if it persists",
            )]
        }
    };
    // One prober per frontend, as the daemon builds them (TLS files are read here).
    let probers: Vec<Prober> = cfg
        .frontends
        .iter()
        .map(|f| Prober::new(&f.check))
        .collect();
    // Each probe ends within its check's timeout; this only guards against a scheduling stall.
    let cap = targets
        .iter()
        .map(|(_, c, _)| c.timeout)
        .max()
        .unwrap_or_default()
        + Duration::from_secs(2);
    let results: Vec<Option<ProbeResult>> = runtime.block_on(async {
        let mut tasks = Vec::new();
        for (frontend, prober) in cfg.frontends.iter().zip(&probers) {
            for backend in &frontend.backends {
                let prober = prober.clone();
                let addr = backend.address;
                tasks.push(tokio::spawn(async move {
                    tokio::time::timeout(cap, prober.probe(addr)).await.ok()
                }));
            }
        }
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(task.await.ok().flatten());
        }
        results
    });
    targets
        .iter()
        .zip(results)
        .map(|(&(frontend, check, backend), result)| match result {
            Some(r) => judge(frontend, check, backend, &r),
            None => Finding::warn(
                subject(frontend, backend),
                "the probe did not finish",
                "run doctor again; report it if it persists",
            ),
        })
        .collect()
}

fn subject(frontend: &str, backend: SocketAddr) -> String {
    format!("check {frontend} {backend}")
}

/// The finding for one probe of `backend` with `check` (the check of frontend `frontend`).
pub fn judge(frontend: &str, check: &HealthCheck, backend: SocketAddr, r: &ProbeResult) -> Finding {
    let what = match &check.kind {
        CheckKind::Tcp => String::new(),
        CheckKind::Http { path, .. } => format!("GET {path}: "),
    };
    let subject = subject(frontend, backend);
    if r.ok {
        return Finding::ok(subject, format!("{what}{}", r.detail));
    }
    Finding::fail(
        subject,
        format!(
            "{what}{}: the daemon would keep this backend down",
            r.detail
        ),
        advice(check, backend, r),
    )
}

/// What to do about a failed probe, from what came back.
fn advice(check: &HealthCheck, backend: SocketAddr, r: &ProbeResult) -> String {
    let (path, statuses, tls) = match &check.kind {
        CheckKind::Http {
            path,
            statuses,
            tls,
        } => (path.as_str(), statuses.as_slice(), tls.as_ref()),
        CheckKind::Tcp => ("", &[][..], None),
    };
    let accepted = if statuses.is_empty() {
        "200".to_owned()
    } else {
        statuses
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(status) = r.status {
        return match status {
            401 | 403 => format!(
                "anonymous requests to {path} are refused (kube-apiserver with \
                 --anonymous-auth=false, or RBAC without system:public-info-viewer): give the \
                 check a client certificate the apiserver accepts (`client_cert` and \
                 `client_key` under `check`), or accept this answer with `statuses: [200, \
                 {status}]` under `check` (docs/balancer.md, health checks)"
            ),
            404 => format!(
                "nothing is served at {path} on {backend}: the path is wrong (kube-apiserver \
                 serves /readyz, /livez and /healthz), or the port is not the apiserver's"
            ),
            500..=599 => format!(
                "the backend answers but is not ready; `{path}?verbose` lists the checks that \
                 fail. It gets no connections until it is: run doctor again once it is up"
            ),
            _ => format!(
                "the check accepts only {accepted}: fix `path`, or add {status} to `statuses` \
                 under `check` if that answer means healthy"
            ),
        };
    }
    let d = r.detail.as_str();
    if d.starts_with("TCP connect refused") {
        format!(
            "nothing listens on {backend}: start the backend, or fix its address or port in \
             `backends`"
        )
    } else if d.starts_with("TLS setup failed") {
        "fix the files named under `check` (`ca_file`, `client_cert`, `client_key`): the \
         daemon cannot read them either"
            .to_owned()
    } else if d.starts_with("TLS handshake failed") {
        match tls.and_then(|t| t.ca_file.as_ref()) {
            Some(ca) => format!(
                "the certificate did not verify against `ca_file` {}: point `ca_file` at the \
                 CA that signed the apiserver certificate (kubeadm: /etc/kubernetes/pki/ca.crt) \
                 and set `server_name` to a name the certificate holds",
                ca.display()
            ),
            None => format!(
                "{backend} does not complete a TLS handshake: check that it is the apiserver's \
                 port, or use `http:` for a plain HTTP backend"
            ),
        }
    } else if d.starts_with("timeout") {
        format!(
            "no answer within the check's timeout ({} ms): a firewall dropping packets, a \
             wrong address, or a backend too slow (raise `timeout` under `check` if it is only \
             slow)",
            check.timeout.as_millis()
        )
    } else if d.starts_with("bad answer") || d.starts_with("connection closed") {
        format!("{backend} does not answer HTTP: check the port, or use `https:` if it speaks TLS")
    } else if d.starts_with("cannot build the request") {
        "fix the check's path: it must start with / and hold no spaces".to_owned()
    } else {
        format!("{backend} cannot be reached: check its address, routes and firewalls")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Severity;
    use std::path::Path;

    fn check_of(text: &str) -> HealthCheck {
        let cfg = kubegate_config::parse_str(
            &format!(
                "frontends:\n  - name: api\n    bind: 127.0.0.1:8443\n    \
                 backends: [127.0.0.1:6443]\n    check: {text}\n"
            ),
            Path::new("t.yaml"),
        )
        .expect("valid config");
        cfg.frontends[0].check.clone()
    }

    fn result(ok: bool, detail: &str, status: Option<u16>) -> ProbeResult {
        ProbeResult {
            ok,
            detail: detail.into(),
            latency: Duration::from_millis(3),
            status,
        }
    }

    const BACKEND: &str = "127.0.0.1:6443";

    fn judged(check: &str, r: ProbeResult) -> Finding {
        judge("api", &check_of(check), BACKEND.parse().unwrap(), &r)
    }

    #[test]
    fn a_pass_carries_the_probes_detail() {
        let f = judged(
            "{ https: /readyz }",
            result(true, "HTTPS 200 in 3 ms", Some(200)),
        );
        assert_eq!(f.severity, Severity::Ok);
        assert_eq!(f.subject, "check api 127.0.0.1:6443");
        assert_eq!(f.found, "GET /readyz: HTTPS 200 in 3 ms");
    }

    #[test]
    fn each_answer_gets_its_advice() {
        let cases = [
            (Some(401), "HTTPS 401 in 2 ms", "`statuses: [200, 401]`"),
            (Some(403), "HTTPS 403 in 2 ms", "`client_cert`"),
            (Some(404), "HTTPS 404 in 2 ms", "the path is wrong"),
            (Some(500), "HTTPS 500 in 2 ms", "not ready"),
            (Some(302), "HTTPS 302 in 2 ms", "add 302 to `statuses`"),
            (
                None,
                "TCP connect refused",
                "nothing listens on 127.0.0.1:6443",
            ),
            (
                None,
                "TLS handshake failed: x",
                "does not complete a TLS handshake",
            ),
            (
                None,
                "timeout after 1000 ms (TLS handshake)",
                "timeout (1000 ms)",
            ),
            (
                None,
                "bad answer: not an HTTP/1.x status line",
                "does not answer HTTP",
            ),
        ];
        for (status, detail, advice) in cases {
            let f = judged(
                "{ https: /readyz, timeout: 1s }",
                result(false, detail, status),
            );
            assert_eq!(f.severity, Severity::Fail, "{detail}");
            assert!(
                f.found.starts_with(&format!("GET /readyz: {detail}")),
                "{detail}: found {:?}",
                f.found
            );
            assert!(
                f.advice.contains(advice),
                "{detail}: expected advice with {advice:?}, got {:?}",
                f.advice
            );
        }
    }

    #[test]
    fn a_tls_failure_with_a_ca_file_names_the_file() {
        let f = judged(
            "{ https: /readyz, ca_file: /etc/kubernetes/pki/ca.crt }",
            result(
                false,
                "TLS handshake failed: invalid peer certificate",
                None,
            ),
        );
        assert!(
            f.advice
                .contains("did not verify against `ca_file` /etc/kubernetes/pki/ca.crt"),
            "{:?}",
            f.advice
        );
    }
}

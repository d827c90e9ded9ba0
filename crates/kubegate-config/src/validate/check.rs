//! A frontend's `check:` (how backends are health-checked: TCP connect, HTTP or HTTPS GET) and
//! its `timeouts:`.

use std::path::PathBuf;
use std::time::Duration;

use super::super::duration::duration_of;
use super::super::model::{CheckKind, CheckTls, HealthCheck, Timeouts};
use super::super::raw::{RawCheck, RawTimeouts, Sp, Value};
use super::super::scalar::Scalar;
use super::diag::{join, Diag};

pub fn check(d: &mut Diag, c: &Sp<RawCheck>, path: &str) -> Option<HealthCheck> {
    let r = &c.value;
    let p = |k: &str| join(path, k);
    let def = HealthCheck::default();
    let kinds: Vec<(&str, &Value)> = [("tcp", &r.tcp), ("http", &r.http), ("https", &r.https)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
    let kind = match kinds.as_slice() {
        [] => {
            d.err(
                &c.referenced,
                path,
                "a check needs one of `tcp: true`, `http: PATH` or `https: PATH`",
            );
            None
        }
        [(k, v)] => kind(d, k, v, r, path),
        [(a, _), (b, v), ..] => {
            d.err(
                &v.referenced,
                &p(b),
                format!("this check has both `{a}` and `{b}`; write one kind of check"),
            );
            None
        }
    };
    let interval = d
        .opt(r.interval.as_ref(), &p("interval"), |s| {
            positive(s, "check interval")
        })
        .unwrap_or(def.interval);
    let timeout = d
        .opt(r.timeout.as_ref(), &p("timeout"), |s| {
            positive(s, "check timeout")
        })
        .unwrap_or(def.timeout);
    let rise = d
        .opt(r.rise.as_ref(), &p("rise"), |s| s.int_in(1, 1000, ""))
        .map_or(def.rise, |n| n as u32);
    let fall = d
        .opt(r.fall.as_ref(), &p("fall"), |s| s.int_in(1, 1000, ""))
        .map_or(def.fall, |n| n as u32);
    Some(HealthCheck {
        kind: kind?,
        interval,
        timeout,
        rise,
        fall,
    })
}

/// The check's kind from its one `tcp` / `http` / `https` key; the HTTP-only keys are refused
/// for other kinds.
fn kind(d: &mut Diag, k: &str, v: &Value, r: &RawCheck, path: &str) -> Option<CheckKind> {
    let p = |k: &str| join(path, k);
    let tls_keys = [
        ("ca_file", &r.ca_file),
        ("client_cert", &r.client_cert),
        ("client_key", &r.client_key),
        ("server_name", &r.server_name),
    ];
    if k != "https" {
        for (key, value) in tls_keys {
            if let Some(value) = value {
                d.err(
                    &value.referenced,
                    &p(key),
                    format!("`{key}` applies to https checks only; check with `https: PATH` or remove it"),
                );
            }
        }
    }
    if k == "tcp" {
        if let Some(s) = &r.statuses {
            d.err(
                &s.referenced,
                &p("statuses"),
                "statuses apply to http and https checks; remove it or check with `https: PATH`",
            );
        }
        return d.opt(Some(v), &p("tcp"), |s| match s.boolean()? {
            true => Ok(CheckKind::Tcp),
            false => Err(
                "`tcp: false` turns nothing off (backends are always checked); write \
                          `tcp: true`, `http: PATH` or `https: PATH`"
                    .into(),
            ),
        });
    }
    let req_path = d.opt(Some(v), &p(k), request_path);
    let statuses = match &r.statuses {
        None => Some(vec![200]),
        Some(list) if list.value.is_empty() => {
            d.err(
                &list.referenced,
                &p("statuses"),
                "the list is empty; leave `statuses` out to accept 200 only",
            );
            None
        }
        Some(list) => {
            let mut out: Vec<u16> = Vec::new();
            let mut ok = true;
            for (i, s) in list.value.iter().enumerate() {
                match d.opt(Some(s), &format!("{}[{i}]", p("statuses")), |s| {
                    s.int_in(100, 599, " (HTTP status codes)")
                }) {
                    Some(n) if !out.contains(&(n as u16)) => out.push(n as u16),
                    Some(_) => {}
                    None => ok = false,
                }
            }
            ok.then_some(out)
        }
    };
    let tls = if k == "https" {
        Some(tls(d, r, path)?)
    } else {
        None
    };
    Some(CheckKind::Http {
        path: req_path?,
        statuses: statuses?,
        tls,
    })
}

fn tls(d: &mut Diag, r: &RawCheck, path: &str) -> Option<CheckTls> {
    let p = |k: &str| join(path, k);
    let ca_file = d.opt(r.ca_file.as_ref(), &p("ca_file"), file);
    let client_cert = d.opt(r.client_cert.as_ref(), &p("client_cert"), file);
    let client_key = d.opt(r.client_key.as_ref(), &p("client_key"), file);
    let server_name = d.opt(r.server_name.as_ref(), &p("server_name"), server_name);
    let mut ok = true;
    for (have, lacks, v) in [
        ("client_cert", "client_key", (&r.client_cert, &r.client_key)),
        ("client_key", "client_cert", (&r.client_key, &r.client_cert)),
    ] {
        if let (Some(present), None) = v {
            d.err(
                &present.referenced,
                &p(have),
                format!("`{have}` needs `{lacks}` beside it (a client certificate and its private key go together)"),
            );
            ok = false;
        }
    }
    ok.then_some(CheckTls {
        ca_file,
        client_cert,
        client_key,
        server_name,
    })
}

/// The request path of an HTTP check: starts with '/', no spaces or control characters (it is
/// written into the request line), at most 1024 bytes.
fn request_path(s: &Scalar) -> Result<String, String> {
    let t = s.text()?;
    check_path(t)?;
    Ok(t.to_string())
}

/// Whether `t` can be the request path of an HTTP check (the import checks what it
/// translates with it too).
pub fn check_path(t: &str) -> Result<(), String> {
    if !t.starts_with('/') {
        return Err(format!(
            "{t:?} does not start with '/'; write the request path, like /readyz"
        ));
    }
    if t.len() > 1024 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{t:?} is not a usable request path; use at most 1024 characters without spaces"
        ));
    }
    Ok(())
}

fn file(s: &Scalar) -> Result<PathBuf, String> {
    let t = s.text()?;
    if !t.starts_with('/') {
        return Err(format!(
            "{t:?} is not an absolute path; write the file's full path, like /etc/kubernetes/pki/ca.crt"
        ));
    }
    Ok(PathBuf::from(t))
}

/// A DNS name for SNI and certificate verification.
fn server_name(s: &Scalar) -> Result<String, String> {
    let t = s.text()?;
    let ok = !t.is_empty()
        && t.len() <= 253
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{t:?} is not a DNS name; write the name in the apiserver's certificate, like kubernetes.default.svc"
        ))
    }
}

fn positive(s: &Scalar, what: &str) -> Result<Duration, String> {
    let t = duration_of(s)?;
    if t.is_zero() {
        return Err(format!("a {what} of 0s cannot work; use something like 1s"));
    }
    Ok(t)
}

/// Linux limit of TCP_KEEPIDLE (`MAX_TCP_KEEPIDLE`), in seconds.
const MAX_KEEPIDLE_SECS: u64 = 32_767;

pub fn timeouts(d: &mut Diag, t: &Sp<RawTimeouts>, path: &str) -> Timeouts {
    let r = &t.value;
    let p = |k: &str| join(path, k);
    let def = Timeouts::default();
    let connect = d
        .opt(r.connect.as_ref(), &p("connect"), |s| {
            positive(s, "connect timeout")
        })
        .unwrap_or(def.connect);
    let idle = d
        .opt(r.idle.as_ref(), &p("idle"), |s| {
            let t = duration_of(s)?;
            if t < Duration::from_secs(1) {
                return Err(
                    "an idle timeout under 1s cuts every connection that pauses; use \
                            hours for the apiserver, like 1h (the default)"
                        .into(),
                );
            }
            Ok(t)
        })
        .unwrap_or(def.idle);
    let dead_peer = d
        .opt(r.dead_peer.as_ref(), &p("dead_peer"), |s| {
            let t = positive(s, "dead_peer timeout")?;
            if t > Duration::from_secs(24 * 3600) {
                return Err("dead_peer is at most 24h; use something like 30s".into());
            }
            Ok(t)
        })
        .unwrap_or(def.dead_peer);
    let keepalive = d
        .opt(r.keepalive.as_ref(), &p("keepalive"), |s| {
            let t = duration_of(s)?;
            let secs = t.as_secs();
            if t.subsec_nanos() != 0 || !(1..=MAX_KEEPIDLE_SECS).contains(&secs) {
                return Err(format!(
                    "TCP keepalive counts whole seconds from 1s to {MAX_KEEPIDLE_SECS}s; use something like 60s"
                ));
            }
            Ok(t)
        })
        .unwrap_or(def.keepalive);
    let drain = d
        .opt(r.drain.as_ref(), &p("drain"), |s| positive(s, "drain time"))
        .unwrap_or(def.drain);
    Timeouts {
        connect,
        idle,
        dead_peer,
        keepalive,
        drain,
    }
}

//! One `frontends:` entry: name, bind address, backends, balance and the per-frontend settings;
//! uniqueness of names and listening addresses across the file.

use std::net::SocketAddr;
use std::time::Duration;

use serde_saphyr::Location;

use super::super::duration::duration_of;
use super::super::model::{Backend, Balance, BgpVip, Frontend, HealthCheck, Timeouts, Vip};
use super::super::raw::{RawBackend, RawFrontend, Sp};
use super::super::scalar::Scalar;
use super::address::{backend_address, bind_address};
use super::diag::{choice, join, name, Diag};
use super::{check, overlap, LocatedNode};

/// What earlier frontends already use, with the line where they did.
#[derive(Default)]
pub struct Seen {
    /// Every valid name written (also of frontends with other errors), for `track: frontend`.
    pub names: Vec<(String, u64)>,
    binds: Vec<(SocketAddr, String, u64)>,
}

pub fn frontend(
    d: &mut Diag,
    f: &Sp<RawFrontend>,
    path: &str,
    nodes: &[LocatedNode],
    vips: &[Vip],
    bgp_vips: &[BgpVip],
    seen: &mut Seen,
) -> Option<Frontend> {
    let r = &f.value;
    let here = &f.referenced;
    let p = |k: &str| join(path, k);
    let nm = d.req(
        r.name.as_ref(),
        here,
        path,
        "name",
        "give the frontend a name, like api",
        name,
    );
    if let (Some(n), Some(loc)) = (&nm, r.name.as_ref()) {
        if let Some((_, line)) = seen.names.iter().find(|(s, _)| s == n) {
            d.err(
                &loc.referenced,
                &p("name"),
                format!("frontend name '{n}' is already used at line {line}; names must be unique"),
            );
        }
        seen.names.push((n.clone(), loc.referenced.line()));
    }

    let bind = d.req(
        r.bind.as_ref(),
        here,
        path,
        "bind",
        "write the address and port to listen on, like 10.0.0.50:8443 or 127.0.0.1:6443",
        |s| bind_address(s, vips, bgp_vips),
    );
    if let (Some(b), Some(loc)) = (bind, r.bind.as_ref()) {
        bind_conflicts(d, b, &loc.referenced, &p("bind"), nm.as_deref(), seen);
    }

    let backends = backends(d, r, here, path);
    if let (Some(b), Some(list), Some(loc)) = (bind, &backends, r.bind.as_ref()) {
        if let Some(msg) = overlap::own_backend(b, list, nodes) {
            d.err(&loc.referenced, &p("bind"), msg);
        }
    }

    let balance = d
        .opt(r.balance.as_ref(), &p("balance"), balance)
        .unwrap_or(Balance::RoundRobin);
    let check = match &r.check {
        Some(c) => check::check(d, c, &p("check")),
        None => Some(HealthCheck::default()),
    };
    let timeouts = match &r.timeouts {
        Some(t) => check::timeouts(d, t, &p("timeouts")),
        None => Timeouts::default(),
    };
    let max_connections = d.opt(r.max_connections.as_ref(), &p("max_connections"), |s| {
        s.int_in(1, 1_000_000, "").map(|n| n as u32)
    });
    let proxy_protocol = d
        .opt(
            r.proxy_protocol.as_ref(),
            &p("proxy_protocol"),
            |s| match s {
                Scalar::Str(t) if t.eq_ignore_ascii_case("v2") => {
                    Err("write `proxy_protocol: true` (the header sent is always version 2)".into())
                }
                other => other.boolean(),
            },
        )
        .unwrap_or(false);
    let retries = d
        .opt(r.retries.as_ref(), &p("retries"), |s| {
            s.int_in(0, 10, " (other backends tried when a connect fails)")
        })
        .map_or(2, |n| n as u32);
    let shutdown_sessions_on_down = d
        .opt(r.on_down.as_ref(), &p("on_down"), |s| {
            choice(s, &["keep", "shutdown-sessions"]).map(|c| c == "shutdown-sessions")
        })
        .unwrap_or(false);
    let slowstart = d
        .opt(r.slowstart.as_ref(), &p("slowstart"), |s| {
            let t = duration_of(s)?;
            if t > Duration::from_secs(3600) {
                return Err("slowstart is at most 1h; use something like 10s".into());
            }
            Ok((!t.is_zero()).then_some(t))
        })
        .flatten();

    Some(Frontend {
        name: nm?,
        bind: bind?,
        backends: backends?.into_iter().map(|(b, _)| b).collect(),
        balance,
        check: check?,
        timeouts,
        max_connections,
        proxy_protocol,
        retries,
        shutdown_sessions_on_down,
        slowstart,
    })
}

/// Two listeners conflict when they are equal, or share a port and family with one of them on
/// all addresses (0.0.0.0 / ::).
fn bind_conflicts(
    d: &mut Diag,
    b: SocketAddr,
    loc: &Location,
    path: &str,
    name: Option<&str>,
    seen: &mut Seen,
) {
    let clash = seen.binds.iter().find(|(o, _, _)| {
        *o == b
            || (o.port() == b.port()
                && o.is_ipv4() == b.is_ipv4()
                && (o.ip().is_unspecified() || b.ip().is_unspecified()))
    });
    match clash {
        Some((o, other, line)) if *o == b => d.err(
            loc,
            path,
            format!("{b} is already the bind address of frontend {other} at line {line}; each frontend needs its own address and port"),
        ),
        Some((o, other, line)) => {
            let any = if b.ip().is_unspecified() { b.ip() } else { o.ip() };
            d.err(
                loc,
                path,
                format!(
                    "{b} overlaps frontend {other}'s {o} (line {line}): a listener on {any} takes \
                     port {} on every address; use another port, or bind both to specific addresses",
                    b.port()
                ),
            )
        }
        None => {}
    }
    seen.binds
        .push((b, name.unwrap_or("?").to_string(), loc.line()));
}

/// The backends with the line each was written on; `None` when missing or any is wrong.
fn backends(
    d: &mut Diag,
    r: &RawFrontend,
    here: &Location,
    path: &str,
) -> Option<Vec<(Backend, u64)>> {
    const HOW: &str =
        "list the servers to forward to, like backends: [10.0.0.51:6443, 10.0.0.52:6443]";
    let list = match &r.backends {
        Some(list) if !list.value.is_empty() => list,
        Some(list) => {
            d.err(
                &list.referenced,
                &join(path, "backends"),
                format!("the list is empty; {HOW}"),
            );
            return None;
        }
        None => {
            d.err(here, path, format!("missing key 'backends'; {HOW}"));
            return None;
        }
    };
    let mut out: Vec<(Backend, u64)> = Vec::new();
    let mut ok = true;
    for (i, item) in list.value.iter().enumerate() {
        let bpath = format!("{path}.backends[{i}]");
        let (address, loc, weight) = match &item.value {
            RawBackend::Short(s) => {
                let a = d.opt(
                    Some(&Sp {
                        value: s.clone(),
                        referenced: item.referenced,
                        defined: item.defined,
                    }),
                    &bpath,
                    backend_address,
                );
                (a, item.referenced, Some(1))
            }
            RawBackend::Item { address, weight } => {
                let a = d.req(
                    address.as_ref(),
                    &item.referenced,
                    &bpath,
                    "address",
                    "write the server's ADDRESS:PORT, like 10.0.0.51:6443",
                    backend_address,
                );
                let w = match weight {
                    Some(_) => d.opt(weight.as_ref(), &join(&bpath, "weight"), |s| {
                        s.int_in(1, 256, " (a relative share of new connections)")
                            .map(|n| n as u32)
                    }),
                    None => Some(1),
                };
                let loc = address.as_ref().map_or(item.referenced, |a| a.referenced);
                (a, loc, w)
            }
        };
        let (Some(address), Some(weight)) = (address, weight) else {
            ok = false;
            continue;
        };
        if let Some((_, line)) = out.iter().find(|(b, _)| b.address == address) {
            d.err(
                &loc,
                &bpath,
                format!("{address} is already a backend of this frontend (line {line}); list each backend once (a `weight` gives it a bigger share)"),
            );
            ok = false;
            continue;
        }
        out.push((Backend { address, weight }, loc.line()));
    }
    ok.then_some(out)
}

/// haproxy and nginx spell the algorithms differently; name ours.
fn balance(s: &Scalar) -> Result<Balance, String> {
    const CARRIED: &[(&str, &str)] = &[
        ("roundrobin", "round-robin"),
        ("leastconn", "least-conn"),
        ("least_conn", "least-conn"),
        ("source", "source-hash"),
        ("ip_hash", "source-hash"),
        ("random", "random-two"),
    ];
    if let Scalar::Str(t) = s {
        if let Some((_, ours)) = CARRIED.iter().find(|(w, _)| w == t) {
            return Err(format!(
                "{t:?} is haproxy's or nginx's word; write `balance: {ours}`"
            ));
        }
    }
    let c = choice(
        s,
        &["round-robin", "least-conn", "random-two", "source-hash"],
    )?;
    Ok(match c {
        "round-robin" => Balance::RoundRobin,
        "least-conn" => Balance::LeastConn,
        "random-two" => Balance::RandomTwo,
        _ => Balance::SourceHash,
    })
}

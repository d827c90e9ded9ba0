//! A `frontend` (with its `default_backend`) or a `listen` section as kubegate frontends: one
//! per bind address, with the pool, limits and timeouts. The client side (binds, `maxconn`,
//! `timeout client`, routing) comes from the frontend, the server side from the backend, each
//! over its own `defaults`, as in haproxy.

use std::time::Duration;

use super::pool::Pool;
use super::proxy::{At, Proxy};
use super::sections::Section;
use crate::address;
use crate::draft::{DraftFrontend, DraftTimeouts};
use crate::names::{self, Names};
use crate::notes::{idle_kept, list_words, Notes};
use kubegate_config::duration::format_duration;

/// kubegate's highest `max_connections`.
const MAX_CONNECTIONS: u32 = 1_000_000;

/// The frontends of one `frontend`/`listen` section whose server side is `back` / `pool`.
pub fn read(
    section: &Section,
    front: &Proxy,
    back: &Proxy,
    pool: &Pool,
    names: &mut Names,
    notes: &mut Notes,
) -> Vec<DraftFrontend> {
    let title = section.title();
    let binds = binds(section, front, notes);
    if pool.backends.is_empty() {
        return Vec::new();
    }
    if binds.is_empty() && front.own.binds.is_empty() && section.args.is_empty() {
        notes.error(
            section.line,
            format!("`{title}` has no `bind`; write one like `bind *:6443`"),
        );
    }
    say_http_mode(front, back, notes);
    say_routing(&title, front, notes);
    let written = section.name.clone().unwrap_or_default();
    let timeouts = DraftTimeouts {
        connect: pool.connect,
        idle: idle(front, back, notes),
    };
    let max_connections = max_connections(front, notes);
    let mut out = Vec::new();
    for (bind, _) in &binds {
        let name = names.unique(&written);
        out.push(DraftFrontend {
            name,
            bind: bind.clone(),
            backends: pool.backends.clone(),
            balance: pool.balance,
            check: pool.check.clone(),
            timeouts: timeouts.clone(),
            max_connections,
            proxy_protocol: pool.proxy_protocol,
            retries: pool.retries,
            origin: notes.origin(section.line),
        });
    }
    if let (Some(first), Some(text)) = (out.first(), names::unusable(&written)) {
        notes.assumed(section.line, format!("{text}: imported as {}", first.name));
    }
    if out.len() > 1 {
        let each: Vec<String> = out
            .iter()
            .map(|f| format!("{} ({})", f.name, f.bind))
            .collect();
        notes.assumed(
            section.line,
            format!(
                "`{title}` listens on {} addresses; a kubegate frontend listens on one: \
                 imported as {}",
                out.len(),
                list_words(&each)
            ),
        );
    }
    out
}

/// The listening addresses of the section (`listen NAME ADDR` and `bind` lines), with lines.
fn binds(section: &Section, front: &Proxy, notes: &mut Notes) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut add = |text: &str, line: usize, notes: &mut Notes| {
        for one in text.split(',').filter(|t| !t.is_empty()) {
            match listen_address(one) {
                Ok(a) if out.iter().any(|(b, _)| *b == a) => {}
                Ok(a) => out.push((a, line)),
                Err(why) => notes.error(line, format!("bind {one}: {why}")),
            }
        }
    };
    for arg in &section.args {
        add(arg, section.line, notes);
    }
    for line in &front.own.binds {
        let options = line.words.get(2..).unwrap_or(&[]);
        if options.iter().any(|o| o == "ssl" || o == "crt") {
            notes.error(
                line.number,
                format!(
                    "`bind {}` terminates TLS (`ssl crt …`); kubegate passes TLS through and \
                     does not terminate it: remove `ssl` and `crt` so the backends (the \
                     apiserver) terminate TLS themselves",
                    line.word(1)
                ),
            );
            continue;
        }
        if options.iter().any(|o| o == "accept-proxy") {
            notes.dropped(
                line.number,
                "`accept-proxy`: kubegate does not read PROXY headers from clients",
            );
        }
        add(line.word(1), line.number, notes);
    }
    out
}

/// `*:9443`, `:9443`, `ipv6@:6443`, `[::]:6443`, `10.0.0.50:6443` → `ADDRESS:PORT`.
fn listen_address(text: &str) -> Result<String, String> {
    let (family, rest) = match text.split_once('@') {
        Some((f, r)) => (f, r),
        None if text.starts_with('/') => ("unix", text),
        None => ("", text),
    };
    let v6 = match family {
        "" | "ipv4" | "tcp" | "tcp4" => false,
        "ipv6" | "tcp6" => true,
        _ => {
            return Err(format!(
                "not a TCP address ({family} socket); kubegate listens on IP:PORT"
            ))
        }
    };
    let Some((host, port)) = address::split_host_port(rest) else {
        return Err("has no port; write it like *:6443".into());
    };
    address::listen(host, port, v6)
}

fn say_http_mode(front: &Proxy, back: &Proxy, notes: &mut Notes) {
    for mode in [&front.settings.mode, &back.settings.mode]
        .into_iter()
        .flatten()
    {
        if mode.value == "http" {
            notes.assumed(
                mode.line,
                "`mode http`: kubegate balances TCP; the proxies in this mode are imported as \
                 TCP frontends and their HTTP processing (forwardfor, http-request rules, \
                 cookies, HTTP logs) is left out",
            );
        }
    }
}

fn say_routing(title: &str, front: &Proxy, notes: &mut Notes) {
    if let Some(&line) = front.own.acls.first() {
        notes.dropped(
            line,
            format!("`acl` lines of `{title}`: kubegate routes a frontend to one pool"),
        );
    }
    if let Some(&line) = front.own.routing.first() {
        let to = front
            .own
            .default_backend
            .as_ref()
            .map_or("its default pool".to_string(), |d| format!("`{}`", d.value));
        notes.dropped(
            line,
            format!(
                "`use_backend` rules of `{title}`: kubegate routes a frontend to one \
                 pool; every connection goes to {to}"
            ),
        );
    }
}

fn max_connections(front: &Proxy, notes: &mut Notes) -> Option<u32> {
    let m = front.settings.maxconn.as_ref()?;
    match m.value {
        0 => None,
        n if n > MAX_CONNECTIONS => {
            notes.assumed(
                m.line,
                format!("`maxconn {n}` is above kubegate's {MAX_CONNECTIONS}: imported as {MAX_CONNECTIONS}"),
            );
            Some(MAX_CONNECTIONS)
        }
        n => Some(n),
    }
}

/// `timeout tunnel` when set; else the longer of `timeout client` (frontend) and `timeout
/// server` (backend): kubegate closes a connection only when it is quiet both ways.
fn idle(front: &Proxy, back: &Proxy, notes: &mut Notes) -> Option<Duration> {
    let client = front.settings.client.as_ref();
    let server = back.settings.server.as_ref();
    let chosen: &At<Duration> = match (&back.settings.tunnel, client, server) {
        (Some(t), _, _) => t,
        (None, Some(c), Some(s)) => {
            let longer = if s.value > c.value { s } else { c };
            if c.value != s.value {
                notes.assumed(
                    longer.line,
                    format!(
                        "`timeout client {}` and `timeout server {}` become one \
                         `timeouts.idle: {}`: kubegate closes a connection only when it is \
                         quiet both ways, so the longer one cuts nothing haproxy kept",
                        format_duration(c.value),
                        format_duration(s.value),
                        format_duration(longer.value)
                    ),
                );
            }
            longer
        }
        (None, Some(one), None) | (None, None, Some(one)) => one,
        (None, None, None) => return None,
    };
    Some(idle_kept(chosen.value, chosen.line, notes))
}

//! A backend (or the server half of a `listen`) as kubegate's backends, balance, PROXY
//! protocol and retries. Servers keep their names; each server problem is located at its
//! line, and what applies to the whole pool is said once per section.

use std::time::Duration;

use super::check;
use super::proxy::Proxy;
use super::sections::Section;
use super::server::{self, Params};
use crate::address;
use crate::draft::{DraftBackend, DraftBalance, DraftCheck};
use crate::notes::{list_words, Notes};

/// kubegate's highest `retries`.
const MAX_RETRIES: u32 = 10;
/// kubegate's highest backend weight.
const MAX_WEIGHT: u32 = 256;

/// The server side of a frontend.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub backends: Vec<DraftBackend>,
    pub balance: Option<DraftBalance>,
    pub check: Option<DraftCheck>,
    pub proxy_protocol: bool,
    pub retries: Option<u32>,
    pub connect: Option<Duration>,
}

/// A server kept, with its parameters and line.
pub struct Kept {
    pub params: Params,
    pub name: String,
    pub line: usize,
}

/// Translates the servers of `back` (section `section`).
pub fn read(section: &Section, back: &Proxy, notes: &mut Notes) -> Pool {
    let title = section.title();
    let mut backends: Vec<DraftBackend> = Vec::new();
    let mut kept: Vec<Kept> = Vec::new();
    let mut leftovers: Vec<String> = Vec::new();
    let mut first_leftover = 0;
    for line in &back.own.servers {
        let mut p = Params::default();
        for d in &back.settings.default_server {
            server::apply(&mut p, d.words.get(1..).unwrap_or(&[]), d, notes);
        }
        server::apply(&mut p, line.words.get(3..).unwrap_or(&[]), line, notes);
        let name = line.word(1).to_string();
        for l in &p.leftovers {
            if !leftovers.contains(l) {
                leftovers.push(l.clone());
                first_leftover = if first_leftover == 0 {
                    line.number
                } else {
                    first_leftover
                };
            }
        }
        if p.disabled {
            notes.dropped(
                line.number,
                format!(
                    "server {name} (`disabled`): add it to the backends when it should take \
                     connections"
                ),
            );
            continue;
        }
        if p.ssl {
            notes.error(
                line.number,
                format!(
                    "server {name}: `ssl` makes haproxy open TLS to the server; kubegate passes \
                     bytes through unchanged: remove `ssl` so the client's TLS reaches the \
                     server end to end"
                ),
            );
        }
        let address = match address::backend(line.word(2)) {
            Ok(a) => a,
            Err(why) => {
                notes.error(line.number, format!("server {name}: {why}"));
                continue;
            }
        };
        if let Some(twin) = backends.iter().find(|b| b.address == address) {
            let at = twin.origin.as_ref().map_or(0, |o| o.line);
            notes.dropped(
                line.number,
                format!(
                    "server {name}, a repeat of {address} (line {at}): kubegate lists a backend \
                     once (give the first a bigger weight if it should get more)"
                ),
            );
            continue;
        }
        backends.push(DraftBackend {
            address,
            weight: weight(&p, &name, line.number, notes),
            name: Some(name.clone()),
            origin: notes.origin(line.number),
        });
        kept.push(Kept {
            params: p,
            name,
            line: line.number,
        });
    }
    if !leftovers.is_empty() {
        notes.dropped(
            first_leftover,
            format!(
                "server parameters of `{title}`: {} (no kubegate equivalent)",
                list_words(&leftovers)
            ),
        );
    }
    if backends.is_empty() {
        let why = if back.own.servers.is_empty() {
            "has no `server` line; add one like `server m1 10.0.0.51:6443 check`"
        } else {
            "has no usable server; fix its server lines"
        };
        notes.error(section.line, format!("`{title}` {why}"));
    }
    say_backups(&title, &kept, notes);
    Pool {
        balance: balance(back, notes),
        check: check::read(&title, section.line, back, &kept, notes),
        proxy_protocol: proxy_protocol(&title, &kept, notes),
        retries: retries(back, notes),
        connect: back.settings.connect.as_ref().map(|c| c.value),
        backends,
    }
}

fn weight(p: &Params, name: &str, line: usize, notes: &mut Notes) -> Option<u32> {
    match p.weight? {
        1 => None,
        0 => {
            notes.assumed(
                line,
                format!(
                    "server {name} has weight 0 (no new connections in haproxy); kubegate \
                     weights are 1 to 256: imported with weight 1; `kubegate backend drain` keeps \
                     it out at run time"
                ),
            );
            None
        }
        w if w > MAX_WEIGHT => {
            notes.assumed(
                line,
                format!("server {name}: weight {w} is above kubegate's 256; imported as 256"),
            );
            Some(MAX_WEIGHT)
        }
        w => Some(w),
    }
}

fn say_backups(title: &str, kept: &[Kept], notes: &mut Notes) {
    let backups: Vec<String> = kept
        .iter()
        .filter(|k| k.params.backup)
        .map(|k| k.name.clone())
        .collect();
    if let Some(first) = kept.iter().find(|k| k.params.backup) {
        notes.assumed(
            first.line,
            format!(
                "`backup` servers of `{title}` ({}) are imported as ordinary backends: kubegate \
                 has no backup servers, so they get their share of connections; remove them \
                 if they must only take over",
                list_words(&backups)
            ),
        );
    }
}

fn proxy_protocol(title: &str, kept: &[Kept], notes: &mut Notes) -> bool {
    let Some(first) = kept.iter().find(|k| k.params.send_proxy.is_some()) else {
        return false;
    };
    if let Some(v1) = kept.iter().find(|k| k.params.send_proxy == Some(1)) {
        notes.assumed(
            v1.line,
            format!(
                "`send-proxy` (PROXY protocol v1) in `{title}`: kubegate sends PROXY protocol \
                 v2 (`proxy_protocol: true`); make sure the backends accept v2"
            ),
        );
    }
    if kept.iter().any(|k| k.params.send_proxy.is_none()) {
        notes.assumed(
            first.line,
            format!(
                "only some servers of `{title}` get a PROXY header; kubegate's `proxy_protocol` \
                 applies to every backend of a frontend: all get it"
            ),
        );
    }
    true
}

fn balance(back: &Proxy, notes: &mut Notes) -> Option<DraftBalance> {
    let b = back.settings.balance.as_ref()?;
    let algo = b.value.first().map_or("", String::as_str);
    let (chosen, why) = match algo {
        "roundrobin" | "static-rr" => (DraftBalance::RoundRobin, None),
        "leastconn" => (DraftBalance::LeastConn, None),
        "source" => (DraftBalance::SourceHash, None),
        "random(2)" => (DraftBalance::RandomTwo, None),
        "random" => (
            DraftBalance::RandomTwo,
            Some(
                "`balance random` (haproxy 2.0+ draws two servers and takes the less loaded) \
                 becomes `random-two`"
                    .to_string(),
            ),
        ),
        a if a.starts_with("random(") => (
            DraftBalance::RandomTwo,
            Some(format!(
                "`balance {a}`: kubegate draws two; imported as `random-two`"
            )),
        ),
        other => (
            DraftBalance::RoundRobin,
            Some(format!(
                "`balance {other}` has no kubegate equivalent (kubegate sees TCP, not \
                 requests); imported as `round-robin`"
            )),
        ),
    };
    if let Some(why) = why {
        notes.assumed(b.line, why);
    }
    Some(chosen)
}

fn retries(back: &Proxy, notes: &mut Notes) -> Option<u32> {
    let r = back.settings.retries.as_ref()?;
    if r.value > MAX_RETRIES {
        notes.assumed(
            r.line,
            format!(
                "`retries {}` is above kubegate's {MAX_RETRIES}: imported as {MAX_RETRIES} \
                 (kubegate tries another backend on every retry)",
                r.value
            ),
        );
        return Some(MAX_RETRIES);
    }
    Some(r.value)
}

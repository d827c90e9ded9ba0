//! The keywords of one proxy section (`defaults`, `frontend`, `backend`, `listen`), read into
//! typed settings. [`Settings`] are what a `defaults` section passes on; [`Own`] is what belongs
//! to the section itself (binds, servers, routing, the stats page). Bad values are reported
//! here, once per line; what the section says that kubegate has no use for is collected in
//! `Own::leftovers` for one note per section.

use std::time::Duration;

use super::lexer::Line;
use super::sections::{Kind, Section};
use crate::durations;
use crate::notes::Notes;

/// A value and the line that set it.
#[derive(Debug, Clone, PartialEq)]
pub struct At<T> {
    pub value: T,
    pub line: usize,
}

/// `option httpchk [METHOD] PATH` / `http-check send meth M uri U`.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCheck {
    pub method: String,
    pub path: String,
}

/// Settings a `defaults` section passes on.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub mode: Option<At<String>>,
    pub balance: Option<At<Vec<String>>>,
    pub maxconn: Option<At<u32>>,
    pub retries: Option<At<u32>>,
    pub connect: Option<At<Duration>>,
    pub client: Option<At<Duration>>,
    pub server: Option<At<Duration>>,
    pub tunnel: Option<At<Duration>>,
    pub check_timeout: Option<At<Duration>>,
    pub httpchk: Option<At<HttpCheck>>,
    /// The words after `http-check expect`.
    pub expect: Option<At<Vec<String>>>,
    /// A check kubegate does as a TCP connect (`option ssl-hello-chk`, `tcp-check` rules).
    pub other_check: Option<At<String>>,
    /// `default-server` lines, in order.
    pub default_server: Vec<Line>,
}

/// The stats page of a proxy (`stats enable`, `stats uri`, `stats auth`).
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// The first `stats enable` / `stats uri` line.
    pub page: Option<usize>,
    pub users: Vec<String>,
}

/// What belongs to the section itself.
#[derive(Debug, Clone, Default)]
pub struct Own {
    pub binds: Vec<Line>,
    pub servers: Vec<Line>,
    pub default_backend: Option<At<String>>,
    /// Lines of `use_backend` / `use-server`.
    pub routing: Vec<usize>,
    /// Lines of `acl`.
    pub acls: Vec<usize>,
    pub stats: Stats,
    pub disabled: Option<usize>,
    /// Keywords with no kubegate equivalent (`log`, `option forwardfor`), once each.
    pub leftovers: Vec<String>,
}

/// A proxy section read over the settings it inherits.
#[derive(Debug, Clone, Default)]
pub struct Proxy {
    pub settings: Settings,
    pub own: Own,
}

/// Checks kubegate performs as a TCP connect.
const CONNECT_CHECKS: &[&str] = &[
    "ssl-hello-chk",
    "tcp-check",
    "mysql-check",
    "pgsql-check",
    "redis-check",
    "smtpchk",
    "ldap-check",
    "spop-check",
    "external-check",
];

/// Keywords whose second word says what they are (`option forwardfor`, `timeout queue`).
const TWO_WORD: &[&str] = &[
    "option",
    "no",
    "timeout",
    "http-check",
    "tcp-check",
    "http-request",
    "http-response",
    "tcp-request",
    "tcp-response",
    "stats",
];

/// Reads `section` over `base`.
pub fn read(section: &Section, base: &Settings, notes: &mut Notes) -> Proxy {
    let mut p = Proxy {
        settings: base.clone(),
        own: Own::default(),
    };
    for line in &section.body {
        keyword(&mut p, section.kind, line, notes);
    }
    p
}

fn keyword(p: &mut Proxy, kind: Kind, line: &Line, notes: &mut Notes) {
    let s = &mut p.settings;
    let n = line.number;
    match (line.word(0), line.word(1)) {
        ("mode", m) => s.mode = at(m.to_string(), n),
        ("balance", _) => s.balance = at(line.words.iter().skip(1).cloned().collect(), n),
        ("maxconn", v) => {
            if let Some(v) = number(line, v, notes) {
                s.maxconn = at(v, n);
            }
        }
        ("retries", v) => {
            if let Some(v) = number(line, v, notes) {
                s.retries = at(v, n);
            }
        }
        ("timeout", which) => timeout(s, &mut p.own, which, line, line.word(2), notes),
        ("contimeout", t) => timeout(s, &mut p.own, "connect", line, t, notes),
        ("clitimeout", t) => timeout(s, &mut p.own, "client", line, t, notes),
        ("srvtimeout", t) => timeout(s, &mut p.own, "server", line, t, notes),
        ("option", "httpchk") => s.httpchk = at(httpchk(line), n),
        ("option", "redispatch") => {}
        ("option", c) if CONNECT_CHECKS.contains(&c) => {
            s.other_check = at(format!("option {c}"), n)
        }
        ("no", "option") if matches!(line.word(2), "httpchk" | "redispatch") => {
            if line.word(2) == "httpchk" {
                s.httpchk = None;
            }
        }
        ("http-check", "send") => http_check_send(s, line),
        ("http-check", "expect") => s.expect = at(line.words.iter().skip(2).cloned().collect(), n),
        ("tcp-check", _) => {
            if s.other_check.is_none() {
                s.other_check = at("tcp-check rules".into(), n);
            }
        }
        ("default-server", _) => s.default_server.push(line.clone()),
        ("server", _) if kind != Kind::Defaults => p.own.servers.push(line.clone()),
        ("bind", _) if kind != Kind::Defaults => p.own.binds.push(line.clone()),
        ("default_backend", b) => p.own.default_backend = at(b.to_string(), n),
        ("use_backend" | "use-server", _) => p.own.routing.push(line.number),
        ("acl", _) => p.own.acls.push(line.number),
        ("stats", sub) if kind != Kind::Defaults => stats(&mut p.own, sub, line),
        ("disabled", _) => p.own.disabled = Some(line.number),
        ("enabled" | "description" | "id", _) => {}
        (first, second) => {
            let label = if TWO_WORD.contains(&first) && !second.is_empty() {
                format!("{first} {second}")
            } else {
                first.to_string()
            };
            if !p.own.leftovers.contains(&label) {
                p.own.leftovers.push(label);
            }
        }
    }
}

fn at<T>(value: T, line: usize) -> Option<At<T>> {
    Some(At { value, line })
}

/// A whole number; an error note otherwise.
pub fn number(line: &Line, text: &str, notes: &mut Notes) -> Option<u32> {
    match text.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            notes.error(
                line.number,
                format!(
                    "`{}` needs a whole number, found {text:?}; write one like {} 3",
                    line.word(0),
                    line.word(0)
                ),
            );
            None
        }
    }
}

fn timeout(
    s: &mut Settings,
    own: &mut Own,
    which: &str,
    line: &Line,
    text: &str,
    notes: &mut Notes,
) {
    let slot = match which {
        "connect" => &mut s.connect,
        "client" => &mut s.client,
        "server" => &mut s.server,
        "tunnel" => &mut s.tunnel,
        "check" => &mut s.check_timeout,
        other => {
            let label = format!("timeout {other}");
            if !own.leftovers.contains(&label) {
                own.leftovers.push(label);
            }
            return;
        }
    };
    match durations::haproxy(text) {
        // haproxy reads 0 as "no timeout"; kubegate has none of that kind.
        Ok(d) if d.is_zero() => notes.assumed(
            line.number,
            format!(
                "`timeout {which} {text}` means no timeout in haproxy; kubegate always has one \
                 and uses its default"
            ),
        ),
        Ok(d) => *slot = at(durations::whole_ms(d, line.number, notes), line.number),
        Err(why) => notes.error(line.number, format!("timeout {which}: {why}")),
    }
}

/// `option httpchk` → `OPTIONS /`; `option httpchk URI`; `option httpchk METHOD URI [VERSION]`.
fn httpchk(line: &Line) -> HttpCheck {
    let (method, path) = match (line.word(2), line.word(3)) {
        ("", _) => ("OPTIONS", "/"),
        (uri, "") => ("OPTIONS", uri),
        (method, uri) => (method, uri),
    };
    HttpCheck {
        method: method.to_string(),
        path: path.to_string(),
    }
}

/// `http-check send [meth M] [uri U] [ver V] [hdr …] [body …]`.
fn http_check_send(s: &mut Settings, line: &Line) {
    let mut check = s
        .httpchk
        .as_ref()
        .map(|a| a.value.clone())
        .unwrap_or(HttpCheck {
            method: "GET".into(),
            path: "/".into(),
        });
    let mut words = line.words.iter().skip(2);
    while let Some(w) = words.next() {
        match (w.as_str(), words.next()) {
            ("meth", Some(m)) => check.method = m.clone(),
            ("uri", Some(u)) => check.path = u.clone(),
            _ => {}
        }
    }
    s.httpchk = at(check, line.number);
}

fn stats(own: &mut Own, sub: &str, line: &Line) {
    match sub {
        "enable" | "uri" => {
            own.stats.page.get_or_insert(line.number);
        }
        "auth" => {
            let user = line.word(2).split(':').next().unwrap_or("").to_string();
            if !own.stats.users.contains(&user) {
                own.stats.users.push(user);
            }
        }
        _ => {}
    }
}

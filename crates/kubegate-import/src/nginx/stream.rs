//! An nginx `stream { … }` block: each `server { listen …; proxy_pass …; }` is one kubegate
//! frontend per `listen`, named after its upstream. `proxy_*` settings of the stream block are
//! inherited by its servers, as in nginx.

use std::collections::HashMap;

use super::proxying::{timeouts, Proxying};
use super::tree::Directive;
use super::upstream::{self, Upstream};
use crate::address;
use crate::draft::{DraftBackend, DraftBalance, DraftFrontend};
use crate::names::{self, Names};
use crate::notes::{list_words, Notes};

/// The frontends of one `stream` block.
pub fn read(stream: &Directive, names: &mut Names, notes: &mut Notes) -> Vec<DraftFrontend> {
    let items = stream.block.as_deref().unwrap_or(&[]);
    let mut upstreams: HashMap<String, Upstream> = HashMap::new();
    let mut base = Proxying::default();
    let mut leftovers: Vec<String> = Vec::new();
    for d in items {
        match (d.name.as_str(), &d.block) {
            ("upstream", Some(_)) => {
                let u = upstream::read(d, notes);
                if let Some(first) = upstreams.get(&u.name) {
                    notes.error(
                        d.line,
                        format!(
                            "upstream {} is defined twice (first at line {}); rename one",
                            u.name, first.line
                        ),
                    );
                } else {
                    upstreams.insert(u.name.clone(), u);
                }
            }
            ("server", Some(_)) => {}
            ("include", _) => say_include(d, notes),
            _ => {
                if !base.apply(d, notes) && !leftovers.contains(&d.name) {
                    leftovers.push(d.name.clone());
                }
            }
        }
    }
    if !leftovers.is_empty() {
        let mut text = format!(
            "`stream` settings {} (no kubegate equivalent)",
            list_words(&leftovers)
        );
        if leftovers.iter().any(|l| l.contains("log")) {
            text.push_str("; kubegate logs one line per connection on stdout");
        }
        notes.dropped(stream.line, text);
    }
    let mut used: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for d in items {
        if d.name == "server" && d.block.is_some() {
            out.extend(server(d, &base, &upstreams, &mut used, names, notes));
        }
    }
    let mut unused: Vec<&Upstream> = upstreams
        .values()
        .filter(|u| !used.contains(&u.name))
        .collect();
    unused.sort_by_key(|u| u.line);
    for u in unused {
        notes.dropped(
            u.line,
            format!("upstream {}: the proxy_pass of no server", u.name),
        );
    }
    out
}

/// `include` is not followed.
pub fn say_include(d: &Directive, notes: &mut Notes) {
    notes.dropped(
        d.line,
        format!(
            "`include {}`: not followed; pass the included file to `kubegate import` too if it \
             holds a stream block",
            d.arg(0)
        ),
    );
}

/// One `server { … }` block of a stream.
fn server(
    d: &Directive,
    base: &Proxying,
    upstreams: &HashMap<String, Upstream>,
    used: &mut Vec<String>,
    names: &mut Names,
    notes: &mut Notes,
) -> Vec<DraftFrontend> {
    let mut p = base.clone();
    let mut listens = Vec::new();
    let mut pass: Option<&Directive> = None;
    let mut leftovers: Vec<String> = Vec::new();
    for item in d.block.as_deref().unwrap_or(&[]) {
        match item.name.as_str() {
            "listen" => listens.push(item),
            "proxy_pass" => pass = Some(item),
            "include" => say_include(item, notes),
            name => {
                if !p.apply(item, notes) && !leftovers.iter().any(|l| l == name) {
                    leftovers.push(name.to_string());
                }
            }
        }
    }
    if listens.iter().any(|l| l.args.iter().any(|a| a == "ssl")) {
        // Said with the `listen … ssl` error.
        leftovers.retain(|l| !l.starts_with("ssl_"));
    }
    if !leftovers.is_empty() {
        notes.dropped(
            d.line,
            format!(
                "`server` settings {} (no kubegate equivalent)",
                list_words(&leftovers)
            ),
        );
    }
    let Some((wanted_name, pool, balance)) = target(d, pass, upstreams, used, notes) else {
        return Vec::new();
    };
    if listens.is_empty() {
        notes.error(
            d.line,
            "this `server` block has no `listen`; add one like `listen 6443;`",
        );
    }
    let timeouts = timeouts(d.line, &p, notes);
    if let Some(text) = names::unusable(&wanted_name) {
        let line = pass.map_or(d.line, |p| p.line);
        notes.assumed(
            line,
            format!("{text}: imported as {}", names::usable(&wanted_name)),
        );
    }
    let mut out = Vec::new();
    for l in listens {
        let Some(bind) = listen(l, notes) else {
            continue;
        };
        out.push(DraftFrontend {
            name: names.unique(&wanted_name),
            bind,
            backends: pool.clone(),
            balance,
            check: None,
            timeouts: timeouts.clone(),
            max_connections: None,
            proxy_protocol: p.proxy_protocol,
            retries: p.retries,
            origin: notes.origin(l.line),
        });
    }
    out
}

/// A frontend's name, backends and balance.
type Target = (String, Vec<DraftBackend>, Option<DraftBalance>);

/// What `proxy_pass` names: an upstream, or one address.
fn target(
    d: &Directive,
    pass: Option<&Directive>,
    upstreams: &HashMap<String, Upstream>,
    used: &mut Vec<String>,
    notes: &mut Notes,
) -> Option<Target> {
    let Some(pass) = pass else {
        notes.error(
            d.line,
            "this `server` block has no `proxy_pass`; add `proxy_pass UPSTREAM;`",
        );
        return None;
    };
    let to = pass.arg(0);
    if let Some(u) = upstreams.get(to) {
        used.push(u.name.clone());
        if u.backends.is_empty() {
            // Said at the upstream.
            return None;
        }
        notes.assumed(
            u.line,
            format!(
                "upstream {}: nginx checks servers only passively (max_fails/fail_timeout on \
                 client connections); kubegate checks its backends actively, a TCP connect \
                 every 2s (for apiservers use `check: {{ https: /readyz }}`, which `kubegate \
                 check` suggests too)",
                u.name
            ),
        );
        return Some((u.name.clone(), u.backends.clone(), u.balance));
    }
    if to.contains('$') {
        notes.error(
            pass.line,
            format!("`proxy_pass {to}` chooses its target with variables; kubegate needs a fixed pool: name an upstream"),
        );
        return None;
    }
    match address::backend(to) {
        Ok(a) => {
            notes.assumed(
                pass.line,
                format!(
                    "`proxy_pass {to}`: nginx checked it only passively; kubegate checks it \
                     actively, a TCP connect every 2s (for an apiserver use \
                     `check: {{ https: /readyz }}`)"
                ),
            );
            let port = a.rsplit(':').next().unwrap_or("").to_string();
            let backend = DraftBackend {
                address: a,
                weight: None,
                name: None,
                origin: notes.origin(pass.line),
            };
            Some((format!("stream-{port}"), vec![backend], None))
        }
        Err(why) => {
            notes.error(
                pass.line,
                format!("`proxy_pass {to}` names no upstream of this stream block, and {why}"),
            );
            None
        }
    }
}

/// `listen [ADDR:]PORT [params]` → `ADDRESS:PORT`; `ssl` and `udp` cannot be imported.
fn listen(d: &Directive, notes: &mut Notes) -> Option<String> {
    let written = d.arg(0);
    let params = d.args.get(1..).unwrap_or(&[]);
    if params.iter().any(|p| p == "ssl") {
        notes.error(
            d.line,
            format!(
                "`listen {written} ssl` terminates TLS; kubegate passes TLS through and does not \
                 terminate it: remove `ssl` (and the ssl_certificate lines) so the backends (the \
                 apiserver) terminate TLS themselves"
            ),
        );
        return None;
    }
    if params.iter().any(|p| p == "udp") {
        notes.dropped(
            d.line,
            format!("`listen {written} udp`: kubegate balances TCP only"),
        );
        return None;
    }
    if params.iter().any(|p| p == "proxy_protocol") {
        notes.dropped(
            d.line,
            "`proxy_protocol` on `listen`: kubegate does not read PROXY headers from clients",
        );
    }
    let parsed = if written.starts_with("unix:") {
        Err("is a unix socket; kubegate listens on IP:PORT".to_string())
    } else if !written.is_empty() && written.bytes().all(|b| b.is_ascii_digit()) {
        address::listen("", written, false)
    } else {
        match address::split_host_port(written) {
            Some((host, port)) => address::listen(host, port, false),
            None => {
                Err("has no port; write it like `listen 6443;` or `listen 10.0.0.50:6443;`".into())
            }
        }
    };
    match parsed {
        Ok(a) => Some(a),
        Err(why) => {
            notes.error(d.line, format!("listen {written}: {why}"));
            None
        }
    }
}

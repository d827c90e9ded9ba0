//! An nginx `stream { … }` block: each `server { listen …; proxy_pass …; }` is one kubegate
//! frontend per `listen`, named after its upstream. `proxy_*` settings of the stream block are
//! inherited by its servers, as in nginx.

use std::collections::HashMap;
use std::time::Duration;

use super::tree::Directive;
use super::upstream::{self, Upstream};
use crate::config::import::draft::{DraftFrontend, DraftTimeouts};
use crate::config::import::haproxy::names::Names;
use crate::config::import::haproxy::notes::{list_words, short_idle, Notes};
use crate::config::import::haproxy::{address, durations};

/// kubegate's highest `retries`.
const MAX_RETRIES: u32 = 10;

/// The `proxy_*` settings of a stream or server block; `(value, line)`.
#[derive(Debug, Clone, Default)]
struct Proxying {
    connect: Option<(Duration, usize)>,
    idle: Option<(Duration, usize)>,
    proxy_protocol: bool,
    retries: Option<u32>,
}

impl Proxying {
    /// Applies `d` if it is a `proxy_*` setting kubegate has; false otherwise.
    fn apply(&mut self, d: &Directive, notes: &mut Notes) -> bool {
        match d.name.as_str() {
            "proxy_timeout" => self.idle = time(d, notes).or(self.idle),
            "proxy_connect_timeout" => self.connect = time(d, notes).or(self.connect),
            "proxy_protocol" => self.proxy_protocol = d.arg(0) == "on",
            "proxy_next_upstream" if d.arg(0) == "off" => self.retries = Some(0),
            "proxy_next_upstream" => {}
            "proxy_next_upstream_tries" => self.retries = tries(d, notes).or(self.retries),
            "proxy_ssl" if d.arg(0) == "on" => notes.error(
                d.line,
                "`proxy_ssl on` makes nginx open TLS to the backends; kubegate passes bytes \
                 through unchanged: remove it so the client's TLS reaches the backends end to end",
            ),
            _ => return false,
        }
        true
    }
}

fn time(d: &Directive, notes: &mut Notes) -> Option<(Duration, usize)> {
    match durations::nginx(d.arg(0)) {
        Ok(t) if !t.is_zero() => Some((t, d.line)),
        Ok(_) => {
            notes.error(
                d.line,
                format!("`{}` is zero; write a time like 10s", d.name),
            );
            None
        }
        Err(why) => {
            notes.error(d.line, format!("`{}`: {why}", d.name));
            None
        }
    }
}

/// `proxy_next_upstream_tries N`: N tries in all, so N - 1 retries; 0 = no limit.
fn tries(d: &Directive, notes: &mut Notes) -> Option<u32> {
    match d.arg(0).parse::<u32>() {
        Ok(0) => None,
        Ok(n) if n - 1 > MAX_RETRIES => {
            notes.assumed(
                d.line,
                format!(
                    "`proxy_next_upstream_tries {n}` is {} retries, above kubegate's \
                     {MAX_RETRIES}: imported as `retries: {MAX_RETRIES}`",
                    n - 1
                ),
            );
            Some(MAX_RETRIES)
        }
        Ok(n) => Some(n - 1),
        Err(_) => {
            notes.error(
                d.line,
                format!(
                    "`proxy_next_upstream_tries` needs a whole number, found {:?}",
                    d.arg(0)
                ),
            );
            None
        }
    }
}

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

type Target = (
    String,
    Vec<crate::config::import::draft::DraftBackend>,
    Option<crate::config::import::draft::DraftBalance>,
);

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
            let backend = crate::config::import::draft::DraftBackend {
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

/// `proxy_timeout` → idle, `proxy_connect_timeout` → connect; unset ones keep kubegate's
/// defaults, said in one note.
fn timeouts(line: usize, p: &Proxying, notes: &mut Notes) -> DraftTimeouts {
    let mut unset = Vec::new();
    if p.idle.is_none() {
        unset.push("no `proxy_timeout`: nginx closed connections quiet for 10m, kubegate's idle timeout is 1h");
    }
    if p.connect.is_none() {
        unset.push("no `proxy_connect_timeout`: nginx waited 60s for a backend to accept, kubegate waits 3s and tries another");
    }
    if !unset.is_empty() {
        notes.assumed(
            line,
            format!("{}; kubegate's defaults apply", unset.join("; ")),
        );
    }
    if let Some((idle, at)) = p.idle {
        if let Some(text) = short_idle(idle) {
            notes.assumed(at, text);
        }
    }
    DraftTimeouts {
        connect: p.connect.map(|c| c.0),
        idle: p.idle.map(|i| i.0),
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

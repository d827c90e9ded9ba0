//! The parts of an haproxy file that are not a balanced proxy: `global`, sections kubegate has
//! no use for (`resolvers`, `userlist`, `peers`, …) and the stats page, which becomes
//! kubegate's admin endpoint. One note per section.

use super::proxy::Proxy;
use super::sections::Section;
use crate::address;
use crate::notes::{list_words, Notes};

/// One note for the settings of `global`, and one for `stats socket`.
pub fn global(section: &Section, notes: &mut Notes) {
    let mut words: Vec<String> = Vec::new();
    for line in &section.body {
        let label = match (line.word(0), line.word(1)) {
            ("stats", "socket") => {
                notes.dropped(
                    line.number,
                    "`stats socket`: `kubegate status` and the admin API (admin.bind) \
                     show and change backends at run time",
                );
                continue;
            }
            ("stats", sub) => format!("stats {sub}"),
            (first, _) => first.to_string(),
        };
        if !words.contains(&label) {
            words.push(label);
        }
    }
    if words.is_empty() {
        return;
    }
    let mut text = format!(
        "`global` settings {}: kubegate runs as a service and logs one line per \
         connection on stdout",
        list_words(&words)
    );
    if words.iter().any(|w| w == "maxconn") {
        text.push_str("; connection limits are per frontend (max_connections)");
    }
    notes.dropped(section.line, text);
}

/// One note for a section that is not imported.
pub fn other(section: &Section, notes: &mut Notes) {
    let title = section.title();
    let why = match section.keyword.as_str() {
        "resolvers" => "kubegate does not resolve names; backends are IP addresses",
        "userlist" => {
            "kubegate's admin endpoint takes a bearer token (admin.token_file), not users"
        }
        "peers" => "kubegate has no stick tables to share",
        _ => "kubegate has no equivalent",
    };
    notes.dropped(section.line, format!("`{title}`: {why}"));
}

/// Whether a section is only a stats page: stats on, no servers, no backend.
pub fn is_stats_page(p: &Proxy) -> bool {
    p.own.stats.page.is_some() && p.own.servers.is_empty() && p.own.default_backend.is_none()
}

/// The stats page as `admin.bind` on loopback, with the note; `None` when it has no usable
/// port.
pub fn stats_page(section: &Section, p: &Proxy, notes: &mut Notes) -> Option<String> {
    let title = section.title();
    let written = section
        .args
        .first()
        .map(String::as_str)
        .or_else(|| p.own.binds.first().map(|l| l.word(1)))
        .unwrap_or("");
    let port = address::split_host_port(written).and_then(|(_, port)| address::port(port).ok());
    let Some(port) = port else {
        notes.dropped(
            section.line,
            format!(
                "`{title}`, a stats page with no usable bind ({written:?}): kubegate's admin \
                 endpoint keeps its default 127.0.0.1:9099"
            ),
        );
        return None;
    };
    let bind = format!("127.0.0.1:{port}");
    let mut text = format!(
        "`{title}` is haproxy's stats page: kubegate's admin endpoint shows the status page \
         (and /metrics, /api/v1/status) and is imported as `admin.bind: {bind}`; it must stay \
         on loopback unless `admin.token_file` is set: set one before binding it elsewhere"
    );
    if !p.own.stats.users.is_empty() {
        text.push_str(&format!(
            "; the `stats auth` users ({}) are replaced by the bearer token in \
             `admin.token_file`",
            list_words(&p.own.stats.users)
        ));
    }
    notes.assumed(section.line, text);
    Some(bind)
}

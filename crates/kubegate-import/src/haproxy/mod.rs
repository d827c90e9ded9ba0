//! `kubegate import` for haproxy files: sections and keywords in, kubegate frontends (and the
//! admin bind of a stats page) out, with a note for everything assumed, left out or wrong.
//!
//! A `frontend` and its `default_backend`, or a `listen` section, is one kubegate frontend per
//! bind address. The reader never fails: unusable lines become located notes.

mod check;
mod extras;
mod frontend;
mod lexer;
mod pool;
mod proxy;
#[cfg(test)]
pub(crate) mod robustness;
mod sections;
mod server;

use std::collections::HashMap;

use crate::draft::{DraftFrontend, Note};
use crate::names::Names;
use crate::notes::{list_words, Notes};
use proxy::{Proxy, Settings};
use sections::{Kind, Section};

/// What an haproxy file gives.
#[derive(Debug, Clone, PartialEq)]
pub struct HaproxyImport {
    pub frontends: Vec<DraftFrontend>,
    /// `admin.bind` for the stats page, on loopback.
    pub admin_bind: Option<String>,
    pub notes: Vec<Note>,
}

/// Reads the haproxy file `file` (its name, for notes) holding `text`.
pub fn read(file: &str, text: &str) -> HaproxyImport {
    let mut notes = Notes::new(file);
    let (orphans, sections) = sections::split(lexer::lines(text));
    if let Some(o) = orphans.first() {
        notes.dropped(
            o.number,
            format!("`{}` outside any section (haproxy refuses it)", o.word(0)),
        );
    }
    let proxies = read_proxies(&sections, &mut notes);
    let mut admin_bind = None;
    let mut frontends = Vec::new();
    let mut names = Names::default();
    let mut used_backends: Vec<&str> = Vec::new();
    for (section, proxy) in &proxies {
        if section.kind == Kind::Backend {
            continue;
        }
        if extras::is_stats_page(proxy) {
            if admin_bind.is_some() {
                notes.dropped(
                    section.line,
                    format!(
                        "`{}`, a second stats page: kubegate has one admin endpoint",
                        section.title()
                    ),
                );
            } else {
                admin_bind = extras::stats_page(section, proxy, &mut notes);
            }
            continue;
        }
        say_leftovers(section, proxy, &mut notes);
        if let Some(line) = proxy.own.disabled {
            notes.dropped(line, format!("`{}` (disabled)", section.title()));
            continue;
        }
        if proxy.own.stats.page.is_some() {
            notes.dropped(
                proxy.own.stats.page.unwrap_or(section.line),
                format!(
                    "the stats page of `{}`: kubegate's admin endpoint (admin.bind) \
                     shows the status of every frontend",
                    section.title()
                ),
            );
        }
        let (back_section, back) = if section.kind == Kind::Listen {
            (*section, proxy)
        } else {
            match backend_of(section, proxy, &proxies, &mut notes) {
                Some(found) => found,
                None => continue,
            }
        };
        if let Some(name) = &back_section.name {
            used_backends.push(name);
        }
        let pool = pool::read(back_section, back, &mut notes);
        frontends.extend(frontend::read(
            section, proxy, back, &pool, &mut names, &mut notes,
        ));
    }
    for (section, proxy) in &proxies {
        let name = section.name.as_deref().unwrap_or("");
        if section.kind == Kind::Backend && !used_backends.contains(&name) {
            say_leftovers(section, proxy, &mut notes);
            notes.dropped(
                section.line,
                format!("`{}`: the default_backend of no frontend", section.title()),
            );
        }
    }
    let stopped = notes.has_errors();
    if frontends.is_empty() && admin_bind.is_none() && !stopped {
        notes.error(
            0,
            "no `frontend` with a `default_backend` or `listen` with servers: nothing to import \
             from this file",
        );
    }
    HaproxyImport {
        frontends,
        admin_bind,
        notes: notes.finish(),
    }
}

/// Every proxy section read over its `defaults`; `global` and other sections noted.
fn read_proxies<'a>(sections: &'a [Section], notes: &mut Notes) -> Vec<(&'a Section, Proxy)> {
    let mut named: HashMap<&str, Settings> = HashMap::new();
    let mut last = Settings::default();
    let mut out = Vec::new();
    for s in sections {
        let base = match &s.from {
            Some(from) => named.get(from.as_str()).cloned().unwrap_or_else(|| {
                notes.error(
                    s.line,
                    format!(
                        "`{}` inherits from `defaults {from}`, which is not in this file",
                        s.title()
                    ),
                );
                last.clone()
            }),
            None => last.clone(),
        };
        match s.kind {
            Kind::Global => extras::global(s, notes),
            Kind::Other => extras::other(s, notes),
            Kind::Defaults => {
                let p = proxy::read(s, &base, notes);
                say_leftovers(s, &p, notes);
                if let Some(n) = &s.name {
                    named.insert(n, p.settings.clone());
                }
                last = p.settings;
            }
            Kind::Frontend | Kind::Backend | Kind::Listen => {
                out.push((s, proxy::read(s, &base, notes)))
            }
        }
    }
    out
}

/// The backend section a frontend sends its connections to.
fn backend_of<'a>(
    section: &Section,
    front: &Proxy,
    proxies: &'a [(&'a Section, Proxy)],
    notes: &mut Notes,
) -> Option<(&'a Section, &'a Proxy)> {
    let title = section.title();
    let Some(wanted) = &front.own.default_backend else {
        let why = if front.own.routing.is_empty() {
            "has no `default_backend`"
        } else {
            "chooses its backends with `use_backend` rules only"
        };
        notes.error(
            section.line,
            format!(
                "`{title}` {why}; kubegate routes a frontend to one pool: add \
                 `default_backend NAME`"
            ),
        );
        return None;
    };
    let found = proxies.iter().find(|(s, _)| {
        matches!(s.kind, Kind::Backend | Kind::Listen) && s.name.as_deref() == Some(&wanted.value)
    });
    if found.is_none() {
        notes.error(
            wanted.line,
            format!(
                "`default_backend {}`: there is no backend {} in this file; add it or name an \
                 existing one",
                wanted.value, wanted.value
            ),
        );
    }
    found.map(|(s, p)| (*s, p))
}

/// One note for the keywords of a section that kubegate has no use for.
fn say_leftovers(section: &Section, p: &Proxy, notes: &mut Notes) {
    let words = &p.own.leftovers;
    if words.is_empty() {
        return;
    }
    let mut text = format!(
        "`{}`: {} (no kubegate equivalent)",
        section.title(),
        list_words(words)
    );
    if words
        .iter()
        .any(|w| w.starts_with("log") || w.ends_with("log"))
    {
        text.push_str("; kubegate logs one line per connection on stdout");
    }
    notes.dropped(section.line, text);
}

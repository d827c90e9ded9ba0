//! `kubegate import`: keepalived, haproxy and nginx files in, one kubegate file out.
//!
//! Each reader turns its file into parts of a [`draft::Draft`] and notes; keepalived files of
//! several nodes merge into one list of nodes and VIPs; the same balancer file given for every
//! node counts once; trackers that only checked the old balancer become `frontend:` trackers;
//! `emit` writes the draft, which must then pass the same validation as any config file.
#![forbid(unsafe_code)]

mod address;
pub mod draft;
mod durations;
pub mod emit;
mod frontends;
mod fuzz;
pub mod haproxy;
pub mod keepalived;
mod link;
mod names;
pub mod nginx;
mod notes;
mod overlap;

use std::net::IpAddr;
use std::path::Path;

use draft::{Draft, Note, Severity};
pub use fuzz::fuzz_import;

/// The kinds of file `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Keepalived,
    Haproxy,
    Nginx,
}

/// One file to import: its name (for messages) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// What the files do not say: `--node NAME=ADDRESS`.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub nodes: Vec<(String, IpAddr)>,
}

/// A translated file and the notes about it (none of them errors).
#[derive(Debug, Clone)]
pub struct Imported {
    pub text: String,
    pub notes: Vec<Note>,
}

/// Tells the kind of a file from its words: keepalived's `vrrp_instance`, nginx's `stream {`,
/// haproxy's sections.
pub fn detect(text: &str) -> Option<SourceKind> {
    let words: Vec<&str> = text
        .lines()
        .map(|l| l.split(['#', '!']).next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect();
    let starts = |w: &str| words.iter().any(|l| l.split_whitespace().next() == Some(w));
    if [
        "vrrp_instance",
        "vrrp_script",
        "global_defs",
        "vrrp_sync_group",
    ]
    .iter()
    .any(|w| starts(w))
    {
        return Some(SourceKind::Keepalived);
    }
    let opens = |w: &str| {
        words.iter().any(|l| {
            let mut it = l.split_whitespace();
            it.next() == Some(w) && l.ends_with('{')
        })
    };
    if opens("stream") || opens("upstream") || opens("events") || opens("http") {
        return Some(SourceKind::Nginx);
    }
    if ["frontend", "backend", "listen", "defaults", "global"]
        .iter()
        .any(|w| starts(w))
    {
        return Some(SourceKind::Haproxy);
    }
    None
}

/// Translates the files into one kubegate file, or returns every note when one is an error.
pub fn import(sources: &[Source], options: &ImportOptions) -> Result<Imported, Vec<Note>> {
    let mut notes = Vec::new();
    let mut keepalived_files = Vec::new();
    let mut balancer_files = Vec::new();
    for s in sources {
        match detect(&s.text) {
            Some(SourceKind::Keepalived) => {
                keepalived_files.push(keepalived::read(&s.name, &s.text));
            }
            Some(SourceKind::Haproxy) => {
                let h = haproxy::read(&s.name, &s.text);
                notes.extend(h.notes);
                balancer_files.push((s.name.clone(), h.frontends, h.admin_bind));
            }
            Some(SourceKind::Nginx) => {
                let n = nginx::read(&s.name, &s.text);
                notes.extend(n.notes);
                balancer_files.push((s.name.clone(), n.frontends, None));
            }
            None => notes.push(Note::error(
                Some(draft::Origin::new(&s.name, 1)),
                "cannot tell what this file is: kubegate imports keepalived.conf \
                 (vrrp_instance), haproxy.cfg (frontend/backend/listen) and nginx.conf \
                 (a stream block)",
            )),
        }
    }
    let mut draft = Draft::default();
    (draft.frontends, draft.admin_bind) = frontends::merge(balancer_files, &mut notes);
    let hints = keepalived::NodeHints {
        given: options.nodes.clone(),
        servers: frontends::named_servers(&draft.frontends),
    };
    (draft.nodes, draft.vips) = keepalived::merge(&keepalived_files, &hints, &mut notes);
    link::link_balancer_checks(&mut draft, &mut notes);
    unicast_needs_peers(&draft, &mut notes);
    overlap::binds(&draft, &mut notes);
    overlap::own_backends(&draft, &mut notes);
    let failed = notes.iter().any(|n| n.severity == Severity::Error);
    // Notes that are not errors (a `listen stats` section kept as the admin endpoint, …)
    // do not make a file with nothing to run worth writing.
    if draft.vips.is_empty() && draft.frontends.is_empty() && !failed {
        notes.push(Note::error(
            None,
            "the files hold no VRRP instance and no TCP frontend: nothing to translate",
        ));
    }
    sort_by_place(&mut notes, sources);
    if notes.iter().any(|n| n.severity == Severity::Error) {
        return Err(notes);
    }
    let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let text = emit::emit(&draft, &names);
    if let Err(errors) = kubegate_config::parse_str(&text, Path::new("the translated file")) {
        notes.push(Note::error(
            None,
            format!(
                "the translated file does not pass validation (please report this with the \
                 files that caused it):\n{errors}\n--- the translated file ---\n{text}"
            ),
        ));
        return Err(notes);
    }
    Ok(Imported { text, notes })
}

/// A unicast VIP talks to the other nodes: with the file of one node only there is nobody to
/// talk to (the peers' addresses are in `unicast_peer`, their names and priorities are in
/// their own files), and the translation would not validate.
fn unicast_needs_peers(draft: &Draft, notes: &mut Vec<Note>) {
    if draft.nodes.len() >= 2 {
        return;
    }
    for vip in &draft.vips {
        if vip.transport == draft::DraftTransport::Unicast {
            notes.push(Note::error(
                vip.origin.clone(),
                format!(
                    "VIP {} is unicast (unicast_peer) and only one node's keepalived.conf was \
                     given: give every node's file, so each node's name, address and priority \
                     are known",
                    vip.name
                ),
            ));
        }
    }
}

/// Notes in the order the files were given, then by line; notes about no file come last.
fn sort_by_place(notes: &mut [Note], sources: &[Source]) {
    notes.sort_by_key(|n| match &n.origin {
        Some(o) => (
            sources
                .iter()
                .position(|s| s.name == o.file)
                .unwrap_or(sources.len()),
            o.line,
        ),
        None => (usize::MAX, 0),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_apart_by_their_words() {
        let ka = "! Configuration File for keepalived\nglobal_defs {\n router_id a\n}\n";
        assert_eq!(detect(ka), Some(SourceKind::Keepalived));
        let ha = "# comment\nglobal\n    maxconn 4000\nfrontend api\n    bind *:6443\n";
        assert_eq!(detect(ha), Some(SourceKind::Haproxy));
        let ng = "user nginx;\nevents {\n}\nstream {\n  upstream a {\n  }\n}\n";
        assert_eq!(detect(ng), Some(SourceKind::Nginx));
        assert_eq!(detect("just some text\n"), None);
        assert_eq!(detect(""), None);
    }
}

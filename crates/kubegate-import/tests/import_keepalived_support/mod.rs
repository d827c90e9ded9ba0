//! Helpers of the keepalived import tests: fixtures, merging, and finding notes.

#![allow(dead_code)] // each test crate uses a different part

use std::net::IpAddr;
use std::path::Path;

use kubegate_import::draft::{DraftNode, DraftVip, Note, Origin, Severity};
use kubegate_import::keepalived::{merge, read, KeepalivedFile, NodeHints};

pub fn fixture(dir: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keepalived")
        .join(dir)
        .join(name);
    std::fs::read_to_string(path).expect("fixture")
}

pub fn load(dir: &str, names: &[&str]) -> Vec<KeepalivedFile> {
    names.iter().map(|n| read(n, &fixture(dir, n))).collect()
}

pub fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

pub fn at(file: &str, line: usize) -> Option<Origin> {
    Some(Origin::new(file, line))
}

pub fn node(name: &str, address: &str, file: &str, line: usize) -> DraftNode {
    DraftNode {
        name: name.into(),
        address: ip(address),
        origin: at(file, line),
    }
}

pub fn run(
    files: &[KeepalivedFile],
    hints: &NodeHints,
) -> (Vec<DraftNode>, Vec<DraftVip>, Vec<Note>) {
    let mut notes = Vec::new();
    let (n, v) = merge(files, hints, &mut notes);
    (n, v, notes)
}

pub fn of(notes: &[Note], severity: Severity) -> Vec<String> {
    notes
        .iter()
        .filter(|n| n.severity == severity)
        .map(|n| n.to_string())
        .collect()
}

/// The one note at `file:line` of this severity; its text must contain `words`.
pub fn has(notes: &[Note], severity: Severity, file: &str, line: usize, words: &str) {
    let found: Vec<&Note> = notes
        .iter()
        .filter(|n| n.severity == severity && n.origin == at(file, line) && n.text.contains(words))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "no single {severity:?} note at {file}:{line} with {words:?} in\n{notes:#?}"
    );
}

pub fn given(pairs: &[(&str, &str)]) -> NodeHints {
    NodeHints {
        given: pairs.iter().map(|(n, a)| (n.to_string(), ip(a))).collect(),
        servers: Vec::new(),
    }
}

/// A node's file: `router_id NAME`, one `vrrp_instance VI_1` whose `unicast_src_ip` is on line
/// 5, so the body's first line is line 6.
pub fn node_file(name: &str, src: &str, body: &str) -> KeepalivedFile {
    let text = format!(
        "global_defs {{\n    router_id {name}\n}}\nvrrp_instance VI_1 {{\n    unicast_src_ip {src}\n{body}}}\n"
    );
    read(&format!("{name}.conf"), &text)
}

//! keepalived files into kubegate nodes and VIPs: `read` one file (one per node, as in the
//! field) into what it says, with notes; `merge` the files of all nodes into `nodes:` and
//! `vips:`, checking that the nodes agree where kubegate has one value per VIP.

mod instance;
mod lexer;
mod model;
mod nodes;
mod parse;
mod settings;
mod track;
mod value;
mod vip;

use std::net::IpAddr;

pub use model::{At, AuthType, Instance, KeepalivedFile, TrackRef, VirtualAddress, VrrpScript};

use super::draft::{DraftNode, DraftVip, Note};

/// One keepalived file, read. Notes (dropped settings, syntax problems) are inside.
pub fn read(file: &str, text: &str) -> KeepalivedFile {
    parse::read(file, text)
}

/// Names and addresses known from elsewhere: `--node NAME=ADDRESS` flags (explicit) and
/// haproxy/nginx server entries (name → address, e.g. `server k8s-master-1 10.0.0.51:6443`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeHints {
    pub given: Vec<(String, IpAddr)>,
    pub servers: Vec<(String, IpAddr)>,
}

/// Merges the files of all nodes (one file per node, as in the field) into nodes and VIPs.
/// Each file's notes move into `notes` first (in file order), then the merge's own.
pub fn merge(
    files: &[KeepalivedFile],
    hints: &NodeHints,
    notes: &mut Vec<Note>,
) -> (Vec<DraftNode>, Vec<DraftVip>) {
    for f in files {
        notes.extend(f.notes.iter().cloned());
    }
    let file_nodes = nodes::file_nodes(files, hints, notes);
    let vips = vip::vips(files, &file_nodes, notes);
    (nodes::draft_nodes(&file_nodes), vips)
}

//! The nodes of a merge: one per file, named by its `router_id` (else the file's stem), its
//! address found in the file, in the hints, or told by the other files' `unicast_peer` lists.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;

use super::super::draft::{DraftNode, Note, Origin};
use super::model::KeepalivedFile;
use super::NodeHints;

/// One node per file, in file order; `address` is `None` when nothing told it.
pub struct FileNode {
    pub name: String,
    pub address: Option<IpAddr>,
    pub origin: Origin,
}

pub fn file_nodes(
    files: &[KeepalivedFile],
    hints: &NodeHints,
    notes: &mut Vec<Note>,
) -> Vec<FileNode> {
    let mut out: Vec<FileNode> = Vec::new();
    for f in files {
        let line = f.router_id.as_ref().map_or(1, |r| r.line);
        let origin = Origin::new(&f.file, line);
        let name = unique_name(&node_name(f, &origin, notes), &out, f, &origin, notes);
        let address = own_address(f, &name, hints, notes);
        out.push(FileNode {
            name,
            address,
            origin,
        });
    }
    let from_peers: Vec<Option<IpAddr>> = (0..files.len())
        .map(|i| peer_told(files, &out, i))
        .collect();
    for (node, told) in out.iter_mut().zip(from_peers) {
        if node.address.is_some() {
            continue;
        }
        match told {
            Some(ip) => {
                notes.push(Note::assumed(Some(node.origin.clone()), format!(
                    "node {} has address {ip}: the only address every other file lists as unicast_peer and this one does not",
                    node.name
                )));
                node.address = Some(ip);
            }
            None => notes.push(Note::error(
                Some(node.origin.clone()),
                format!(
                    "node {} has no address: pass --node {}=ADDRESS (its file has no unicast_src_ip, and neither a balancer server nor the other files' unicast_peer lists tell it)",
                    node.name, node.name
                ),
            )),
        }
    }
    for (i, a) in out.iter().enumerate() {
        if let Some(b) = out
            .iter()
            .skip(i + 1)
            .find(|b| a.address.is_some() && b.address == a.address)
        {
            notes.push(Note::error(Some(b.origin.clone()), format!(
                "nodes {} ({}) and {} have the same address {}; give each node its own address (--node NAME=ADDRESS)",
                a.name, a.origin, b.name, a.address.map(|x| x.to_string()).unwrap_or_default()
            )));
        }
    }
    out
}

/// The nodes whose address is known, for `nodes:`.
pub fn draft_nodes(nodes: &[FileNode]) -> Vec<DraftNode> {
    nodes
        .iter()
        .filter_map(|n| {
            Some(DraftNode {
                name: n.name.clone(),
                address: n.address?,
                origin: Some(n.origin.clone()),
            })
        })
        .collect()
}

/// `router_id`, else the file's stem, made a valid kubegate name.
fn node_name(f: &KeepalivedFile, origin: &Origin, notes: &mut Vec<Note>) -> String {
    let written = match &f.router_id {
        Some(r) => r.value.clone(),
        None => name_from_path(&f.file),
    };
    let name = valid_name(&written);
    if f.router_id.is_none() {
        notes.push(Note::assumed(Some(origin.clone()), format!(
            "this file has no router_id: its node is named {name} after the file; rename it in the output if you like"
        )));
    } else if name != written {
        notes.push(Note::assumed(
            Some(origin.clone()),
            format!("router_id {written:?} is not a kubegate name: the node is named {name}"),
        ));
    }
    name
}

/// `keepalived-master1.conf` → `master1`; `master1/keepalived.conf` → `master1` (files
/// collected from the nodes are often all called keepalived.conf, one directory per node).
fn name_from_path(file: &str) -> String {
    let path = Path::new(file);
    let stem = path
        .file_stem()
        .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| !p.is_empty());
    match (stem.as_str(), parent) {
        ("keepalived", Some(dir)) => dir,
        _ => match stem
            .strip_prefix("keepalived-")
            .or_else(|| stem.strip_prefix("keepalived_"))
        {
            Some(rest) if !rest.is_empty() => rest.to_string(),
            _ => stem,
        },
    }
}

/// Letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 bytes.
pub fn valid_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    while out.starts_with(['.', '_', '-']) {
        out.remove(0);
    }
    if out.is_empty() {
        out.push_str("node");
    }
    out
}

fn unique_name(
    name: &str,
    taken: &[FileNode],
    f: &KeepalivedFile,
    origin: &Origin,
    notes: &mut Vec<Note>,
) -> String {
    let used = |n: &str| taken.iter().any(|t| t.name == n);
    if !used(name) {
        return name.to_string();
    }
    let mut n = 2;
    let mut candidate = format!("{name}-{n}");
    while used(&candidate) {
        n += 1;
        candidate = format!("{name}-{n}");
    }
    notes.push(Note::assumed(Some(origin.clone()), format!(
        "{} names its node {name} like an earlier file: this node is called {candidate} (give each node its own router_id)",
        f.file
    )));
    candidate
}

/// `unicast_src_ip` (or `mcast_src_ip`), else `--node NAME=`, else a haproxy/nginx server of
/// that name.
fn own_address(
    f: &KeepalivedFile,
    name: &str,
    hints: &NodeHints,
    notes: &mut Vec<Note>,
) -> Option<IpAddr> {
    let mut written: Option<(IpAddr, usize)> = None;
    for i in &f.instances {
        let Some(src) = i.unicast_src_ip.as_ref().or(i.mcast_src_ip.as_ref()) else {
            continue;
        };
        match written {
            None => written = Some((src.value, src.line)),
            Some((ip, line)) if ip != src.value => notes.push(Note::error(
                Some(Origin::new(&f.file, src.line)),
                format!("source address {} differs from {ip} at line {line}; a node has one address: make them the same", src.value),
            )),
            Some(_) => {}
        }
    }
    let given = hints.given.iter().find(|(n, _)| n == name).map(|(_, a)| *a);
    if let (Some((ip, line)), Some(g)) = (written, given) {
        if ip != g {
            notes.push(Note::error(
                Some(Origin::new(&f.file, line)),
                format!("--node {name}={g} but this file says {ip}; pass the address the node really has"),
            ));
        }
    }
    if let Some((ip, _)) = written {
        return Some(ip);
    }
    if given.is_some() {
        return given;
    }
    hints.servers.iter().find(|(n, _)| n == name).map(|(n, a)| {
        notes.push(Note::assumed(
            Some(Origin::new(
                &f.file,
                f.router_id.as_ref().map_or(1, |r| r.line),
            )),
            format!("node {name} has address {a}: the balancer's server {n} has that name"),
        ));
        *a
    })
}

/// The address every other file with peers lists and file `i` does not (nor names as another
/// node's): that is file `i`'s own address.
fn peer_told(files: &[KeepalivedFile], nodes: &[FileNode], i: usize) -> Option<IpAddr> {
    let peers = |f: &KeepalivedFile| -> Option<BTreeSet<IpAddr>> {
        let lists: Vec<&Vec<IpAddr>> = f
            .instances
            .iter()
            .filter_map(|x| x.unicast_peers.as_ref().map(|p| &p.value))
            .collect();
        (!lists.is_empty()).then(|| lists.into_iter().flatten().copied().collect())
    };
    let own = peers(files.get(i)?)?;
    let mut common: Option<BTreeSet<IpAddr>> = None;
    for (j, f) in files.iter().enumerate() {
        if j == i {
            continue;
        }
        if let Some(p) = peers(f) {
            common = Some(match common {
                None => p,
                Some(c) => c.intersection(&p).copied().collect(),
            });
        }
    }
    let known: Vec<IpAddr> = nodes
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .filter_map(|(_, n)| n.address)
        .collect();
    let left: Vec<IpAddr> = common?
        .into_iter()
        .filter(|a| !own.contains(a) && !known.contains(a))
        .collect();
    match left.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_paths() {
        assert_eq!(
            name_from_path("keepalived-nopreempt-master1.conf"),
            "nopreempt-master1"
        );
        assert_eq!(
            name_from_path("collected/master2/keepalived.conf"),
            "master2"
        );
        assert_eq!(name_from_path("keepalived.conf"), "keepalived");
        assert_eq!(name_from_path("lb1.conf"), "lb1");
        assert_eq!(valid_name("-NGINX MASTER/1"), "NGINX-MASTER-1");
        assert_eq!(valid_name("所有"), "node");
    }
}

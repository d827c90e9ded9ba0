//! keepalived files into kubegate nodes and VIPs: `read` one file (one per node, as in the
//! field) into what it says, with notes; `merge` the files of all nodes into `nodes:` and
//! `vips:`, checking that the nodes agree where kubegate has one value per VIP.
//!
//! How the merge decides:
//! - A node per file, named by `router_id`, else by the file (`keepalived-NAME.conf`,
//!   `NAME/keepalived.conf`); its address from `unicast_src_ip` (or `mcast_src_ip`), else
//!   `--node`, else a balancer server of that name, else the one address all other files list
//!   as a peer and this one does not. A node without one is an error and is left out of
//!   `nodes:` (its priorities stay, for the operator to see).
//! - A VIP per `virtual_router_id`, named after the first instance (suffixed when taken).
//!   Address, version, interval, authentication and transport must agree between the files;
//!   an instance's second and later addresses are errors (the first is kept).
//! - `nopreempt` on any node turns preemption off (noted when not on all); `preempt_delay`
//!   takes the longest; `state` is dropped with one note per VIP.
//! - The interface is kept when every node names the same one, else `auto`; the label loses
//!   its `IFNAME:` part, which kubegate adds per node.
//! - Trackers merge by `vrrp_script` name (or interface); kubegate runs them on every node.
//! - A `vrrp_sync_group` becomes `group:` on its instances' VIPs (named after the group); the
//!   nodes must agree, and a group left with one VIP is left out with a note.

mod instance;
mod lexer;
mod model;
mod nodes;
mod parse;
mod settings;
mod sync_group;
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

#[cfg(test)]
mod fuzz {
    //! Garbage and mutated field files never panic the reader or the merge.

    use super::*;

    const FIXTURE: &str =
        include_str!("../../tests/fixtures/keepalived/three-masters-nopreempt/master1.conf");
    const OTHER: &str = include_str!("../../tests/fixtures/keepalived/master-master/lb2.conf");

    /// xorshift64*: a small deterministic generator, so a failure repeats.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    fn mutate(rng: &mut Rng, text: &str) -> String {
        const PIECES: [&str; 14] = [
            "{",
            "}",
            "\"",
            "#",
            "!",
            "\n",
            "\r\n",
            "\t",
            " ",
            "255",
            "xxx.1.2.3",
            "é",
            "0.001",
            "-",
        ];
        let mut chars: Vec<char> = text.chars().collect();
        for _ in 0..=rng.below(8) {
            let at = rng.below(chars.len() + 1);
            match rng.below(4) {
                0 => {
                    let end = (at + rng.below(40)).min(chars.len());
                    chars.drain(at.min(end)..end);
                }
                1 => {
                    let piece = PIECES[rng.below(PIECES.len())];
                    let at = at.min(chars.len());
                    chars.splice(at..at, piece.chars());
                }
                2 => {
                    let end = (at + rng.below(60)).min(chars.len());
                    let copy: Vec<char> = chars[at.min(end)..end].to_vec();
                    let to = rng.below(chars.len() + 1);
                    chars.splice(to..to, copy);
                }
                _ => {
                    if !chars.is_empty() {
                        let i = rng.below(chars.len());
                        chars[i] = char::from(b' ' + (rng.below(95)) as u8);
                    }
                }
            }
        }
        chars.into_iter().collect()
    }

    fn read_and_merge(texts: &[String]) {
        let files: Vec<KeepalivedFile> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| read(&format!("f{i}.conf"), t))
            .collect();
        let hints = NodeHints {
            given: vec![("proxy-backup".into(), "10.0.0.9".parse().expect("literal"))],
            servers: vec![("master1".into(), "10.0.0.51".parse().expect("literal"))],
        };
        let mut notes = Vec::new();
        let (_, vips) = merge(&files, &hints, &mut notes);
        // Every note points into one of the files, at a line that exists.
        for n in &notes {
            let o = n
                .origin
                .as_ref()
                .expect("every keepalived note has a place");
            let i: usize = o
                .file
                .trim_start_matches('f')
                .trim_end_matches(".conf")
                .parse()
                .expect("f<i>.conf");
            let lines = texts.get(i).map_or(0, |t| t.split('\n').count());
            assert!(
                (1..=lines).contains(&o.line),
                "{n} is outside its file of {lines} lines"
            );
        }
        assert!(vips.len() <= files.iter().map(|f| f.instances.len()).sum());
    }

    #[test]
    fn mutated_field_files_never_panic() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let a = mutate(&mut rng, FIXTURE);
            let b = mutate(&mut rng, OTHER);
            read_and_merge(&[a, b, FIXTURE.to_string()]);
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(42);
        for _ in 0..2000 {
            let len = rng.below(400);
            let bytes: Vec<u8> = (0..len).map(|_| (rng.next() >> 32) as u8).collect();
            read_and_merge(&[String::from_utf8_lossy(&bytes).into_owned()]);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads(text in "[ -~\\t\\r\\n{}\"#!é]{0,300}") {
            read_and_merge(&[text.clone(), text]);
        }
    }
}

//! The unknown-key pass: reads the file into a plain tree of located keys and values, then reports
//! every key the contract does not know (with its path and a likely intended key), and the
//! contract sections this build does not implement. The typed parse (`raw.rs`) refuses unknown
//! keys too, but stops at the first; this pass finds them all. Words carried over from
//! keepalived, haproxy and nginx get a hint saying what to write instead. The tree also turns a parser
//! error's position back into a key path for its message.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::error::ConfigError;
use super::hints::{
    hint, BGP_WORDS, CHECK_WORDS, FILE_WORDS, FRONTEND_WORDS, KEEPALIVED_WORDS, TIMEOUTS_WORDS,
};
use super::raw::{
    Sp, ADMIN_KEYS, ANNOUNCE_KEYS, BACKEND_KEYS, BFD_KEYS, BGP_KEYS, CHECK_KEYS, FILE_KEYS,
    FRONTEND_KEYS, NODE_BGP_KEYS, NODE_KEYS, PEER_KEYS, TIMEOUTS_KEYS, TRACK_KEYS, VIP_BGP_KEYS,
    VIP_KEYS, VRRP_KEYS,
};

/// A YAML node with its position.
#[derive(Debug)]
pub struct Tree(pub Sp<Shape>);

#[derive(Debug)]
pub enum Shape {
    Map(Vec<(Sp<String>, Tree)>),
    Seq(Vec<Tree>),
    Scalar,
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Sp::<Shape>::deserialize(d).map(Tree)
    }
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Shape, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = m.next_key::<Sp<String>>()? {
            out.push((k, m.next_value::<Tree>()?));
        }
        Ok(Shape::Map(out))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Shape, A::Error> {
        let mut out = Vec::new();
        while let Some(t) = s.next_element::<Tree>()? {
            out.push(t);
        }
        Ok(Shape::Seq(out))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }
    fn visit_none<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }
}

/// The config sections whose keys are fixed.
#[derive(Clone, Copy)]
enum Section {
    File,
    Node,
    Vip,
    Vrrp,
    Track,
    Announce,
    Frontend,
    /// A `backends:` item written as a mapping (`{ address, weight }`).
    Backend,
    Check,
    Timeouts,
    Admin,
    /// Top-level `bgp:`, one of its `peers:`, its `bfd:`.
    Bgp,
    Peer,
    Bfd,
    /// `nodes[].bgp:`.
    NodeBgp,
    /// `vips[].bgp:`.
    VipBgp,
    /// Free keys (`priority: { NODE: N }`).
    Free,
}

impl Section {
    fn keys(self) -> Option<&'static [&'static str]> {
        Some(match self {
            Section::File => FILE_KEYS,
            Section::Node => NODE_KEYS,
            Section::Vip => VIP_KEYS,
            Section::Vrrp => VRRP_KEYS,
            Section::Track => TRACK_KEYS,
            Section::Announce => ANNOUNCE_KEYS,
            Section::Frontend => FRONTEND_KEYS,
            Section::Backend => BACKEND_KEYS,
            Section::Check => CHECK_KEYS,
            Section::Timeouts => TIMEOUTS_KEYS,
            Section::Admin => ADMIN_KEYS,
            Section::Bgp => BGP_KEYS,
            Section::Peer => PEER_KEYS,
            Section::Bfd => BFD_KEYS,
            Section::NodeBgp => NODE_BGP_KEYS,
            Section::VipBgp => VIP_BGP_KEYS,
            Section::Free => return None,
        })
    }

    /// The section a key's value (or each element, for a list) belongs to; `None` for values.
    fn child(self, key: &str) -> Option<Section> {
        match (self, key) {
            (Section::File, "nodes") => Some(Section::Node),
            (Section::File, "vips") => Some(Section::Vip),
            (Section::File, "frontends") => Some(Section::Frontend),
            (Section::File, "admin") => Some(Section::Admin),
            (Section::File, "bgp") => Some(Section::Bgp),
            (Section::Bgp, "peers") => Some(Section::Peer),
            (Section::Bgp, "bfd") => Some(Section::Bfd),
            (Section::Node, "bgp") => Some(Section::NodeBgp),
            (Section::Vip, "bgp") => Some(Section::VipBgp),
            (Section::Frontend, "backends") => Some(Section::Backend),
            (Section::Frontend, "check") => Some(Section::Check),
            (Section::Frontend, "timeouts") => Some(Section::Timeouts),
            (Section::Vip, "vrrp") => Some(Section::Vrrp),
            (Section::Vip, "track") => Some(Section::Track),
            (Section::Vip, "announce") => Some(Section::Announce),
            (Section::Vrrp, "priority") => Some(Section::Free),
            _ => None,
        }
    }
}

/// Sections of the config contract that this build accepts syntactically but cannot run yet.
const NOT_YET: &[&str] = &[];

/// Every unknown key and every unimplemented section in the file.
pub fn check_keys(tree: &Tree, file: &Path) -> Vec<ConfigError> {
    let mut out = Vec::new();
    walk(tree, Section::File, "", file, &mut out);
    out
}

fn walk(tree: &Tree, section: Section, path: &str, file: &Path, out: &mut Vec<ConfigError>) {
    match &tree.0.value {
        Shape::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, section, &format!("{path}[{i}]"), file, out);
            }
        }
        Shape::Map(entries) => {
            for (key, value) in entries {
                let k = key.value.as_str();
                let here = if path.is_empty() {
                    k.to_string()
                } else {
                    format!("{path}.{k}")
                };
                if matches!(section, Section::File) && NOT_YET.contains(&k) {
                    out.push(ConfigError::at(
                        file,
                        &key.referenced,
                        k,
                        format!(
                            "part of the config format but not implemented in this build yet; \
                             remove the `{k}:` section for now"
                        ),
                    ));
                    continue;
                }
                if let Some(known) = section.keys() {
                    if !known.contains(&k) {
                        out.push(ConfigError::at(
                            file,
                            &key.referenced,
                            "",
                            unknown_key_message(section, k, path, known),
                        ));
                        continue;
                    }
                }
                if let Some(child) = section.child(k) {
                    walk(value, child, &here, file, out);
                }
            }
        }
        Shape::Scalar => {}
    }
}

fn unknown_key_message(section: Section, key: &str, path: &str, known: &[&str]) -> String {
    let place = if path.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in {path}")
    };
    let mut msg = format!("unknown key '{key}' {place}");
    let words: &[&[(&str, &str)]] = match section {
        Section::File => &[FILE_WORDS, KEEPALIVED_WORDS],
        Section::Frontend => &[FRONTEND_WORDS],
        Section::Check => &[CHECK_WORDS],
        Section::Timeouts => &[TIMEOUTS_WORDS],
        Section::Bgp | Section::Peer | Section::Bfd | Section::NodeBgp | Section::VipBgp => {
            &[BGP_WORDS]
        }
        _ => &[KEEPALIVED_WORDS],
    };
    if let Some(hint) = hint(words, key) {
        msg.push_str(&format!("; {hint}"));
    } else if let Some(best) = closest(key, known) {
        msg.push_str(&format!("; did you mean '{best}'?"));
    } else {
        msg.push_str(&format!("; known keys here: {}", known.join(", ")));
    }
    msg
}

/// The known key nearest to `key` by edit distance, if it is near enough to be a typo.
pub fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let limit = (key.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (edit_distance(&key.to_lowercase(), k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance (insert, delete, substitute: 1 each).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The key path (`vips[0].vrrp.vrid`) of the key or value at `line:column`, if any.
pub fn path_at(tree: &Tree, line: u64, column: u64) -> Option<String> {
    /// Depth first, so a key beats the mapping that starts at the same position.
    fn find(t: &Tree, path: &str, line: u64, col: u64) -> Option<String> {
        let here = |l: &serde_saphyr::Location| l.line() == line && l.column() == col;
        let inner = match &t.0.value {
            Shape::Map(entries) => entries.iter().find_map(|(k, v)| {
                let p = if path.is_empty() {
                    k.value.clone()
                } else {
                    format!("{path}.{}", k.value)
                };
                find(v, &p, line, col).or_else(|| here(&k.referenced).then_some(p))
            }),
            Shape::Seq(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| find(v, &format!("{path}[{i}]"), line, col)),
            Shape::Scalar => None,
        };
        inner.or_else(|| (here(&t.0.referenced) && !path.is_empty()).then(|| path.to_string()))
    }
    find(tree, "", line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_key() {
        assert_eq!(closest("prioirty", VRRP_KEYS), Some("priority"));
        assert_eq!(closest("vrd", VRRP_KEYS), Some("vrid"));
        assert_eq!(closest("Preempt", VRRP_KEYS), Some("preempt"));
        assert_eq!(closest("xyzzy", VRRP_KEYS), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}

//! An nginx `upstream NAME { … }` block: its servers as kubegate backends and its balancing
//! method.

use super::tree::Directive;
use crate::address;
use crate::draft::{DraftBackend, DraftBalance};
use crate::notes::{list_words, Notes};

/// kubegate's highest backend weight.
const MAX_WEIGHT: u32 = 256;

/// An upstream as kubegate's pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Upstream {
    pub name: String,
    pub line: usize,
    pub backends: Vec<DraftBackend>,
    pub balance: Option<DraftBalance>,
}

/// Reads `upstream NAME { … }`.
pub fn read(d: &Directive, notes: &mut Notes) -> Upstream {
    let name = d.arg(0).to_string();
    let mut backends: Vec<DraftBackend> = Vec::new();
    let mut balance = None;
    let mut leftovers: Vec<String> = Vec::new();
    let mut backups: Vec<String> = Vec::new();
    let mut first_backup = 0;
    for item in d.block.as_deref().unwrap_or(&[]) {
        match item.name.as_str() {
            "server" => {
                if let Some(b) = server(item, &mut leftovers, notes) {
                    if item.args.iter().any(|a| a == "backup") {
                        backups.push(b.address.clone());
                        first_backup = if first_backup == 0 {
                            item.line
                        } else {
                            first_backup
                        };
                    }
                    if let Some(twin) = backends.iter().find(|o| o.address == b.address) {
                        let at = twin.origin.as_ref().map_or(0, |o| o.line);
                        notes.dropped(
                            item.line,
                            format!(
                                "server {}, a repeat of line {at}: kubegate lists a backend once \
                                 (give the first a bigger weight if it should get more)",
                                b.address
                            ),
                        );
                    } else {
                        backends.push(b);
                    }
                }
            }
            "least_conn" | "hash" | "random" | "ip_hash" => {
                balance = Some(method(item, notes));
            }
            other => {
                if !leftovers.iter().any(|l| l == other) {
                    leftovers.push(other.to_string());
                }
            }
        }
    }
    if !backups.is_empty() {
        notes.assumed(
            first_backup,
            format!(
                "`backup` servers of upstream {name} ({}) are imported as ordinary backends: \
                 kubegate has no backup servers, so they get their share of connections; remove \
                 them if they must only take over",
                list_words(&backups)
            ),
        );
    }
    if !leftovers.is_empty() {
        notes.dropped(
            d.line,
            format!(
                "upstream {name}: {} (no kubegate equivalent)",
                list_words(&leftovers)
            ),
        );
    }
    if backends.is_empty() {
        notes.error(
            d.line,
            format!("upstream {name} has no usable server; add `server IP:PORT;` lines"),
        );
    }
    Upstream {
        name,
        line: d.line,
        backends,
        balance,
    }
}

/// `server ADDR:PORT [weight=N] [max_fails=N] [fail_timeout=T] [backup] [down] …`.
fn server(d: &Directive, leftovers: &mut Vec<String>, notes: &mut Notes) -> Option<DraftBackend> {
    let written = d.arg(0);
    if d.args.iter().any(|a| a == "down") {
        notes.dropped(
            d.line,
            format!(
                "server {written} (`down`): add it to the backends when it should take connections"
            ),
        );
        return None;
    }
    let address = match written.strip_prefix("unix:") {
        Some(_) => Err(format!(
            "{written:?} is a unix socket; kubegate connects to IP:PORT"
        )),
        None => address::backend(written),
    };
    let address = match address {
        Ok(a) => a,
        Err(why) => {
            notes.error(d.line, format!("server {written}: {why}"));
            return None;
        }
    };
    let mut weight = None;
    for param in d.args.iter().skip(1) {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        match key {
            "weight" => weight = weight_of(value, &address, d.line, notes),
            "max_fails" | "fail_timeout" | "backup" => {}
            _ => {
                if !leftovers.iter().any(|l| l == key) {
                    leftovers.push(key.to_string());
                }
            }
        }
    }
    Some(DraftBackend {
        address,
        weight,
        name: None,
        origin: notes.origin(d.line),
    })
}

fn weight_of(value: &str, address: &str, line: usize, notes: &mut Notes) -> Option<u32> {
    match value.parse::<u32>() {
        Ok(1) => None,
        Ok(w) if (2..=MAX_WEIGHT).contains(&w) => Some(w),
        Ok(w) if w > MAX_WEIGHT => {
            notes.assumed(
                line,
                format!("server {address}: weight {w} is above kubegate's 256; imported as 256"),
            );
            Some(MAX_WEIGHT)
        }
        _ => {
            notes.error(
                line,
                format!("server {address}: weight={value:?} is not a weight; write weight=1 up to weight=256"),
            );
            None
        }
    }
}

/// `least_conn`, `hash KEY [consistent]`, `random [two [METHOD]]`.
fn method(d: &Directive, notes: &mut Notes) -> DraftBalance {
    let written = std::iter::once(d.name.as_str())
        .chain(d.args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    match (d.name.as_str(), d.arg(0)) {
        ("least_conn", _) => DraftBalance::LeastConn,
        ("hash", "$remote_addr" | "$binary_remote_addr") | ("ip_hash", _) => {
            DraftBalance::SourceHash
        }
        ("random", "two") => DraftBalance::RandomTwo,
        ("random", _) => {
            notes.assumed(
                d.line,
                format!("`{written}` (one random pick) becomes `random-two`: the less busy of two random picks"),
            );
            DraftBalance::RandomTwo
        }
        _ => {
            notes.assumed(
                d.line,
                format!(
                    "`{written}`: kubegate hashes only the client address (`source-hash`); \
                     imported as `round-robin`"
                ),
            );
            DraftBalance::RoundRobin
        }
    }
}

//! The frontends of several balancer files as one list. The field keeps a copy of the same
//! haproxy.cfg or nginx.conf on every balancer host; kubegate's one file holds each frontend
//! once, so identical copies count once and differing ones are an error to settle by hand.

use std::net::IpAddr;

use super::draft::{DraftFrontend, Note, Origin};

/// One balancer file's frontends, as read: its name, frontends and stats-page bind.
pub type BalancerFile = (String, Vec<DraftFrontend>, Option<String>);

/// All files' frontends, each once, and the first stats-page bind.
pub fn merge(
    files: Vec<BalancerFile>,
    notes: &mut Vec<Note>,
) -> (Vec<DraftFrontend>, Option<String>) {
    let mut out: Vec<DraftFrontend> = Vec::new();
    let mut admin: Option<String> = None;
    for (file, frontends, admin_bind) in files {
        if admin.is_none() {
            admin = admin_bind;
        }
        for f in frontends {
            if let Some(kept) = out.iter().find(|k| k.name == f.name) {
                if same_but_origin(kept, &f) {
                    notes.push(Note::assumed(
                        f.origin.clone(),
                        format!(
                            "frontend {} is the same as at {}: kept once (one kubegate file \
                             serves every node)",
                            f.name,
                            place(&kept.origin)
                        ),
                    ));
                } else {
                    notes.push(Note::error(
                        f.origin.clone(),
                        format!(
                            "frontend {} differs from the one at {}: kubegate's one file holds \
                             each frontend once for every node; make the two the same (a bind \
                             on each host's own address becomes 0.0.0.0:PORT or the VIP), or \
                             rename one",
                            f.name,
                            place(&kept.origin)
                        ),
                    ));
                }
                continue;
            }
            if let Some(other) = out.iter().find(|k| k.bind == f.bind) {
                notes.push(Note::error(
                    f.origin.clone(),
                    format!(
                        "frontend {} ({file}) listens on {} like frontend {} at {}: one \
                         listener per address and port; merge them or change one bind",
                        f.name,
                        f.bind,
                        other.name,
                        place(&other.origin)
                    ),
                ));
                continue;
            }
            out.push(f);
        }
    }
    (out, admin)
}

/// Backend names with their addresses (`server k8s-master-1 10.0.0.51:6443`): on stacked
/// masters the servers are the nodes, which tells a node's address from its name.
pub fn named_servers(frontends: &[DraftFrontend]) -> Vec<(String, IpAddr)> {
    let mut out: Vec<(String, IpAddr)> = Vec::new();
    for b in frontends.iter().flat_map(|f| &f.backends) {
        let (Some(name), Some(ip)) = (&b.name, host_ip(&b.address)) else {
            continue;
        };
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.clone(), ip));
        }
    }
    out
}

fn host_ip(address: &str) -> Option<IpAddr> {
    let host = address.rsplit_once(':').map_or(address, |(h, _)| h);
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

fn place(origin: &Option<Origin>) -> String {
    origin
        .as_ref()
        .map_or_else(|| "another file".to_string(), Origin::to_string)
}

fn same_but_origin(a: &DraftFrontend, b: &DraftFrontend) -> bool {
    let strip = |f: &DraftFrontend| {
        let mut f = f.clone();
        f.origin = None;
        for b in &mut f.backends {
            b.origin = None;
        }
        f
    };
    strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::{DraftBackend, Severity};

    fn frontend(name: &str, bind: &str, file: &str, backends: &[(&str, &str)]) -> DraftFrontend {
        DraftFrontend {
            backends: backends
                .iter()
                .map(|(n, a)| DraftBackend {
                    address: (*a).into(),
                    weight: None,
                    name: Some((*n).into()),
                    origin: Some(Origin::new(file, 20)),
                })
                .collect(),
            origin: Some(Origin::new(file, 10)),
            ..DraftFrontend::new(name, bind)
        }
    }

    #[test]
    fn copies_count_once_and_differences_are_errors() {
        let servers = [("m1", "10.0.0.51:6443"), ("m2", "10.0.0.52:6443")];
        let a = frontend("api", "0.0.0.0:9443", "lb1.cfg", &servers);
        let b = frontend("api", "0.0.0.0:9443", "lb2.cfg", &servers);
        let c = frontend("api", "0.0.0.0:9443", "lb3.cfg", &servers[..1]);
        let d = frontend("api2", "0.0.0.0:9443", "lb3.cfg", &servers);
        let mut notes = Vec::new();
        let (out, admin) = merge(
            vec![
                ("lb1.cfg".into(), vec![a.clone()], None),
                ("lb2.cfg".into(), vec![b], Some("127.0.0.1:8888".into())),
                ("lb3.cfg".into(), vec![c, d], None),
            ],
            &mut notes,
        );
        assert_eq!(out, vec![a]);
        assert_eq!(admin.as_deref(), Some("127.0.0.1:8888"));
        let severities: Vec<Severity> = notes.iter().map(|n| n.severity).collect();
        assert_eq!(
            severities,
            [Severity::Assumed, Severity::Error, Severity::Error]
        );
        assert!(
            notes[1]
                .to_string()
                .starts_with("lb3.cfg:10: error: frontend api differs from the one at lb1.cfg:10"),
            "{}",
            notes[1]
        );
        assert!(
            notes[2]
                .text
                .contains("listens on 0.0.0.0:9443 like frontend api"),
            "{}",
            notes[2]
        );
    }

    #[test]
    fn server_names_give_addresses() {
        let f = frontend(
            "api",
            "0.0.0.0:9443",
            "x.cfg",
            &[
                ("m1", "10.0.0.51:6443"),
                ("m6", "[2001:2::6]:6443"),
                ("m1", "10.0.0.99:6443"),
            ],
        );
        assert_eq!(
            named_servers(&[f]),
            vec![
                ("m1".to_string(), "10.0.0.51".parse().unwrap()),
                ("m6".to_string(), "2001:2::6".parse().unwrap())
            ]
        );
    }
}

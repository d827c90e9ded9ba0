//! A VIP's trackers: `track_script` (with its `vrrp_script`) and `track_interface` of every
//! node's instance, merged by name, since kubegate runs the same trackers on every node.

use super::super::draft::{DraftTrack, DraftTrackKind, Note, Origin};
use super::model::{Instance, KeepalivedFile};

/// The trackers of one instance of one file.
fn of_instance(f: &KeepalivedFile, i: &Instance, notes: &mut Vec<Note>) -> Vec<DraftTrack> {
    let mut out = Vec::new();
    for r in &i.track_scripts {
        let Some(s) = f.scripts.iter().find(|s| s.name == r.name) else {
            notes.push(Note::dropped(Some(Origin::new(&f.file, r.line)), format!(
                "track_script {}: this file has no vrrp_script {} (keepalived ignores it too); define it to keep the check",
                r.name, r.name
            )));
            continue;
        };
        let Some(command) = &s.command else { continue };
        out.push(DraftTrack {
            kind: DraftTrackKind::Script(command.clone()),
            interval: s.interval,
            timeout: s.timeout,
            rise: s.rise,
            fall: s.fall,
            weight: r.weight.or(s.weight).unwrap_or(0),
            source_name: Some(s.name.clone()),
            origin: Some(Origin::new(&f.file, s.line)),
        });
    }
    for r in &i.track_interfaces {
        out.push(DraftTrack {
            kind: DraftTrackKind::Interface(r.name.clone()),
            interval: None,
            timeout: None,
            rise: None,
            fall: None,
            weight: r.weight.unwrap_or(0),
            source_name: None,
            origin: Some(Origin::new(&f.file, r.line)),
        });
    }
    out
}

/// What makes two trackers the same one: the vrrp_script name, or the interface.
fn key(t: &DraftTrack) -> String {
    match (&t.source_name, &t.kind) {
        (Some(n), _) => format!("vrrp_script {n}"),
        (None, DraftTrackKind::Interface(i)) => format!("track_interface {i}"),
        (None, other) => format!("{other:?}"),
    }
}

fn same(a: &DraftTrack, b: &DraftTrack) -> bool {
    (&a.kind, a.interval, a.timeout, a.rise, a.fall, a.weight)
        == (&b.kind, b.interval, b.timeout, b.rise, b.fall, b.weight)
}

/// Merges the trackers of the VIP's instances (one per node, in node order).
pub fn merge(
    members: &[(&KeepalivedFile, &Instance)],
    vip: &str,
    notes: &mut Vec<Note>,
) -> Vec<DraftTrack> {
    let per_node: Vec<Vec<DraftTrack>> = members
        .iter()
        .map(|(f, i)| of_instance(f, i, notes))
        .collect();
    let mut out: Vec<DraftTrack> = Vec::new();
    for t in per_node.iter().flatten() {
        match out.iter().find(|o| key(o) == key(t)) {
            None => out.push(t.clone()),
            Some(o) if !same(o, t) => notes.push(Note::error(t.origin.clone(), format!(
                "{} differs from the one at {} (command, timing or weight); kubegate runs one set of trackers on every node of VIP {vip}: make them the same",
                key(t),
                o.origin.as_ref().map(|x| x.to_string()).unwrap_or_default()
            ))),
            Some(_) => {}
        }
    }
    let missing: Vec<String> = members
        .iter()
        .zip(&per_node)
        .filter_map(|((f, _), ts)| {
            let lacking: Vec<String> = out
                .iter()
                .map(key)
                .filter(|k| !ts.iter().any(|t| key(t) == *k))
                .collect();
            (!lacking.is_empty()).then(|| format!("{} has no {}", f.file, lacking.join(", ")))
        })
        .collect();
    if !missing.is_empty() {
        let origin = members.first().map(|(f, i)| Origin::new(&f.file, i.line));
        notes.push(Note::assumed(origin, format!(
            "the nodes track different things for VIP {vip} ({}); kubegate applies the VIP's trackers on every node",
            missing.join("; ")
        )));
    }
    out
}

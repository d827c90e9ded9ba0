//! The cluster view: what every node's `/api/v1/status` says, side by side, and the drift
//! between them (a node running another config file, a node that does not answer, two holders
//! of one VIP, a backend drained on one node and not on another). Pure: the answers come in,
//! the view comes out; asking the nodes is `peers.rs`. The same type is the JSON of
//! `kubegate status --cluster --json`, the text table and the status page's cluster section.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::snapshot::{BackendState, Status, VipState};

/// What asking one node gave: its status, or why there is none.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The node's name in `nodes:`.
    pub node: String,
    /// Where it was asked (`198.18.0.11:9099`), or `-` when it could not be asked.
    pub admin: String,
    pub status: Result<Status, String>,
}

/// Every node side by side; see the module doc.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterView {
    /// In the order of `nodes:`; the cells of `vips` and `backends` follow it.
    pub nodes: Vec<NodeLine>,
    pub vips: Vec<VipLine>,
    pub backends: Vec<BackendLine>,
    /// Everything that differs where it should not; empty when the nodes agree.
    pub drift: Vec<Drift>,
}

/// One node: where it was asked and what runs there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeLine {
    pub name: String,
    pub admin: String,
    /// Why it gave no status (`None`: it answered).
    pub error: Option<String>,
    pub version: Option<String>,
    /// The running config's fingerprint (`config.fingerprint` of its status).
    pub fingerprint: Option<String>,
    /// Its last reload was accepted (`None`: no answer).
    pub last_reload_ok: Option<bool>,
}

/// One VIP on every node (`None`: the node gave no status, or does not run the VIP).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VipLine {
    pub name: String,
    pub cells: Vec<Option<VipCell>>,
}

/// A VIP as one node runs it: its state, effective priority and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VipCell {
    pub state: VipState,
    pub priority: u8,
    pub base_priority: u8,
    pub reasons: Vec<String>,
    pub handed_over: bool,
}

/// One backend as every node sees it (`None`: no status, or not in that node's config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendLine {
    pub frontend: String,
    pub backend: String,
    pub states: Vec<Option<BackendState>>,
}

/// One thing that differs where it should not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    pub kind: DriftKind,
    /// The node, VIP (`api`) or backend (`api/10.0.0.51:6443`) concerned.
    pub subject: String,
    /// One line for people.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftKind {
    /// The node gave no status (not running, not reachable, refused).
    Unreachable,
    /// The node answers under another name than the one it was asked as.
    Identity,
    /// The node runs another config file than most nodes.
    Fingerprint,
    /// More than one node holds the VIP.
    TwoHolders,
    /// Every node answered and runs the VIP, and none holds it.
    NoHolder,
    /// The operator's state of a backend (drain, maint) differs between nodes.
    Operator,
    /// A backend is in some nodes' configs and not in others'.
    Backends,
}

/// Compares the answers (in the order of `nodes:`) into the view.
pub fn compare(answers: &[Answer]) -> ClusterView {
    let mut drift = Vec::new();
    let nodes: Vec<NodeLine> = answers.iter().map(node_line).collect();
    for (a, line) in answers.iter().zip(&nodes) {
        match &a.status {
            Err(why) => drift.push(Drift {
                kind: DriftKind::Unreachable,
                subject: a.node.clone(),
                message: format!("{} gave no status: {why}", a.node),
            }),
            Ok(s) if s.node.as_deref() != Some(a.node.as_str()) => drift.push(Drift {
                kind: DriftKind::Identity,
                subject: a.node.clone(),
                message: format!(
                    "{} at {} answers as {}",
                    a.node,
                    line.admin,
                    s.node
                        .as_deref()
                        .unwrap_or("a frontends-only daemon (no node)")
                ),
            }),
            Ok(_) => {}
        }
    }
    fingerprints(&nodes, &mut drift);
    let vips = vip_lines(answers);
    for v in &vips {
        holders(v, &nodes, &mut drift);
    }
    let backends = backend_lines(answers);
    for b in &backends {
        backend_drift(b, &nodes, answers, &mut drift);
    }
    ClusterView {
        nodes,
        vips,
        backends,
        drift,
    }
}

fn node_line(a: &Answer) -> NodeLine {
    let s = a.status.as_ref().ok();
    NodeLine {
        name: a.node.clone(),
        admin: a.admin.clone(),
        error: a.status.as_ref().err().cloned(),
        version: s.map(|s| s.version.clone()),
        fingerprint: s.map(|s| s.config.fingerprint.clone()),
        last_reload_ok: s.map(|s| s.config.last_reload_ok),
    }
}

/// The fingerprint most nodes run (on a tie, the first node's); each other one is drift.
fn fingerprints(nodes: &[NodeLine], drift: &mut Vec<Drift>) {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for fp in nodes.iter().filter_map(|n| n.fingerprint.as_deref()) {
        match counts.iter_mut().find(|(f, _)| *f == fp) {
            Some((_, n)) => *n += 1,
            None => counts.push((fp, 1)),
        }
    }
    let Some(&(mut most, mut count)) = counts.first() else {
        return;
    };
    for &(fp, n) in &counts {
        if n > count {
            (most, count) = (fp, n);
        }
    }
    if counts.len() < 2 {
        return;
    }
    for n in nodes {
        let Some(fp) = n.fingerprint.as_deref() else {
            continue;
        };
        if fp != most {
            drift.push(Drift {
                kind: DriftKind::Fingerprint,
                subject: n.name.clone(),
                message: format!(
                    "{} runs config {fp}, {count} node(s) run {most}: the file differs (or was \
                     not reloaded) on this node",
                    n.name
                ),
            });
        }
    }
}

/// Every VIP any node runs, in the order first seen.
fn vip_lines(answers: &[Answer]) -> Vec<VipLine> {
    let mut names: Vec<String> = Vec::new();
    for s in answers.iter().filter_map(|a| a.status.as_ref().ok()) {
        for v in &s.vips {
            if !names.contains(&v.name) {
                names.push(v.name.clone());
            }
        }
    }
    names
        .into_iter()
        .map(|name| VipLine {
            cells: answers
                .iter()
                .map(|a| {
                    let s = a.status.as_ref().ok()?;
                    let v = s.vips.iter().find(|v| v.name == name)?;
                    Some(VipCell {
                        state: v.state,
                        priority: v.priority,
                        base_priority: v.base_priority,
                        reasons: v.reasons.clone(),
                        handed_over: v.handed_over,
                    })
                })
                .collect(),
            name,
        })
        .collect()
}

fn holders(v: &VipLine, nodes: &[NodeLine], drift: &mut Vec<Drift>) {
    let masters: Vec<&str> = v
        .cells
        .iter()
        .zip(nodes)
        .filter(|(c, _)| c.as_ref().is_some_and(|c| c.state == VipState::Master))
        .map(|(_, n)| n.name.as_str())
        .collect();
    if masters.len() > 1 {
        drift.push(Drift {
            kind: DriftKind::TwoHolders,
            subject: v.name.clone(),
            message: format!(
                "VIP {} is held by {} nodes at once: {} (they do not hear each other: a \
                 partition, a firewall dropping VRRP, or different VRIDs)",
                v.name,
                masters.len(),
                masters.join(", ")
            ),
        });
    }
    let answered = nodes.iter().filter(|n| n.error.is_none()).count();
    let running = v.cells.iter().filter(|c| c.is_some()).count();
    // An unreachable node may hold it: that is flagged as unreachable, not as no holder.
    if masters.is_empty() && answered == nodes.len() && running == answered && answered > 0 {
        drift.push(Drift {
            kind: DriftKind::NoHolder,
            subject: v.name.clone(),
            message: format!("VIP {} is held by no node that answered", v.name),
        });
    }
}

/// Every backend any node has, by frontend, in the order first seen.
fn backend_lines(answers: &[Answer]) -> Vec<BackendLine> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for s in answers.iter().filter_map(|a| a.status.as_ref().ok()) {
        for f in &s.frontends {
            for b in &f.backends {
                let key = (f.name.clone(), b.address.clone());
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
    }
    keys.into_iter()
        .map(|(frontend, backend)| BackendLine {
            states: answers
                .iter()
                .map(|a| {
                    let s = a.status.as_ref().ok()?;
                    let f = s.frontends.iter().find(|f| f.name == frontend)?;
                    Some(f.backends.iter().find(|b| b.address == backend)?.state)
                })
                .collect(),
            frontend,
            backend,
        })
        .collect()
}

/// A backend missing from some nodes, or set to drain/maint on some and not on others.
fn backend_drift(b: &BackendLine, nodes: &[NodeLine], answers: &[Answer], drift: &mut Vec<Drift>) {
    let subject = format!("{}/{}", b.frontend, b.backend);
    let missing: Vec<&str> = b
        .states
        .iter()
        .zip(answers)
        .filter(|(st, a)| st.is_none() && a.status.is_ok())
        .map(|(_, a)| a.node.as_str())
        .collect();
    if !missing.is_empty() {
        drift.push(Drift {
            kind: DriftKind::Backends,
            subject: subject.clone(),
            message: format!(
                "backend {} of frontend {} is not in the config of {}",
                b.backend,
                b.frontend,
                missing.join(", ")
            ),
        });
    }
    let mut by_operator: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    for (st, n) in b.states.iter().zip(nodes) {
        if let Some(st) = st {
            by_operator.entry(operator(*st)).or_default().push(&n.name);
        }
    }
    if by_operator.len() > 1 {
        let parts: Vec<String> = by_operator
            .iter()
            .map(|(state, names)| format!("{state} on {}", names.join(", ")))
            .collect();
        drift.push(Drift {
            kind: DriftKind::Operator,
            subject,
            message: format!(
                "backend {} of frontend {} is {} (use `kubegate backend … --cluster` to set \
                 it on every node)",
                b.backend,
                b.frontend,
                parts.join("; ")
            ),
        });
    }
}

/// The operator's part of a backend state: what must be the same on every node.
fn operator(s: BackendState) -> &'static str {
    match s {
        BackendState::Drain => "drained",
        BackendState::Maint => "in maintenance",
        _ => "not set by the operator",
    }
}

impl ClusterView {
    /// The drift of one kind.
    pub fn drift_of(&self, kind: DriftKind) -> impl Iterator<Item = &Drift> {
        self.drift.iter().filter(move |d| d.kind == kind)
    }
}

#[cfg(test)]
mod tests;

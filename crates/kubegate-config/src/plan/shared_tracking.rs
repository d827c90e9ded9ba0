//! A warning for master-master pairs (two VIPs, each preferred on a different node) that track
//! one frontend while they also carry another: the VIPs then follow that one frontend's health
//! alone (as `kubegate import` writes it for seed configs whose `check_haproxy.sh` stood for
//! every port), so port 80 can go down with port 443.

use std::collections::BTreeSet;

use super::{and_list, ranking};
use crate::model::{ClusterConfig, Frontend, TrackerKind, Vip};

fn tracks(v: &Vip, frontend: &str) -> bool {
    v.track
        .iter()
        .any(|t| matches!(&t.kind, TrackerKind::Frontend(n) if n == frontend))
}

/// The frontend listens on the VIP's address (or on every address of its family).
fn carries(f: &Frontend, v: &Vip) -> bool {
    let ip = f.bind.ip();
    v.has_address(ip) || (ip.is_unspecified() && ip.is_ipv4() == v.address.is_ipv4())
}

fn quoted(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("`- frontend: {n}`")).collect()
}

pub(super) fn warnings(cfg: &ClusterConfig) -> Vec<String> {
    let mut out = Vec::new();
    for f in &cfg.frontends {
        let vips: Vec<&Vip> = cfg.vips.iter().filter(|v| tracks(v, &f.name)).collect();
        let preferred: BTreeSet<&str> = vips
            .iter()
            .filter_map(|v| ranking(cfg, v).first().map(|r| r.node.name.as_str()))
            .collect();
        if vips.len() < 2 || preferred.len() < 2 {
            continue;
        }
        let untracked: Vec<&Frontend> = cfg
            .frontends
            .iter()
            .filter(|g| g.name != f.name)
            .filter(|g| vips.iter().any(|v| carries(g, v)))
            .filter(|g| !vips.iter().any(|v| tracks(v, &g.name)))
            .collect();
        if untracked.is_empty() {
            continue;
        }
        let vip_names: Vec<String> = vips.iter().map(|v| v.name.clone()).collect();
        let others: Vec<String> = untracked
            .iter()
            .map(|g| format!("{} (port {})", g.name, g.bind.port()))
            .collect();
        let fault = vips.iter().any(|v| {
            v.track.iter().any(|t| {
                t.weight == 0 && matches!(&t.kind, TrackerKind::Frontend(n) if n == &f.name)
            })
        });
        let effect = if fault {
            format!(
                "with weight 0, when {} has no ready backend the VIPs go to FAULT and take {} \
                 with them, although their backends may be up",
                f.name,
                and_list(&others)
            )
        } else {
            format!(
                "the VIPs follow the health of {} (port {}) alone, and a node where {} has no \
                 ready backend keeps its VIP",
                f.name,
                f.bind.port(),
                and_list(&untracked.iter().map(|g| g.name.clone()).collect::<Vec<_>>())
            )
        };
        let mut all: Vec<&str> = vec![f.name.as_str()];
        all.extend(untracked.iter().map(|g| g.name.as_str()));
        out.push(format!(
            "warning: VIPs {} (master-master: each preferred on a different node) all track \
             frontend {} but also carry {}: {effect}. Write instead, under each of {}: {}, \
             without `weight` (a frontend without a ready backend then lowers the node's \
             priority; none puts a VIP in FAULT, so one port stays up while another is down).",
            and_list(&vip_names),
            f.name,
            and_list(&others),
            and_list(&vip_names),
            and_list(&quoted(&all)),
        ));
    }
    out
}

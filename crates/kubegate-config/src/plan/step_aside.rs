//! What a `frontend:` tracker does when no node has a ready backend: with the default
//! (step-aside) weight the VIP stays on the best node and its balancer refuses connections at
//! once; with an explicit `weight: 0` every node is in FAULT and nobody holds the VIP. Also a
//! warning when the derived weight cannot put every node without a ready backend below every
//! node with one (priorities clamped to 1..=254, FIELD-NOTES, vrrp_script).

use std::net::IpAddr;

use super::Ranked;
use crate::model::{Tracker, TrackerKind};

/// keepalived semantics: effective priority clamped to 1..=254.
fn clamp(p: i32) -> u8 {
    p.clamp(1, 254) as u8
}

/// Effective priorities when `t` fails on every node (the others pass), in `order`.
fn all_failing(order: &[Ranked], t: &Tracker) -> Vec<u8> {
    let w = i32::from(t.weight);
    order
        .iter()
        .map(|r| clamp(i32::from(r.priority) + w.min(0)))
        .collect()
}

/// The node that keeps the VIP when `t` fails everywhere, with its effective priority: the
/// highest priority, then the higher address (RFC 5798 §6.4.3).
pub(crate) fn holder_when_all_fail<'a>(order: &'a [Ranked], t: &Tracker) -> Option<(&'a str, u8)> {
    let eff = all_failing(order, t);
    order
        .iter()
        .zip(eff)
        .max_by_key(|(r, p)| (*p, r.node.address))
        .map(|(r, p)| (r.node.name.as_str(), p))
}

/// The sentence added to a frontend tracker's line: what happens when no node has a ready
/// backend. `None` for other trackers.
pub(super) fn when_none_ready(order: &[Ranked], t: &Tracker, preempt: bool) -> Option<String> {
    let TrackerKind::Frontend(f) = &t.kind else {
        return None;
    };
    if t.weight == 0 {
        return Some(format!(
            "When no node has a ready backend behind {f}, every node is in FAULT and nobody \
             holds the VIP: clients wait for their own timeout. Leave `weight` out to keep the \
             VIP on one node, whose balancer then refuses connections at once."
        ));
    }
    let (holder, p) = holder_when_all_fail(order, t)?;
    let stays = if preempt {
        format!("the VIP stays on {holder} ({p})")
    } else {
        // Nobody outranks a master that stepped aside from the same side of the floor
        // (`Vip::step_aside_floor`), and nopreempt keeps it there.
        "the VIP stays on the node that holds it".to_string()
    };
    let default = if t.steps_aside() {
        format!(
            "The weight {} is the default for a frontend tracker (any node with a ready backend \
             outranks any node without one); w",
            t.weight
        )
    } else {
        "W".to_string()
    };
    Some(format!(
        "{default}hen no node has a ready backend behind {f}, {stays} and its balancer refuses \
         new connections at once (TCP RST) instead of leaving clients to time out."
    ))
}

/// Whether node `a` (priority `pa`) outranks node `b` (priority `pb`).
fn outranks(pa: u8, a: IpAddr, pb: u8, b: IpAddr) -> bool {
    (pa, a) > (pb, b)
}

/// A default (step-aside) weight that leaves some node without a ready backend level with or
/// above a node with one: possible only when the clamp to 1..=254 bites.
pub(super) fn warnings(order: &[Ranked], track: &[Tracker]) -> Vec<String> {
    let mut out = Vec::new();
    for t in track.iter().filter(|t| t.steps_aside()) {
        let TrackerKind::Frontend(f) = &t.kind else {
            continue;
        };
        let eff = all_failing(order, t);
        let clash = order.iter().enumerate().find_map(|(i, sick)| {
            order
                .iter()
                .find(|well| {
                    well.node != sick.node
                        && !outranks(well.priority, well.node.address, eff[i], sick.node.address)
                })
                .map(|well| (sick, eff[i], well))
        });
        if let Some((sick, p, well)) = clash {
            out.push(format!(
                "warning: frontend {f}'s default weight {} cannot put every node without a ready \
                 backend below every node with one: {} without one counts {p}, {} with one {} \
                 (priorities are clamped to 1..254); give every node a priority of at least 2 and \
                 keep them within 253 of each other.",
                t.weight, sick.node.name, well.node.name, well.priority
            ));
        }
    }
    out
}

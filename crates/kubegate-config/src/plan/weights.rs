//! What tracker weights do to the election: effective priorities when a check fails
//! (keepalived semantics), the sentence for each tracker, and warnings for weights that cannot
//! move the VIP.

use std::net::IpAddr;

use super::Ranked;
use crate::model::{Tracker, TrackerKind, Vip};

/// keepalived semantics: effective priority clamped to 1..=254 (FIELD-NOTES, vrrp_script).
fn clamp(p: i32) -> u8 {
    p.clamp(1, 254) as u8
}

fn what(t: &Tracker) -> String {
    match &t.kind {
        TrackerKind::Script(cmd) => format!("`{cmd}`"),
        TrackerKind::Interface(n) => format!("interface {n}"),
        TrackerKind::Tcp(a) => format!("the TCP check of {a}"),
        TrackerKind::Frontend(f) => format!("frontend {f}"),
    }
}

/// "if … fails": what failing means for this tracker.
fn failing(t: &Tracker) -> String {
    match &t.kind {
        TrackerKind::Frontend(f) => format!("frontend {f} has no ready backend"),
        _ if t.fall > 1 => format!("{} fails {} times in a row", what(t), t.fall),
        _ => format!("{} fails", what(t)),
    }
}

/// Effective priorities when `t` fails on `failing` and passes everywhere else (the same trackers
/// run on every node): a negative weight is subtracted on failure, a positive one added on success.
fn when_failing(order: &[Ranked], failing: usize, t: &Tracker) -> Vec<u8> {
    let w = i32::from(t.weight);
    order
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = i32::from(r.priority);
            clamp(if i == failing {
                p + w.min(0)
            } else {
                p + w.max(0)
            })
        })
        .collect()
}

/// Whether node `a` (priority `pa`) outranks node `b` (priority `pb`).
fn outranks(pa: u8, a: IpAddr, pb: u8, b: IpAddr) -> bool {
    (pa, a) > (pb, b)
}

pub(super) fn tracker(vip: &Vip, order: &[Ranked], rank: usize, t: &Tracker) -> String {
    let me = &order[rank];
    let name = &me.node.name;
    let w = t.weight;
    let fails = failing(t);
    if w == 0 {
        let after = if matches!(t.kind, TrackerKind::Frontend(_)) {
            "as soon as a backend is ready again".to_string()
        } else if t.rise == 1 {
            "after its first success".to_string()
        } else {
            format!("after {} successes in a row", t.rise)
        };
        return format!(
            "if {fails}, {name} goes to FAULT and gives the VIP up (weight 0); it is back in line \
             {after}."
        );
    }
    let eff = when_failing(order, rank, t);
    let mine = eff[rank];
    let change = if w < 0 {
        format!("{name}'s priority drops by {} to {mine}", -w)
    } else {
        format!(
            "{name} loses the +{w} the others keep and counts {mine} against their raised priorities"
        )
    };
    if rank == 0 {
        let (i, best) = (1..order.len())
            .map(|i| (i, eff[i]))
            .max_by_key(|&(i, p)| (p, order[i].node.address))
            .unwrap_or((0, 0));
        if i == 0 {
            return format!("if {fails}, {change}; {name} is the only node, so it keeps the VIP.");
        }
        let other = &order[i].node;
        if outranks(mine, me.node.address, best, other.address) {
            return format!(
                "if {fails}, {change}: still above {} ({best}), so the VIP stays.",
                other.name
            );
        }
        if !vip.vrrp.preempt && t.steps_aside() {
            return format!(
                "if {fails}, {change}: below {} ({best}), so {} takes the VIP over although \
                 preempt is off (a node that stepped aside gives way to one with a ready \
                 backend); {name} does not take it back when a backend is ready again.",
                other.name, other.name
            );
        }
        if vip.vrrp.preempt {
            let again = match &t.kind {
                TrackerKind::Frontend(_) => "a backend is ready again",
                _ => "the check passes again",
            };
            return format!(
                "if {fails}, {change}: below {} ({best}), so {} takes the VIP over (it preempts); \
                 {name} takes it back when {again}.",
                other.name, other.name
            );
        }
        return format!(
            "if {fails}, {change}: below {} ({best}), but with preempt off nobody takes the VIP \
             over while {name} runs.",
            other.name
        );
    }
    match order.get(rank + 1) {
        None => format!("if {fails} on {name}, {change}; {name} is last in line either way."),
        Some(next) if outranks(mine, me.node.address, eff[rank + 1], next.node.address) => {
            format!(
                "if {fails} on {name}, {change}: still above {} ({}), so {name} stays next in line.",
                next.node.name,
                eff[rank + 1]
            )
        }
        Some(next) => format!(
            "if {fails} on {name}, {change}: below {} ({}), so {} is ahead of {name} instead.",
            next.node.name,
            eff[rank + 1],
            next.node.name
        ),
    }
}

/// Settings that probably do not do what was meant; the same on every node.
pub(super) fn warnings(vip: &Vip, order: &[Ranked]) -> Vec<String> {
    let mut out = Vec::new();
    let v = &vip.vrrp;
    if !v.preempt && !v.preempt_delay.is_zero() {
        out.push("warning: preempt_delay has no effect with preempt: false.".to_string());
    }
    let holder = &order[0];
    for t in vip.track.iter().filter(|t| t.weight != 0) {
        if order.len() < 2 {
            break;
        }
        if !v.preempt && !t.steps_aside() {
            out.push(format!(
                "warning: with preempt off, the weight {} of {} never moves the VIP while its \
                 holder runs (the others do not take over from a lower-priority master); use \
                 weight 0 to give the VIP up when the check fails.",
                t.weight,
                what(t)
            ));
            continue;
        }
        let eff = when_failing(order, 0, t);
        let (i, best) = (1..order.len())
            .map(|i| (i, eff[i]))
            .max_by_key(|&(i, p)| (p, order[i].node.address))
            .unwrap_or((1, 0));
        if outranks(eff[0], holder.node.address, best, order[i].node.address) {
            let gap = i32::from(holder.priority) - i32::from(order[1].priority) + 1;
            let fix = if t.weight < 0 {
                format!("-{gap}")
            } else {
                format!("+{gap}")
            };
            out.push(format!(
                "warning: the weight {} of {} cannot move the VIP: {} still counts {} against {}'s \
                 {best}; use a weight of at least {fix}, or weight 0 to give the VIP up when the \
                 check fails.",
                t.weight,
                what(t),
                holder.node.name,
                eff[0],
                order[i].node.name
            ));
        }
    }
    out
}

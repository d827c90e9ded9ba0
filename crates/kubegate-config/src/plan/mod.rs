//! The plan in plain words: what this node will do for each VIP, how fast it takes over, what its
//! checks can and cannot change, and warnings for the classic priority / weight / nopreempt
//! mistakes, and a VIP no node's subnet holds or only one node can hold (`reach.rs`); then each
//! frontend (`frontends.rs`); several addresses and per-state notify programs in `parity.rs`; VIP groups in `groups.rs`; BGP sessions and VIPs in `bgp.rs`. Printed by `kubegate check`; pure (reads only
//! the validated config).

mod bgp;
mod frontends;
mod groups;
mod parity;
mod reach;
mod shared_tracking;
mod step_aside;
mod weights;

use std::fmt::Write as _;
use std::time::Duration;

use crate::interface::resolve_interface;
use crate::local_addrs::LocalAddr;
use crate::model::{ClusterConfig, InterfaceChoice, Node, Transport, Version, Vip};
use weights::{tracker, warnings};

/// Sentences for every VIP, as seen from `me`, then for every frontend; lines starting with
/// `warning:` flag settings that probably do not do what was meant.
pub fn explain(cfg: &ClusterConfig, me: &Node) -> Vec<String> {
    let mut out = explain_with(cfg, me, |vip| match &vip.interface {
        InterfaceChoice::Named(n) => n.clone(),
        InterfaceChoice::Auto => format!("the interface that carries {}", me.address),
    });
    out.extend(bgp::explain(cfg, me));
    out.extend(frontends::explain(cfg));
    out
}

/// Sentences for every frontend (the same on every node, so no node is needed).
pub fn explain_frontends(cfg: &ClusterConfig) -> Vec<String> {
    frontends::explain(cfg)
}

/// The whole `kubegate check` report for this node: identity, where each VIP goes on this
/// machine (with a warning when the VIP is outside that interface's subnet), then the plan.
pub fn check_report(cfg: &ClusterConfig, me: &Node, local: &[LocalAddr]) -> String {
    report(cfg, Some(me), local)
}

/// `check_report` for any file: `me` is `None` when the file has no VIPs and this machine is
/// not one of its nodes (a node-local balancer needs no identity; see
/// `config::identity::resolve_if_needed`).
pub fn report(cfg: &ClusterConfig, me: Option<&Node>, local: &[LocalAddr]) -> String {
    let mut counts = Vec::new();
    if !cfg.nodes.is_empty() || cfg.needs_identity() {
        counts.push(count(cfg.nodes.len(), "node"));
    }
    if !cfg.vips.is_empty() || !cfg.bgp_vips.is_empty() {
        counts.push(count(cfg.vips.len() + cfg.bgp_vips.len(), "VIP"));
    }
    if !cfg.frontends.is_empty() {
        counts.push(count(cfg.frontends.len(), "frontend"));
    }
    let mut out = format!("{}: OK ({})\n", cfg.source.display(), counts.join(", "));
    let Some(me) = me else {
        out.push_str(
            "this node: not identified (no VIPs; the frontends are the same on every node)\n",
        );
        for line in frontends::explain(cfg).into_iter().chain([admin_line(cfg)]) {
            out.push_str(&line);
            out.push('\n');
        }
        return out;
    };
    let _ = writeln!(out, "this node: {} ({})", me.name, me.address);
    for vip in &cfg.vips {
        match resolve_interface(vip, me, local) {
            Ok(r) => match r.subnet {
                Some((a, len)) if !r.vip_in_subnet => {
                    let _ = writeln!(
                        out,
                        "warning: VIP {} {} is outside the subnet of {} ({a}/{len}); hosts on \
                         that segment will not reach it without a route",
                        vip.name, vip.address, r.name
                    );
                }
                _ => {}
            },
            Err(why) => {
                let _ = writeln!(out, "warning: {why}");
            }
        }
    }
    let names = |vip: &Vip| match resolve_interface(vip, me, local) {
        Ok(r) => r.name,
        Err(_) => match &vip.interface {
            InterfaceChoice::Named(n) => n.clone(),
            InterfaceChoice::Auto => format!("the interface that carries {}", me.address),
        },
    };
    let lines = explain_with(cfg, me, names)
        .into_iter()
        .chain(bgp::explain(cfg, me))
        .chain(frontends::explain(cfg))
        .chain([admin_line(cfg)]);
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// One line on the admin endpoint: where it listens and who may change things.
pub fn admin_line(cfg: &ClusterConfig) -> String {
    match (cfg.admin.bind, &cfg.admin.token_file) {
        (None, _) => "admin endpoint: off (`kubegate status` cannot ask this node)".to_string(),
        (Some(b), None) => format!(
            "admin endpoint: http://{b}/ (status page, /api/v1/status, /metrics); read-only, \
             no token_file so `kubegate backend` and `kubegate handover` are refused"
        ),
        (Some(b), Some(t)) if b.ip().is_loopback() => format!(
            "admin endpoint: http://{b}/ (status page, /api/v1/status, /metrics); reading needs \
             no token on loopback, changes need the token in {}",
            t.display()
        ),
        (Some(b), Some(t)) => format!(
            "admin endpoint: http://{b}/ (status page, /api/v1/status, /metrics); every request \
             but /healthz and /readyz needs the token in {}",
            t.display()
        ),
    }
}

/// A node and its configured priority for one VIP, in the order VRRP elects them.
pub(crate) struct Ranked<'a> {
    pub(crate) node: &'a Node,
    pub(crate) priority: u8,
}

/// Highest priority first; equal priorities: the higher primary address wins (RFC 5798 §6.4.3).
pub(crate) fn ranking<'a>(cfg: &'a ClusterConfig, vip: &Vip) -> Vec<Ranked<'a>> {
    let mut r: Vec<Ranked> = cfg
        .nodes
        .iter()
        .map(|node| Ranked {
            node,
            priority: vip.priority_of(&node.name),
        })
        .collect();
    r.sort_by_key(|r| std::cmp::Reverse((r.priority, r.node.address)));
    r
}

fn explain_with(cfg: &ClusterConfig, me: &Node, iface: impl Fn(&Vip) -> String) -> Vec<String> {
    let mut out = Vec::new();
    for vip in &cfg.vips {
        let order = ranking(cfg, vip);
        out.push(header(cfg, vip, me));
        let Some(rank) = order.iter().position(|r| r.node == me) else {
            continue;
        };
        out.extend(role(vip, &order, rank, &iface(vip)));
        out.extend(parity::lines(vip));
        for t in &vip.track {
            let mut line = tracker(vip, &order, rank, t);
            if let Some(more) = step_aside::when_none_ready(&order, t, vip.vrrp.preempt) {
                line.push(' ');
                line.push_str(&more);
            }
            out.push(line);
        }
        out.extend(warnings(vip, &order));
        out.extend(step_aside::warnings(&order, &vip.track));

        out.extend(reach::warnings(cfg, vip));
    }
    out.extend(groups::lines(cfg));
    out.extend(shared_tracking::warnings(cfg));
    out
}

fn header(cfg: &ClusterConfig, vip: &Vip, me: &Node) -> String {
    let version = match vip.vrrp.version {
        Version::V2 => "VRRPv2",
        Version::V3 => "VRRPv3",
    };
    let to = match vip.vrrp.transport {
        Transport::Unicast => {
            let peers: Vec<String> = cfg
                .nodes
                .iter()
                .filter(|n| *n != me)
                .map(|n| format!("{} ({})", n.name, n.address))
                .collect();
            format!("unicast to {}", and_list(&peers))
        }
        Transport::Multicast if vip.address.is_ipv4() => "multicast to 224.0.0.18".into(),
        Transport::Multicast => "multicast to ff02::12".into(),
    };
    format!(
        "VIP {} {}: {version}, VRID {}, adverts every {}, {to}.",
        vip.name,
        parity::addresses(vip),
        vip.vrrp.vrid,
        human(vip.vrrp.advert_interval)
    )
}

fn role(vip: &Vip, order: &[Ranked], rank: usize, iface: &str) -> Vec<String> {
    let me = &order[rank];
    let (name, p) = (&me.node.name, me.priority);
    let v = &vip.vrrp;
    let mut out = Vec::new();
    if rank == 0 {
        if v.preempt {
            let back = if v.preempt_delay.is_zero() {
                "takes the VIP back when it returns".to_string()
            } else {
                format!(
                    "takes the VIP back {} after it returns",
                    human(v.preempt_delay)
                )
            };
            out.push(format!(
                "{name} holds {} on {iface} with priority {p} (highest): it becomes master \
                 when it starts and {back} (preempt).",
                parity::addresses(vip)
            ));
        } else {
            out.push(format!(
                "{name} has the highest priority ({p}) for {} on {iface}, but preempt is off: \
                 it becomes master when it starts only if no other node holds the VIP.",
                parity::addresses(vip)
            ));
            out.push(format!(
                "nopreempt: whoever holds the VIP keeps it; {name} does not take it back when it \
                 returns."
            ));
        }
    } else {
        let above: Vec<String> = order[..rank].iter().map(|r| r.node.name.clone()).collect();
        let gone = match above.len() {
            1 => format!("{} stops advertising", above[0]),
            2 => format!("{} are both gone", and_list(&above)),
            _ => format!("{} are all gone", and_list(&above)),
        };
        let skew = skew(v.version, v.advert_interval, p);
        // A master that stops sends priority 0; backups then wait Skew_Time only
        // (RFC 5798 §6.4.2, RFC 3768 §6.4.2).
        let rfc = match v.version {
            Version::V2 => "RFC 3768 §6.4.2",
            Version::V3 => "RFC 5798 §6.4.2",
        };
        out.push(format!(
            "{name} is backup with priority {p}; it takes over within {} when {gone} \
             (3 × {} + skew), or within {} after a clean stop (priority 0, {rfc}).",
            seconds_up(v.advert_interval * 3 + skew),
            human(v.advert_interval),
            seconds_up(skew)
        ));
        if v.preempt {
            out.push(format!(
                "When {} returns, it takes the VIP back from {name} (preempt).",
                above[0]
            ));
        } else {
            out.push(format!(
                "nopreempt: once {name} holds the VIP it keeps it, also when {} returns.",
                above[0]
            ));
        }
    }
    for other in order
        .iter()
        .filter(|o| o.priority == p && o.node != me.node)
    {
        let winner = other.node.address.max(me.node.address);
        out.push(format!(
            "{name} and {} have the same priority {p}: the higher address ({winner}) wins \
             (RFC 5798 §6.4.3).",
            other.node.name
        ));
    }
    out
}

/// Skew_Time: RFC 5798 §6.1 ((256 − Priority) × Master_Adver_Interval / 256); RFC 3768 §6.1 for
/// v2 ((256 − Priority) / 256 seconds, independent of the interval).
fn skew(version: Version, interval: Duration, priority: u8) -> Duration {
    let k = 256 - u32::from(priority);
    match version {
        Version::V3 => interval * k / 256,
        Version::V2 => Duration::from_secs(1) * k / 256,
    }
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => "no one".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `200 ms`, `1 s`, `1.5 s`.
pub(crate) fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{} s", (ms as f64 / 1000.0))
    }
}

/// Rounded up to a tenth of a second: `0.8 s` (a bound, so never rounded down).
fn seconds_up(d: Duration) -> String {
    let tenths = d.as_nanos().div_ceil(100_000_000);
    format!("{}.{} s", tenths / 10, tenths % 10)
}

//! A VIP's `track:` entries (keepalived's track_script / track_interface, plus native TCP checks
//! and frontend readiness) and its `announce:` settings.

use std::net::SocketAddr;
use std::time::Duration;

use serde_saphyr::Location;

use super::super::duration::duration_of;
use super::super::model::{AnnounceSettings, Tracker, TrackerKind};
use super::super::raw::{RawAnnounce, RawTrack, Sp};
use super::super::scalar::Scalar;
use super::diag::{join, name, Diag};
use super::vip::if_name;

/// A `frontend: NAME` tracker entry: the name, where it was written and its key path.
pub struct FrontendRef {
    pub name: String,
    pub loc: Location,
    pub path: String,
}

pub fn trackers(
    d: &mut Diag,
    list: &Sp<Vec<Sp<RawTrack>>>,
    path: &str,
    refs: &mut Vec<FrontendRef>,
) -> Vec<Tracker> {
    list.value
        .iter()
        .enumerate()
        .filter_map(|(i, t)| tracker(d, t, &format!("{path}[{i}]"), refs))
        .collect()
}

/// Every `frontend: NAME` tracker names a frontend of the file (`names`, as written).
pub fn check_frontend_refs(d: &mut Diag, refs: &[FrontendRef], names: &[(String, u64)]) {
    let known: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    for r in refs.iter().filter(|r| !known.contains(&r.name.as_str())) {
        let mut msg = format!("no frontend is named '{}'", r.name);
        match super::super::keys::closest(&r.name, &known) {
            Some(best) => msg.push_str(&format!("; did you mean '{best}'?")),
            None if known.is_empty() => msg.push_str(
                "; add it under `frontends:` (name, bind, backends), or track with `tcp: ADDRESS:PORT`",
            ),
            None => msg.push_str(&format!(" (frontends: {})", known.join(", "))),
        }
        d.err(&r.loc, &r.path, msg);
    }
}

fn tracker(
    d: &mut Diag,
    t: &Sp<RawTrack>,
    path: &str,
    refs: &mut Vec<FrontendRef>,
) -> Option<Tracker> {
    let r = &t.value;
    let p = |k: &str| join(path, k);
    let kinds: Vec<&str> = [
        ("script", r.script.is_some()),
        ("interface", r.interface.is_some()),
        ("tcp", r.tcp.is_some()),
        ("frontend", r.frontend.is_some()),
    ]
    .iter()
    .filter(|(_, present)| *present)
    .map(|(k, _)| *k)
    .collect();
    let kind = match kinds.as_slice() {
        [] => {
            d.err(&t.referenced, path, "a track entry needs one of `script: COMMAND`, `interface: NAME`, `tcp: ADDRESS:PORT` or `frontend: NAME`");
            return None;
        }
        [one] => *one,
        [a, b, ..] => {
            d.err(
                &t.referenced,
                path,
                format!("this entry has both `{a}` and `{b}`; write one check per entry"),
            );
            return None;
        }
    };
    let weight = d
        .opt(r.weight.as_ref(), &p("weight"), |s| {
            s.int_in(
                -253,
                253,
                " (keepalived semantics; 0 = failure puts the VIP in FAULT)",
            )
        })
        .unwrap_or(0) as i16;
    let weight_is_default = r.weight.is_none();
    let timing = [
        ("interval", &r.interval),
        ("timeout", &r.timeout),
        ("rise", &r.rise),
        ("fall", &r.fall),
    ];
    let kind = match kind {
        "script" => TrackerKind::Script(d.opt(r.script.as_ref(), &p("script"), |s| {
            let cmd = s.text()?.trim();
            if cmd.is_empty() {
                return Err("the command is empty; write the program to run, like /usr/local/bin/check-apiserver".into());
            }
            Ok(cmd.to_string())
        })?),
        "tcp" => TrackerKind::Tcp(d.opt(r.tcp.as_ref(), &p("tcp"), tcp_target)?),
        "interface" => {
            let name = d.opt(r.interface.as_ref(), &p("interface"), |s| {
                let n = s.text()?;
                if_name(n).map(|()| n.to_string())
            })?;
            for (key, v) in timing {
                if let Some(v) = v {
                    d.err(&v.referenced, &p(key), format!("an interface tracker follows the link state as it changes; remove `{key}` (only `weight` applies)"));
                }
            }
            TrackerKind::Interface(name)
        }
        _ => {
            let f = r.frontend.as_ref()?;
            let fname = d.opt(Some(f), &p("frontend"), name)?;
            for (key, v) in timing {
                if let Some(v) = v {
                    d.err(&v.referenced, &p(key), format!("a frontend tracker follows the health checks of the frontend's backends; remove `{key}` (only `weight` applies; set the timing under the frontend's `check:`)"));
                }
            }
            refs.push(FrontendRef {
                name: fname.clone(),
                loc: f.referenced,
                path: p("frontend"),
            });
            TrackerKind::Frontend(fname)
        }
    };
    // An interface's state is read from sysfs every 100 ms, and a frontend's from the balancer
    // as often: cheap, and fast enough that the tracker follows the state as it changes.
    let default_interval = if matches!(kind, TrackerKind::Interface(_) | TrackerKind::Frontend(_)) {
        INTERFACE_POLL
    } else {
        Duration::from_secs(1)
    };
    let interval = d
        .opt(r.interval.as_ref(), &p("interval"), |s| {
            positive(s, "interval")
        })
        .unwrap_or(default_interval);
    let timeout = d
        .opt(r.timeout.as_ref(), &p("timeout"), |s| {
            positive(s, "timeout")
        })
        .unwrap_or(interval);
    let rise = d
        .opt(r.rise.as_ref(), &p("rise"), |s| s.int_in(1, 1000, ""))
        .unwrap_or(1) as u32;
    let fall = d
        .opt(r.fall.as_ref(), &p("fall"), |s| s.int_in(1, 1000, ""))
        .unwrap_or(1) as u32;
    Some(Tracker {
        kind,
        weight,
        weight_is_default,
        interval,
        timeout,
        rise,
        fall,
    })
}

/// Gives every `frontend:` tracker written without `weight` its step-aside weight (see
/// [`step_aside_weight`]); `priorities` are the VIP's, one per node.
pub fn derive_frontend_weights(track: &mut [Tracker], priorities: &[u8]) {
    let derived = |t: &Tracker| t.weight_is_default && matches!(t.kind, TrackerKind::Frontend(_));
    let others: i32 = track
        .iter()
        .filter(|t| !derived(t))
        .map(|t| i32::from(t.weight).abs())
        .sum();
    let weight = step_aside_weight(priorities, others);
    for t in track.iter_mut().filter(|t| derived(t)) {
        t.weight = weight;
    }
}

/// The default weight of a `frontend:` tracker: negative, and large enough that any node whose
/// frontend has a ready backend outranks any node whose frontend has none, whatever the other
/// trackers (`others`: the sum of their weights' sizes) do. A node without a ready backend
/// therefore steps aside for a healthier one, yet no node goes to FAULT: when no node has a
/// ready backend, the best of them still holds the VIP and its balancer refuses connections at
/// once. Priorities `lo..=hi` need a drop of `hi − lo + 1` (+ `others`); one more leaves a
/// free priority between the two classes, where a node handed over by the operator waits
/// (`vrrp::Config::step_aside_below`): below every node with a ready backend, above every node
/// without one. Kept within keepalived's −253 (effective priorities are clamped to 1..=254,
/// FIELD-NOTES, vrrp_script).
pub fn step_aside_weight(priorities: &[u8], others: i32) -> i16 {
    let hi = priorities.iter().copied().max().map_or(1, i32::from);
    let lo = priorities.iter().copied().min().map_or(1, i32::from);
    -((hi - lo + 2 + others).min(253)) as i16
}

/// How often an interface tracker reads the interface's state.
pub const INTERFACE_POLL: Duration = Duration::from_millis(100);

fn positive(s: &Scalar, what: &str) -> Result<Duration, String> {
    let t = duration_of(s)?;
    if t.is_zero() {
        return Err(format!(
            "a check {what} of 0s cannot work; use something like 1s"
        ));
    }
    Ok(t)
}

/// `IP:PORT` (`[IPv6]:PORT`); host names are not resolved.
fn tcp_target(s: &Scalar) -> Result<SocketAddr, String> {
    let text = s.text()?;
    match text.parse::<SocketAddr>() {
        Ok(a) if a.port() != 0 => Ok(a),
        Ok(_) => Err(format!("{text:?} has port 0; write the port to connect to, like 127.0.0.1:6443")),
        Err(_) => Err(format!(
            "{text:?} is not IP:PORT; write it like 127.0.0.1:6443 or [::1]:6443 (host names are not resolved)"
        )),
    }
}

pub fn announce(d: &mut Diag, a: &Sp<RawAnnounce>, path: &str) -> AnnounceSettings {
    let r = &a.value;
    let def = AnnounceSettings::default();
    let count = d
        .opt(r.count.as_ref(), &join(path, "count"), |s| {
            s.int_in(0, 100, "")
        })
        .map_or(def.count, |n| n as u32);
    let interval = d
        .opt(r.interval.as_ref(), &join(path, "interval"), |s| {
            let t = duration_of(s)?;
            if t > Duration::from_secs(10) {
                return Err("the gap between announcements is at most 10s".into());
            }
            Ok(t)
        })
        .unwrap_or(def.interval);
    let repeat_after = d
        .opt(
            r.repeat_after.as_ref(),
            &join(path, "repeat_after"),
            |s| match s {
                Scalar::Str(t) if t == "off" => Ok(None),
                Scalar::Bool(false) => Ok(None),
                other => duration_of(other)
                    .map(Some)
                    .map_err(|e| format!("{e}; or write `off` to announce only once")),
            },
        )
        .unwrap_or(def.repeat_after);
    AnnounceSettings {
        count,
        interval,
        repeat_after,
    }
}

#[cfg(test)]
mod tests {
    use super::step_aside_weight;

    /// keepalived's arithmetic (clamped to 1..=254) for a node at `p` whose frontend failed.
    fn sick(p: u8, w: i16) -> i32 {
        (i32::from(p) + i32::from(w)).clamp(1, 254)
    }

    #[test]
    fn any_node_with_a_ready_backend_outranks_any_node_without_one() {
        for priorities in [&[150u8, 100, 50][..], &[100, 99, 98], &[254, 2], &[5]] {
            let w = step_aside_weight(priorities, 0);
            let lowest_well = i32::from(*priorities.iter().min().unwrap());
            for &p in priorities {
                // One below the lowest healthy stays free for a handed-over node.
                assert!(
                    sick(p, w) < lowest_well - 1 || priorities.len() == 1 || sick(p, w) == 1,
                    "priorities {priorities:?}, weight {w}: a sick node at {p} counts {}, \
                     expected below the lowest healthy {lowest_well}",
                    sick(p, w)
                );
                assert!(sick(p, w) >= 1, "a sick node keeps a priority (no FAULT)");
            }
        }
        assert_eq!(step_aside_weight(&[150, 100, 50], 0), -102);
        // Other trackers' weights are added, so no other check can make up for the frontend.
        assert_eq!(step_aside_weight(&[150, 100, 50], 20), -122);
        assert_eq!(step_aside_weight(&[5], 0), -2);
        // Within keepalived's range.
        assert_eq!(step_aside_weight(&[254, 1], 40), -253);
    }

    #[test]
    fn sick_nodes_keep_their_order_so_the_best_of_them_holds_the_vip() {
        let w = step_aside_weight(&[150, 100, 50], 0);
        assert_eq!([sick(150, w), sick(100, w), sick(50, w)], [48, 1, 1]);
    }
}

//! What a campaign observed, held against the HA promises (pure): at most one holder per VIP
//! outside a split segment, a holder soon after the last one is lost, the preferred holders
//! alone once everything is repaired, no failed request a planned event can be blamed for,
//! gaps within the bound of the faults around them, daemons that never exit untold and admin
//! endpoints that keep answering. Also the table per fault kind.

use std::collections::BTreeMap;
use std::time::Duration;

use super::fault::Fault;
use super::world::{Cast, World};

/// The holders of each VIP (the lab's VIP order) at one instant, ms after the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub at_ms: u64,
    pub holders: Vec<Vec<String>>,
}

/// One client request as the probe saw it, ms after the campaign's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub start_ms: u64,
    pub end_ms: u64,
    pub ok: bool,
}

/// Everything a campaign recorded.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The faults as applied, when they were applied.
    pub events: Vec<(u64, Fault)>,
    pub samples: Vec<Sample>,
    pub requests: Vec<Request>,
    /// Daemons that exited without being told: when, which host, how.
    pub exits: Vec<(u64, String, String)>,
    /// Admin endpoints that did not answer `/healthz`: when, which host, what happened.
    pub admin_silent: Vec<(u64, String, String)>,
    /// The holders once everything was repaired and the lab had settled.
    pub settled: Vec<Vec<String>>,
    /// Each VIP's preferred holder.
    pub preferred: Vec<String>,
}

/// The bounds the promises are held to (derived from the VRRP timers of the stack).
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Two holders of one VIP on an unsplit segment for longer than this is a violation: one
    /// advert interval for the loser to hear the winner, the handover linger, two samples.
    pub two_holders: Duration,
    /// No holder for longer than this while a balancer could hold it: Master_Down_Interval
    /// (RFC 5798 §6.1), two samples and a margin.
    pub no_holder: Duration,
    /// Faults this long before a failed request or a gap may be blamed for it.
    pub blame_window: Duration,
    /// The longest gap an unplanned fault may cost (a gap next to several adds their bounds).
    pub outage_gap: Duration,
    /// The same for frame loss (TCP retransmits at 1 s, then 2 s).
    pub loss_gap: Duration,
    /// How long the health checks take to see backends that stop answering (no refusal: the
    /// probes time out): `fall` probes an interval apart, the last one timing out. A fault
    /// that makes a balancer's backends unreachable (`cut-apis`) gets this on top of its
    /// blame window and its outage bound, as the VIP can move only after it.
    pub unreachable_detect: Duration,
}

impl Bounds {
    /// How long after `fault` a failed request or a gap may be blamed on it.
    fn blame_window_of(&self, fault: &Fault) -> Duration {
        match fault {
            Fault::CutApis(_) => self.blame_window + self.unreachable_detect,
            _ => self.blame_window,
        }
    }

    /// The longest gap `fault` (unplanned) may cost.
    fn gap_of(&self, fault: &Fault) -> Duration {
        match fault {
            Fault::Loss(..) => self.loss_gap,
            Fault::CutApis(_) => self.outage_gap + self.unreachable_detect,
            _ => self.outage_gap,
        }
    }
}

/// A broken promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub at_ms: u64,
    pub what: String,
}

/// One line of the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindRow {
    pub count: usize,
    pub worst_gap_ms: u64,
    pub failed: usize,
    pub violations: usize,
}

/// The verdict: violations in time order and the table by fault kind.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    pub violations: Vec<Violation>,
    pub kinds: BTreeMap<&'static str, KindRow>,
    pub requests: usize,
    pub failed: usize,
}

/// A gap between two answered requests shorter than this is the probe's own rhythm.
const GAP_NOTICED_MS: u64 = 100;

pub fn judge(cast: &Cast, seen: &Observed, bounds: &Bounds) -> Verdict {
    let mut v = Verdict::default();
    for (_, f) in &seen.events {
        v.kinds.entry(f.kind()).or_default().count += 1;
    }
    let worlds = worlds(&seen.events);
    let calm = World::default();
    let world_at = |t: u64| -> &World {
        match worlds.partition_point(|(at, _)| *at <= t) {
            0 => &calm,
            i => &worlds[i - 1].1,
        }
    };
    holders(cast, seen, bounds, &world_at, &mut v);
    requests(seen, bounds, &world_at, &mut v);
    for (at, host, how) in &seen.exits {
        v.violations.push(Violation {
            at_ms: *at,
            what: format!("the balancer on {host} exited untold: {how}"),
        });
    }
    for (at, host, why) in &seen.admin_silent {
        v.violations.push(Violation {
            at_ms: *at,
            what: format!("the admin endpoint on {host} did not answer /healthz: {why}"),
        });
    }
    let end = seen
        .events
        .last()
        .map(|(t, _)| *t)
        .into_iter()
        .chain(seen.samples.last().map(|s| s.at_ms))
        .max()
        .unwrap_or(0);
    for (i, (held, want)) in seen.settled.iter().zip(&seen.preferred).enumerate() {
        if held != std::slice::from_ref(want) {
            v.violations.push(Violation {
                at_ms: end,
                what: format!(
                    "after every fault was repaired and the lab settled, VIP {} is held by \
                     {held:?}, expected {want} alone (an address left behind, or a holder \
                     missing)",
                    i + 1
                ),
            });
        }
    }
    v.violations.sort_by_key(|x| x.at_ms);
    v
}

/// Linux sends an unanswered ARP request (neighbour solicitation) again after this long
/// (`retrans_time_ms`): a resolution lost to frame loss or a partition holds the unicast
/// adverts to that neighbour until then, so a split's effects last this long after it heals.
const ARP_RETRANSMIT_MS: u64 = 1000;

/// The world after each event, with the event's time. A flapping link counts as down from
/// the flap's start to its end: no up phase of a flap lasts the Master_Down_Interval a
/// backup needs to take over (RFC 5798 §6.4.2), so nobody can be expected to hold a VIP on
/// it meanwhile. Frame loss and a partition count until one ARP retransmission after they end.
fn worlds(events: &[(u64, Fault)]) -> Vec<(u64, World)> {
    let mut w = World::default();
    let mut out = Vec::new();
    // Effects that come later than their event: (when, what), in time order.
    let mut later: Vec<(u64, Fault)> = Vec::new();
    let apply_due =
        |until: u64, w: &mut World, later: &mut Vec<(u64, Fault)>, out: &mut Vec<(u64, World)>| {
            while later.first().is_some_and(|(at, _)| *at <= until) {
                let (at, f) = later.remove(0);
                w.apply(&f);
                out.push((at, w.clone()));
            }
        };
    for (t, f) in events {
        apply_due(*t, &mut w, &mut later, &mut out);
        match f {
            Fault::Flap(host, phases) => {
                w.apply(&Fault::LinkDown(host.clone()));
                later.push((t + phases.iter().sum::<u64>(), Fault::LinkUp(host.clone())));
            }
            Fault::LossEnd(_) | Fault::Rejoin(_) => later.push((t + ARP_RETRANSMIT_MS, f.clone())),
            Fault::Loss(host, _) => {
                // A new loss on the host outlasts the end of its previous one.
                later.retain(|(_, l)| !matches!(l, Fault::LossEnd(h) if h == host));
                w.apply(f);
            }
            Fault::Isolate(host) => {
                // A new split of the host outlasts the end of its previous one.
                later.retain(|(_, l)| !matches!(l, Fault::Rejoin(h) if h == host));
                w.apply(f);
            }
            _ => w.apply(f),
        }
        later.sort_by_key(|(at, _)| *at);
        out.push((*t, w.clone()));
    }
    apply_due(u64::MAX, &mut w, &mut later, &mut out);
    out
}

/// A condition that has held since some instant, and whether it was reported already.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Run {
    Clear,
    Since(u64),
    Reported,
}

impl Run {
    /// Follows the condition at `t`; true once it has held for more than `bound` (once a run).
    fn step(&mut self, holds: bool, t: u64, bound: Duration) -> Option<u64> {
        match (holds, self.clone()) {
            (false, _) => *self = Run::Clear,
            (true, Run::Clear) => *self = Run::Since(t),
            (true, Run::Since(since)) if t - since > bound.as_millis() as u64 => {
                *self = Run::Reported;
                return Some(since);
            }
            _ => {}
        }
        None
    }
}

/// Two holders on an unsplit segment, and no holder while a balancer could hold the VIP.
fn holders<'a>(
    cast: &Cast,
    seen: &Observed,
    bounds: &Bounds,
    world_at: &dyn Fn(u64) -> &'a World,
    v: &mut Verdict,
) {
    let vips = seen.samples.first().map_or(0, |s| s.holders.len());
    for vip in 0..vips {
        let (mut two, mut none) = (Run::Clear, Run::Clear);
        for s in &seen.samples {
            let w = world_at(s.at_ms);
            // A killed host keeps its addresses until it starts again: nobody answers there.
            let live: Vec<String> = s.holders[vip]
                .iter()
                .filter(|h| !w.killed.contains(*h))
                .cloned()
                .collect();
            if let Some(since) =
                two.step(live.len() >= 2 && !w.split(), s.at_ms, bounds.two_holders)
            {
                v.violations.push(Violation {
                    at_ms: since,
                    what: format!(
                        "VIP {} held by {live:?} at once for more than {:?} on an unsplit \
                         segment",
                        vip + 1,
                        bounds.two_holders
                    ),
                });
            }
            let serving = w.serving(cast);
            if let Some(since) = none.step(
                live.is_empty() && !serving.is_empty(),
                s.at_ms,
                bounds.no_holder,
            ) {
                v.violations.push(Violation {
                    at_ms: since,
                    what: format!(
                        "VIP {} held by nobody for more than {:?} while {serving:?} could hold it",
                        vip + 1,
                        bounds.no_holder,
                    ),
                });
            }
        }
    }
}

/// Failed requests a planned event must answer for, and gaps beyond the bounds of the
/// unplanned faults around them; the table's gap and failure columns.
fn requests<'a>(
    seen: &Observed,
    bounds: &Bounds,
    world_at: &dyn Fn(u64) -> &'a World,
    v: &mut Verdict,
) {
    // A split segment (a node cut off from its peers, frames lost) lasts until it heals and
    // may cost requests all along (a cut-off node holds the VIP in its island, and clients
    // that follow its announcements reach it): its faults answer for them however long ago
    // they began.
    let split_kinds = |from: u64, to: u64| -> Vec<&'static str> {
        let mut kinds = Vec::new();
        for w in [world_at(from), world_at(to)] {
            if !w.isolated.is_empty() && !kinds.contains(&"isolate") {
                kinds.push("isolate");
            }
            if !w.lossy.is_empty() && !kinds.contains(&"loss") {
                kinds.push("loss");
            }
        }
        kinds
    };
    let around = |from: u64, to: u64| -> Vec<&Fault> {
        seen.events
            .iter()
            .filter(|(t, f)| *t + bounds.blame_window_of(f).as_millis() as u64 >= from && *t <= to)
            .map(|(_, f)| f)
            .collect()
    };
    v.requests = seen.requests.len();
    for r in seen.requests.iter().filter(|r| !r.ok) {
        v.failed += 1;
        let ongoing = split_kinds(r.start_ms, r.end_ms);
        if !ongoing.is_empty() {
            for k in ongoing {
                v.kinds.entry(k).or_default().failed += 1;
            }
            continue;
        }
        let near = around(r.start_ms, r.end_ms);
        let unplanned: Vec<&&Fault> = near.iter().filter(|f| !f.planned()).collect();
        let blamed: Vec<&&Fault> = if unplanned.is_empty() {
            near.iter().collect()
        } else {
            unplanned.clone()
        };
        for f in &blamed {
            v.kinds.entry(f.kind()).or_default().failed += 1;
        }
        if unplanned.is_empty() {
            let what = if near.is_empty() {
                "a request failed with no fault near it".to_string()
            } else {
                let names: Vec<String> = near.iter().map(|f| f.to_string()).collect();
                format!(
                    "a request failed near planned events only: {}",
                    names.join(", ")
                )
            };
            for f in &blamed {
                v.kinds.entry(f.kind()).or_default().violations += 1;
            }
            v.violations.push(Violation {
                at_ms: r.start_ms,
                what,
            });
        }
    }
    let mut answered: Vec<u64> = seen
        .requests
        .iter()
        .filter(|r| r.ok)
        .map(|r| r.end_ms)
        .collect();
    answered.sort_unstable();
    for pair in answered.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let gap = b - a;
        if gap < GAP_NOTICED_MS {
            continue;
        }
        let ongoing = split_kinds(a, b);
        if !ongoing.is_empty() {
            for k in ongoing {
                let row = v.kinds.entry(k).or_default();
                row.worst_gap_ms = row.worst_gap_ms.max(gap);
            }
            continue;
        }
        let near = around(a, b);
        for f in &near {
            let row = v.kinds.entry(f.kind()).or_default();
            row.worst_gap_ms = row.worst_gap_ms.max(gap);
        }
        let allowed: u64 = near
            .iter()
            .filter(|f| !f.planned())
            .map(|f| bounds.gap_of(f))
            .sum::<Duration>()
            .as_millis() as u64;
        let planned_only = near.iter().all(|f| f.planned());
        // Planned events may slow requests but not stop them for long: they get the same
        // allowance as one outage (a preempting return moves the VIP, for instance).
        let allowed = if planned_only {
            bounds.outage_gap.as_millis() as u64
        } else {
            allowed
        };
        if gap > allowed {
            let names: Vec<String> = near.iter().map(|f| f.to_string()).collect();
            for f in &near {
                v.kinds.entry(f.kind()).or_default().violations += 1;
            }
            v.violations.push(Violation {
                at_ms: a,
                what: format!(
                    "no request answered for {gap} ms (allowed {allowed} ms for {})",
                    if names.is_empty() {
                        "no fault near".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cast() -> Cast {
        Cast {
            balancers: vec!["lb1".into(), "lb2".into()],
            apiservers: vec!["api1".into(), "api2".into()],
            vips: true,
            operator: true,
        }
    }

    fn bounds() -> Bounds {
        Bounds {
            two_holders: Duration::from_millis(900),
            no_holder: Duration::from_millis(1400),
            blame_window: Duration::from_secs(3),
            outage_gap: Duration::from_secs(2),
            loss_gap: Duration::from_secs(5),
            unreachable_detect: Duration::from_secs(2),
        }
    }

    fn every_100ms(from: u64, to: u64, holders: &[&str]) -> Vec<(u64, Vec<String>)> {
        (from / 100..to / 100)
            .map(|i| (i * 100, holders.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn seen(events: Vec<(u64, Fault)>, run: Vec<(u64, Vec<String>)>) -> Observed {
        Observed {
            events,
            samples: run
                .into_iter()
                .map(|(at_ms, h)| Sample {
                    at_ms,
                    holders: vec![h],
                })
                .collect(),
            settled: vec![vec!["lb1".into()]],
            preferred: vec!["lb1".into()],
            ..Observed::default()
        }
    }

    #[test]
    fn two_holders_are_allowed_briefly_or_while_the_segment_is_split() {
        let mut run = every_100ms(0, 1000, &["lb1"]);
        run.extend(every_100ms(1000, 1500, &["lb1", "lb2"]));
        run.extend(every_100ms(1500, 3000, &["lb2"]));
        let v = judge(&cast(), &seen(vec![], run.clone()), &bounds());
        assert!(v.violations.is_empty(), "{:?}", v.violations);

        let mut long = every_100ms(0, 1000, &["lb1"]);
        long.extend(every_100ms(1000, 3000, &["lb1", "lb2"]));
        let v = judge(&cast(), &seen(vec![], long.clone()), &bounds());
        assert_eq!(v.violations.len(), 1, "{:?}", v.violations);
        assert!(v.violations[0].what.contains("[\"lb1\", \"lb2\"]"));
        assert_eq!(v.violations[0].at_ms, 1000);

        let split = vec![(900, Fault::Isolate("lb2".into()))];
        let v = judge(&cast(), &seen(split, long), &bounds());
        assert!(v.violations.is_empty(), "{:?}", v.violations);
    }

    #[test]
    fn a_killed_host_s_leftover_address_is_not_a_holder_until_it_starts() {
        let mut run = every_100ms(0, 1000, &["lb1"]);
        run.extend(every_100ms(1000, 5000, &["lb1", "lb2"]));
        let events = vec![(1000, Fault::Kill("lb1".into()))];
        let v = judge(&cast(), &seen(events, run), &bounds());
        assert!(v.violations.is_empty(), "{:?}", v.violations);
    }

    #[test]
    fn frame_loss_counts_as_a_split_until_one_arp_retransmission_after_it_ends() {
        // Two holders from 1 s, during 20 % loss on lb2 that ends at 2 s; one holder again
        // 1.9 s after the end (ARP retried after 1 s, then the bound of 0.9 s), or never.
        let run_until = |two_until: u64| {
            let mut run = every_100ms(0, 1000, &["lb1"]);
            run.extend(every_100ms(1000, two_until, &["lb1", "lb2"]));
            run.extend(every_100ms(two_until, 8000, &["lb1"]));
            let events = vec![
                (500, Fault::Loss("lb2".into(), 20)),
                (2000, Fault::LossEnd("lb2".into())),
            ];
            judge(&cast(), &seen(events, run), &bounds()).violations
        };
        assert!(run_until(3800).is_empty(), "{:?}", run_until(3800));
        let v = run_until(6000);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].at_ms, 3000, "{v:?}");
        // A new loss on the same host right after the end keeps the split.
        let mut run = every_100ms(0, 1000, &["lb1"]);
        run.extend(every_100ms(1000, 8000, &["lb1", "lb2"]));
        let events = vec![
            (500, Fault::Loss("lb2".into(), 20)),
            (2000, Fault::LossEnd("lb2".into())),
            (2500, Fault::Loss("lb2".into(), 5)),
        ];
        let v = judge(&cast(), &seen(events, run), &bounds()).violations;
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn a_partition_counts_as_a_split_until_one_arp_retransmission_after_it_heals() {
        // Two holders from 1 s while lb2 is cut off; it rejoins at 2 s; one holder again at
        // 3.8 s (ARP retried after 1 s, then the bound of 0.9 s) is fine, at 6 s it is not.
        let run_until = |two_until: u64| {
            let mut run = every_100ms(0, 1000, &["lb1"]);
            run.extend(every_100ms(1000, two_until, &["lb1", "lb2"]));
            run.extend(every_100ms(two_until, 8000, &["lb1"]));
            let events = vec![
                (500, Fault::Isolate("lb2".into())),
                (2000, Fault::Rejoin("lb2".into())),
            ];
            judge(&cast(), &seen(events, run), &bounds()).violations
        };
        assert!(run_until(3800).is_empty(), "{:?}", run_until(3800));
        let v = run_until(6000);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].at_ms, 3000, "{v:?}");
    }

    #[test]
    fn nobody_is_expected_to_hold_a_vip_on_a_flapping_link() {
        // lb2 is stopped; lb1's link flaps for 1.5 s from 1 s; lb1 holds again 0.8 s after.
        let mut run = every_100ms(0, 1000, &["lb1"]);
        run.extend(every_100ms(1000, 3300, &[]));
        run.extend(every_100ms(3300, 5000, &["lb1"]));
        let events = vec![
            (500, Fault::Term("lb2".into())),
            (1000, Fault::Flap("lb1".into(), vec![400, 200, 300, 600])),
        ];
        let v = judge(&cast(), &seen(events, run.clone()), &bounds());
        assert!(v.violations.is_empty(), "{:?}", v.violations);
        // Still a violation when nobody holds long after the flap ended.
        let mut late = every_100ms(0, 1000, &["lb1"]);
        late.extend(every_100ms(1000, 5000, &[]));
        let events = vec![
            (500, Fault::Term("lb2".into())),
            (1000, Fault::Flap("lb1".into(), vec![400, 200, 300, 600])),
        ];
        let v = judge(&cast(), &seen(events, late), &bounds());
        assert_eq!(v.violations.len(), 1, "{:?}", v.violations);
        assert_eq!(v.violations[0].at_ms, 2500, "{:?}", v.violations);
    }

    #[test]
    fn nobody_holding_while_a_balancer_could_is_a_violation() {
        let mut run = every_100ms(0, 1000, &["lb1"]);
        run.extend(every_100ms(1000, 4000, &[]));
        let events = vec![(1000, Fault::Kill("lb1".into()))];
        let v = judge(&cast(), &seen(events.clone(), run), &bounds());
        assert_eq!(v.violations.len(), 1, "{:?}", v.violations);
        assert!(v.violations[0].what.contains("held by nobody"));
        assert!(v.violations[0].what.contains("[\"lb2\"]"));
    }

    #[test]
    fn failures_near_planned_events_alone_are_violations_and_gaps_are_bounded() {
        let ok = |s: u64| Request {
            start_ms: s,
            end_ms: s + 5,
            ok: true,
        };
        let fail = |s: u64| Request {
            start_ms: s,
            end_ms: s + 5,
            ok: false,
        };
        let mut o = seen(
            vec![
                (1000, Fault::Term("lb1".into())),
                (10_000, Fault::LinkDown("lb2".into())),
            ],
            every_100ms(0, 20_000, &["lb1"]),
        );
        o.requests = (0..1000).map(|i| ok(i * 20)).collect();
        o.requests.push(fail(1010));
        o.requests.push(fail(10_010));
        // A gap of 1.5 s after the link loss (allowed 2 s) and one of 3 s at 15 s with no
        // fault near.
        let silent = |t: u64| (10_000..11_500).contains(&t) || (15_000..18_000).contains(&t);
        o.requests.retain(|r| !r.ok || !silent(r.start_ms));
        let v = judge(&cast(), &o, &bounds());
        let what: Vec<&str> = v.violations.iter().map(|x| x.what.as_str()).collect();
        assert_eq!(v.violations.len(), 2, "{what:#?}");
        assert!(
            what[0].contains("planned events only: term lb1"),
            "{what:#?}"
        );
        assert!(what[1].contains("no fault near"), "{what:#?}");
        assert_eq!(v.kinds["link-down"].failed, 1);
        assert!(v.kinds["link-down"].worst_gap_ms >= 1500);
        assert_eq!(v.kinds["term"].violations, 1);
        assert_eq!(v.failed, 2);
    }

    #[test]
    fn unreachable_backends_get_the_checks_detection_time_on_top_of_an_outage() {
        let ok = |s: u64| Request {
            start_ms: s,
            end_ms: s + 5,
            ok: true,
        };
        // bounds(): outage 2 s, detection 2 s, blame window 3 s (+2 s for cut-apis).
        let with_gap = |fault: Fault, silent_ms: u64| {
            let mut o = seen(vec![(1000, fault)], every_100ms(0, 20_000, &["lb1"]));
            o.requests = (0..1000)
                .map(|i| i * 20)
                .filter(|t| !(1000..1000 + silent_ms).contains(t))
                .map(ok)
                .collect();
            // The last request of the gap fails 4.5 s after the fault.
            o.requests.push(Request {
                start_ms: 5_500,
                end_ms: 5_600,
                ok: false,
            });
            judge(&cast(), &o, &bounds()).violations
        };
        let v = with_gap(Fault::CutApis("lb1".into()), 3_900);
        assert!(v.is_empty(), "within outage + detection: {v:?}");
        let v = with_gap(Fault::CutApis("lb1".into()), 4_300);
        assert_eq!(v.len(), 1, "beyond outage + detection: {v:?}");
        assert!(v[0].what.contains("cut-apis lb1"), "{v:?}");
        let v = with_gap(Fault::LinkDown("lb1".into()), 3_900);
        assert_eq!(
            v.len(),
            2,
            "a link loss gets the outage bound alone, and its blame window: {v:?}"
        );
    }

    #[test]
    fn failures_while_the_segment_is_split_are_the_split_s_however_long_it_lasts() {
        let ok = |s: u64| Request {
            start_ms: s,
            end_ms: s + 5,
            ok: true,
        };
        let mut o = seen(
            vec![
                (1000, Fault::Isolate("lb2".into())),
                (20_000, Fault::Rejoin("lb2".into())),
            ],
            every_100ms(0, 30_000, &["lb1"]),
        );
        // Answers stop 9 s into the split, for 4 s, with failures.
        o.requests = (0..1500)
            .map(|i| i * 20)
            .filter(|t| !(10_000..14_000).contains(t))
            .map(ok)
            .collect();
        o.requests.extend((0..10).map(|i| Request {
            start_ms: 10_000 + i * 100,
            end_ms: 10_005 + i * 100,
            ok: false,
        }));
        let v = judge(&cast(), &o, &bounds());
        assert!(v.violations.is_empty(), "{:?}", v.violations);
        assert_eq!(v.kinds["isolate"].failed, 10);
        assert!(v.kinds["isolate"].worst_gap_ms >= 4000);
    }

    #[test]
    fn the_settled_lab_must_have_the_preferred_holders_alone_and_daemons_must_live() {
        let mut o = seen(vec![], every_100ms(0, 1000, &["lb1"]));
        o.settled = vec![vec!["lb1".into(), "lb2".into()]];
        o.exits.push((500, "lb2".into(), "signal 6".into()));
        o.admin_silent.push((700, "lb1".into(), "timed out".into()));
        let v = judge(&cast(), &o, &bounds());
        let what: Vec<&str> = v.violations.iter().map(|x| x.what.as_str()).collect();
        assert_eq!(what.len(), 3, "{what:#?}");
        assert!(what[0].contains("lb2 exited untold: signal 6"));
        assert!(what[1].contains("admin endpoint on lb1"));
        assert!(what[2].contains("expected lb1 alone"));
    }
}

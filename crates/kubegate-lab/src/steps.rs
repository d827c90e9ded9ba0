//! The scenario of `kubegate lab`, per topology: the faults in order, the VIP holders each
//! should leave, and the bound each outcome must meet; running them one by one against a
//! [`Stage`] with a fresh HTTPS probe per step.
//!
//! VIP topologies: apiserver not ready (then stopped once the balancers drained it), master
//! link down, master link back (preempt), SIGTERM handover, partition of the master from the
//! other balancers, heal, every apiserver down then back. Node-local (no VIP to move): apiserver not ready, apiserver host
//! link down, link back, SIGHUP reload removing an apiserver.
//!
//! Bounds: the longest time without a successful request stays under 1 s in every step.
//! Failed requests: none when the apiserver turns not ready, when the master hands over on
//! SIGTERM, when an apiserver host returns and on reload; link loss and partitions may fail
//! requests that were in flight, and requests sent to an apiserver that has just become
//! unreachable before the checks notice. Watches cut: at most 1 — the client holds one
//! watch, and a step that moves the VIP, or stops the apiserver the watch is on, ends that
//! connection (the TCP connection lives on the node that lost the address); a reload cuts
//! none (the removed backend's connections drain). Requests count as the client sees them:
//! a GET reset in flight is sent once more, as client-go does (the table shows how many).
//!
//! Every apiserver down, then back: the VIP must stay on its preferred holder throughout (no
//! node goes to FAULT: the frontend tracker's default weight steps aside, and nobody is
//! healthier), every request sent while nothing is ready must fail within 50 ms (the
//! balancer's RST, not a timeout), and service must resume within rise × interval of the
//! checks (+ a margin) of the first apiserver returning.

use std::io;
use std::thread;
use std::time::{Duration, Instant};

use super::https_probe::{self, OutageOutcome, Outcome};
use super::stage::{Stack, Stage};
use super::topologies::{Layout, Topology};

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `/readyz` turns 500, and the apiserver stops [`DRAIN_WAIT`] later.
    NotReadyThenStop(&'static str),
    CarrierDown(&'static str),
    CarrierUp(&'static str),
    /// SIGTERM to the host's balancer stack.
    Terminate(&'static str),
    /// The host is cut off from the other balancer hosts (not from the client).
    Partition(&'static str),
    Heal(&'static str),
    /// The node-local balancer reloads (SIGHUP) a file without the last apiserver.
    Reload,
    /// Every apiserver stops; [`OUTAGE`] later the first one starts again.
    AllDownThenBack,
}

/// How long every apiserver stays down: the balancers' checks (every 500 ms, `fall: 2`) notice
/// within about 1 s, and the client then meets refusals for a while.
pub const OUTAGE: Duration = Duration::from_millis(2500);
/// A refused request fails within this (the balancer's RST, never a timeout).
pub const REFUSE_WITHIN: Duration = Duration::from_millis(50);
/// On top of rise × interval before service resumes: a check's own TLS handshake, the probe's
/// 20 ms cadence and its request, and the probe's clock starting a little after ours.
pub const RESUME_MARGIN: Duration = Duration::from_millis(250);

/// The lab's checks: `rise` (the product's default, 2) × the lab's interval.
fn rise_times_interval() -> Duration {
    super::topologies::LAB_CHECK_INTERVAL * 2
}

/// Time between `/readyz` turning 500 and the apiserver stopping: the balancers' checks
/// (every 500 ms, `fall: 2`) mark it down well within it.
pub const DRAIN_WAIT: Duration = Duration::from_millis(2500);
/// Time from a takeover to its repeated announcement, and some margin.
const ANNOUNCE_REPEAT: Duration = Duration::from_millis(4500);
/// Time the probe runs before the fault.
pub const LEAD: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// The longest gap must stay below this.
    pub gap_ms: u64,
    /// `None`: failed requests are allowed.
    pub failed: Option<usize>,
    pub cuts: usize,
    /// For a deliberate outage: refusals and resumption are judged instead of the gap.
    pub outage: Option<OutageBound>,
}

/// What a deliberate outage must meet (ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutageBound {
    pub refuse_ms: u64,
    pub resume_ms: u64,
}

impl Bound {
    fn new(failed: Option<usize>, cuts: usize) -> Bound {
        Bound {
            gap_ms: 1000,
            failed,
            cuts,
            outage: None,
        }
    }

    fn outage(cuts: usize) -> Bound {
        Bound {
            outage: Some(OutageBound {
                refuse_ms: REFUSE_WITHIN.as_millis() as u64,
                resume_ms: (rise_times_interval() + RESUME_MARGIN).as_millis() as u64,
            }),
            ..Bound::new(None, cuts)
        }
    }

    pub fn describe(&self) -> String {
        let failed = match self.failed {
            Some(0) => "0 failed".to_string(),
            Some(n) => format!("≤{n} failed"),
            None => "any failed".to_string(),
        };
        if let Some(o) = self.outage {
            return format!(
                "RST<{}ms back<{}ms cuts≤{}",
                o.refuse_ms, o.resume_ms, self.cuts
            );
        }
        format!("gap<{}s {failed} cuts≤{}", self.gap_ms / 1000, self.cuts)
    }
}

/// One step of a scenario.
#[derive(Debug, Clone)]
pub struct StepSpec {
    pub name: String,
    pub fault: Fault,
    /// The holders of each VIP once the step has happened.
    pub expect: Vec<Vec<&'static str>>,
    pub bound: Bound,
}

/// The scenario of a topology.
pub fn plan(layout: &Layout) -> Vec<StepSpec> {
    let step = |name: String, fault, expect, bound| StepSpec {
        name,
        fault,
        expect,
        bound,
    };
    if layout.vips.is_empty() {
        let (a, b, c) = (
            layout.apiservers[0],
            layout.apiservers[1],
            layout.apiservers[2],
        );
        return vec![
            step(
                format!("apiserver {a} not ready, stopped"),
                Fault::NotReadyThenStop(a),
                vec![],
                Bound::new(Some(0), 1),
            ),
            step(
                format!("apiserver host {b} link down"),
                Fault::CarrierDown(b),
                vec![],
                Bound::new(None, 1),
            ),
            step(
                format!("apiserver host {b} link back"),
                Fault::CarrierUp(b),
                vec![],
                Bound::new(Some(0), 0),
            ),
            step(
                format!("SIGHUP reload without {c}"),
                Fault::Reload,
                vec![],
                Bound::new(Some(0), 0),
            ),
        ];
    }
    let master = layout.vips[0].by_priority[0];
    let preferred: Vec<Vec<&'static str>> =
        layout.vips.iter().map(|v| vec![v.by_priority[0]]).collect();
    // Without `master`: each VIP on its best other host.
    let without: Vec<Vec<&'static str>> = layout
        .vips
        .iter()
        .map(|v| {
            vec![*v
                .by_priority
                .iter()
                .find(|h| **h != master)
                .expect("2 hosts")]
        })
        .collect();
    // Split brain: `master` keeps what it held and takes the rest; the others elect theirs.
    let split: Vec<Vec<&'static str>> = without
        .iter()
        .map(|others| {
            let mut both = others.clone();
            both.push(master);
            both
        })
        .collect();
    let api = match layout.topology {
        Topology::Stacked => master,
        _ => layout.apiservers[0],
    };
    vec![
        step(
            format!("apiserver {api} not ready, stopped"),
            Fault::NotReadyThenStop(api),
            preferred.clone(),
            Bound::new(Some(0), 1),
        ),
        step(
            format!("{master} link down"),
            Fault::CarrierDown(master),
            without.clone(),
            Bound::new(None, 1),
        ),
        step(
            format!("{master} link back (preempt)"),
            Fault::CarrierUp(master),
            preferred.clone(),
            Bound::new(None, 1),
        ),
        step(
            format!("{master} SIGTERM handover"),
            Fault::Terminate(master),
            without,
            Bound::new(Some(0), 1),
        ),
        step(
            format!("{master} partitioned"),
            Fault::Partition(master),
            split,
            Bound::new(None, 1),
        ),
        step(
            format!("{master} partition heals"),
            Fault::Heal(master),
            preferred.clone(),
            Bound::new(None, 1),
        ),
        step(
            "every apiserver down, then back".to_string(),
            Fault::AllDownThenBack,
            preferred,
            Bound::outage(1),
        ),
    ]
}

/// One measured step: the row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub before: String,
    pub after: String,
    pub outcome: Outcome,
    pub bound: Bound,
    /// The VIPs ended where the step expects them (and, for an outage, stayed there).
    pub holders_ok: bool,
    /// For a deliberate outage: what the client met.
    pub outage: Option<OutageOutcome>,
}

impl Row {
    pub fn ok(&self) -> bool {
        let o = &self.outcome;
        if let Some(b) = self.bound.outage {
            let seen = self.outage.as_ref();
            return self.holders_ok
                && o.watches_cut <= self.bound.cuts
                && seen
                    .and_then(|s| s.slowest_refusal_ms)
                    .is_some_and(|r| r < b.refuse_ms)
                && seen
                    .and_then(|s| s.resumed_ms)
                    .is_some_and(|r| r < b.resume_ms);
        }
        self.holders_ok
            && o.longest_gap_ms < self.bound.gap_ms
            && self.bound.failed.is_none_or(|max| o.failed <= max)
            && o.watches_cut <= self.bound.cuts
    }
}

/// Runs every step; the stage is brought back to its starting point between steps that
/// leave something down.
pub fn run(stage: &mut Stage, steps: &[StepSpec]) -> io::Result<Vec<Row>> {
    // keepalived at 1 s adverts needs ~3.6 s to notice a lost master; let every outage end
    // inside the probe's run so that its whole length is measured.
    let settle = match stage.stack {
        Stack::Kubegate => Duration::from_secs(3),
        Stack::KeepalivedHaproxy => Duration::from_secs(7),
    };
    let mut rows = Vec::new();
    for spec in steps {
        let before = describe(&stage.holders()?);
        let busy = match spec.fault {
            Fault::NotReadyThenStop(_) => DRAIN_WAIT,
            Fault::AllDownThenBack => OUTAGE,
            _ => Duration::ZERO,
        };
        let probe = stage.start_probe(LEAD + busy + settle)?;
        let started = Instant::now();
        thread::sleep(LEAD);
        let applied = apply(stage, spec.fault)?;
        let holders_ok = stage.wait_holders(&spec.expect, settle)? && applied.held_throughout;
        let (events, outcome) = probe.finish_events()?;
        let outage = applied.window.map(|(down, back)| {
            let ms = |t: Instant| t.duration_since(started).as_millis() as u64;
            https_probe::analyse_outage(&events, ms(down), ms(back))
        });
        rows.push(Row {
            name: spec.name.clone(),
            before,
            after: describe(&stage.holders()?),
            outcome,
            bound: spec.bound,
            holders_ok,
            outage,
        });
        restore(stage, spec.fault)?;
    }
    Ok(rows)
}

/// What applying a fault saw: for an outage, when it began and when the first apiserver
/// returned, and whether the VIPs stayed where they were meanwhile.
struct Applied {
    window: Option<(Instant, Instant)>,
    held_throughout: bool,
}

fn apply(stage: &mut Stage, fault: Fault) -> io::Result<Applied> {
    match fault {
        Fault::AllDownThenBack => {
            let expected = stage.holders()?;
            for host in stage.layout.apiservers.clone() {
                stage.stop_apiserver(host);
            }
            let down = Instant::now();
            let mut held_throughout = true;
            while down.elapsed() < OUTAGE {
                held_throughout &= stage.holders()? == expected;
                thread::sleep(Duration::from_millis(50));
            }
            stage.start_apiserver(stage.layout.apiservers[0])?;
            return Ok(Applied {
                window: Some((down, Instant::now())),
                held_throughout,
            });
        }
        Fault::NotReadyThenStop(host) => {
            stage.set_ready(host, false)?;
            thread::sleep(DRAIN_WAIT);
            stage.stop_apiserver(host);
        }
        Fault::CarrierDown(host) => stage.segment.cut_carrier(host)?,
        Fault::CarrierUp(host) => stage.segment.restore_carrier(host)?,
        Fault::Terminate(host) => stage.signal_balancer(host, "TERM")?,
        Fault::Partition(host) => {
            for other in stage.layout.balancers.clone() {
                if other != host {
                    stage.segment.partition(host, other)?;
                }
            }
        }
        Fault::Heal(host) => {
            for other in stage.layout.balancers.clone() {
                if other != host {
                    stage.segment.heal(host, other)?;
                }
            }
        }
        Fault::Reload => {
            let last = *stage.layout.apiservers.last().expect("apiservers");
            let text = stage.layout.kubegate_config(&stage.ca_path(), &[last]);
            std::fs::write(stage.config_path(), text)?;
            let host = stage.layout.balancers[0];
            stage.signal_balancer(host, "HUP")?;
        }
    }
    Ok(Applied {
        window: None,
        held_throughout: true,
    })
}

/// Brings back what a step left down, outside the measurement.
fn restore(stage: &mut Stage, fault: Fault) -> io::Result<()> {
    match fault {
        Fault::AllDownThenBack => {
            for host in stage.layout.apiservers.clone().into_iter().skip(1) {
                stage.start_apiserver(host)?;
            }
            thread::sleep(rise_wait(stage.stack));
        }
        Fault::NotReadyThenStop(host) => {
            stage.start_apiserver(host)?;
            // The balancers see it ready again (`rise`) before the next step.
            thread::sleep(rise_wait(stage.stack));
        }
        Fault::CarrierUp(host) if stage.layout.apiservers.contains(&host) => {
            thread::sleep(rise_wait(stage.stack));
        }
        // A new master announces itself again 5 s later (kubegate's `repeat_after`,
        // keepalived's `garp_master_delay`): let that pass, or it lands in the next step.
        Fault::CarrierUp(_) => thread::sleep(ANNOUNCE_REPEAT),
        Fault::Terminate(host) => {
            if !stage.wait_balancer_exit(host, Duration::from_secs(40))? {
                return Err(io::Error::other(format!(
                    "{host}: the balancer did not exit within 40 s of SIGTERM"
                )));
            }
            stage.start_balancer(host)?;
            stage.wait_preferred(Duration::from_secs(15))?;
            thread::sleep(ANNOUNCE_REPEAT);
        }
        _ => {}
    }
    Ok(())
}

fn rise_wait(stack: Stack) -> Duration {
    match stack {
        // rise 2 at 500 ms.
        Stack::Kubegate => Duration::from_millis(1500),
        // haproxy's rise 2 at its 2 s default interval.
        Stack::KeepalivedHaproxy => Duration::from_millis(4500),
    }
}

/// Holders per VIP: `lb1` or `lb1+lb2`, VIPs separated by `,`; `-` for none.
pub fn describe(holders: &[Vec<&str>]) -> String {
    if holders.is_empty() {
        return "(no VIP)".into();
    }
    holders
        .iter()
        .map(|h| {
            if h.is_empty() {
                "-".into()
            } else {
                h.join("+")
            }
        })
        .collect::<Vec<String>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_expect_the_vrrp_outcomes() {
        let mm = plan(&Layout::of(Topology::MasterMaster));
        let down = mm
            .iter()
            .find(|s| s.fault == Fault::CarrierDown("lb1"))
            .unwrap();
        assert_eq!(down.expect, vec![vec!["lb2"], vec!["lb2"]]);
        let split = mm
            .iter()
            .find(|s| s.fault == Fault::Partition("lb1"))
            .unwrap();
        assert_eq!(split.expect, vec![vec!["lb2", "lb1"], vec!["lb2", "lb1"]]);
        let stacked = plan(&Layout::of(Topology::Stacked));
        assert_eq!(stacked[0].fault, Fault::NotReadyThenStop("master1"));
        assert_eq!(stacked[4].expect, vec![vec!["master2", "master1"]]);
        let local = plan(&Layout::of(Topology::NodeLocal));
        assert!(local.iter().all(|s| s.expect.is_empty()));
        assert_eq!(local.last().unwrap().fault, Fault::Reload);
        assert_eq!(describe(&[vec!["lb1"], vec![]]), "lb1,-");
    }

    #[test]
    fn a_row_is_ok_only_within_every_bound() {
        let row = |gap, failed, cuts, holders_ok| Row {
            name: "x".into(),
            before: "a".into(),
            after: "b".into(),
            outcome: Outcome {
                longest_gap_ms: gap,
                failed,
                succeeded: 10,
                watches_cut: cuts,
                retried: 0,
                first_error: None,
            },
            bound: Bound::new(Some(0), 1),
            holders_ok,
            outage: None,
        };
        assert!(row(999, 0, 1, true).ok());
        assert!(!row(1000, 0, 0, true).ok());
        assert!(!row(10, 1, 0, true).ok());
        assert!(!row(10, 0, 2, true).ok());
        assert!(!row(10, 0, 0, false).ok());
    }
}

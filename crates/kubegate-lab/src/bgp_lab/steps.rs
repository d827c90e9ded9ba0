//! The scenario of the `bgp` topology: each fault takes one node out, the router must stop
//! routing the VIP to it, and each return must bring its path back. Every step runs with a
//! fresh HTTPS probe from the client (a request every 20 ms through the VIP, and a watch).
//!
//! | step | kubegate's bound | why |
//! |---|---|---|
//! | a node loses its backends | interval × fall + 1 s | its frontend tracker fails after `fall` checks; the withdrawal follows (RFC 4271 §9.1.3) |
//! | SIGTERM | 1 s, before the process exits, 0 failed requests | the daemon withdraws first, then drains |
//! | SIGKILL | 1 s | the node's kernel closes the TCP connection; the router drops the session's routes (RFC 4271 §8.2.2) |
//! | link cut (a hung node) | BFD interval × multiplier + 100 ms; without BFD the hold time + 1 s | nothing closes the session: BFD (RFC 5880 §6.8.4) or the hold timer (RFC 4271 §6.5) notices |
//! | each return | 22 s | the node connects again after its idle hold time (5 s, doubled per recent reset, RFC 4271 §8.1.1) and announces once its checks pass |
//!
//! The reference stack meets the same faults; its rows are shown, not judged: it checks no
//! backend (its path stays while its apiserver is gone), and only its hold time (30 s) notices
//! a hung node.

use std::io;
use std::thread;
use std::time::{Duration, Instant};

use super::stage::BgpStage;
use super::{BgpStack, CHECK_FALL, CHECK_INTERVAL, NODES};
use crate::https_probe::Outcome;

/// What a step does to one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Its apiserver stops and it can reach no other (its frontend has no ready backend).
    LoseBackends,
    RestoreBackends,
    Terminate,
    Kill,
    /// The announcer starts again after SIGTERM or SIGKILL.
    Restart,
    /// Its cable is unplugged: the node is silent, nothing closes its sessions.
    CutLink,
    RestoreLink,
}

impl Fault {
    fn is_return(self) -> bool {
        matches!(
            self,
            Fault::RestoreBackends | Fault::Restart | Fault::RestoreLink
        )
    }
}

/// Time the probe runs before the fault.
pub const LEAD: Duration = Duration::from_millis(500);
/// How long the client's requests are watched after a return.
const RETURN_PROBED: Duration = Duration::from_secs(3);
/// Time a returning node has to be routed again: after a session reset the speaker starts
/// again after its IdleHoldTime, 5 s, doubled for each reset within a minute of the last
/// (RFC 4271 §8.1.1, DampPeerOscillations); twice doubled is 20 s, plus the `rise` checks.
pub const RETURN_BOUND: Duration = Duration::from_secs(22);
/// How long the reference is watched for a withdrawal that its design never makes (no check
/// of the apiserver): long past kubegate's bound.
pub const NEVER_WINDOW: Duration = Duration::from_secs(5);

/// One step.
#[derive(Debug, Clone)]
pub struct StepSpec {
    pub name: String,
    pub node: &'static str,
    pub fault: Fault,
    /// kubegate's bound on the time until the router (no longer, or again) routes to the node.
    pub bound: Duration,
    /// Failed client requests allowed (`None`: any).
    pub failed: Option<usize>,
}

/// The scenario for `stack`: the bounds follow its timers.
pub fn plan(stack: BgpStack) -> Vec<StepSpec> {
    let fall_time = CHECK_INTERVAL * CHECK_FALL + Duration::from_secs(1);
    let silence = match stack {
        BgpStack::Kubegate { bfd: true } => stack.silence_detection() + Duration::from_millis(100),
        _ => stack.silence_detection() + Duration::from_secs(1),
    };
    let step = |name: &str, node, fault, bound, failed| StepSpec {
        name: name.to_string(),
        node,
        fault,
        bound,
        failed,
    };
    let (a, b, c) = (NODES[0].0, NODES[1].0, NODES[2].0);
    let back = RETURN_BOUND;
    vec![
        step(
            &format!("{a} loses its backends"),
            a,
            Fault::LoseBackends,
            fall_time,
            None,
        ),
        step(
            &format!("{a} backends back"),
            a,
            Fault::RestoreBackends,
            back,
            None,
        ),
        step(
            &format!("{b} SIGTERM"),
            b,
            Fault::Terminate,
            Duration::from_secs(1),
            Some(0),
        ),
        step(&format!("{b} starts again"), b, Fault::Restart, back, None),
        step(
            &format!("{c} SIGKILL (crash)"),
            c,
            Fault::Kill,
            Duration::from_secs(1),
            None,
        ),
        step(&format!("{c} starts again"), c, Fault::Restart, back, None),
        step(
            &format!("{a} link cut (hang)"),
            a,
            Fault::CutLink,
            silence,
            None,
        ),
        step(&format!("{a} link back"), a, Fault::RestoreLink, back, None),
    ]
}

/// What one step measured.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub fault: Fault,
    /// The nodes the router routed the VIP to before and after.
    pub before: Vec<&'static str>,
    pub after: Vec<&'static str>,
    /// From the fault until the router's table changed as expected; `None` = not within
    /// `watched`.
    pub took: Option<Duration>,
    pub watched: Duration,
    pub bound: Duration,
    pub failed_bound: Option<usize>,
    /// SIGTERM: whether the process still ran when its path was gone.
    pub before_exit: Option<bool>,
    pub outcome: Outcome,
}

impl Row {
    /// A node's return rather than a fault.
    pub fn fault_is_return(&self) -> bool {
        self.fault.is_return()
    }

    /// Within every bound (kubegate's rows are judged by this).
    pub fn ok(&self) -> bool {
        self.took.is_some_and(|t| t < self.bound)
            && self
                .failed_bound
                .is_none_or(|max| self.outcome.failed <= max)
            && self.before_exit != Some(false)
    }
}

/// How long to watch the router after a fault: the bound with a margin for kubegate; for
/// the reference, long enough to see its own timers (or that it never withdraws).
fn watch_window(stack: BgpStack, spec: &StepSpec) -> Duration {
    match (stack, spec.fault) {
        (BgpStack::Kubegate { .. }, _) => spec.bound + Duration::from_secs(1),
        (BgpStack::GobgpKubeVip, f) if f.is_return() => RETURN_BOUND + Duration::from_secs(30),
        (BgpStack::GobgpKubeVip, Fault::LoseBackends) => NEVER_WINDOW,
        (BgpStack::GobgpKubeVip, _) => stack.silence_detection() + Duration::from_secs(5),
    }
}

/// Runs every step in order, printing each row through `report` as it completes.
pub fn run(
    stage: &mut BgpStage,
    steps: &[StepSpec],
    report: &mut dyn FnMut(&Row),
) -> io::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for spec in steps {
        let row = run_step(stage, spec)?;
        report(&row);
        rows.push(row);
        settle(stage, spec)?;
    }
    Ok(rows)
}

fn run_step(stage: &mut BgpStage, spec: &StepSpec) -> io::Result<Row> {
    let before = stage.routed()?;
    let mut expected: Vec<&str> = before.clone();
    if spec.fault.is_return() {
        if !expected.contains(&spec.node) {
            expected.push(spec.node);
        }
    } else {
        expected.retain(|n| *n != spec.node);
    }
    let watched = watch_window(stage.stack, spec);
    // After a fault the probe outlives the window by a little, so that a late failure is
    // counted; a return is probed for its first seconds only (the table is read on).
    let probed = if spec.fault.is_return() {
        watched.min(RETURN_PROBED)
    } else {
        watched
    };
    let probe = stage.start_probe(LEAD + probed + Duration::from_millis(500))?;
    thread::sleep(LEAD);
    let applied = Instant::now();
    apply(stage, spec)?;
    let mut before_exit = None;
    let took = if spec.fault == Fault::Terminate {
        // Poll the table and the process together: the path must go while the process runs.
        let mut took = None;
        while applied.elapsed() < watched {
            let runs = stage.runs(spec.node)?;
            if stage.wait_routed(&expected, Duration::ZERO)?.is_some() {
                took = Some(applied.elapsed());
                before_exit = Some(runs);
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        took
    } else {
        stage
            .wait_routed(&expected, watched)?
            .map(|_| applied.elapsed())
    };
    let (_, outcome) = probe.finish()?;
    Ok(Row {
        name: spec.name.clone(),
        fault: spec.fault,
        before,
        after: stage.routed()?,
        took,
        watched,
        bound: spec.bound,
        failed_bound: spec.failed,
        before_exit,
        outcome,
    })
}

fn apply(stage: &mut BgpStage, spec: &StepSpec) -> io::Result<()> {
    let node = spec.node;
    match spec.fault {
        Fault::LoseBackends => stage.lose_backends(node),
        Fault::RestoreBackends => stage.restore_backends(node),
        Fault::Terminate => stage.signal(node, "TERM"),
        Fault::Kill => stage.signal(node, "KILL"),
        Fault::Restart => stage.start_announcer(node),
        Fault::CutLink => stage.network.segment.cut_carrier(node),
        Fault::RestoreLink => stage.network.segment.restore_carrier(node),
    }
}

/// Between steps, outside the measurement: a stopped announcer has exited, and a returned
/// node is routed again before the next fault (the reference may need its timers for that).
fn settle(stage: &mut BgpStage, spec: &StepSpec) -> io::Result<()> {
    match spec.fault {
        Fault::Terminate | Fault::Kill => wait_exited(stage, spec.node)?,
        f if f.is_return() => {
            let all: Vec<&str> = NODES.iter().map(|n| n.0).collect();
            if stage.wait_routed(&all, Duration::from_secs(60))?.is_none() {
                return Err(io::Error::other(format!(
                    "{}: not routed again within 60 s of its return\n{}",
                    spec.node,
                    stage.logs()
                )));
            }
            // Let the returned node's checks and sessions settle before the next fault.
            thread::sleep(Duration::from_millis(500));
        }
        _ => {}
    }
    Ok(())
}

fn wait_exited(stage: &mut BgpStage, node: &str) -> io::Result<()> {
    if stage.wait_exit(node, Duration::from_secs(40))? {
        return Ok(());
    }
    Err(io::Error::other(format!(
        "{node}: the announcer did not exit within 40 s of the signal"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_follow_the_timers() {
        let with_bfd = plan(BgpStack::Kubegate { bfd: true });
        assert_eq!(with_bfd.len(), 8);
        assert_eq!(
            with_bfd[0].bound,
            Duration::from_secs(2),
            "500 ms × 2 + 1 s"
        );
        assert_eq!(with_bfd[2].failed, Some(0));
        let cut = with_bfd.iter().find(|s| s.fault == Fault::CutLink).unwrap();
        assert_eq!(
            cut.bound,
            Duration::from_millis(1000),
            "300 ms × 3 + 100 ms"
        );
        let without = plan(BgpStack::Kubegate { bfd: false });
        let cut = without.iter().find(|s| s.fault == Fault::CutLink).unwrap();
        assert_eq!(cut.bound, Duration::from_secs(10), "hold time 9 s + 1 s");
        assert!(with_bfd
            .iter()
            .zip(plan(BgpStack::GobgpKubeVip))
            .all(|(a, b)| a.name == b.name && a.fault == b.fault));
    }

    #[test]
    fn a_row_is_ok_only_within_its_bounds() {
        let row = |took: Option<u64>, failed, before_exit| Row {
            name: "x".into(),
            fault: Fault::Terminate,
            before: vec!["master1"],
            after: vec![],
            took: took.map(Duration::from_millis),
            watched: Duration::from_secs(2),
            bound: Duration::from_secs(1),
            failed_bound: Some(0),
            before_exit,
            outcome: Outcome {
                longest_gap_ms: 0,
                failed,
                succeeded: 10,
                watches_cut: 0,
                retried: 0,
                first_error: None,
            },
        };
        assert!(row(Some(20), 0, Some(true)).ok());
        assert!(!row(None, 0, Some(true)).ok());
        assert!(!row(Some(1000), 0, Some(true)).ok());
        assert!(!row(Some(20), 1, Some(true)).ok());
        assert!(!row(Some(20), 0, Some(false)).ok());
    }
}

//! Runs a schedule against a lab stage: builds the topology, starts the client's HTTPS probe
//! (a request every 20 ms and a watch), applies each fault at its time, notices daemons that
//! exit untold, lets the lab settle once everything is repaired, then hands what it observed
//! to the judge.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::fault::{Fault, Reload};
use super::judge::{self, Bounds, Observed, Request, Verdict};
use super::resources;
use super::schedule::Schedule;
use super::watch::{self, Running};
use super::world::{Cast, World};
use crate::https_probe::Event;
use crate::stage::{Stack, Stage};
use crate::topologies::{Layout, Topology, APISERVER_PORT, LAB_CHECK_INTERVAL};

/// The longest a stopped balancer may take to exit: its handover, the default 30 s drain and a
/// margin.
const STOP_WAIT: Duration = Duration::from_secs(40);

/// After the last fault (as applied, or as scheduled if that is later): time for the lab to
/// settle on the preferred holders.
pub const SETTLE: Duration = Duration::from_secs(12);

/// What one campaign is.
#[derive(Debug, Clone)]
pub struct Options {
    pub topology: Topology,
    pub stack: Stack,
    pub schedule: Schedule,
    /// Keep the lab's directory (logs, config, schedule) afterwards.
    pub keep: bool,
    /// Sample each daemon's memory, open files and threads (the soak) and count growth after
    /// the warm-up as a violation.
    pub resources: bool,
}

/// What one campaign found.
#[derive(Debug)]
pub struct Outcome {
    pub observed: Observed,
    pub verdict: Verdict,
    /// Watches the client had cut.
    pub watch_cuts: usize,
    /// With `Options::resources`: what each daemon held, every [`resources::EVERY`].
    pub usage: Vec<resources::Usage>,
}

/// The hosts of `layout` by role, and whether the operator's tools exist for `stack`.
pub fn cast_of(layout: &Layout, stack: Stack) -> Cast {
    Cast {
        balancers: layout.balancers.iter().map(|s| s.to_string()).collect(),
        apiservers: layout.apiservers.iter().map(|s| s.to_string()).collect(),
        vips: !layout.vips.is_empty(),
        operator: stack == Stack::Kubegate,
    }
}

/// The promises' bounds for `stack`, from its VRRP timers: kubegate runs the product's
/// defaults (VRRPv3, 200 ms adverts, 200 ms handover linger), keepalived in the lab VRRPv2
/// with 1 s adverts. Master_Down_Interval is 3 × interval + Skew_Time (RFC 5798 §6.1), under
/// 4 intervals.
pub fn bounds_for(stack: Stack) -> Bounds {
    let (interval, linger) = match stack {
        Stack::Kubegate => (Duration::from_millis(200), Duration::from_millis(200)),
        Stack::KeepalivedHaproxy => (Duration::from_secs(1), Duration::ZERO),
    };
    let unreachable_detect = match stack {
        // The lab's checks: every LAB_CHECK_INTERVAL, the default timeout and fall.
        Stack::Kubegate => {
            let defaults = kubegate_config::model::HealthCheck::default();
            LAB_CHECK_INTERVAL * defaults.fall + defaults.timeout
        }
        // haproxy's `check inter 2000 fall 5` (its check times out at `inter`); keepalived's
        // script looks only for haproxy's listener, so the VIP does not follow at all.
        Stack::KeepalivedHaproxy => Duration::from_secs(2) * 5 + Duration::from_secs(2),
    };
    let samples = watch::SAMPLE * 2;
    let master_down = interval * 4;
    let no_holder = master_down + samples + Duration::from_millis(500);
    Bounds {
        two_holders: interval + linger + samples + Duration::from_millis(300),
        no_holder,
        blame_window: Duration::from_secs(3) + master_down,
        outage_gap: no_holder + Duration::from_secs(1),
        loss_gap: Duration::from_secs(5),
        unreachable_detect,
    }
}

/// Runs the campaign; `say` gets one line per fault as it is applied.
pub fn run(binary: &Path, o: &Options, say: &mut dyn FnMut(&str)) -> io::Result<Outcome> {
    let mut stage = Stage::build(binary, o.topology, o.stack)?;
    if o.keep {
        stage.keep_files();
    }
    fs::write(
        stage.dir().join("schedule.txt"),
        format!("# topology {}\n{}", o.topology.name(), o.schedule.to_text()),
    )?;
    let cast = cast_of(&stage.layout, o.stack);
    let length = o.schedule.length() + SETTLE + Duration::from_secs(1);
    let probe_started = Instant::now();
    let probe = stage.start_probe(length)?;
    let t0 = Instant::now();
    let offset = (t0 - probe_started).as_millis() as u64;
    let running: Option<Running> = (o.stack == Stack::Kubegate).then(|| {
        let now = Instant::now();
        Arc::new(Mutex::new(
            cast.balancers.iter().map(|b| (b.clone(), now)).collect(),
        ))
    });
    let hosts: io::Result<Vec<(String, String)>> = cast
        .balancers
        .iter()
        .map(|b| Ok((b.clone(), stage.segment.netns(b)?.name().to_string())))
        .collect();
    let vips = stage.layout.vips.iter().map(|v| v.address).collect();
    let watcher = watch::start(hosts?, vips, running.clone(), t0);

    let mut world = World::default();
    let mut observed = Observed {
        preferred: stage
            .layout
            .vips
            .iter()
            .map(|v| v.by_priority[0].to_string())
            .collect(),
        ..Observed::default()
    };
    let mut sampler = Sampler {
        on: o.resources,
        next: Instant::now(),
        usage: Vec::new(),
    };
    for e in &o.schedule.events {
        wait_until(&mut stage, &world, t0, e.at_ms, &mut observed, &mut sampler)?;
        let at = t0.elapsed().as_millis() as u64;
        say(&format!("{:>9.3}s  {}", at as f64 / 1000.0, e.fault));
        // A balancer about to be stopped no longer owes the watcher an answer.
        if let Some(r) = &running {
            stop_running(r, &e.fault);
        }
        if let Err(err) = apply(&mut stage, &world, &e.fault, say) {
            stage.keep_files();
            say(&format!(
                "the lab could not apply {}: {err}; its files are kept in {}",
                e.fault,
                stage.dir().display()
            ));
            return Err(err);
        }
        world.apply(&e.fault);
        observed.events.push((at, e.fault.clone()));
        if let (Some(r), Fault::Start(h)) = (&running, &e.fault) {
            r.lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(h.clone(), Instant::now());
        }
    }
    // Settle: the preferred holders alone, or the time is up.
    let preferred: Vec<Vec<&str>> = stage
        .layout
        .vips
        .iter()
        .map(|v| vec![v.by_priority[0]])
        .collect();
    // From the last fault as applied: operator commands and stops can make it run late.
    let until = Instant::now().max(t0 + o.schedule.length()) + SETTLE;
    while Instant::now() < until {
        reap(&mut stage, &world, t0, &mut observed)?;
        sampler.sample(&stage, t0);
        if stage.wait_holders(&preferred, Duration::ZERO)? {
            break;
        }
        thread::sleep(Duration::from_millis(100));
    }
    observed.settled = stage
        .holders()?
        .into_iter()
        .map(|h| h.into_iter().map(str::to_string).collect())
        .collect();
    let seen = watcher.finish();
    observed.samples = seen.samples;
    observed.admin_silent = seen.admin_silent;
    let (events, _) = probe.finish_events()?;
    let mut watch_cuts = 0;
    for ev in events {
        match ev {
            Event::Request {
                start, end, error, ..
            } if start >= offset => observed.requests.push(Request {
                start_ms: start - offset,
                end_ms: end.saturating_sub(offset),
                ok: error.is_none(),
            }),
            Event::WatchCut { .. } => watch_cuts += 1,
            _ => {}
        }
    }
    let mut verdict = judge::judge(&cast, &observed, &bounds_for(o.stack));
    if o.resources {
        verdict.violations.extend(resources::leaks(&sampler.usage));
    }
    if !verdict.violations.is_empty() {
        // The daemons' own words go with the report (and the directory is kept).
        stage.keep_files();
        say(&format!(
            "the lab's files (config, logs, schedule) are kept in {}",
            stage.dir().display()
        ));
    }
    Ok(Outcome {
        observed,
        verdict,
        watch_cuts,
        usage: sampler.usage,
    })
}

/// Samples the daemons' usage every [`resources::EVERY`] when on.
struct Sampler {
    on: bool,
    next: Instant,
    usage: Vec<resources::Usage>,
}

impl Sampler {
    fn sample(&mut self, stage: &Stage, t0: Instant) {
        if !self.on || Instant::now() < self.next {
            return;
        }
        self.next += resources::EVERY;
        let at_ms = t0.elapsed().as_millis() as u64;
        for (host, pid) in stage.pids() {
            if let Some((rss_kib, fds, threads)) = resources::read(pid) {
                self.usage.push(resources::Usage {
                    at_ms,
                    host: host.to_string(),
                    pid,
                    rss_kib,
                    fds,
                    threads,
                });
            }
        }
    }
}

/// Sleeps until `at_ms` after `t0`, noticing daemons that exit meanwhile.
fn wait_until(
    stage: &mut Stage,
    world: &World,
    t0: Instant,
    at_ms: u64,
    observed: &mut Observed,
    sampler: &mut Sampler,
) -> io::Result<()> {
    let at = t0 + Duration::from_millis(at_ms);
    loop {
        reap(stage, world, t0, observed)?;
        sampler.sample(stage, t0);
        let now = Instant::now();
        if now >= at {
            return Ok(());
        }
        thread::sleep((at - now).min(Duration::from_millis(50)));
    }
}

/// Records every balancer that exited although the world says it runs.
fn reap(stage: &mut Stage, world: &World, t0: Instant, observed: &mut Observed) -> io::Result<()> {
    for (host, how) in stage.reap()? {
        if !world.stopped.contains(host) {
            observed
                .exits
                .push((t0.elapsed().as_millis() as u64, host.to_string(), how));
        }
    }
    Ok(())
}

/// Takes the balancers a stop is about to end off the watcher's list of admin endpoints that
/// must answer (before the signal, so the watcher never asks one on its way out).
fn stop_running(running: &Running, fault: &Fault) {
    let mut r = running.lock().unwrap_or_else(|p| p.into_inner());
    match fault {
        Fault::Kill(h) | Fault::Term(h) => {
            r.remove(h);
        }
        Fault::TermTwo(a, b, _) => {
            r.remove(a);
            r.remove(b);
        }
        _ => {}
    }
}

/// The layout's name for `host` (the stage keys its hosts by `&'static str`).
fn host_of(stage: &Stage, host: &str) -> io::Result<&'static str> {
    stage
        .layout
        .hosts
        .iter()
        .map(|(h, _)| *h)
        .chain(stage.layout.balancers.iter().copied())
        .find(|h| *h == host)
        .ok_or_else(|| io::Error::other(format!("no host {host:?} in this topology")))
}

/// Applies one fault to the stage. Operator commands that fail are said, not fatal (a node
/// may be on its way down); anything the lab itself cannot do is an error.
fn apply(
    stage: &mut Stage,
    world: &World,
    fault: &Fault,
    say: &mut dyn FnMut(&str),
) -> io::Result<()> {
    // A balancer that exited untold (already recorded) cannot be signalled.
    let gone: Vec<&String> = match fault {
        Fault::Kill(h) | Fault::Term(h) => vec![h],
        Fault::TermTwo(a, b, _) => vec![a, b],
        _ => vec![],
    };
    if let Some(h) = gone.into_iter().find(|h| !stage.runs(h)) {
        say(&format!(
            "           (no balancer runs on {h}: it exited earlier)"
        ));
        return Ok(());
    }
    let mut operator = |result: io::Result<String>| {
        if let Err(e) = result {
            say(&format!("           (operator command failed: {e})"));
        }
    };
    match fault {
        Fault::LinkDown(h) => stage.segment.cut_carrier(h)?,
        Fault::LinkUp(h) => stage.segment.restore_carrier(h)?,
        Fault::Flap(h, phases) => {
            for pair in phases.chunks(2) {
                stage.segment.cut_carrier(h)?;
                thread::sleep(Duration::from_millis(pair[0]));
                stage.segment.restore_carrier(h)?;
                thread::sleep(Duration::from_millis(*pair.get(1).unwrap_or(&0)));
            }
        }
        Fault::Kill(h) => {
            stage.signal_balancer(h, "KILL")?;
            stage.wait_balancer_exit(h, Duration::from_secs(2))?;
        }
        Fault::Term(h) => stage.signal_balancer(h, "TERM")?,
        Fault::TermTwo(a, b, gap) => {
            stage.signal_balancer(a, "TERM")?;
            thread::sleep(Duration::from_millis(*gap));
            stage.signal_balancer(b, "TERM")?;
        }
        Fault::Start(h) => {
            let host = host_of(stage, h)?;
            // A planned stop hands the VIP over, then drains established connections for at
            // most the frontend's `timeouts.drain` (30 s): connections to apiservers it is cut
            // off from hold it that long.
            if !stage.wait_balancer_exit(host, STOP_WAIT)? {
                return Err(io::Error::other(format!(
                    "{h}: the balancer did not stop within {STOP_WAIT:?} of its signal"
                )));
            }
            stage.start_balancer(host)?;
        }
        Fault::Isolate(h) | Fault::Rejoin(h) => {
            let others: Vec<&'static str> = stage
                .layout
                .balancers
                .iter()
                .copied()
                .filter(|b| b != h)
                .collect();
            for o in others {
                if matches!(fault, Fault::Isolate(_)) {
                    stage.segment.partition(h, o)?;
                } else {
                    stage.segment.heal(h, o)?;
                }
            }
        }
        Fault::CutApis(h) | Fault::MendApis(h) => {
            let apis: Vec<&'static str> = stage.layout.apiservers.clone();
            for a in apis {
                if matches!(fault, Fault::CutApis(_)) {
                    stage.segment.partition(h, a)?;
                } else {
                    stage.segment.heal(h, a)?;
                }
            }
        }
        Fault::NotReady(h) => stage.set_ready(h, false)?,
        Fault::Ready(h) => stage.set_ready(h, true)?,
        Fault::ApiStop(h) => stage.stop_apiserver(h),
        Fault::ApiStart(h) => {
            let host = host_of(stage, h)?;
            stage.start_apiserver(host)?;
        }
        Fault::Loss(h, p) => stage.segment.set_loss(h, Some(*p))?,
        Fault::LossEnd(h) => stage.segment.set_loss(h, None)?,
        Fault::Reload(Reload::File { without, swapped }) => {
            write_config(stage, without.as_deref(), *swapped)?;
            stage.signal_all("HUP")?;
        }
        Fault::Reload(Reload::Broken) => {
            fs::write(stage.config_path(), "vips: [ this is not\n")?;
            stage.signal_all("HUP")?;
            // Every daemon reads the file at once; the good file is back before anything
            // else (a start) reads it.
            thread::sleep(Duration::from_millis(300));
            write_config(stage, world.without.as_deref(), world.swapped)?;
        }
        Fault::Drain(a) | Fault::Undrain(a) => {
            let action = if matches!(fault, Fault::Drain(_)) {
                "drain"
            } else {
                "ready"
            };
            let backend = backend_of(stage, a)?;
            for b in running_balancers(stage, world) {
                for frontend in frontends(stage) {
                    operator(stage.kubegate_cli(b, &["backend", action, &frontend, &backend]));
                }
            }
        }
        Fault::Handover(h) | Fault::Release(h) => {
            let names: Vec<&str> = stage.layout.vips.iter().map(|v| v.name).collect();
            for vip in names {
                let args: Vec<&str> = if matches!(fault, Fault::Handover(_)) {
                    vec!["handover", vip]
                } else {
                    vec!["handover", "--release", vip]
                };
                operator(stage.kubegate_cli(h, &args));
            }
        }
    }
    Ok(())
}

/// Writes the lab's kubegate file as the world says it is.
fn write_config(stage: &Stage, without: Option<&str>, swapped: bool) -> io::Result<()> {
    let without: Vec<&str> = without.into_iter().collect();
    let text = stage
        .layout
        .kubegate_config_with(&stage.ca_path(), &without, swapped);
    fs::write(stage.config_path(), text)
}

/// The frontends of the lab's file (one per VIP, or `api` node-local).
fn frontends(stage: &Stage) -> Vec<String> {
    if stage.layout.vips.is_empty() {
        return vec!["api".into()];
    }
    stage
        .layout
        .vips
        .iter()
        .map(|v| v.name.to_string())
        .collect()
}

/// `ADDRESS:PORT` of `apiserver`'s backend.
fn backend_of(stage: &Stage, apiserver: &str) -> io::Result<String> {
    stage
        .layout
        .address_of(apiserver)
        .map(|ip| format!("{ip}:{APISERVER_PORT}"))
        .ok_or_else(|| io::Error::other(format!("no apiserver {apiserver:?}")))
}

/// The balancers the world says run.
fn running_balancers(stage: &Stage, world: &World) -> Vec<&'static str> {
    stage
        .layout
        .balancers
        .iter()
        .copied()
        .filter(|b| !world.stopped.contains(*b))
        .collect()
}

/// Two campaigns of one schedule (kubegate, then keepalived + haproxy) in one table: per
/// fault kind, the worst gap and the failed requests of each, and the violations.
pub fn side_by_side(ours: &Verdict, theirs: &Verdict) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nside by side (kubegate | keepalived + haproxy):\n{:<16} {:>6} {:>17} {:>15} {:>13}",
        "fault", "count", "worst gap ms", "failed", "violations"
    );
    let kinds: std::collections::BTreeSet<&str> = ours
        .kinds
        .keys()
        .chain(theirs.kinds.keys())
        .copied()
        .collect();
    let row = |v: &Verdict, k: &str| v.kinds.get(k).cloned().unwrap_or_default();
    for k in kinds {
        let (a, b) = (row(ours, k), row(theirs, k));
        let _ = writeln!(
            s,
            "{k:<16} {:>6} {:>17} {:>15} {:>13}",
            a.count.max(b.count),
            format!("{} | {}", a.worst_gap_ms, b.worst_gap_ms),
            format!("{} | {}", a.failed, b.failed),
            format!("{} | {}", a.violations, b.violations),
        );
    }
    let _ = writeln!(
        s,
        "{:<16} {:>6} {:>17} {:>15} {:>13}",
        "all requests",
        "",
        "",
        format!("{} | {}", ours.failed, theirs.failed),
        format!("{} | {}", ours.violations.len(), theirs.violations.len()),
    );
    s
}

/// The report: what ran, the table per fault kind, each violation with the events around it,
/// and how to replay it.
pub fn report(o: &Options, out: &Outcome, replay: &str) -> String {
    let v = &out.verdict;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nchaos: {} on {}, {} faults over {:.0} s, {} requests ({} failed), {} watch cut(s)",
        o.stack.label(),
        o.topology.name(),
        out.observed.events.len(),
        o.schedule.length().as_secs_f64(),
        v.requests,
        v.failed,
        out.watch_cuts
    );
    let _ = writeln!(
        s,
        "{:<16} {:>6} {:>14} {:>7} {:>11}",
        "fault", "count", "worst gap ms", "failed", "violations"
    );
    let rows: BTreeMap<&str, &judge::KindRow> = v.kinds.iter().map(|(k, r)| (*k, r)).collect();
    for (kind, r) in rows {
        let _ = writeln!(
            s,
            "{kind:<16} {:>6} {:>14} {:>7} {:>11}",
            r.count, r.worst_gap_ms, r.failed, r.violations
        );
    }
    if !out.usage.is_empty() {
        let _ = writeln!(
            s,
            "daemons after their warm-up ({:?}), sampled every {:?}:\n{}",
            resources::WARM_UP,
            resources::EVERY,
            resources::table(&out.usage)
        );
    }
    if v.violations.is_empty() {
        let _ = writeln!(s, "violations: 0");
        return s;
    }
    let _ = writeln!(s, "violations: {}", v.violations.len());
    for x in &v.violations {
        let _ = writeln!(s, "  at {:.3} s: {}", x.at_ms as f64 / 1000.0, x.what);
        for (t, f) in out
            .observed
            .events
            .iter()
            .filter(|(t, _)| t.abs_diff(x.at_ms) <= 3_000)
        {
            let _ = writeln!(s, "      {:>9.3}s  {f}", *t as f64 / 1000.0);
        }
    }
    let _ = writeln!(s, "replay: {replay}");
    s
}

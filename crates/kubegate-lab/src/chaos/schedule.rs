//! A campaign's schedule: timed faults drawn from a seed (random gaps of tens of milliseconds
//! to seconds, any fault the lab's state allows, everything repaired at the end), printed as
//! text that loads back as the same schedule. Pure.

use std::time::Duration;

use super::fault::{self, Fault, Reload};
use super::rng::Rng;
use super::world::{Cast, World};

/// One timed fault: milliseconds after the campaign's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at_ms: u64,
    pub fault: Fault,
}

/// The whole schedule, with what it was drawn from (for the header and the report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub seed: Option<u64>,
    pub events: Vec<Event>,
}

/// Time before the first fault: the probe and the VIPs settle.
pub const LEAD: Duration = Duration::from_secs(2);
/// Shortest and longest gap between two faults.
pub const GAP_MS: (u64, u64) = (30, 3_000);

/// Draws a schedule of about `length` for `cast` from `seed`. Each step waits a random gap,
/// then applies a fault the model allows (repairs become likelier the more is broken); at the
/// end every remaining fault is repaired, each after its own gap.
pub fn generate(seed: u64, cast: &Cast, length: Duration) -> Schedule {
    let mut rng = Rng::new(seed);
    let mut world = World::default();
    let mut events = Vec::new();
    let end = length.as_millis() as u64;
    let mut t = LEAD.as_millis() as u64;
    loop {
        t += rng.log_between(GAP_MS.0, GAP_MS.1);
        if t >= end {
            break;
        }
        let repairs = world.repairs();
        // Half the time fix something when something is broken; otherwise break something.
        let fault = if !repairs.is_empty() && rng.below(2) == 0 {
            rng.pick(&repairs).clone()
        } else {
            match draw(&mut rng, cast, &world) {
                Some(f) => f,
                None if !repairs.is_empty() => rng.pick(&repairs).clone(),
                None => continue,
            }
        };
        world.apply(&fault);
        events.push(Event { at_ms: t, fault });
    }
    for fault in world.repairs() {
        t += rng.log_between(GAP_MS.0, GAP_MS.1);
        world.apply(&fault);
        events.push(Event { at_ms: t, fault });
    }
    Schedule {
        seed: Some(seed),
        events,
    }
}

/// The soak's churn for `length` (no randomness): a reload every minute (an apiserver left
/// out, then back), an apiserver going not ready and back or stopping and starting every
/// 20 s, and with VIPs, every 3 minutes the preferred holder's link lost for 5 s and, half-way
/// between, the preferred holder stopped (SIGTERM) and started 10 s later.
pub fn soak(cast: &Cast, length: Duration) -> Schedule {
    let end = length.as_millis() as u64;
    let mut events = Vec::new();
    let mut at = |t: u64, fault: Fault| {
        if t < end {
            events.push(Event { at_ms: t, fault });
        }
    };
    let last_api = cast.apiservers.last().cloned().unwrap_or_default();
    for (k, t) in (30_000..end).step_by(60_000).enumerate() {
        let without = (k % 2 == 0).then(|| last_api.clone());
        at(
            t,
            Fault::Reload(Reload::File {
                without,
                swapped: false,
            }),
        );
    }
    for (k, t) in (10_000..end).step_by(20_000).enumerate() {
        // The first apiservers take turns; the last one is the reloads'.
        let turns = &cast.apiservers[..cast.apiservers.len().saturating_sub(1).max(1)];
        let a = turns[k % turns.len()].clone();
        if k % 2 == 0 {
            at(t, Fault::NotReady(a.clone()));
            at(t + 8_000, Fault::Ready(a));
        } else {
            at(t, Fault::ApiStop(a.clone()));
            at(t + 8_000, Fault::ApiStart(a));
        }
    }
    if cast.vips {
        let holder = cast.balancers[0].clone();
        for t in (60_000..end).step_by(180_000) {
            at(t, Fault::LinkDown(holder.clone()));
            at(t + 5_000, Fault::LinkUp(holder.clone()));
            at(t + 90_000, Fault::Term(holder.clone()));
            at(t + 100_000, Fault::Start(holder.clone()));
        }
    }
    events.sort_by_key(|e| e.at_ms);
    // Whatever the end cut off is repaired after it.
    let mut world = World::default();
    for e in &events {
        world.apply(&e.fault);
    }
    let mut t = end;
    for fault in world.repairs() {
        t += 1_000;
        events.push(Event { at_ms: t, fault });
    }
    Schedule { seed: None, events }
}

/// A new fault the model allows, drawn evenly among the kinds that have one (a few tries).
fn draw(rng: &mut Rng, cast: &Cast, world: &World) -> Option<Fault> {
    let hosts: Vec<String> = cast
        .balancers
        .iter()
        .chain(&cast.apiservers)
        .cloned()
        .collect();
    for _ in 0..20 {
        let b = rng.pick(&cast.balancers).clone();
        let a = rng.pick(&cast.apiservers).clone();
        let h = rng.pick(&hosts).clone();
        let fault = match rng.below(14) {
            0 => Fault::LinkDown(h),
            1 => {
                let n = rng.between(1, 3) as usize;
                let phases = (0..n * 2).map(|_| rng.log_between(20, 400)).collect();
                Fault::Flap(b, phases)
            }
            2 => Fault::Kill(b),
            3 => Fault::Term(b),
            4 => {
                let other = rng.pick(&cast.balancers).clone();
                Fault::TermTwo(b, other, rng.between(0, 50))
            }
            5 => Fault::Isolate(b),
            6 => Fault::NotReady(a),
            7 => Fault::ApiStop(a),
            8 => Fault::Loss(h, *rng.pick(&[2u8, 5, 10, 20])),
            9 => Fault::Reload(match rng.below(4) {
                0 => Reload::Broken,
                1 => Reload::File {
                    without: Some(a),
                    swapped: false,
                },
                2 => Reload::File {
                    without: None,
                    swapped: !world.swapped,
                },
                _ => Reload::File {
                    without: world.without.clone(),
                    swapped: world.swapped,
                },
            }),
            10 => Fault::Drain(a),
            11 => Fault::Handover(b),
            12 => Fault::CutApis(b),
            _ => Fault::Kill(b),
        };
        if world.allows(cast, &fault) {
            return Some(fault);
        }
    }
    None
}

impl Schedule {
    /// The text form: `# seed N`, then one `MS FAULT` line per event.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if let Some(seed) = self.seed {
            out.push_str(&format!("# seed {seed}\n"));
        }
        for e in &self.events {
            out.push_str(&format!("{:>8} {}\n", e.at_ms, e.fault));
        }
        out
    }

    /// Reads [`Schedule::to_text`]'s form back; blank lines and other comments are skipped.
    /// Errors name the line.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let mut seed = None;
        let mut events = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if let Some(n) = line.strip_prefix("# seed ") {
                seed = n.trim().parse().ok();
                continue;
            }
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (at, rest) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| format!("line {}: expected `MS FAULT`", i + 1))?;
            let at_ms: u64 = at
                .parse()
                .map_err(|_| format!("line {}: {at:?} is not a time in milliseconds", i + 1))?;
            if events.last().is_some_and(|e: &Event| e.at_ms > at_ms) {
                return Err(format!("line {}: the times must not go back", i + 1));
            }
            let fault = fault::parse(rest).map_err(|e| format!("line {}: {e}", i + 1))?;
            events.push(Event { at_ms, fault });
        }
        Ok(Schedule { seed, events })
    }

    /// Checks that every fault fits `cast`: hosts of the right role, the operator's tools
    /// where they exist. The error names the first line that does not.
    pub fn fits(&self, cast: &Cast) -> Result<(), String> {
        let known = |h: &str| {
            cast.balancers
                .iter()
                .chain(&cast.apiservers)
                .any(|k| k == h)
        };
        for (i, e) in self.events.iter().enumerate() {
            if let Some(h) = e.fault.hosts().into_iter().find(|h| !known(h)) {
                return Err(format!(
                    "event {} ({}): this topology has no host {h:?} (its hosts: {})",
                    i + 1,
                    e.fault,
                    cast.balancers
                        .iter()
                        .chain(&cast.apiservers)
                        .map(String::as_str)
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let operator = matches!(
                e.fault,
                Fault::Reload(_)
                    | Fault::Drain(_)
                    | Fault::Undrain(_)
                    | Fault::Handover(_)
                    | Fault::Release(_)
            );
            if operator && !cast.operator {
                return Err(format!(
                    "event {} ({}): keepalived + haproxy has no such operator command",
                    i + 1,
                    e.fault
                ));
            }
        }
        Ok(())
    }

    /// When the last event happens.
    pub fn length(&self) -> Duration {
        Duration::from_millis(self.events.last().map_or(0, |e| e.at_ms))
    }

    /// The states the schedule goes through: the world after each event.
    pub fn worlds(&self) -> Vec<World> {
        let mut w = World::default();
        self.events
            .iter()
            .map(|e| {
                w.apply(&e.fault);
                w.clone()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cast() -> Cast {
        Cast {
            balancers: vec!["master1".into(), "master2".into(), "master3".into()],
            apiservers: vec!["master1".into(), "master2".into(), "master3".into()],
            vips: true,
            operator: true,
        }
    }

    #[test]
    fn a_seed_gives_one_schedule_that_reads_back_and_ends_calm() {
        let a = generate(42, &cast(), Duration::from_secs(120));
        assert_eq!(a, generate(42, &cast(), Duration::from_secs(120)));
        assert_ne!(
            a.events,
            generate(43, &cast(), Duration::from_secs(120)).events
        );
        assert!(a.events.len() > 40, "{} events", a.events.len());
        assert_eq!(Schedule::parse(&a.to_text()), Ok(a.clone()));
        assert!(a.worlds().last().is_some_and(World::calm));
        // Every fault was allowed where it happened; gaps within bounds.
        let mut w = World::default();
        let mut last = 0;
        for e in &a.events {
            assert!(w.allows(&cast(), &e.fault), "{} at {}", e.fault, e.at_ms);
            w.apply(&e.fault);
            assert!(e.at_ms - last >= GAP_MS.0 && e.at_ms - last <= GAP_MS.1);
            last = e.at_ms;
        }
        let kinds: std::collections::BTreeSet<&str> =
            a.events.iter().map(|e| e.fault.kind()).collect();
        assert!(kinds.len() >= 12, "a varied campaign: {kinds:?}");
    }

    #[test]
    fn without_the_operators_tools_none_of_theirs_are_drawn() {
        let mut c = cast();
        c.operator = false;
        let s = generate(7, &c, Duration::from_secs(300));
        assert!(s.events.iter().all(|e| !matches!(
            e.fault,
            Fault::Reload(_) | Fault::Drain(_) | Fault::Handover(_)
        )));
    }

    #[test]
    fn the_soak_churns_steadily_and_ends_calm() {
        let s = soak(&cast(), Duration::from_secs(30 * 60));
        assert!(s.worlds().last().is_some_and(World::calm));
        let count = |kind: &str| s.events.iter().filter(|e| e.fault.kind() == kind).count();
        assert_eq!(count("reload"), 30);
        assert_eq!(count("not-ready") + count("api-stop"), 90);
        assert_eq!(count("link-down"), 10);
        assert_eq!(count("term"), 10);
        let mut w = World::default();
        for e in &s.events {
            assert!(w.allows(&cast(), &e.fault), "{} at {}", e.fault, e.at_ms);
            w.apply(&e.fault);
        }
        assert!(s.events.windows(2).all(|p| p[0].at_ms <= p[1].at_ms));
    }

    #[test]
    fn a_schedule_must_fit_its_topology() {
        let s = Schedule::parse("100 kill lb1\n").unwrap();
        assert!(s.fits(&cast()).unwrap_err().contains("no host \"lb1\""));
        let s = Schedule::parse("100 drain master2\n").unwrap();
        assert!(s.fits(&cast()).is_ok());
        let mut incumbent = cast();
        incumbent.operator = false;
        assert!(s
            .fits(&incumbent)
            .unwrap_err()
            .contains("no such operator command"));
    }

    #[test]
    fn a_broken_schedule_names_the_line() {
        let err = Schedule::parse("# seed 1\n100 kill lb1\n50 start lb1\n").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
        let err = Schedule::parse("soon kill lb1\n").unwrap_err();
        assert!(
            err.contains("line 1") && err.contains("milliseconds"),
            "{err}"
        );
    }
}

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
        let fault = match rng.below(13) {
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

//! What the faults so far have done to a lab, as a model: which balancers run, which links
//! are down, who is cut off, which apiservers serve, what the config file says. The schedule
//! generator asks it which faults make sense next and how to undo them all; the judge replays
//! the events through it to know, at each instant, who can hold a VIP. Pure.

use std::collections::{BTreeMap, BTreeSet};

use super::fault::{Fault, Reload};

/// The hosts of a lab, by role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cast {
    pub balancers: Vec<String>,
    pub apiservers: Vec<String>,
    /// Whether the lab has VIPs (handovers, holder invariants).
    pub vips: bool,
    /// Whether the operator's tools exist (kubegate: reloads, drains, handovers).
    pub operator: bool,
}

/// The state the faults left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct World {
    /// Balancers not running (killed, or stopped by SIGTERM).
    pub stopped: BTreeSet<String>,
    /// Of those, the ones killed (their addresses stay behind until they start again).
    pub killed: BTreeSet<String>,
    pub link_down: BTreeSet<String>,
    pub isolated: BTreeSet<String>,
    /// Balancers cut off from the apiservers.
    pub cut_from_apis: BTreeSet<String>,
    pub not_ready: BTreeSet<String>,
    pub api_stopped: BTreeSet<String>,
    pub lossy: BTreeMap<String, u8>,
    pub drained: BTreeSet<String>,
    pub handed_over: BTreeSet<String>,
    /// What the file says now: an apiserver left out, priorities reversed.
    pub without: Option<String>,
    pub swapped: bool,
}

impl World {
    /// The state after `fault`.
    pub fn apply(&mut self, fault: &Fault) {
        match fault {
            Fault::LinkDown(h) => {
                self.link_down.insert(h.clone());
            }
            Fault::LinkUp(h) => {
                self.link_down.remove(h);
            }
            Fault::Flap(..) => {}
            Fault::Kill(h) => {
                self.stopped.insert(h.clone());
                self.killed.insert(h.clone());
                self.handed_over.remove(h);
            }
            Fault::Term(h) => {
                self.stopped.insert(h.clone());
                self.handed_over.remove(h);
            }
            Fault::TermTwo(a, b, _) => {
                for h in [a, b] {
                    self.stopped.insert(h.clone());
                    self.handed_over.remove(h);
                }
            }
            Fault::Start(h) => {
                self.stopped.remove(h);
                self.killed.remove(h);
            }
            Fault::Isolate(h) => {
                self.isolated.insert(h.clone());
            }
            Fault::Rejoin(h) => {
                self.isolated.remove(h);
            }
            Fault::CutApis(h) => {
                self.cut_from_apis.insert(h.clone());
            }
            Fault::MendApis(h) => {
                self.cut_from_apis.remove(h);
            }
            Fault::NotReady(h) => {
                self.not_ready.insert(h.clone());
            }
            Fault::Ready(h) => {
                self.not_ready.remove(h);
            }
            Fault::ApiStop(h) => {
                // It starts again ready.
                self.api_stopped.insert(h.clone());
                self.not_ready.remove(h);
            }
            Fault::ApiStart(h) => {
                self.api_stopped.remove(h);
            }
            Fault::Loss(h, pct) => {
                self.lossy.insert(h.clone(), *pct);
            }
            Fault::LossEnd(h) => {
                self.lossy.remove(h);
            }
            Fault::Reload(Reload::File { without, swapped }) => {
                self.without = without.clone();
                self.swapped = *swapped;
            }
            Fault::Reload(Reload::Broken) => {}
            Fault::Drain(h) => {
                self.drained.insert(h.clone());
            }
            Fault::Undrain(h) => {
                self.drained.remove(h);
            }
            Fault::Handover(h) => {
                self.handed_over.insert(h.clone());
            }
            Fault::Release(h) => {
                self.handed_over.remove(h);
            }
        }
    }

    /// A balancer that runs and is on the segment with the others: it can hold a VIP (and
    /// the election among such balancers yields one holder).
    pub fn serving(&self, cast: &Cast) -> Vec<String> {
        cast.balancers
            .iter()
            .filter(|b| {
                !self.stopped.contains(*b)
                    && !self.link_down.contains(*b)
                    && !self.isolated.contains(*b)
            })
            .cloned()
            .collect()
    }

    /// Balancers out of action: stopped, without link, cut off from the others or from the
    /// apiservers.
    fn disrupted(&self, cast: &Cast) -> usize {
        let serving = self.serving(cast);
        serving
            .iter()
            .filter(|b| self.cut_from_apis.contains(*b))
            .count()
            + cast.balancers.len()
            - serving.len()
    }

    /// Apiservers that can take requests: running, ready, on the segment, in the file, not
    /// drained.
    pub fn apis_up(&self, cast: &Cast) -> usize {
        cast.apiservers
            .iter()
            .filter(|a| {
                !self.not_ready.contains(*a)
                    && !self.api_stopped.contains(*a)
                    && !self.link_down.contains(*a)
                    && !self.drained.contains(*a)
                    && self.without.as_ref() != Some(*a)
            })
            .count()
    }

    /// Whether frames may be lost or the segment is split: two holders are then expected.
    pub fn split(&self) -> bool {
        !self.isolated.is_empty() || !self.lossy.is_empty()
    }

    /// Nothing disrupted: every fault repaired.
    pub fn calm(&self) -> bool {
        *self == World::default()
    }

    /// Faults that would undo what is disrupted, in a safe order (apiservers and links first,
    /// balancers last, the file restored before anything restarts reads it).
    pub fn repairs(&self) -> Vec<Fault> {
        let mut out = Vec::new();
        if self.without.is_some() || self.swapped {
            out.push(Fault::Reload(Reload::File {
                without: None,
                swapped: false,
            }));
        }
        out.extend(self.lossy.keys().map(|h| Fault::LossEnd(h.clone())));
        out.extend(self.link_down.iter().map(|h| Fault::LinkUp(h.clone())));
        out.extend(self.isolated.iter().map(|h| Fault::Rejoin(h.clone())));
        out.extend(
            self.cut_from_apis
                .iter()
                .map(|h| Fault::MendApis(h.clone())),
        );
        out.extend(self.api_stopped.iter().map(|h| Fault::ApiStart(h.clone())));
        out.extend(self.not_ready.iter().map(|h| Fault::Ready(h.clone())));
        out.extend(self.drained.iter().map(|h| Fault::Undrain(h.clone())));
        out.extend(self.handed_over.iter().map(|h| Fault::Release(h.clone())));
        out.extend(self.stopped.iter().map(|h| Fault::Start(h.clone())));
        out
    }

    /// Whether `fault` makes sense now and keeps the lab able to serve: at least one
    /// balancer able to hold the VIP and one apiserver up (the campaign studies orders of
    /// failures, not the total outage the scenario's own step covers).
    pub fn allows(&self, cast: &Cast, fault: &Fault) -> bool {
        let balancer = |h: &String| cast.balancers.contains(h);
        let api = |h: &String| cast.apiservers.contains(h);
        let runs = |h: &String| balancer(h) && !self.stopped.contains(h);
        let mut after = self.clone();
        after.apply(fault);
        let keeps_serving = (!after.serving(cast).is_empty() || cast.balancers.is_empty())
            && after.apis_up(cast) >= 1;
        let sensible = match fault {
            Fault::LinkDown(h) => {
                (balancer(h) || api(h)) && !self.link_down.contains(h) && !self.isolated.contains(h)
            }
            Fault::LinkUp(h) => self.link_down.contains(h),
            Fault::Flap(h, _) => {
                balancer(h) && !self.link_down.contains(h) && !self.isolated.contains(h)
            }
            Fault::Kill(h) | Fault::Term(h) => runs(h),
            Fault::TermTwo(a, b, _) => a != b && runs(a) && runs(b),
            Fault::Start(h) => self.stopped.contains(h),
            Fault::Isolate(h) => {
                balancer(h)
                    && cast.balancers.len() > 1
                    && !self.isolated.contains(h)
                    && !self.link_down.contains(h)
            }
            Fault::Rejoin(h) => self.isolated.contains(h),
            // A host that is both (stacked masters) would be cut from its peers too: that is
            // `isolate`.
            Fault::CutApis(h) => {
                balancer(h)
                    && !api(h)
                    && cast.balancers.len() > 1
                    && !self.cut_from_apis.contains(h)
            }
            Fault::MendApis(h) => self.cut_from_apis.contains(h),
            Fault::NotReady(h) => {
                api(h) && !self.not_ready.contains(h) && !self.api_stopped.contains(h)
            }
            Fault::Ready(h) => self.not_ready.contains(h),
            Fault::ApiStop(h) => api(h) && !self.api_stopped.contains(h),
            Fault::ApiStart(h) => self.api_stopped.contains(h),
            Fault::Loss(h, _) => {
                (balancer(h) || api(h)) && !self.lossy.contains_key(h) && self.lossy.is_empty()
            }
            Fault::LossEnd(h) => self.lossy.contains_key(h),
            Fault::Reload(_) => cast.operator,
            Fault::Drain(h) => cast.operator && api(h) && !self.drained.contains(h),
            Fault::Undrain(h) => self.drained.contains(h),
            Fault::Handover(h) => {
                cast.operator && cast.vips && runs(h) && !self.handed_over.contains(h)
            }
            Fault::Release(h) => self.handed_over.contains(h) && runs(h),
        };
        // Repairs are always fine; new disruption must leave the lab able to serve, and
        // (but for the two stops close together, which is the point) one balancer at most
        // may be out of action per two.
        let repair = self.repairs().contains(fault);
        let spare = match fault {
            Fault::TermTwo(..) => !after.serving(cast).is_empty(),
            _ => after.disrupted(cast) * 2 <= cast.balancers.len() || repair,
        };
        sensible && (repair || (keeps_serving && spare))
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

    #[test]
    fn the_lab_keeps_a_balancer_and_an_apiserver() {
        let c = cast();
        let mut w = World::default();
        assert!(w.allows(&c, &Fault::Kill("lb1".into())));
        w.apply(&Fault::Kill("lb1".into()));
        assert!(
            !w.allows(&c, &Fault::LinkDown("lb2".into())),
            "lb2 is the last"
        );
        assert!(!w.allows(&c, &Fault::Kill("lb1".into())), "already down");
        assert!(w.allows(&c, &Fault::Start("lb1".into())));
        assert!(w.allows(&c, &Fault::ApiStop("api1".into())));
        w.apply(&Fault::ApiStop("api1".into()));
        assert!(
            !w.allows(&c, &Fault::NotReady("api2".into())),
            "api2 is the last"
        );
        assert!(!w.allows(&c, &Fault::Drain("api2".into())));
        assert!(!w.allows(&c, &Fault::TermTwo("lb1".into(), "lb2".into(), 10)));
        assert_eq!(
            w.repairs(),
            [Fault::ApiStart("api1".into()), Fault::Start("lb1".into())]
        );
        for r in w.repairs() {
            assert!(w.allows(&c, &r), "{r}");
            w.apply(&r);
        }
        assert!(w.calm());
    }

    #[test]
    fn serving_balancers_and_the_split() {
        let c = cast();
        let mut w = World::default();
        w.apply(&Fault::Isolate("lb2".into()));
        assert_eq!(w.serving(&c), ["lb1"]);
        assert!(w.split());
        w.apply(&Fault::Rejoin("lb2".into()));
        w.apply(&Fault::Loss("lb1".into(), 5));
        assert!(w.split());
        assert_eq!(w.serving(&c).len(), 2);
    }
}

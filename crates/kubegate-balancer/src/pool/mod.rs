//! A frontend's backends and the choice of backend for each new connection: health and admin
//! states, connection counters, the four balancing algorithms and slow start. Pure: the caller
//! passes the time and the randomness in, and applies what the health checker and the proxy
//! report.
//!
//! The life of a connection, as the pool counts it:
//! `pick` → `Some(i)` reserves a slot on member `i` (`active` + 1, so connects still in flight
//! count for least-conn and random-two); then either `connected(i)` (the connect succeeded)
//! and later `closed(i)`, or `strike(i)` (the connect failed; the slot is released) and
//! usually another `pick` with `i` in `tried`. A connect abandoned for another reason (the
//! client went away) is released with `closed(i)`.
//!
//! Slow start: a member that came Up (by `set_health`) less than `slowstart` ago gets the
//! effective weight `max(1, weight × 64 × elapsed / slowstart)` against `weight × 64` for the
//! others, i.e. its share grows linearly from 1/64 of a weight-1 member to its full weight.
//! Members present at start, and members a reload keeps, are at full weight; a member a
//! reload adds ramps up from its first passed check.
//!
//! Drain is a preference, maintenance a stop: a drained member takes no new connection while
//! another member is Up and Ready, but when none is (the others down, or still short of `rise`
//! after a restart) the Up drained members take them rather than clients being refused; a
//! member in maintenance never does.
//!
//! Members present when the pool is created start Up (as haproxy does); members a reload
//! adds start Down and *unchecked* until the health checker's first verdict, so a dead
//! backend added to a running frontend never gets a client (haproxy's `init-state down`).

pub(crate) mod hash;
mod member;
mod select;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use kubegate_config::model::{Backend, Balance};

pub use hash::{pair_hash, score};
pub use member::{AdminState, Health, Member};
use select::Candidate;

/// Weights are scaled by this internally, so that slow start has steps below weight 1.
const WEIGHT_SCALE: u64 = 64;

/// The backends of one frontend.
#[derive(Debug, Clone)]
pub struct Pool {
    members: Vec<Member>,
    balance: Balance,
    slowstart: Option<Duration>,
    /// Least-conn's tie-break position.
    cursor: usize,
    /// Bumped by every `reconfigure`: indices from an older generation are stale.
    generation: u64,
}

/// What a reload changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconfigured {
    /// Members that are no longer configured, with their state and counters, for the caller
    /// to drain (their established connections are not the pool's business any more).
    pub removed: Vec<Member>,
    /// For each index of the old generation, its index now (`None`: removed).
    pub moved: Vec<Option<usize>>,
}

impl Pool {
    /// All members Up and Ready, at full weight, in config order.
    pub fn new(backends: &[Backend], balance: Balance, slowstart: Option<Duration>) -> Pool {
        Pool {
            members: backends
                .iter()
                .map(|b| Member::new(b.address, b.weight))
                .collect(),
            balance,
            slowstart: slowstart.filter(|d| !d.is_zero()),
            cursor: 0,
            generation: 0,
        }
    }

    /// The pool of a frontend a reload adds to a running daemon: every member Down and
    /// unchecked until the health checker's first verdict (see the module doc).
    pub fn added(backends: &[Backend], balance: Balance, slowstart: Option<Duration>) -> Pool {
        Pool {
            members: backends
                .iter()
                .map(|b| Member::new_unchecked(b.address, b.weight))
                .collect(),
            ..Pool::new(&[], balance, slowstart)
        }
    }

    pub fn balance(&self) -> Balance {
        self.balance
    }
    pub fn slowstart(&self) -> Option<Duration> {
        self.slowstart
    }
    /// Read-only views, in config order (the indices every other method takes).
    pub fn members(&self) -> &[Member] {
        &self.members
    }
    /// Index of the member with this address.
    pub fn index_of(&self, address: SocketAddr) -> Option<usize> {
        self.members.iter().position(|m| m.address == address)
    }
    /// Number of `reconfigure` calls so far.
    pub fn generation(&self) -> u64 {
        self.generation
    }
    /// At least one member is Up and Ready.
    pub fn has_ready(&self) -> bool {
        self.members.iter().any(Member::is_ready)
    }

    /// `pick` can find a member: one Up and Ready, or else one Up and drained (see the module
    /// doc). With none, new connections are refused at once.
    pub fn can_serve(&self) -> bool {
        self.has_ready() || self.members.iter().any(Member::is_draining_up)
    }

    /// Some member is Ready and the health checker's own probes hold it Up. Unlike
    /// [`has_ready`](Self::has_ready) this ignores passive marks: failed connects of this
    /// node's clients mark a member down here at once, but only on the node that carries the
    /// traffic (the VIP's holder), while every node's probes see a dead backend at the same
    /// moment. VIP trackers ask this, so the nodes' priorities move together.
    pub fn has_probed_ready(&self) -> bool {
        self.members
            .iter()
            .any(|m| m.probed == Health::Up && m.admin == AdminState::Ready)
    }

    /// The health checker's probes-only verdict on member `index`; whether it changed.
    pub fn set_probed(&mut self, index: usize, health: Health) -> bool {
        match self.members.get_mut(index) {
            Some(m) if m.probed != health => {
                m.probed = health;
                true
            }
            _ => false,
        }
    }

    /// Weight used for choosing at `now`: the configured weight scaled, slow start applied.
    pub fn effective_weight(&self, index: usize, now: Instant) -> u64 {
        self.members
            .get(index)
            .map_or(0, |m| effective_weight(m, self.slowstart, now))
    }

    /// Choose the member for a new connection from `client`, among those Up, Ready and not in
    /// `tried` (when there is none, those Up and drained: see the module doc), and reserve a
    /// slot on it. `random` is the only randomness (random-two uses it; the others ignore
    /// it). `None`: no member is eligible.
    pub fn pick(
        &mut self,
        now: Instant,
        client: IpAddr,
        tried: &[usize],
        random: u64,
    ) -> Option<usize> {
        let eligible = |usable: fn(&Member) -> bool| -> Vec<Candidate> {
            self.members
                .iter()
                .enumerate()
                .filter(|(i, m)| usable(m) && !tried.contains(i))
                .map(|(index, m)| Candidate {
                    index,
                    weight: effective_weight(m, self.slowstart, now),
                })
                .collect()
        };
        let mut candidates = eligible(Member::is_ready);
        if candidates.is_empty() {
            candidates = eligible(Member::is_draining_up);
        }
        if candidates.is_empty() {
            return None;
        }
        let chosen = match self.balance {
            Balance::RoundRobin => select::round_robin(&mut self.members, &candidates),
            Balance::LeastConn => select::least_conn(&self.members, &candidates, &mut self.cursor),
            Balance::RandomTwo => select::random_two(&self.members, &candidates, random),
            Balance::SourceHash => select::source_hash(&self.members, &candidates, client),
        };
        let m = &mut self.members[chosen];
        m.active += 1;
        m.max_active = m.max_active.max(m.active);
        Some(chosen)
    }

    /// The connect to member `index` succeeded: counts it and clears its strikes.
    /// Out-of-range indices are ignored (as in every method below).
    pub fn connected(&mut self, index: usize) {
        if let Some(m) = self.members.get_mut(index) {
            m.connections += 1;
            m.strikes = 0;
        }
    }

    /// A connection (or an abandoned connect) to member `index` ended: releases its slot.
    pub fn closed(&mut self, index: usize) {
        if let Some(m) = self.members.get_mut(index) {
            m.active = m.active.saturating_sub(1);
        }
    }

    /// A connection to member `index` ended after relaying these bytes: releases its slot
    /// (as `closed`) and adds the bytes to the member's counters.
    pub fn finished(&mut self, index: usize, from_client: u64, from_backend: u64) {
        if let Some(m) = self.members.get_mut(index) {
            m.active = m.active.saturating_sub(1);
            m.bytes_from_clients = m.bytes_from_clients.saturating_add(from_client);
            m.bytes_from_backend = m.bytes_from_backend.saturating_add(from_backend);
        }
    }

    /// The connect to member `index` failed (a passive health check): releases its slot,
    /// counts the failure and returns the strikes in a row, for the caller to compare with
    /// its threshold and mark the member down. 0 for an out-of-range index.
    pub fn strike(&mut self, index: usize) -> u32 {
        let Some(m) = self.members.get_mut(index) else {
            return 0;
        };
        m.active = m.active.saturating_sub(1);
        m.failures += 1;
        m.strikes = m.strikes.saturating_add(1);
        m.strikes
    }

    /// The health checker's verdict. Returns whether it changed anything. A change records
    /// `now` (last change; slow start begins there for Up); Up also clears the strikes.
    /// Established connections are untouched: closing them on Down is the caller's choice.
    pub fn set_health(&mut self, index: usize, health: Health, now: Instant) -> bool {
        let Some(m) = self.members.get_mut(index) else {
            return false;
        };
        // Any verdict is a first check.
        m.unchecked = false;
        if m.health == health {
            return false;
        }
        m.down_before = m.downtime(now);
        m.health = health;
        m.since = Some(now);
        if health == Health::Up {
            m.strikes = 0;
            // A returning member starts round robin afresh rather than with a stale credit.
            m.current = 0;
        }
        true
    }

    /// The operator's state. Drain and Maint take no new connections but keep their active
    /// count. Returns whether it changed anything.
    pub fn set_admin(&mut self, index: usize, admin: AdminState) -> bool {
        let Some(m) = self.members.get_mut(index) else {
            return false;
        };
        if m.admin == admin {
            return false;
        }
        m.admin = admin;
        m.current = 0;
        true
    }

    /// Apply a reload. Members whose address is still configured keep their health, admin
    /// state and counters (taking the new weight); new addresses start Down and unchecked
    /// (Ready, full weight once Up) until the health checker's first verdict; the others are
    /// returned with their state, which is gone from the pool. Order and
    /// indices follow the new config; `moved` maps old indices to new ones.
    pub fn reconfigure(
        &mut self,
        backends: &[Backend],
        balance: Balance,
        slowstart: Option<Duration>,
    ) -> Reconfigured {
        let mut old: Vec<Option<Member>> = self.members.drain(..).map(Some).collect();
        let mut moved = vec![None; old.len()];
        for (new_index, b) in backends.iter().enumerate() {
            let kept = old
                .iter()
                .position(|m| m.as_ref().is_some_and(|m| m.address == b.address));
            let member = match kept {
                Some(old_index) => {
                    moved[old_index] = Some(new_index);
                    let mut m = old[old_index].take().expect("matched above");
                    m.weight = b.weight;
                    m
                }
                None => Member::new_unchecked(b.address, b.weight),
            };
            self.members.push(member);
        }
        for m in &mut self.members {
            m.current = 0;
        }
        self.balance = balance;
        self.slowstart = slowstart.filter(|d| !d.is_zero());
        self.cursor = 0;
        self.generation += 1;
        Reconfigured {
            removed: old.into_iter().flatten().collect(),
            moved,
        }
    }
}

fn effective_weight(m: &Member, slowstart: Option<Duration>, now: Instant) -> u64 {
    let full = u64::from(m.weight.max(1)) * WEIGHT_SCALE;
    let (Some(ramp), Some(since), Health::Up) = (slowstart, m.since, m.health) else {
        return full;
    };
    let elapsed = now.saturating_duration_since(since);
    if elapsed >= ramp {
        return full;
    }
    let scaled = u128::from(full) * elapsed.as_nanos() / ramp.as_nanos();
    (scaled as u64).max(1)
}

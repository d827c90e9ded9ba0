//! The four ways to choose among a pool's eligible members. Each gets the candidates (index
//! and effective weight, at least one) and returns the chosen index; none reads a clock or
//! draws randomness of its own.

use std::cmp::Ordering;
use std::net::IpAddr;

use super::hash::{score, splitmix64};
use super::member::Member;

/// An eligible member and its effective weight (> 0, slow start applied).
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub index: usize,
    pub weight: u64,
}

/// Load of a member relative to its weight, compared without division:
/// `(active_a + 1) / w_a` against `(active_b + 1) / w_b`. The `+ 1` counts the connection
/// about to be placed, so an idle heavy member beats an idle light one.
fn compare_load(members: &[Member], a: Candidate, b: Candidate) -> Ordering {
    let la = u128::from(members[a.index].active) + 1;
    let lb = u128::from(members[b.index].active) + 1;
    (la * u128::from(b.weight)).cmp(&(lb * u128::from(a.weight)))
}

/// Smooth weighted round robin (nginx's): every candidate's running weight grows by its
/// weight, the largest wins (the first on ties) and pays back the total. A member of weight w
/// out of W is chosen w times in every W picks, spread out rather than in bursts (5,1,1 gives
/// a a b a c a a).
pub(super) fn round_robin(members: &mut [Member], candidates: &[Candidate]) -> usize {
    let mut total: i64 = 0;
    for c in candidates {
        let w = c.weight as i64;
        members[c.index].current += w;
        total += w;
    }
    let mut chosen = candidates[0].index;
    for c in &candidates[1..] {
        if members[c.index].current > members[chosen].current {
            chosen = c.index;
        }
    }
    members[chosen].current -= total;
    chosen
}

/// Fewest active connections relative to weight. Ties go round robin: the first tied member
/// at or after `cursor` (in member order, wrapping), and the cursor moves past the winner.
pub(super) fn least_conn(
    members: &[Member],
    candidates: &[Candidate],
    cursor: &mut usize,
) -> usize {
    let n = members.len().max(1);
    let start = *cursor % n;
    let distance = |c: &Candidate| (c.index + n - start) % n;
    let mut best = candidates[0];
    for &c in &candidates[1..] {
        match compare_load(members, c, best) {
            Ordering::Less => best = c,
            Ordering::Equal if distance(&c) < distance(&best) => best = c,
            _ => {}
        }
    }
    *cursor = (best.index + 1) % n;
    best.index
}

/// Power of two random choices: two distinct candidates drawn with probability proportional
/// to weight, from `random` alone (SplitMix64 seeded with it); the less loaded (active per
/// weight) wins, the first drawn on a tie.
pub(super) fn random_two(members: &[Member], candidates: &[Candidate], random: u64) -> usize {
    if candidates.len() == 1 {
        return candidates[0].index;
    }
    let mut state = random;
    let total: u64 = candidates.iter().map(|c| c.weight).sum();
    let first = draw(candidates, total, splitmix64(&mut state), None);
    let rest = total - candidates[first].weight;
    let second = draw(candidates, rest, splitmix64(&mut state), Some(first));
    let (a, b) = (candidates[first], candidates[second]);
    match compare_load(members, b, a) {
        Ordering::Less => b.index,
        _ => a.index,
    }
}

/// The position in `candidates` that `r` lands on when the candidates (less `skip`) are laid
/// end to end by weight over `0..total`. `r` is scaled by multiply-high, not modulo.
fn draw(candidates: &[Candidate], total: u64, r: u64, skip: Option<usize>) -> usize {
    let mut point = ((u128::from(r) * u128::from(total)) >> 64) as u64;
    let mut last = 0;
    for (pos, c) in candidates.iter().enumerate() {
        if Some(pos) == skip {
            continue;
        }
        last = pos;
        if point < c.weight {
            return pos;
        }
        point -= c.weight;
    }
    last
}

/// Weighted rendezvous hashing of the client address (see `hash`): the highest score wins;
/// equal scores (practically never) go to the lower index.
pub(super) fn source_hash(members: &[Member], candidates: &[Candidate], client: IpAddr) -> usize {
    let mut best = candidates[0];
    let mut best_score = score(client, members[best.index].address, best.weight);
    for &c in &candidates[1..] {
        let s = score(client, members[c.index].address, c.weight);
        if s > best_score {
            best = c;
            best_score = s;
        }
    }
    best.index
}

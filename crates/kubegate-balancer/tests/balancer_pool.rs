//! The backend pool's choices, driven on a virtual clock: each algorithm's distribution,
//! exclusions (health, admin state, `tried`), slow start, passive strikes and reloads.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use kubegate_balancer::pool::{AdminState, Health, Pool};
use kubegate_config::model::{Backend, Balance};
use proptest::prelude::*;

fn backend(i: usize, weight: u32) -> Backend {
    Backend {
        address: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 51 + i as u8)), 6443),
        weight,
    }
}

fn backends(weights: &[u32]) -> Vec<Backend> {
    weights
        .iter()
        .enumerate()
        .map(|(i, &w)| backend(i, w))
        .collect()
}

fn client(n: u32) -> IpAddr {
    // 198.18.0.0/15: n below 2^17.
    IpAddr::V4(Ipv4Addr::from(0xC612_0000 | (n & 0x1_FFFF)))
}

const ANY: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));

/// SplitMix64, the test's seeded PRNG for random-two.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// `n` picks, each released at once (no load builds up); returns how often each member won.
fn pick_and_release(pool: &mut Pool, now: Instant, n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut counts = vec![0; pool.members().len()];
    for _ in 0..n {
        let i = pool.pick(now, ANY, &[], rng.next()).expect("a member");
        pool.connected(i);
        pool.closed(i);
        counts[i] += 1;
    }
    counts
}

fn source_map(pool: &mut Pool, now: Instant, clients: u32) -> Vec<SocketAddr> {
    (0..clients)
        .map(|n| {
            let i = pool.pick(now, client(n), &[], 0).expect("a member");
            pool.closed(i);
            pool.members()[i].address()
        })
        .collect()
}

#[test]
fn round_robin_weights_5_1_1_are_smooth() {
    let mut pool = Pool::new(&backends(&[5, 1, 1]), Balance::RoundRobin, None);
    let now = Instant::now();
    let names: String = (0..14)
        .map(|_| {
            let i = pool.pick(now, ANY, &[], 0).unwrap();
            pool.closed(i);
            ['a', 'b', 'c'][i]
        })
        .collect();
    assert_eq!(names, "aabacaaaabacaa");
}

#[test]
fn round_robin_equal_weights_rotate_and_weights_give_exact_shares() {
    let now = Instant::now();
    let mut pool = Pool::new(&backends(&[1, 1, 1]), Balance::RoundRobin, None);
    let order: Vec<usize> = (0..6)
        .map(|_| pool.pick(now, ANY, &[], 0).unwrap())
        .collect();
    assert_eq!(order, [0, 1, 2, 0, 1, 2]);

    let mut pool = Pool::new(&backends(&[3, 2, 1]), Balance::RoundRobin, None);
    let counts = pick_and_release(&mut pool, now, 600, &mut Rng(1));
    assert_eq!(counts, [300, 200, 100]);
}

#[test]
fn least_conn_follows_active_counts_and_rotates_ties() {
    let now = Instant::now();
    let mut pool = Pool::new(&backends(&[1, 1, 1]), Balance::LeastConn, None);
    // Released at once: every pick is a tie, and ties rotate instead of piling on member 0.
    let order: Vec<usize> = (0..6)
        .map(|_| {
            let i = pool.pick(now, ANY, &[], 0).unwrap();
            pool.closed(i);
            i
        })
        .collect();
    assert_eq!(order, [0, 1, 2, 0, 1, 2]);

    // Load: member 0 holds 3, member 1 holds 1, member 2 none.
    for _ in 0..3 {
        assert_eq!(pool.pick(now, ANY, &[1, 2], 0), Some(0));
    }
    assert_eq!(pool.pick(now, ANY, &[0, 2], 0), Some(1));
    let next: Vec<usize> = (0..4)
        .map(|_| pool.pick(now, ANY, &[], 0).unwrap())
        .collect();
    // The idle member first; then 1 and 2 tie and take turns.
    assert_eq!(next, [2, 1, 2, 1]);
    let actives: Vec<u32> = pool.members().iter().map(|m| m.active()).collect();
    assert_eq!(actives, [3, 3, 2]);

    // Closing on member 0 makes it the least loaded at once.
    pool.closed(0);
    pool.closed(0);
    assert_eq!(pool.pick(now, ANY, &[], 0), Some(0));
}

#[test]
fn least_conn_holds_load_in_proportion_to_weight() {
    let now = Instant::now();
    let mut pool = Pool::new(&backends(&[2, 1, 1]), Balance::LeastConn, None);
    for _ in 0..400 {
        pool.pick(now, ANY, &[], 0).unwrap();
    }
    let actives: Vec<u32> = pool.members().iter().map(|m| m.active()).collect();
    assert_eq!(actives, [200, 100, 100]);
}

#[test]
fn random_two_is_even_within_a_few_percent_over_100k_picks() {
    let now = Instant::now();
    let mut pool = Pool::new(&backends(&[1, 1, 1, 1]), Balance::RandomTwo, None);
    let counts = pick_and_release(&mut pool, now, 100_000, &mut Rng(42));
    for (i, &c) in counts.iter().enumerate() {
        assert!(
            (24_000..=26_000).contains(&c),
            "member {i} got {c} of 100000: {counts:?}"
        );
    }
}

#[test]
fn random_two_prefers_the_less_loaded() {
    let now = Instant::now();
    let mut pool = Pool::new(&backends(&[1, 1, 1, 1]), Balance::RandomTwo, None);
    for _ in 0..50 {
        assert_eq!(pool.pick(now, ANY, &[1, 2, 3], 7), Some(0));
    }
    let counts = pick_and_release(&mut pool, now, 30_000, &mut Rng(7));
    // Member 0 is always compared with an idle member, and always loses.
    assert_eq!(counts[0], 0, "{counts:?}");
    for &c in &counts[1..] {
        assert!((9_500..=10_500).contains(&c), "{counts:?}");
    }
}

#[test]
fn random_two_tracks_weights_under_load_and_is_deterministic() {
    let now = Instant::now();
    let mut pool = Pool::new(&backends(&[3, 1]), Balance::RandomTwo, None);
    let mut rng = Rng(3);
    for _ in 0..40_000 {
        pool.pick(now, ANY, &[], rng.next()).unwrap();
    }
    let a = pool.members()[0].active();
    assert!((29_900..=30_100).contains(&a), "heavy member holds {a}");

    let mut p1 = Pool::new(&backends(&[1, 2, 3, 4, 5]), Balance::RandomTwo, None);
    let mut p2 = p1.clone();
    for r in 0..1000u64 {
        let x = r.wrapping_mul(0x2545_f491_4f6c_dd1d);
        assert_eq!(p1.pick(now, ANY, &[], x), p2.pick(now, ANY, &[], x));
    }
}

#[test]
fn source_hash_keeps_a_client_on_its_backend() {
    let now = Instant::now();
    let mut pool = Pool::new(&backends(&[1, 1, 1, 1, 1]), Balance::SourceHash, None);
    let first = source_map(&mut pool, now, 1000);
    for _ in 0..3 {
        assert_eq!(source_map(&mut pool, now, 1000), first);
    }
    // An independently built pool (another process, another node) agrees.
    let mut other = Pool::new(&backends(&[1, 1, 1, 1, 1]), Balance::SourceHash, None);
    assert_eq!(source_map(&mut other, now, 1000), first);
}

#[test]
fn source_hash_removing_one_of_five_moves_only_its_clients_and_adding_it_back_returns_them() {
    let now = Instant::now();
    const CLIENTS: u32 = 20_000;
    let all = backends(&[1, 1, 1, 1, 1]);
    let gone = all[2].address;
    let mut pool = Pool::new(&all, Balance::SourceHash, None);
    let before = source_map(&mut pool, now, CLIENTS);
    let on_gone = before.iter().filter(|a| **a == gone).count();
    assert!(
        (3_600..=4_400).contains(&on_gone),
        "{on_gone} of {CLIENTS} on one of five"
    );

    let check = |after: &[SocketAddr]| {
        for (n, (b, a)) in before.iter().zip(after).enumerate() {
            if *b == gone {
                assert_ne!(*a, gone, "client {n} still on the removed backend");
            } else {
                assert_eq!(a, b, "client {n} of a remaining backend moved");
            }
        }
    };

    // Removed by a reload...
    let mut fewer = all.clone();
    fewer.remove(2);
    pool.reconfigure(&fewer, Balance::SourceHash, None);
    check(&source_map(&mut pool, now, CLIENTS));
    pool.reconfigure(&all, Balance::SourceHash, None);
    // Added back, it takes nobody before its first check passes...
    assert!(pool.members()[2].unchecked());
    check(&source_map(&mut pool, now, CLIENTS));
    // ...and then its clients return.
    assert!(pool.set_health(2, Health::Up, now));
    assert_eq!(source_map(&mut pool, now, CLIENTS), before);

    // ...or by going down.
    assert!(pool.set_health(2, Health::Down, now));
    check(&source_map(&mut pool, now, CLIENTS));
    assert!(pool.set_health(2, Health::Up, now));
    assert_eq!(source_map(&mut pool, now, CLIENTS), before);
}

#[test]
fn source_hash_shares_follow_weights() {
    let now = Instant::now();
    const CLIENTS: u32 = 40_000;
    let mut pool = Pool::new(&backends(&[1, 1, 2, 4]), Balance::SourceHash, None);
    let map = source_map(&mut pool, now, CLIENTS);
    for (i, eighths) in [1.0, 1.0, 2.0, 4.0].into_iter().enumerate() {
        let addr = pool.members()[i].address();
        let share = map.iter().filter(|a| **a == addr).count() as f64 / CLIENTS as f64;
        let want = eighths / 8.0;
        assert!(
            (share - want).abs() < 0.015,
            "member {i}: share {share:.3}, expected {want:.3}"
        );
    }
}

#[test]
fn excluded_members_never_win_and_none_when_nothing_is_eligible() {
    let now = Instant::now();
    for balance in [
        Balance::RoundRobin,
        Balance::LeastConn,
        Balance::RandomTwo,
        Balance::SourceHash,
    ] {
        let mut pool = Pool::new(&backends(&[1, 1, 1, 1, 1]), balance, None);
        assert!(pool.set_health(0, Health::Down, now));
        assert!(pool.set_admin(1, AdminState::Drain));
        assert!(pool.set_admin(2, AdminState::Maint));
        let mut rng = Rng(9);
        for n in 0..2000 {
            let i = pool.pick(now, client(n), &[3], rng.next());
            assert_eq!(i, Some(4), "{balance:?}");
            pool.closed(4);
        }
        assert!(pool.has_ready());
        // No ready member left to try: the drained one rather than a refusal, never the one
        // in maintenance.
        assert_eq!(pool.pick(now, ANY, &[3, 4], 1), Some(1), "{balance:?}");
        pool.closed(1);
        assert!(pool.set_health(3, Health::Down, now));
        assert!(pool.set_health(4, Health::Down, now));
        assert!(!pool.has_ready());
        assert!(pool.can_serve(), "the drained member is up");
        assert_eq!(pool.pick(now, ANY, &[], 1), Some(1), "{balance:?}");
        pool.closed(1);
        assert_eq!(pool.pick(now, ANY, &[1], 1), None, "{balance:?}");
        assert!(pool.set_health(1, Health::Down, now));
        assert!(!pool.can_serve(), "only the member in maintenance is up");
        assert_eq!(pool.pick(now, ANY, &[], 1), None, "{balance:?}");
    }
}

#[test]
fn drained_members_keep_their_connections() {
    let now = Instant::now();
    let mut pool = Pool::new(&backends(&[1, 1]), Balance::RoundRobin, None);
    assert_eq!(pool.pick(now, ANY, &[], 0), Some(0));
    pool.connected(0);
    assert!(pool.set_admin(0, AdminState::Drain));
    assert!(
        !pool.set_admin(0, AdminState::Drain),
        "no change the second time"
    );
    assert_eq!(pool.members()[0].active(), 1);
    for _ in 0..5 {
        assert_eq!(pool.pick(now, ANY, &[], 0), Some(1));
    }
    pool.closed(0);
    assert_eq!(pool.members()[0].active(), 0);
    assert_eq!(pool.members()[0].connections(), 1);
}

#[test]
fn slow_start_ramps_the_share_linearly() {
    let t0 = Instant::now();
    let ramp = Duration::from_secs(10);
    let mut pool = Pool::new(&backends(&[1, 1]), Balance::RoundRobin, Some(ramp));
    // Configured members start at full weight.
    assert_eq!(pool.effective_weight(0, t0), 64);
    assert_eq!(pool.effective_weight(1, t0), 64);

    assert!(pool.set_health(1, Health::Down, t0));
    assert_eq!(pool.pick(t0, ANY, &[], 0), Some(0));
    pool.closed(0);
    assert!(pool.set_health(1, Health::Up, t0));
    assert_eq!(pool.effective_weight(1, t0), 1);
    assert_eq!(pool.effective_weight(1, t0 + Duration::from_secs(1)), 6);
    assert_eq!(pool.effective_weight(1, t0 + Duration::from_secs(5)), 32);
    assert_eq!(pool.effective_weight(1, t0 + ramp), 64);
    assert_eq!(pool.effective_weight(0, t0 + Duration::from_secs(1)), 64);

    // Shares over many picks follow the ramp: 6/70 at 1 s, 32/96 at 5 s, even at 10 s.
    let mut rng = Rng(5);
    let at = |s| t0 + Duration::from_secs(s);
    let c1 = pick_and_release(&mut pool, at(1), 7_000, &mut rng);
    assert!((598..=602).contains(&c1[1]), "{c1:?}");
    let c5 = pick_and_release(&mut pool, at(5), 9_600, &mut rng);
    assert!((3_198..=3_202).contains(&c5[1]), "{c5:?}");
    let c10 = pick_and_release(&mut pool, at(10), 1_000, &mut rng);
    assert!((499..=501).contains(&c10[1]), "{c10:?}");

    // A zero slow start is none.
    let pool = Pool::new(&backends(&[1]), Balance::RoundRobin, Some(Duration::ZERO));
    assert_eq!(pool.slowstart(), None);
}

#[test]
fn strikes_count_in_a_row_and_release_the_slot() {
    let now = Instant::now();
    let mut pool = Pool::new(&backends(&[1, 1]), Balance::RoundRobin, None);
    assert_eq!(pool.pick(now, ANY, &[], 0), Some(0));
    assert_eq!(pool.strike(0), 1);
    assert_eq!(pool.members()[0].active(), 0);
    assert_eq!(pool.pick(now, ANY, &[0], 0), Some(1));
    pool.connected(1);
    assert_eq!(pool.pick(now, ANY, &[1], 0), Some(0));
    assert_eq!(pool.strike(0), 2);
    let m = &pool.members()[0];
    assert_eq!((m.failures(), m.strikes(), m.connections()), (2, 2, 0));

    // A success clears the run; so does coming back Up.
    assert_eq!(pool.pick(now, ANY, &[1], 0), Some(0));
    pool.connected(0);
    assert_eq!(pool.members()[0].strikes(), 0);
    assert_eq!(pool.strike(0), 1);
    pool.set_health(0, Health::Down, now);
    pool.set_health(0, Health::Up, now);
    assert_eq!(pool.members()[0].strikes(), 0);
    assert_eq!(pool.members()[0].failures(), 3);
    // Out-of-range indices (stale after a reload) are ignored.
    assert_eq!(pool.strike(9), 0);
    pool.closed(9);
    pool.connected(9);
    assert!(!pool.set_health(9, Health::Down, now));
}

#[test]
fn reconfigure_keeps_state_and_counters_by_address() {
    let now = Instant::now();
    let later = now + Duration::from_secs(3);
    let mut pool = Pool::new(&backends(&[1, 1, 1]), Balance::RoundRobin, None);
    for _ in 0..3 {
        let i = pool.pick(now, ANY, &[], 0).unwrap();
        pool.connected(i);
    }
    pool.set_health(0, Health::Down, later);
    pool.set_admin(1, AdminState::Drain);
    let (b0, b1, b2, b3) = (backend(0, 1), backend(1, 1), backend(2, 1), backend(3, 1));

    // New order: b1 (weight 4), b3 (new), b0. b2 is removed.
    let b1w = Backend { weight: 4, ..b1 };
    let r = pool.reconfigure(
        &[b1w, b3.clone(), b0.clone()],
        Balance::LeastConn,
        Some(Duration::from_secs(5)),
    );
    assert_eq!(r.moved, [Some(2), Some(0), None]);
    assert_eq!(r.removed.len(), 1);
    assert_eq!(r.removed[0].address(), b2.address);
    assert_eq!(r.removed[0].active(), 1);
    assert_eq!(r.removed[0].connections(), 1);

    assert_eq!(pool.generation(), 1);
    assert_eq!(pool.balance(), Balance::LeastConn);
    let m = pool.members();
    assert_eq!(m[0].address(), b1.address);
    assert_eq!(
        (m[0].weight(), m[0].admin(), m[0].active()),
        (4, AdminState::Drain, 1)
    );
    assert_eq!(m[1].address(), b3.address);
    // A new member waits, Down and unchecked, for its first health check.
    assert_eq!(
        (m[1].health(), m[1].admin(), m[1].unchecked()),
        (Health::Down, AdminState::Ready, true)
    );
    assert_eq!(
        (m[1].active(), m[1].connections(), m[1].since()),
        (0, 0, None)
    );
    assert_eq!(m[2].address(), b0.address);
    assert_eq!((m[2].health(), m[2].since()), (Health::Down, Some(later)));
    assert_eq!(m[2].connections(), 1);
    assert!(!m[2].unchecked(), "a kept member is not unchecked");
    assert_eq!(pool.index_of(b0.address), Some(2));
    // b0 down, b3 unchecked: nobody is ready, so the drained b1 takes the client rather than
    // a refusal.
    assert_eq!(pool.pick(now, ANY, &[], 0), Some(0));
    pool.closed(0);
    // Its first check passes: it takes clients, ramping up from there (slow start 5 s).
    assert!(pool.set_health(1, Health::Up, later));
    assert!(!pool.members()[1].unchecked());
    assert_eq!(pool.effective_weight(1, later), 1);
    assert_eq!(pool.effective_weight(1, later + Duration::from_secs(5)), 64);
    assert_eq!(pool.pick(later, ANY, &[], 0), Some(1));
}

#[test]
fn a_failed_first_check_clears_unchecked_and_a_pool_at_start_is_up() {
    let now = Instant::now();
    let mut pool = Pool::new(&backends(&[1, 1]), Balance::RoundRobin, None);
    assert!(pool
        .members()
        .iter()
        .all(|m| m.health() == Health::Up && !m.unchecked()));
    let added = Pool::added(&backends(&[1, 1]), Balance::RoundRobin, None);
    assert!(
        added
            .members()
            .iter()
            .all(|m| m.health() == Health::Down && m.unchecked()),
        "a frontend added by a reload waits for its checks: {:?}",
        added.members()
    );
    pool.reconfigure(&backends(&[1, 1, 1]), Balance::RoundRobin, None);
    assert!(pool.members()[2].unchecked());
    assert!(
        !pool.set_health(2, Health::Down, now),
        "no change of health"
    );
    assert!(!pool.members()[2].unchecked(), "but it has been checked");
}

// ---- properties ----

#[derive(Debug, Clone)]
struct Setup {
    weights: Vec<u32>,
    down: Vec<bool>,
    admin: Vec<u8>,
}

fn setup() -> impl Strategy<Value = Setup> {
    (1usize..8).prop_flat_map(|n| {
        (
            prop::collection::vec(1u32..=256, n),
            prop::collection::vec(any::<bool>(), n),
            prop::collection::vec(0u8..3, n),
        )
            .prop_map(|(weights, down, admin)| Setup {
                weights,
                down,
                admin,
            })
    })
}

fn balance() -> impl Strategy<Value = Balance> {
    prop_oneof![
        Just(Balance::RoundRobin),
        Just(Balance::LeastConn),
        Just(Balance::RandomTwo),
        Just(Balance::SourceHash),
    ]
}

fn build(s: &Setup, balance: Balance, now: Instant) -> Pool {
    let mut pool = Pool::new(&backends(&s.weights), balance, None);
    for i in 0..s.weights.len() {
        if s.down[i] {
            pool.set_health(i, Health::Down, now);
        }
        let admin = [AdminState::Ready, AdminState::Drain, AdminState::Maint][s.admin[i] as usize];
        pool.set_admin(i, admin);
    }
    pool
}

proptest! {
    #[test]
    fn picks_are_eligible_and_none_only_when_nothing_is(
        s in setup(), balance in balance(), tried in prop::collection::vec(0usize..8, 0..4),
        randoms in prop::collection::vec(any::<u64>(), 1..50),
    ) {
        let now = Instant::now();
        let mut pool = build(&s, balance, now);
        // Up and ready; when there is none, up and drained; never in maintenance.
        let up_with = |admin: u8| -> Vec<usize> {
            (0..s.weights.len())
                .filter(|&i| !s.down[i] && s.admin[i] == admin && !tried.contains(&i))
                .collect()
        };
        let ready = up_with(0);
        let eligible = if ready.is_empty() { up_with(1) } else { ready };
        for (n, r) in randoms.into_iter().enumerate() {
            match pool.pick(now, client(n as u32), &tried, r) {
                Some(i) => prop_assert!(eligible.contains(&i)),
                None => prop_assert!(eligible.is_empty()),
            }
        }
    }

    #[test]
    fn round_robin_gives_exact_weights_over_one_period(weights in prop::collection::vec(1u32..=20, 1..6)) {
        let now = Instant::now();
        let mut pool = Pool::new(&backends(&weights), Balance::RoundRobin, None);
        let total: u32 = weights.iter().sum();
        let mut counts = vec![0u32; weights.len()];
        for _ in 0..total {
            counts[pool.pick(now, ANY, &[], 0).unwrap()] += 1;
        }
        prop_assert_eq!(counts, weights);
    }

    #[test]
    fn active_counts_match_the_calls(ops in prop::collection::vec((0u8..4, any::<u64>()), 0..200)) {
        let now = Instant::now();
        let mut pool = Pool::new(&backends(&[1, 2, 3]), Balance::LeastConn, None);
        let mut open: Vec<usize> = Vec::new();
        let mut model = [0u32; 3];
        for (op, r) in ops {
            match op {
                0 | 1 => {
                    let i = pool.pick(now, ANY, &[], r).unwrap();
                    model[i] += 1;
                    open.push(i);
                }
                2 if !open.is_empty() => {
                    let i = open.swap_remove(r as usize % open.len());
                    pool.closed(i);
                    model[i] -= 1;
                }
                _ if !open.is_empty() => {
                    let i = open.swap_remove(r as usize % open.len());
                    pool.strike(i);
                    model[i] -= 1;
                }
                _ => {}
            }
            let actives: Vec<u32> = pool.members().iter().map(|m| m.active()).collect();
            prop_assert_eq!(&actives[..], &model[..]);
        }
    }

    #[test]
    fn source_hash_removal_moves_only_the_removed_members_clients(
        weights in prop::collection::vec(1u32..=256, 2..7), gone in 0usize..7, seed in any::<u32>(),
    ) {
        let now = Instant::now();
        let gone = gone % weights.len();
        let mut pool = Pool::new(&backends(&weights), Balance::SourceHash, None);
        let clients: Vec<IpAddr> = (0..300u32).map(|n| client(seed.wrapping_add(n * 7919))).collect();
        let pick = |pool: &mut Pool, c: IpAddr| {
            let i = pool.pick(now, c, &[], 0).unwrap();
            pool.closed(i);
            i
        };
        let before: Vec<usize> = clients.iter().map(|&c| pick(&mut pool, c)).collect();
        pool.set_health(gone, Health::Down, now);
        for (c, b) in clients.iter().zip(&before) {
            let after = pick(&mut pool, *c);
            if *b == gone {
                prop_assert_ne!(after, gone);
            } else {
                prop_assert_eq!(after, *b);
            }
        }
    }

    #[test]
    fn source_hash_raising_a_weight_only_pulls_clients_towards_it(
        weights in prop::collection::vec(1u32..=100, 2..6), which in 0usize..6, extra in 1u32..100,
    ) {
        let now = Instant::now();
        let which = which % weights.len();
        let mut pool = Pool::new(&backends(&weights), Balance::SourceHash, None);
        let before = source_map(&mut pool, now, 500);
        let mut heavier = backends(&weights);
        heavier[which].weight += extra;
        pool.reconfigure(&heavier, Balance::SourceHash, None);
        let after = source_map(&mut pool, now, 500);
        let target = pool.members()[which].address();
        for (b, a) in before.iter().zip(&after) {
            prop_assert!(a == b || *a == target);
        }
    }
}

#[test]
fn member_views_report_health_history() {
    let t0 = Instant::now();
    let mut pool = Pool::new(&backends(&[1]), Balance::RoundRobin, None);
    assert_eq!(pool.members()[0].since(), None);
    assert!(pool.set_health(0, Health::Down, t0));
    assert!(!pool.set_health(0, Health::Down, t0 + Duration::from_secs(1)));
    let m = &pool.members()[0];
    assert_eq!(
        (m.health(), m.since(), m.is_ready()),
        (Health::Down, Some(t0), false)
    );
}

//! Short fault campaigns in the suite (`kubegate lab --chaos` with fixed seeds): a seeded
//! random schedule of faults on a live lab with the real binary, and every HA promise the
//! campaign checks holds — one holder per VIP on an unsplit segment, a holder soon after the
//! last is lost, the preferred holders alone once everything is repaired, no failed request
//! near planned events only, gaps within their faults' bounds, daemons that never exit untold
//! and admin endpoints that keep answering. The long campaign is `bench/chaos.sh`.

use std::path::Path;
use std::time::Duration;

use kubegate_lab::chaos::{run, schedule};
use kubegate_lab::stage::Stack;
use kubegate_lab::topologies::{Layout, Topology};

fn campaign(topology: Topology, seed: u64, length: Duration) {
    let _turn = kubegate_lab::serial();
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let cast = run::cast_of(&Layout::of(topology), Stack::Kubegate);
    let options = run::Options {
        topology,
        stack: Stack::Kubegate,
        schedule: schedule::generate(seed, &cast, length),
        keep: false,
        resources: false,
    };
    eprintln!("{}", options.schedule.to_text());
    let outcome = run::run(binary, &options, &mut |line| eprintln!("{line}"))
        .unwrap_or_else(|e| panic!("the campaign could not run: {e}"));
    let replay = format!(
        "kubegate lab --chaos --topology {} --seed {seed} --minutes {}",
        topology.name(),
        length.as_secs_f64() / 60.0
    );
    let report = run::report(&options, &outcome, &replay);
    eprintln!("{report}");
    assert!(
        outcome.verdict.violations.is_empty(),
        "the campaign broke a promise:{report}"
    );
    assert_eq!(
        outcome.observed.events.len(),
        options.schedule.events.len(),
        "every fault of the schedule was applied"
    );
    assert!(
        options.schedule.events.len() >= 15,
        "a campaign of {length:?} should hold more faults: {}",
        options.schedule.to_text()
    );
    assert!(
        outcome.verdict.requests as f64 >= length.as_secs_f64() * 25.0,
        "the client should have kept requesting every 20 ms: {} requests",
        outcome.verdict.requests
    );
}

#[test]
fn a_short_campaign_on_an_lb_pair_breaks_no_promise() {
    campaign(Topology::LbPair, 11, Duration::from_secs(45));
}

#[test]
fn a_short_campaign_on_three_stacked_masters_breaks_no_promise() {
    campaign(Topology::Stacked, 12, Duration::from_secs(45));
}

//! The second announcement of a backup that takes over from an active lower-priority master
//! (beyond RFC 5798: it discarded that master's adverts, §6.4.2, so it never answers them),
//! and the takeovers that must not make one: after a silent master, after priority 0.

mod router_support;

use std::time::Duration;

use router_support::*;
use vrrp::{Action, Config, Input, Reason, State};

/// Instants at or after `from` at which node `i` announced.
fn announces_since(net: &Net, i: usize, from: Duration) -> Vec<Duration> {
    net.nodes[i]
        .log
        .iter()
        .filter(|(at, a)| *at >= from && *a == Action::Announce)
        .map(|(at, _)| *at)
        .collect()
}

/// `cfg`'s regular adverts every 100 ms from `first` up to `until`, as log entries.
fn adverts_every_100ms(cfg: &Config, first: Duration, until: Duration) -> Vec<(Duration, Action)> {
    (0..)
        .map(|k| first + ms(100 * k))
        .take_while(|at| *at <= until)
        .map(|at| (at, Action::SendAdvert(advert_of(cfg, cfg.priority))))
        .collect()
}

/// The FRR lab case. L (100, node 0) starts alone and is master from 360.9375 ms, advertising
/// at …60.9375 ms every 100 ms. H (150, preempt, node 1) starts at 2 s, discards L's adverts
/// at 2060.9375, 2160.9375 and 2260.9375 ms, and its Master_Down_Timer (3 × 100 ms +
/// 106 × 100 ms / 256 = 341.40625 ms) fires at 2341.40625 ms. FRR 8.4 sends no parting
/// advert when it steps down, so the one our model of L sends is lost on its way to H.
const TAKEOVER: Duration = ns(2_341_406_250);

fn frr_lab() -> (Net, Config, Config) {
    let (l, h) = (v3(100, 2), v3(150, 1));
    let mut net = Net::new(vec![l.clone(), h.clone()]);
    net.input(0, Input::Startup);
    net.run_until(ms(2_000));
    assert_eq!(net.masters(), vec![0]);
    net.input(1, Input::Startup);
    net.run_until(TAKEOVER - ns(1));
    assert_eq!(net.state(1), State::Backup);
    assert_eq!(net.masters(), vec![0]);
    net.set_loss(|from, _, _| from == 0);
    net.run_until(TAKEOVER);
    net.set_loss(|_, _, _| false);
    (net, l, h)
}

#[test]
fn takeover_from_a_lower_priority_master_announces_again_one_interval_later() {
    let (mut net, l, h) = frr_lab();
    let again = TAKEOVER + ms(100);
    net.run_until(TAKEOVER + ms(2_000));

    // H takes over at the exact instant and announces once; nothing answers it.
    assert_eq!(
        net.actions_at(1, TAKEOVER),
        becoming_master(&h, State::Backup, Reason::MasterDown)
    );
    // L steps down at H's first advert (its parting advert never reaches H).
    assert_eq!(
        net.actions_at(0, TAKEOVER),
        vec![
            Action::SendAdvert(advert_of(&l, 100)),
            changed(
                State::Master,
                State::Backup,
                Reason::Preempted {
                    by: addr(1),
                    priority: 150
                }
            ),
            Action::RemoveVips,
        ]
    );
    // One Master_Adver_Interval later H announces again, after the regular advert due then.
    assert_eq!(
        net.actions_at(1, again),
        vec![Action::SendAdvert(advert_of(&h, 150)), Action::Announce]
    );
    assert_eq!(announces_since(&net, 1, TAKEOVER), vec![TAKEOVER, again]);
    // After that only regular adverts; L stays a quiet backup following H.
    assert_eq!(
        net.log_after(1, again),
        adverts_every_100ms(&h, again + ms(100), TAKEOVER + ms(2_000))
    );
    assert_eq!(net.log_after(0, TAKEOVER), vec![]);
    assert_eq!(net.masters(), vec![1]);
    assert_eq!(net.router(0).master_address(), Some(addr(1)));
}

#[test]
fn takeover_after_a_silent_master_announces_once() {
    // H (150) is master from 341.40625 ms; L (100) accepts its adverts. H dies after its
    // advert at 1941.40625 ms; L takes over 360.9375 ms later, with nobody competing.
    let (h, l) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![h, l.clone()]);
    net.run_until(ms(2_000));
    net.crash(0);
    let t = ns(2_302_343_750);
    net.run_until(t + ms(2_000));
    assert_eq!(
        net.actions_at(1, t),
        becoming_master(&l, State::Backup, Reason::MasterDown)
    );
    assert_eq!(announces_since(&net, 1, ms(0)), vec![t]);
    assert_eq!(
        net.log_after(1, t),
        adverts_every_100ms(&l, t + ms(100), t + ms(2_000))
    );
}

#[test]
fn takeover_after_priority_zero_announces_once() {
    // H (150) stops at 1050 ms and says priority 0; L (100) takes over after Skew_Time
    // (156 × 100 ms / 256 = 60.9375 ms). H hands over on hearing L and stops.
    let (h, l) = (v3(150, 1), v3(100, 2));
    let mut net = Net::started(vec![h, l.clone()]);
    net.run_until(ms(1_050));
    net.input(0, Input::Shutdown);
    let t = ns(1_110_937_500);
    net.run_until(t + ms(2_000));
    assert_eq!(
        net.actions_at(1, t),
        becoming_master(&l, State::Backup, Reason::MasterStopped)
    );
    assert_eq!(net.state(0), State::Stopped);
    assert_eq!(announces_since(&net, 1, ms(0)), vec![t]);
    assert_eq!(
        net.log_after(1, t),
        adverts_every_100ms(&l, t + ms(100), t + ms(2_000))
    );
}

#[test]
fn second_announce_is_cancelled_by_shutdown() {
    let (mut net, l, h) = frr_lab();
    // 50 ms after taking over H is asked to stop: it becomes Stopping and says priority 0.
    let stop = TAKEOVER + ms(50);
    net.run_until(stop);
    net.input(1, Input::Shutdown);
    net.run_until(TAKEOVER + ms(2_000));
    assert_eq!(announces_since(&net, 1, TAKEOVER), vec![TAKEOVER]);
    // L takes over after its Skew_Time (60.9375 ms) and H hands over at once; L itself
    // was following H (nothing discarded), so it announces only once too.
    let l_back = stop + ns(60_937_500);
    assert_eq!(
        net.log_after(1, TAKEOVER),
        vec![
            (
                stop,
                changed(State::Master, State::Stopping, Reason::ShutdownRequested)
            ),
            (stop, Action::SendAdvert(advert_of(&h, 0))),
            (
                l_back,
                changed(
                    State::Stopping,
                    State::Stopped,
                    Reason::HandedOver { to: addr(2) }
                )
            ),
            (l_back, Action::RemoveVips),
        ]
    );
    assert_eq!(
        net.actions_at(0, l_back),
        becoming_master(&l, State::Backup, Reason::MasterStopped)
    );
    assert_eq!(announces_since(&net, 0, TAKEOVER), vec![l_back]);
    assert_eq!(net.router(1).poll_timeout(), None);
}

#[test]
fn second_announce_is_cancelled_when_outranked() {
    let (mut net, _, h) = frr_lab();
    // 50 ms after taking over H hears a router X (200, 198.18.0.3) that then goes silent.
    // H sends its parting advert, steps down (cancelling the pending announce), and takes
    // over again one Master_Down_Interval (341.40625 ms) later, this time from a silent
    // master: one announce only.
    let outranked = TAKEOVER + ms(50);
    net.run_until(outranked);
    net.input(
        1,
        Input::Advert {
            from: addr(3),
            ttl: 255,
            advert: advert_of(&v3(200, 3), 200),
        },
    );
    assert_eq!(
        net.actions_at(1, outranked),
        vec![
            Action::SendAdvert(advert_of(&h, 150)),
            changed(
                State::Master,
                State::Backup,
                Reason::Preempted {
                    by: addr(3),
                    priority: 200
                }
            ),
            Action::RemoveVips,
        ]
    );
    net.run_until(TAKEOVER + ms(2_000));
    assert!(net.actions_at(1, TAKEOVER + ms(100)).is_empty());
    let again = outranked + ns(341_406_250);
    assert_eq!(
        net.actions_at(1, again),
        becoming_master(&h, State::Backup, Reason::MasterDown)
    );
    assert_eq!(announces_since(&net, 1, TAKEOVER), vec![TAKEOVER, again]);
    assert_eq!(
        net.log_after(1, again),
        adverts_every_100ms(&h, again + ms(100), TAKEOVER + ms(2_000))
    );
    // L followed H (and X) throughout and never left Backup again.
    assert_eq!(net.log_after(0, TAKEOVER), vec![]);
    assert_eq!(net.masters(), vec![1]);
}

#[test]
fn discards_before_the_last_accepted_advert_do_not_count() {
    // As in the lab, H (150) discards L's adverts at 2060.9375 and 2160.9375 ms. At 2.2 s
    // L dies and H accepts an advert from X (200, 198.18.0.3), which restarts its
    // Master_Down_Timer; X then goes silent. H takes over from X 341.40625 ms later: no
    // lower-priority master is active any more, so it announces once.
    let (l, h) = (v3(100, 2), v3(150, 1));
    let mut net = Net::new(vec![l, h.clone()]);
    net.input(0, Input::Startup);
    net.run_until(ms(2_000));
    net.input(1, Input::Startup);
    net.run_until(ms(2_200));
    net.crash(0);
    net.input(
        1,
        Input::Advert {
            from: addr(3),
            ttl: 255,
            advert: advert_of(&v3(200, 3), 200),
        },
    );
    assert_eq!(net.router(1).master_address(), Some(addr(3)));
    let t = ms(2_200) + ns(341_406_250);
    net.run_until(t + ms(1_000));
    assert_eq!(
        net.transitions(1),
        vec![
            (ms(2_000), State::Initialize, State::Backup, Reason::Started),
            (t, State::Backup, State::Master, Reason::MasterDown),
        ]
    );
    assert_eq!(
        net.actions_at(1, t),
        becoming_master(&h, State::Backup, Reason::MasterDown)
    );
    assert_eq!(announces_since(&net, 1, ms(0)), vec![t]);
    assert_eq!(
        net.log_after(1, t),
        adverts_every_100ms(&h, t + ms(100), t + ms(1_000))
    );
}

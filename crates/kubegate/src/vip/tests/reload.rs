//! A reload reaching a running VIP driver, on the virtual clock: what the daemon sends for a
//! changed file (`Control::Reconfigure` with the new settings, then the trackers' priority as
//! `Control::Tracked`) is taken without a new router: priorities move the VIP by preemption
//! (RFC 5798 §6.4.2), preempt off keeps it where it is, peers change where adverts go and
//! whom they are accepted from, and the same settings disturb nothing.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use vrrp::{Reason, State};

use super::cluster::{config_text, Cluster};
use super::net::What;
use super::probes::*;
use crate::vip::driver::{Control, Reconfigure};
use crate::vip::settings;

/// What the daemon sends node `i` when the file becomes `text`: the new settings, then the
/// priority its (restarted) trackers report.
fn reload(c: &mut Cluster, i: usize, text: &str) {
    let config = kubegate_config::parse_str(text, Path::new("sim.yaml"))
        .unwrap_or_else(|e| panic!("the reloaded config should be valid: {e:?}\n{text}"));
    let vip = &config.vips[0];
    let me = &config.nodes[i];
    let router = settings::router_config(&config, vip, me);
    let priority = router.priority;
    c.control(
        i,
        Control::Reconfigure(Box::new(Reconfigure {
            router,
            peers: settings::peers(&config, vip, me),
            announce: vip.announce.clone(),
            notify: vip.notify.clone(),
        })),
    );
    c.control(
        i,
        Control::Tracked {
            priority,
            fault: false,
        },
    );
}

fn adverts_to(c: &Cluster, i: usize, after: Duration) -> Vec<IpAddr> {
    let mut to: Vec<IpAddr> = c
        .log_of(i)
        .into_iter()
        .filter(|(at, _)| *at > after)
        .filter_map(|(_, w)| match w {
            What::Advert { to, .. } => Some(to),
            _ => None,
        })
        .collect();
    to.sort();
    to.dedup();
    to
}

#[test]
fn lowering_the_masters_priority_moves_the_vip_and_raising_it_brings_it_back() {
    let mut c = Cluster::start(&[150, 100, 50]);
    c.run_until(ms(2000));
    assert_eq!(c.holders(), [0]);
    let t0 = c.now();
    reload(&mut c, 0, &config_text(&[80, 100, 50]));
    c.run_until(t0 + ms(2000));
    // RFC 5798 §6.4.2: n2 (preempt) discards the adverts of a lower-priority master and takes
    // over when its Master_Down_Timer fires; n1 steps down on n2's advert (§6.4.3).
    assert_eq!(c.holders(), [1], "n2 (100) holds the VIP once n1 is at 80");
    assert_eq!(c.states(), [State::Backup, State::Master, State::Backup]);
    assert_eq!(
        c.transitions(1).last(),
        Some(&(State::Master, Reason::MasterDown)),
        "n2 takes over when its Master_Down_Timer fires"
    );
    let t1 = c.now();
    reload(&mut c, 0, &config_text(&[150, 100, 50]));
    c.run_until(t1 + ms(2000));
    assert_eq!(c.holders(), [0], "n1 back at 150 takes the VIP back");
    assert_eq!(
        c.entered(0, State::Master).len(),
        2,
        "n1 became master twice: at the start and after the raise"
    );
    assert_eq!(c.members[0].driver.router().effective_priority(), 150);
}

#[test]
fn preempt_turned_off_by_a_reload_keeps_the_vip_on_the_lower_priority_master() {
    let mut c = Cluster::start(&[150, 100, 50]);
    c.run_until(ms(2000));
    reload(&mut c, 0, &config_text(&[80, 100, 50]));
    c.run_until(ms(4000));
    assert_eq!(c.holders(), [1]);
    // n1 back at 150 but with preempt off (keepalived's nopreempt on the higher node): it
    // accepts n2's adverts (RFC 5798 §6.4.2, Preempt_Mode false) and stays backup.
    let text = config_text(&[150, 100, 50]).replace("vrid: 51", "vrid: 51\n      preempt: false");
    reload(&mut c, 0, &text);
    c.run_until(ms(8000));
    assert_eq!(c.holders(), [1], "n2 keeps the VIP: n1 no longer preempts");
    assert_eq!(c.state(0), State::Backup);
    assert!(!c.members[0].driver.router().config().preempt);
}

#[test]
fn a_node_removed_from_the_file_gets_no_adverts_and_is_not_listened_to() {
    let mut c = Cluster::start(&[150, 100, 50]);
    c.run_until(ms(2000));
    let t0 = c.now();
    let started = c.transitions(0).len();
    assert_eq!(adverts_to(&c, 0, ms(1000)), [node(1), node(2)]);
    // The file without n3: n1 and n2 stop sending to it and drop what it sends (unicast
    // accepts configured peers only, as keepalived does).
    let two =
        "nodes:\n  - { name: n1, address: 198.18.0.1 }\n  - { name: n2, address: 198.18.0.2 }\n";
    let text = config_text(&[150, 100, 50]).replace(
        "nodes:\n  - { name: n1, address: 198.18.0.1 }\n  - { name: n2, address: 198.18.0.2 }\n  - { name: n3, address: 198.18.0.3 }\n",
        two,
    );
    let text = text.replace(", n3: 50", "");
    reload(&mut c, 0, &text);
    reload(&mut c, 1, &text);
    c.run_until(t0 + ms(1000));
    assert_eq!(
        adverts_to(&c, 0, t0 + ms(10)),
        [node(1)],
        "n1 advertises to n2 only"
    );
    // n3 still runs the old file and, hearing nothing, takes over: n1 drops its adverts.
    c.run_until(t0 + ms(3000));
    let dropped = c.members[0].driver.counters().dropped("unknown_peer");
    assert!(
        dropped > 0,
        "n1 drops n3's adverts as an unknown peer; counted {dropped}"
    );
    assert_eq!(c.state(0), State::Master, "n3's adverts do not move n1");
    assert_eq!(
        c.transitions(0).len(),
        started,
        "n1 changed state only before the reload: {:?}",
        c.transitions(0)
    );
}

#[test]
fn the_same_settings_again_disturb_nothing() {
    let mut c = Cluster::start(&[150, 100, 50]);
    c.run_until(ms(2000));
    let before: Vec<_> = (0..3).map(|i| c.transitions(i).len()).collect();
    let t0 = c.now();
    for i in 0..3 {
        reload(&mut c, i, &config_text(&[150, 100, 50]));
    }
    c.run_until(t0 + ms(3000));
    let after: Vec<_> = (0..3).map(|i| c.transitions(i).len()).collect();
    assert_eq!(after, before, "no node changed state");
    assert_eq!(c.holders(), [0]);
    assert!(
        c.times(0, |w| matches!(w, What::Del(_) | What::Add(_)))
            .iter()
            .all(|at| *at < t0),
        "n1 neither removed nor added the VIP after the reload"
    );
}

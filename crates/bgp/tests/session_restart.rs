//! The graceful restart helper (RFC 4724 §4.2) on a virtual clock: a restarting router's
//! routes stay, stale, for its restart time; they are refreshed by its UPDATEs and the rest
//! flushed at its End-of-RIB or when a timer ends; without the capability, or after a
//! NOTIFICATION, they go at once.

mod session_support;

use std::time::Duration;

use bgp::session::{Action, DownReason, Input, State};
use bgp::wire::*;
use session_support::*;

/// A router's OPEN advertising graceful restart (restart time 120 s) for both families,
/// with the F bit as given.
fn gr_open(forwarding_preserved: bool) -> Open {
    let mut open = peer_open(64500, B_ID, 9);
    open.capabilities.push(Capability::GracefulRestart {
        restarting: true,
        notification: false,
        restart_time: 120,
        families: [1, 2]
            .map(|afi| GrFamily {
                afi_safi: AfiSafi { afi, safi: 1 },
                forwarding_preserved,
            })
            .to_vec(),
    });
    open
}

fn route(nlri: &str) -> Message {
    Message::Update(Update {
        nlri: vec![prefix(nlri)],
        attributes: PathAttributes {
            origin: Some(Origin::Igp),
            as_path: Some(vec![Segment {
                kind: SegmentKind::Sequence,
                asns: vec![64500],
            }]),
            next_hop: Some(B_ID),
            ..PathAttributes::default()
        },
        ..Update::default()
    })
}

/// Established with `open`, holding two routes from the router.
fn with_two_routes(open: Open) -> Solo {
    let mut s = Solo::new(node_config());
    s.establish(open);
    s.feed(&route("198.18.99.0/24"));
    s.feed(&route("198.18.98.0/24"));
    assert_eq!(s.s.received_count(), 2);
    s
}

fn withdrawn(actions: &[Action]) -> Vec<Prefix> {
    actions
        .iter()
        .flat_map(|a| match a {
            Action::Routes { withdrawn, .. } => withdrawn.clone(),
            _ => Vec::new(),
        })
        .collect()
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn routes_stay_stale_for_the_restart_time_then_go() {
    let mut s = with_two_routes(gr_open(true));
    let out = s.handle(Input::TcpFailed);
    assert!(out.contains(&Action::Down {
        reason: DownReason::ConnectionLost,
        routes_kept: true
    }));
    assert!(withdrawn(&out).is_empty());
    assert_eq!(s.s.stale_count(), 2);
    assert!(withdrawn(&s.advance(secs(119))).is_empty());
    assert_eq!(s.s.received_count(), 2);
    let out = s.advance(secs(1));
    assert_eq!(withdrawn(&out).len(), 2, "restart time over");
    assert_eq!(s.s.received_count(), 0);
}

#[test]
fn a_returning_router_refreshes_its_routes_and_end_of_rib_flushes_the_rest() {
    let mut s = with_two_routes(gr_open(true));
    s.handle(Input::TcpFailed);
    s.advance(secs(30));
    // A failed first attempt does not end the wait (RFC 4724 §4.2).
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnected);
    s.handle(Input::TcpFailed);
    assert_eq!(s.s.stale_count(), 2);
    s.s.handle(s.now, Input::ManualStop);
    while s.s.poll_action().is_some() {}
    assert_eq!(s.s.stale_count(), 0, "a manual stop flushes them");

    let mut s = with_two_routes(gr_open(true));
    s.handle(Input::TcpFailed);
    s.advance(secs(30));
    let out = s.establish(gr_open(true));
    assert!(withdrawn(&out).is_empty());
    assert_eq!(s.s.stale_count(), 2);
    s.feed(&route("198.18.99.0/24"));
    assert_eq!(s.s.stale_count(), 1, "refreshed");
    let out = s.feed(&Message::Update(Update::end_of_rib(Family::Ipv6Unicast)));
    assert!(withdrawn(&out).is_empty(), "no IPv6 routes were stale");
    let out = s.feed(&Message::Update(Update::end_of_rib(Family::Ipv4Unicast)));
    assert_eq!(withdrawn(&out), [prefix("198.18.98.0/24")]);
    assert_eq!(s.s.received_count(), 1);
    assert_eq!(s.s.stale_count(), 0);
    // The restart timer of the first session must not fire later.
    assert!(withdrawn(&s.advance_alive(secs(600))).is_empty());
}

#[test]
fn without_end_of_rib_the_stale_routes_timer_flushes_them() {
    let mut s = with_two_routes(gr_open(true));
    s.handle(Input::TcpFailed);
    s.establish(gr_open(true));
    let stale_time = secs(360);
    assert!(withdrawn(&s.advance_alive(stale_time - secs(1))).is_empty());
    assert_eq!(withdrawn(&s.advance_alive(secs(1))).len(), 2);
    assert_eq!(s.s.state(), State::Established);
}

#[test]
fn forwarding_state_not_preserved_or_no_capability_on_return_flushes_at_once() {
    // FRR's default: the F bit clear.
    let mut s = with_two_routes(gr_open(false));
    s.handle(Input::TcpFailed);
    assert_eq!(s.s.stale_count(), 2);
    assert_eq!(withdrawn(&s.establish(gr_open(false))).len(), 2);

    let mut s = with_two_routes(gr_open(true));
    s.handle(Input::TcpFailed);
    assert_eq!(withdrawn(&s.establish(peer_open(64500, B_ID, 9))).len(), 2);
}

#[test]
fn no_retention_without_the_capability_after_a_notification_or_when_we_do_not_help() {
    let mut s = with_two_routes(peer_open(64500, B_ID, 9));
    let out = s.handle(Input::TcpFailed);
    assert_eq!(withdrawn(&out).len(), 2);
    assert!(out.contains(&Action::Down {
        reason: DownReason::ConnectionLost,
        routes_kept: false
    }));

    // RFC 4724 (before RFC 8538): a NOTIFICATION ends graceful handling.
    let mut s = with_two_routes(gr_open(true));
    let out = s.feed(&Message::Notification(Notification::new(
        ErrorCode::Cease,
        2,
    )));
    assert_eq!(withdrawn(&out).len(), 2);

    // Hold timer expiry: we send a NOTIFICATION, so the same.
    let mut s = with_two_routes(gr_open(true));
    let out = s.advance(secs(9));
    assert_eq!(notification(&out), Some((4, 0, vec![])));
    assert_eq!(withdrawn(&out).len(), 2);

    let mut c = node_config();
    c.graceful_restart = None;
    let mut s = Solo::new(c);
    let out = s.establish(gr_open(true));
    let Some(Message::Open(ours)) = sent(&out).into_iter().next() else {
        panic!()
    };
    assert!(!ours
        .capabilities
        .iter()
        .any(|c| matches!(c, Capability::GracefulRestart { .. })));
    assert_eq!(s.s.negotiated().unwrap().peer_restart, None);
    s.feed(&route("198.18.99.0/24"));
    assert_eq!(withdrawn(&s.handle(Input::TcpFailed)).len(), 1);
}

#[test]
fn our_open_advertises_helper_only_graceful_restart() {
    let mut s = Solo::new(node_config());
    let out = s.open_sent();
    let Some(Message::Open(ours)) = sent(&out).into_iter().next() else {
        panic!()
    };
    assert!(ours.capabilities.contains(&Capability::GracefulRestart {
        restarting: false,
        notification: false,
        restart_time: 120,
        families: vec![],
    }));
}

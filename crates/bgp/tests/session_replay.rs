//! FRR bgpd 8.4.4's and GoBGP 3.10.0's side of a real session (captured by
//! vectors/capture-*.sh) replayed into a session configured as their peer, in odd-sized
//! chunks as a socket may deliver them: the session comes up and holds their routes with
//! their attributes.

mod session_support;
#[path = "vectors/mod.rs"]
mod vectors;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use bgp::session::{Action, Config, Input, State};
use bgp::wire::{Family, LargeCommunity, Prefix};
use session_support::{prefix, Solo};

/// The scripted peer's settings: AS 64500, identifier 198.18.0.2, FRR is AS 64512.
fn as_frr_peer() -> Config {
    let mut c = Config::new(64500, 64512, Ipv4Addr::new(198, 18, 0, 2));
    c.hold_time = 9;
    c.ipv6_unicast = true;
    c.next_hop_v6 = Some("2001:db8::2".parse().unwrap());
    c
}

/// FRR's messages of the first connection, in order, as one byte stream.
fn frr_stream() -> Vec<u8> {
    vectors::first_connection(vectors::frr())
}

#[test]
fn frr_session_replayed_in_chunks_establishes_and_yields_its_routes() {
    let mut s = Solo::new(as_frr_peer());
    s.open_sent();
    let mut out = Vec::new();
    for chunk in frr_stream().chunks(7) {
        out.extend(s.handle(Input::Bytes(chunk.to_vec())));
    }
    assert_eq!(s.s.state(), State::Established, "{out:?}");
    let n = s.s.negotiated().unwrap();
    assert_eq!(n.hold_time, Duration::from_secs(9));
    assert_eq!(n.families, [Family::Ipv4Unicast, Family::Ipv6Unicast]);
    let restart = n
        .peer_restart
        .as_ref()
        .expect("FRR advertises graceful restart");
    assert_eq!(restart.restart_time, Duration::from_secs(120));
    assert!(restart.restarting);
    assert_eq!(
        restart.families,
        [(Family::Ipv4Unicast, false), (Family::Ipv6Unicast, false)]
    );

    let v4 = s.s.received_route(&prefix("198.18.10.50/32")).unwrap();
    assert_eq!(v4.next_hop, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(v4.attributes.med, Some(50));
    assert_eq!(v4.attributes.communities, [64512 << 16 | 100]);
    assert_eq!(
        v4.attributes.large_communities,
        [LargeCommunity {
            global: 64512,
            local1: 1,
            local2: 1
        }]
    );
    let v6 = s.s.received_route(&prefix("2001:db8::50/128")).unwrap();
    assert_eq!(v6.next_hop, "::ffff:127.0.0.1".parse::<IpAddr>().unwrap());
    assert_eq!(s.s.received_count(), 2);

    // The route refresh answer re-announces the same route: reported again, nothing new.
    let announced: Vec<Prefix> = out
        .iter()
        .flat_map(|a| match a {
            Action::Routes { announced, .. } => announced.iter().map(|r| r.prefix).collect(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(
        announced,
        [
            prefix("198.18.10.50/32"),
            prefix("2001:db8::50/128"),
            prefix("198.18.10.50/32")
        ]
    );
    // No NOTIFICATION from us: FRR's stream is valid all through.
    assert!(session_support::notification(&out).is_none());
}

#[test]
fn frr_refusing_our_as_is_reported_as_its_notification() {
    let mut c = as_frr_peer();
    c.local_as = 64999;
    let mut s = Solo::new(c);
    s.open_sent();
    let mut stream = vectors::frr_vector("open-2");
    stream.extend(vectors::frr_vector("notification-1"));
    // FRR's OPEN names AS 64512 as expected; its NOTIFICATION 2/2 then ends the session.
    let out = s.handle(Input::Bytes(stream));
    assert_eq!(s.s.state(), State::Idle);
    assert!(out.iter().any(|a| matches!(
        a,
        Action::Down { reason: bgp::session::DownReason::NotificationReceived(n), .. }
            if n.subcode == 2 && n.data == [0xfd, 0xe7]
    )));
}

#[test]
fn gobgp_session_replayed_establishes_with_its_routes() {
    let mut s = Solo::new(as_frr_peer());
    s.open_sent();
    let mut out = Vec::new();
    for chunk in vectors::first_connection(vectors::gobgp()).chunks(13) {
        out.extend(s.handle(Input::Bytes(chunk.to_vec())));
    }
    assert_eq!(s.s.state(), State::Established, "{out:?}");
    let n = s.s.negotiated().unwrap();
    assert!(n.route_refresh);
    assert_eq!(n.peer_restart.as_ref().unwrap().families, []);
    assert_eq!(s.s.received_count(), 2);
    let v6 = s.s.received_route(&prefix("2001:db8::50/128")).unwrap();
    assert_eq!(v6.next_hop, "2001:db8::1".parse::<IpAddr>().unwrap());
    assert!(session_support::notification(&out).is_none());
}

//! Two sessions wired together reach Established, agree on what they negotiated, and carry
//! our routes (RFC 4271 §5.1 attributes, RFC 4760 IPv6, End-of-RIB) both ways.

mod session_support;

use std::sync::Arc;
use std::time::Duration;

use bgp::session::{Action, Config, Input, Route, State};
use bgp::wire::*;
use session_support::*;

fn vip(route: &str) -> Route {
    Route {
        prefix: prefix(route),
        communities: vec![64512 << 16 | 100],
        large_communities: vec![LargeCommunity {
            global: 64512,
            local1: 1,
            local2: 1,
        }],
        local_pref: Some(200),
        med: Some(10),
    }
}

#[test]
fn an_active_and_a_passive_session_reach_established() {
    let (a, b) = ebgp();
    let p = Pair::established(a, b);
    assert!(p.elapsed() < Duration::from_secs(1), "no timer is needed");
    let n = p.a.negotiated().unwrap();
    assert_eq!(n.peer_as, 64500);
    assert_eq!(n.peer_id, B_ID);
    assert_eq!(n.hold_time, Duration::from_secs(9));
    assert_eq!(
        n.keepalive,
        Duration::from_secs(3),
        "hold / 3 (RFC 4271 §10)"
    );
    assert!(n.four_octet_as && n.route_refresh);
    assert_eq!(n.families, [Family::Ipv4Unicast, Family::Ipv6Unicast]);
    assert!(n.peer_restart.is_some());
    // OPEN, KEEPALIVE, then an End-of-RIB per family even with nothing to announce.
    let kinds: Vec<u8> = p.sent(Side::A, 0).iter().map(Message::type_code).collect();
    assert_eq!(kinds, [1, 4, 2, 2]);
    let states: Vec<State> = p
        .actions(Side::B, 0)
        .into_iter()
        .filter_map(|a| match a {
            Action::StateChanged { to, .. } => Some(to),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        [
            State::Active,
            State::OpenSent,
            State::OpenConfirm,
            State::Established
        ]
    );
    assert!(p
        .actions(Side::B, 0)
        .iter()
        .any(|a| matches!(a, Action::Established(n) if n.peer_as == 64512)));
}

#[test]
fn routes_announced_before_established_go_out_with_their_attributes_then_end_of_rib_both_ways() {
    let (a, b) = ebgp();
    let mut p = Pair::new(a, b);
    p.a.announce(vip("198.18.10.50/32")).unwrap();
    p.a.announce(vip("2001:db8:10::50/128")).unwrap();
    p.input(Side::B, Input::ManualStart);
    p.input(Side::A, Input::ManualStart);
    assert!(p.both(State::Established));

    let updates: Vec<Update> = p
        .sent(Side::A, 0)
        .into_iter()
        .filter_map(|m| match m {
            Message::Update(u) => Some(u),
            _ => None,
        })
        .collect();
    assert_eq!(updates.len(), 4, "route, EoR, route, EoR");
    assert_eq!(updates[1].end_of_rib_family(), Some(Family::Ipv4Unicast));
    assert_eq!(updates[3].end_of_rib_family(), Some(Family::Ipv6Unicast));
    let v4 = &updates[0].attributes;
    assert_eq!(v4.origin, Some(Origin::Igp));
    assert_eq!(
        v4.as_path,
        Some(vec![Segment {
            kind: SegmentKind::Sequence,
            asns: vec![64512]
        }]),
        "RFC 4271 §5.1.2: our AS prepended towards an external peer"
    );
    assert_eq!(v4.next_hop, Some(A_ID));
    assert_eq!(
        v4.local_pref, None,
        "RFC 4271 §5.1.5: never to an external peer"
    );
    assert_eq!(v4.med, Some(10));
    assert_eq!(v4.communities, [64512 << 16 | 100]);
    assert_eq!(v4.large_communities.len(), 1);
    let v6 = updates[2].attributes.mp_reach.as_ref().unwrap();
    assert_eq!(
        v6.next_hop.global,
        "2001:db8::1".parse::<std::net::Ipv6Addr>().unwrap()
    );
    assert_eq!(v6.nlri, [prefix("2001:db8:10::50/128")]);

    // B's driver hears both routes, with next hops.
    let (ann, wd) = p.routes(Side::B, 0);
    assert_eq!(
        ann,
        [prefix("198.18.10.50/32"), prefix("2001:db8:10::50/128")]
    );
    assert!(wd.is_empty());
    let r = p.b.received_route(&prefix("2001:db8:10::50/128")).unwrap();
    assert_eq!(
        r.next_hop,
        "2001:db8::1".parse::<std::net::IpAddr>().unwrap()
    );
    assert_eq!(
        r.attributes.mp_reach, None,
        "shared attributes without the NLRI"
    );
    assert_eq!(p.b.received_count(), 2);

    // And the other way: B's route reaches A with B's AS and next hop.
    let mark = p.log.len();
    p.b.announce(Route::host("198.18.20.1".parse().unwrap()))
        .unwrap();
    p.pump();
    assert_eq!(p.routes(Side::A, mark).0, [prefix("198.18.20.1/32")]);
    let r = p.a.received_route(&prefix("198.18.20.1/32")).unwrap();
    assert_eq!(r.next_hop, std::net::IpAddr::V4(B_ID));
    assert_eq!(r.attributes.as_path.as_ref().unwrap()[0].asns, [64500]);
}

#[test]
fn announce_and_withdraw_while_established_send_one_update_each() {
    let (a, b) = ebgp();
    let mut p = Pair::established(a, b);
    let mark = p.log.len();
    p.a.announce(vip("198.18.10.51/32")).unwrap();
    p.a.announce(vip("2001:db8:10::51/128")).unwrap();
    p.pump();
    // The same route again changes nothing and sends nothing.
    let before = p.log.len();
    p.a.announce(vip("198.18.10.51/32")).unwrap();
    p.pump();
    assert_eq!(p.log.len(), before);
    p.a.withdraw(prefix("198.18.10.51/32"));
    p.a.withdraw(prefix("2001:db8:10::51/128"));
    p.a.withdraw(prefix("2001:db8:10::99/128")); // never announced: nothing sent
    p.pump();
    let sent = p.sent(Side::A, mark);
    assert_eq!(sent.len(), 4);
    let Message::Update(w4) = &sent[2] else {
        panic!()
    };
    assert_eq!(w4.withdrawn, [prefix("198.18.10.51/32")]);
    let Message::Update(w6) = &sent[3] else {
        panic!()
    };
    assert_eq!(
        w6.attributes.mp_unreach.as_ref().unwrap().withdrawn,
        [prefix("2001:db8:10::51/128")]
    );
    let (ann, wd) = p.routes(Side::B, mark);
    assert_eq!(ann.len(), 2);
    assert_eq!(
        wd,
        [prefix("198.18.10.51/32"), prefix("2001:db8:10::51/128")]
    );
    assert_eq!(p.b.received_count(), 0);
    // A changed attribute is a new UPDATE replacing the route.
    let mark = p.log.len();
    p.a.announce(vip("198.18.10.52/32")).unwrap();
    let mut changed = vip("198.18.10.52/32");
    changed.med = Some(99);
    p.a.announce(changed).unwrap();
    p.pump();
    assert_eq!(p.sent(Side::A, mark).len(), 2);
    let r = p.b.received_route(&prefix("198.18.10.52/32")).unwrap();
    assert_eq!(r.attributes.med, Some(99));
}

#[test]
fn internal_peers_get_local_pref_and_an_empty_as_path() {
    let (mut a, mut b) = ebgp();
    a.peer_as = 64512;
    b.local_as = 64512;
    b.peer_as = 64512;
    let mut p = Pair::established(a, b);
    p.a.announce(vip("198.18.10.50/32")).unwrap();
    p.a.announce(Route::host("198.18.10.53".parse().unwrap()))
        .unwrap();
    p.pump();
    let lp = |s: &str| {
        p.b.received_route(&prefix(s))
            .map(|r| (r.attributes.local_pref, r.attributes.as_path.clone()))
    };
    assert_eq!(lp("198.18.10.50/32"), Some((Some(200), Some(vec![]))));
    assert_eq!(
        lp("198.18.10.53/32"),
        Some((Some(bgp::session::DEFAULT_LOCAL_PREF), Some(vec![]))),
        "RFC 4271 §5.1.5: 100 when none is set"
    );
}

#[test]
fn a_family_the_peer_lacks_is_not_sent_and_announce_refuses_disabled_families() {
    let (a, mut b) = ebgp();
    b.ipv6_unicast = false;
    let mut p = Pair::established(a, b);
    assert_eq!(p.a.negotiated().unwrap().families, [Family::Ipv4Unicast]);
    let mark = p.log.len();
    p.a.announce(vip("2001:db8:10::50/128")).unwrap();
    p.pump();
    assert!(p.sent(Side::A, mark).is_empty(), "RFC 4760: not negotiated");
    assert_eq!(
        p.b.announce(vip("2001:db8:10::50/128")),
        Err(bgp::session::AnnounceError::FamilyDisabled)
    );
    let mut c = Config::new(1, 2, A_ID);
    c.ipv6_unicast = true;
    let mut s = bgp::session::Session::new(c);
    assert_eq!(
        s.announce(vip("2001:db8:10::50/128")),
        Err(bgp::session::AnnounceError::NoNextHop)
    );
}

#[test]
fn route_refresh_resends_the_family() {
    let (a, b) = ebgp();
    let mut p = Pair::established(a, b);
    p.a.announce(vip("198.18.10.50/32")).unwrap();
    p.a.announce(vip("2001:db8:10::50/128")).unwrap();
    p.pump();
    let mark = p.log.len();
    let rr = Message::RouteRefresh(RouteRefresh {
        afi: 2,
        subtype: 0,
        safi: 1,
    });
    p.input(Side::A, Input::Message(rr));
    let sent = p.sent(Side::A, mark);
    assert_eq!(sent.len(), 1, "RFC 2918 §4: the IPv6 routes only");
    let Message::Update(u) = &sent[0] else {
        panic!()
    };
    assert_eq!(u.attributes.mp_reach.as_ref().unwrap().nlri.len(), 1);
}

#[test]
fn a_large_as_towards_a_two_octet_peer_goes_as_as_trans_with_as4_path() {
    let mut c = node_config();
    c.local_as = 4_200_000_001;
    let mut s = Solo::new(c);
    let mut open = peer_open(64500, B_ID, 9);
    open.capabilities
        .retain(|c| !matches!(c, Capability::FourOctetAs(_)));
    let out = s.establish(open);
    let Some(Message::Open(ours)) = sent(&out).into_iter().next() else {
        panic!()
    };
    assert_eq!(ours.my_as, AS_TRANS, "RFC 6793 §4.1");
    assert_eq!(ours.asn(), 4_200_000_001);
    assert!(!s.s.negotiated().unwrap().four_octet_as);
    let out = {
        s.s.announce(Route::host("198.18.10.50".parse().unwrap()))
            .unwrap();
        std::iter::from_fn(|| s.s.poll_action()).collect::<Vec<_>>()
    };
    let Action::Send(bytes) = &out[0] else {
        panic!()
    };
    let (Message::Update(u), _) = Message::parse_with(bytes, Ctx::TWO_OCTET_AS).unwrap() else {
        panic!()
    };
    assert_eq!(u.attributes.as_path.unwrap()[0].asns, [u32::from(AS_TRANS)]);
    let as4 = &u.attributes.other[0];
    assert_eq!((as4.code, as4.flags), (17, 0xc0));
    assert_eq!(as4.value, [2, 1, 0xfa, 0x56, 0xea, 0x01]);
}

fn router_update(nlri: &str, as_path: Vec<u32>) -> Message {
    Message::Update(Update {
        nlri: vec![prefix(nlri)],
        attributes: PathAttributes {
            origin: Some(Origin::Igp),
            as_path: Some(vec![Segment {
                kind: SegmentKind::Sequence,
                asns: as_path,
            }]),
            next_hop: Some(B_ID),
            ..PathAttributes::default()
        },
        ..Update::default()
    })
}

#[test]
fn received_routes_loops_own_next_hop_and_treat_as_withdraw() {
    let mut s = Solo::new(node_config());
    s.establish(peer_open(64500, B_ID, 9));
    let out = s.feed(&router_update("198.18.99.0/24", vec![64500, 65001]));
    let Some(Action::Routes { announced, .. }) = out.first() else {
        panic!("{out:?}")
    };
    assert_eq!(announced[0].next_hop, std::net::IpAddr::V4(B_ID));
    assert!(Arc::strong_count(&announced[0].attributes) >= 1);
    // RFC 4271 §5.1.5: LOCAL_PREF from an external peer is ignored.
    let mut with_lp = router_update("198.18.96.0/24", vec![64500]);
    if let Message::Update(u) = &mut with_lp {
        u.attributes.local_pref = Some(500);
    }
    s.feed(&with_lp);
    let r = s.s.received_route(&prefix("198.18.96.0/24")).unwrap();
    assert_eq!(r.attributes.local_pref, None);
    // RFC 4271 §9.1.2: our own AS in the path: the route is not used (and replaces the old).
    let out = s.feed(&router_update("198.18.99.0/24", vec![64500, 64512]));
    assert!(matches!(&out[..], [Action::Routes { announced, withdrawn }]
        if announced.is_empty() && withdrawn == &[prefix("198.18.99.0/24")]));
    // RFC 4271 §6.3: NEXT_HOP = our own address: ignored, not an error.
    let mut u = router_update("198.18.98.0/24", vec![64500]);
    if let Message::Update(u) = &mut u {
        u.attributes.next_hop = Some(A_ID);
    }
    assert!(s.feed(&u).is_empty());
    // RFC 7606: a bad ORIGIN withdraws what the UPDATE names, the session stays up.
    s.feed(&router_update("198.18.97.0/24", vec![64500]));
    let bad = update_with_bad_origin("198.18.97.0/24");
    let out = s.handle(Input::Bytes(bad));
    assert_eq!(s.s.state(), State::Established);
    assert!(
        matches!(&out[..], [Action::Routes { withdrawn, .. }] if withdrawn == &[prefix("198.18.97.0/24")])
    );
}

fn update_with_bad_origin(nlri: &str) -> Vec<u8> {
    let good = router_update(nlri, vec![64500])
        .to_bytes(Ctx::default())
        .unwrap();
    // The ORIGIN value is the octet after `40 01 01` in the attribute list.
    let at = good
        .windows(3)
        .position(|w| w == [0x40, 0x01, 0x01])
        .unwrap()
        + 3;
    let mut bad = good;
    bad[at] = 7;
    bad
}

#[test]
fn an_external_path_not_starting_with_the_peer_as_is_malformed() {
    let mut s = Solo::new(node_config());
    s.establish(peer_open(64500, B_ID, 9));
    let out = s.feed(&router_update("198.18.99.0/24", vec![65001]));
    assert_eq!(notification(&out), Some((3, 11, vec![])));
    assert_eq!(s.s.state(), State::Idle);
}

#[test]
fn more_routes_than_allowed_is_a_cease() {
    let mut c = node_config();
    c.max_prefixes = Some(1);
    let mut s = Solo::new(c);
    s.establish(peer_open(64500, B_ID, 9));
    s.feed(&router_update("198.18.99.0/24", vec![64500]));
    assert_eq!(s.s.state(), State::Established);
    let out = s.feed(&router_update("198.18.98.0/24", vec![64500]));
    assert_eq!(notification(&out), Some((6, 1, vec![])), "RFC 4486 §4");
    assert_eq!(s.s.received_count(), 0, "withdrawn on the way down");
}

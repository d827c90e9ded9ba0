//! Every OPEN error the session checks (RFC 4271 §6.2 with RFC 6286, RFC 5492), unexpected
//! messages (RFC 6608) and NOTIFICATIONs: what is sent, the state after, what is reported.

mod session_support;

use bgp::session::{Action, DownReason, Input, State};
use bgp::wire::*;
use session_support::*;
use vectors::{message, open_body};

#[path = "vectors/mod.rs"]
mod vectors;

/// Feeds `bytes` as the peer's answer in OpenSent; returns the NOTIFICATION sent.
fn refused(config: bgp::session::Config, bytes: Vec<u8>) -> (u8, u8, Vec<u8>) {
    let mut s = Solo::new(config);
    s.open_sent();
    let out = s.handle(Input::Bytes(bytes));
    assert_eq!(s.s.state(), State::Idle, "{out:?}");
    assert!(out.contains(&Action::Close));
    assert!(out.iter().any(|a| matches!(
        a,
        Action::Down {
            reason: DownReason::NotificationSent(_),
            routes_kept: false
        }
    )));
    notification(&out).expect("a NOTIFICATION")
}

fn open_bytes(open: Open) -> Vec<u8> {
    Message::Open(open).to_bytes(Ctx::default()).unwrap()
}

#[test]
fn wrong_peer_as_is_2_2() {
    assert_eq!(
        refused(node_config(), open_bytes(peer_open(64501, B_ID, 9))),
        (2, 2, vec![])
    );
    // The AS is the 4-octet capability's, not the 2-octet field's (RFC 6793 §4.1).
    let mut open = peer_open(64500, B_ID, 9);
    open.my_as = AS_TRANS;
    let mut s = Solo::new(node_config());
    s.establish(open);
}

#[test]
fn our_own_identifier_is_2_3_on_internal_sessions_only() {
    let mut c = node_config();
    c.peer_as = 64512;
    assert_eq!(
        refused(c, open_bytes(peer_open(64512, A_ID, 9))),
        (2, 3, vec![])
    );
    // RFC 6286 §2.2: external peers may share the identifier.
    let mut s = Solo::new(node_config());
    s.establish(peer_open(64500, A_ID, 9));
    // Zero is refused by the codec.
    assert_eq!(
        refused(
            node_config(),
            message(1, &open_body(4, 64500, 9, [0; 4], &[]))
        ),
        (2, 3, vec![])
    );
}

#[test]
fn hold_times_of_one_or_two_or_below_our_floor_are_2_6() {
    for hold in [1, 2] {
        let bytes = message(1, &open_body(4, 64500, hold, B_ID.octets(), &[]));
        assert_eq!(refused(node_config(), bytes), (2, 6, vec![]));
    }
    let mut c = node_config();
    c.min_hold_time = 5;
    assert_eq!(
        refused(c.clone(), open_bytes(peer_open(64500, B_ID, 4))),
        (2, 6, vec![])
    );
    // Zero is always acceptable (no keepalives).
    let mut s = Solo::new(c);
    s.establish(peer_open(64500, B_ID, 0));
    assert_eq!(
        s.s.negotiated().unwrap().hold_time,
        std::time::Duration::ZERO
    );
}

#[test]
fn version_3_is_2_1_with_our_version() {
    let bytes = message(1, &open_body(3, 64500, 9, B_ID.octets(), &[]));
    assert_eq!(refused(node_config(), bytes), (2, 1, vec![0, 4]));
}

#[test]
fn an_unknown_optional_parameter_is_2_4() {
    let bytes = message(1, &open_body(4, 64500, 9, B_ID.octets(), &[1, 1, 0]));
    assert_eq!(refused(node_config(), bytes), (2, 4, vec![]));
}

#[test]
fn a_required_family_the_peer_lacks_is_2_7_naming_it() {
    let mut c = node_config();
    c.require_families = true;
    let mut open = peer_open(64500, B_ID, 9);
    open.capabilities
        .retain(|c| *c != Capability::Multiprotocol(AfiSafi { afi: 2, safi: 1 }));
    // RFC 5492 §5: the data holds the capability we wanted.
    assert_eq!(
        refused(c, open_bytes(open.clone())),
        (2, 7, vec![1, 4, 0, 2, 0, 1])
    );
    // Without the requirement the session comes up with IPv4 alone.
    let mut s = Solo::new(node_config());
    s.establish(open);
    assert_eq!(s.s.negotiated().unwrap().families, [Family::Ipv4Unicast]);
}

#[test]
fn unknown_capabilities_are_ignored_and_no_multiprotocol_means_ipv4() {
    let mut open = peer_open(64500, B_ID, 9);
    open.capabilities = vec![
        Capability::Unknown {
            code: 73,
            value: b"\x06router\x00".to_vec(),
        },
        Capability::FourOctetAs(64500),
    ];
    let mut s = Solo::new(node_config());
    s.establish(open);
    let n = s.s.negotiated().unwrap();
    assert_eq!(n.families, [Family::Ipv4Unicast], "RFC 4760 §8");
    assert!(!n.route_refresh);
}

#[test]
fn a_header_error_in_open_sent_is_answered_in_kind() {
    let mut bytes = open_bytes(peer_open(64500, B_ID, 9));
    bytes[0] = 0;
    assert_eq!(refused(node_config(), bytes), (1, 1, vec![]));
    assert_eq!(refused(node_config(), message(9, &[])), (1, 3, vec![9]));
}

#[test]
fn unexpected_messages_are_fsm_errors_with_the_state_as_subcode() {
    // RFC 6608 §3: 1 in OpenSent, 2 in OpenConfirm, 3 in Established.
    let mut s = Solo::new(node_config());
    s.open_sent();
    let out = s.feed(&Message::Keepalive);
    assert_eq!(notification(&out), Some((5, 1, vec![])));

    let mut s = Solo::new(node_config());
    s.open_sent();
    s.feed(&Message::Open(peer_open(64500, B_ID, 9)));
    assert_eq!(s.s.state(), State::OpenConfirm);
    let out = s.feed(&Message::Update(Update::default()));
    assert_eq!(notification(&out), Some((5, 2, vec![])));

    let mut s = Solo::new(node_config());
    s.establish(peer_open(64500, B_ID, 9));
    let out = s.feed(&Message::Open(peer_open(64500, B_ID, 9)));
    assert_eq!(notification(&out), Some((5, 3, vec![])));
    assert_eq!(s.s.state(), State::Idle);
}

#[test]
fn a_notification_received_is_not_answered() {
    for established in [false, true] {
        let mut s = Solo::new(node_config());
        if established {
            s.establish(peer_open(64500, B_ID, 9));
        } else {
            s.open_sent();
        }
        let n = Notification::new(ErrorCode::Cease, 2);
        let out = s.feed(&Message::Notification(n.clone()));
        assert_eq!(notification(&out), None, "RFC 4271 §6.4");
        assert_eq!(s.s.state(), State::Idle);
        assert!(out.contains(&Action::Down {
            reason: DownReason::NotificationReceived(n),
            routes_kept: false
        }));
    }
}

#[test]
fn the_as_mismatch_between_two_real_sessions_is_seen_by_both() {
    let (a, mut b) = ebgp();
    b.peer_as = 64999;
    let mut p = Pair::new(a, b);
    p.input(Side::B, Input::ManualStart);
    p.input(Side::A, Input::ManualStart);
    assert_eq!(p.a.state(), State::Idle);
    assert!(matches!(p.b.last_down(), Some(DownReason::NotificationSent(n)) if n.subcode == 2));
    assert!(matches!(p.a.last_down(), Some(DownReason::NotificationReceived(n)) if n.subcode == 2));
}

#[test]
fn manual_stop_sends_a_cease_and_connections_in_idle_are_refused() {
    let mut s = Solo::new(node_config());
    s.establish(peer_open(64500, B_ID, 9));
    let out = s.handle(Input::ManualStop);
    assert_eq!(notification(&out), Some((6, 2, vec![])), "RFC 4486 §4");
    assert_eq!(sent(&out).len(), 1, "one Cease, nothing else");
    assert_eq!(s.s.state(), State::Idle);
    assert_eq!(
        s.s.poll_timeout(),
        None,
        "no automatic restart after a manual stop"
    );
    assert_eq!(s.handle(Input::TcpConnected), [Action::Close]);
}

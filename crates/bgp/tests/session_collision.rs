//! Connection collisions (RFC 4271 §6.8): when both sides connect at once, each side holds
//! two sessions for the same peer; the driver keeps the one the higher BGP Identifier
//! initiated and dumps the other with a Cease (RFC 4486 §4 subcode 7).

mod session_support;

use bgp::session::{collision_keeps_local, Action, DownReason, Input, State};
use bgp::wire::Message;
use session_support::*;

#[test]
fn the_higher_identifier_keeps_the_connection_it_initiated() {
    assert!(collision_keeps_local(B_ID, A_ID));
    assert!(!collision_keeps_local(A_ID, B_ID));
}

#[test]
fn the_dumped_connection_gets_a_cease_and_the_kept_one_comes_up() {
    // A (198.18.0.1) has an outgoing and an incoming connection to B (198.18.0.2), both in
    // OpenConfirm after B's OPEN: B's identifier is higher, so A keeps the incoming one.
    let mut outgoing = Solo::new(node_config());
    let mut incoming = Solo::new(node_config());
    for s in [&mut outgoing, &mut incoming] {
        s.open_sent();
        s.feed(&Message::Open(peer_open(64500, B_ID, 9)));
        assert_eq!(s.s.state(), State::OpenConfirm);
    }
    let peer_id = incoming.s.negotiated().unwrap().peer_id;
    let keep_outgoing = collision_keeps_local(A_ID, peer_id);
    assert!(!keep_outgoing);
    let out = outgoing.handle(Input::CollisionDump);
    assert_eq!(notification(&out), Some((6, 7, vec![])));
    assert!(out.contains(&Action::Close));
    assert!(matches!(
        outgoing.s.last_down(),
        Some(DownReason::NotificationSent(_))
    ));
    incoming.feed(&Message::Keepalive);
    assert_eq!(incoming.s.state(), State::Established);
    // A dump request in Idle does nothing.
    assert!(outgoing.handle(Input::CollisionDump).is_empty());
}

//! Session-level reception (RFC 5880 §6.8.6, §6.7.2; RFC 5881 §5): which packets a session
//! discards and that a discarded packet changes nothing; authentication with a simple
//! password; answering a Poll in any state; a peer's Required Min RX of zero and its Demand
//! mode stop periodic transmission (§6.8.7).

mod session_support;

use std::time::Instant;

use bfd::{
    Action, AuthConfig, ControlRepr, Diagnostic, Discard, Hops, Input, Password, Session, State,
};
use session_support::*;

fn down_from_peer() -> ControlRepr {
    ControlRepr {
        diag: Diagnostic::None,
        state: State::Down,
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        detect_mult: 3,
        my_discr: 0x22,
        your_discr: 0,
        desired_min_tx_us: 1_000_000,
        required_min_rx_us: 100_000,
        required_min_echo_rx_us: 0,
        auth: None,
    }
}

fn session() -> (Instant, Session) {
    let t0 = Instant::now();
    let mut s = Session::new(t0, config(0x11, 2), 7);
    s.handle_timeout(t0);
    drain(&mut s);
    (t0, s)
}

fn feed(s: &mut Session, t: Instant, from: u8, ttl: u8, p: ControlRepr) -> Result<(), Discard> {
    s.handle(
        t,
        Input::Packet {
            from: addr(from),
            ttl,
            packet: p,
        },
    )
}

#[test]
fn discard_rules() {
    let (t0, mut s) = session();
    let p = down_from_peer();
    assert_eq!(feed(&mut s, t0, 3, 255, p), Err(Discard::WrongSource));
    // RFC 5881 §5: single hop needs TTL 255 exactly.
    assert_eq!(feed(&mut s, t0, 2, 254, p), Err(Discard::BadTtl(254)));
    assert_eq!(feed(&mut s, t0, 2, 1, p), Err(Discard::BadTtl(1)));
    // §6.8.6: a non-zero Your Discriminator must be ours.
    let other = ControlRepr {
        your_discr: 0x99,
        ..p
    };
    assert_eq!(
        feed(&mut s, t0, 2, 255, other),
        Err(Discard::UnknownDiscriminator)
    );
    // §6.8.6: A bit set without authentication in use.
    let with_auth = ControlRepr {
        auth: Some(bfd::Auth::SimplePassword {
            key_id: 1,
            password: Password::new(b"x").unwrap(),
        }),
        ..p
    };
    assert_eq!(
        feed(&mut s, t0, 2, 255, with_auth),
        Err(Discard::UnexpectedAuth)
    );
    // Nothing above changed the session.
    assert_eq!(s.state(), State::Down);
    assert_eq!(s.remote_discr(), 0);
    assert!(drain(&mut s).is_empty());
    // The good packet: Down → Init.
    assert_eq!(feed(&mut s, t0, 2, 255, p), Ok(()));
    assert_eq!(s.state(), State::Init);
    assert_eq!(s.remote_discr(), 0x22);
}

#[test]
fn multihop_checks_a_minimum_ttl() {
    let t0 = Instant::now();
    let mut cfg = config(0x11, 2);
    cfg.hops = Hops::Multi { min_ttl: 250 };
    let mut s = Session::new(t0, cfg, 7);
    assert_eq!(
        feed(&mut s, t0, 2, 249, down_from_peer()),
        Err(Discard::BadTtl(249))
    );
    assert_eq!(feed(&mut s, t0, 2, 250, down_from_peer()), Ok(()));
    assert_eq!(Hops::Multi { min_ttl: 0 }.port(), 4784);
    assert_eq!(Hops::Single.port(), 3784);
}

#[test]
fn simple_password_sessions() {
    let auth = AuthConfig {
        key_id: 5,
        password: Password::new(b"kgsecret").unwrap(),
    };
    let mut a = config(0x11, 2);
    a.auth = Some(auth);
    let mut b = config(0x22, 1);
    b.auth = Some(auth);
    let mut link = Link::new(a.clone(), b, ms(1));
    link.run_until(ms(1000));
    assert_eq!(link.nodes[0].state(), State::Up);
    assert_eq!(link.nodes[1].state(), State::Up);
    assert!(link.nodes[0].sent().iter().all(|(_, p)| p.auth
        == Some(bfd::Auth::SimplePassword {
            key_id: 5,
            password: auth.password
        })));

    // Wrong password, wrong key id, or no authentication at all: discarded (§6.7.2,
    // §6.8.6), so nobody comes Up.
    for other in [
        Some(AuthConfig {
            key_id: 5,
            password: Password::new(b"kgsecreT").unwrap(),
        }),
        Some(AuthConfig {
            key_id: 6,
            password: auth.password,
        }),
        None,
    ] {
        let mut b = config(0x22, 1);
        b.auth = other;
        let mut link = Link::new(a.clone(), b, ms(1));
        link.run_until(ms(3000));
        assert_eq!(link.nodes[0].state(), State::Down);
        let want = if other.is_some() {
            Discard::AuthFailed
        } else {
            Discard::MissingAuth
        };
        assert!(link.nodes[0].discards.iter().all(|(_, d)| *d == want));
        assert!(!link.nodes[0].discards.is_empty());
    }
}

#[test]
fn a_poll_is_answered_in_any_state() {
    let (t0, mut s) = session();
    let poll = ControlRepr {
        poll: true,
        ..down_from_peer()
    };
    feed(&mut s, t0, 2, 255, poll).unwrap();
    let finals: Vec<_> = drain(&mut s)
        .into_iter()
        .filter_map(|a| match a {
            Action::Send(p) if p.final_ => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(finals.len(), 1);
    assert!(!finals[0].poll);
    assert_eq!(finals[0].state, State::Init);
}

#[test]
fn remote_required_min_rx_zero_stops_periodic_transmission() {
    let (t0, mut s) = session();
    let quiet = ControlRepr {
        required_min_rx_us: 0,
        ..down_from_peer()
    };
    feed(&mut s, t0, 2, 255, quiet).unwrap();
    drain(&mut s);
    assert_eq!(s.tx_interval(), None);
    // Only the detection timer is left; when it fires nothing is sent until the peer asks.
    let detect = s.poll_timeout().unwrap();
    assert_eq!(detect - t0, ms(3000));
    s.handle_timeout(detect);
    // Back in Down with the remote forgotten: transmission resumes (RemoteMinRx reset to 1).
    let sent: Vec<_> = drain(&mut s);
    assert!(sent
        .iter()
        .any(|a| matches!(a, Action::Send(p) if p.state == State::Down)));
    assert!(s.tx_interval().is_some());
}

#[test]
fn peer_demand_mode_stops_periodic_transmission_while_both_up() {
    let mut link = Link::pair();
    link.run_until(ms(1000));
    // Node 1 pretends to ask for Demand mode: node 0 sees D set while both are Up.
    let t0 = link.now;
    let demand = ControlRepr {
        demand: true,
        state: State::Up,
        your_discr: 0x11,
        desired_min_tx_us: 100_000,
        ..down_from_peer()
    };
    let s = &mut link.nodes[0].session;
    drain(s);
    feed(s, t0, 2, 255, demand).unwrap();
    drain(s);
    assert_eq!(s.tx_interval(), None);
    // Only detection is armed; a Poll is still answered.
    let poll = ControlRepr {
        poll: true,
        ..demand
    };
    feed(s, t0 + ms(10), 2, 255, poll).unwrap();
    assert!(drain(s)
        .iter()
        .any(|a| matches!(a, Action::Send(p) if p.final_)));
    // Without D again, periodic transmission resumes at once.
    let plain = ControlRepr {
        demand: false,
        ..demand
    };
    feed(s, t0 + ms(20), 2, 255, plain).unwrap();
    assert_eq!(s.poll_timeout(), Some(t0 + ms(20)));
}

#[test]
fn source_ports_and_constants() {
    use bfd::transport::*;
    assert_eq!(CONTROL_PORT, 3784);
    assert_eq!(ECHO_PORT, 3785);
    assert!(is_valid_source_port(49152) && is_valid_source_port(65535));
    assert!(!is_valid_source_port(49151));
    for discr in [0, 1, 16383, 16384, u32::MAX] {
        assert!(is_valid_source_port(source_port_for(discr)));
    }
    assert_ne!(source_port_for(1), source_port_for(2));
    assert!(Hops::Single.accepts_ttl(SINGLE_HOP_TTL) && !Hops::Single.accepts_ttl(254));
}

#[test]
fn a_faster_remote_receive_interval_is_honoured_at_once() {
    // Node 1 receives no faster than every second, so node 0 sends once a second.
    let mut b = config(0x22, 1);
    b.required_min_rx = ms(1000);
    let mut link = Link::new(config(0x11, 2), b, ms(1));
    link.run_until(ms(3000));
    assert_eq!(link.nodes[0].session.tx_interval(), Some(ms(1000)));
    // Node 1 now accepts 100 ms. It polls (its own detection time waits for the Final,
    // §6.8.3); node 0 learns the new value from the Poll itself.
    link.input(1, params_rx(100)).unwrap();
    let t = link.elapsed();
    link.run_for(ms(400));
    // §6.8.3: node 0 "MUST honor the new interval immediately": its next packets come at
    // the 100 ms rate, not after the rest of the 1 s interval.
    let sent = link.nodes[0].sent_between(t + ms(2), link.elapsed());
    assert!(sent.len() >= 3, "{sent:?}");
    assert_eq!(link.nodes[0].session.tx_interval(), Some(ms(100)));
}

fn params_rx(rx: u64) -> Input {
    Input::Parameters {
        desired_min_tx: ms(100),
        required_min_rx: ms(rx),
        detect_mult: 3,
    }
}

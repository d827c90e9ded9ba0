//! Replays the captured FRR ↔ BIRD conversation (tests/vectors/frr-bird.trace) into a
//! `Session` standing in for one of the two, at the captured instants: it must take the
//! same steps the real daemon took — the handshake, the Poll / Final exchange, and on the FRR
//! side detecting BIRD's silence at the same instant FRR did.

#[path = "vectors/mod.rs"]
mod vectors;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use bfd::{Action, Config, ControlRepr, Diagnostic, Hops, Input, Session, State};
use vectors::*;

/// What the replayed session did: every action with its instant since the capture began.
struct Replay {
    log: Vec<(Duration, Action)>,
}

impl Replay {
    fn changes(&self) -> Vec<(Duration, State, State, Diagnostic)> {
        self.log
            .iter()
            .filter_map(|(t, a)| match a {
                Action::StateChanged { from, to, diag } => Some((*t, *from, *to, *diag)),
                Action::Send(_) => None,
            })
            .collect()
    }

    fn sent(&self) -> Vec<(Duration, ControlRepr)> {
        self.log
            .iter()
            .filter_map(|(t, a)| match a {
                Action::Send(p) => Some((*t, *p)),
                Action::StateChanged { .. } => None,
            })
            .collect()
    }
}

/// Both daemons ran 300 ms / 300 ms / x3.
fn config(local_discr: u32, peer: IpAddr) -> Config {
    Config {
        local_discr,
        peer,
        hops: Hops::Single,
        desired_min_tx: Duration::from_millis(300),
        required_min_rx: Duration::from_millis(300),
        detect_mult: 3,
        auth: None,
    }
}

/// Feeds the packets `peer` sent, at their instants, to a session for `local_discr`; runs
/// its timers in between and for `tail` after the last packet.
fn replay(local_discr: u32, peer: IpAddr, tail: Duration) -> Replay {
    let t0 = Instant::now();
    let mut session = Session::new(t0, config(local_discr, peer), 42);
    let mut log = Vec::new();
    let mut drain = |s: &mut Session, now: Instant| {
        while let Some(a) = s.poll_action() {
            log.push((now - t0, a));
        }
    };
    let packets: Vec<_> = frr_bird_trace()
        .into_iter()
        .filter(|c| c.src == peer)
        .collect();
    let end = t0 + Duration::from_secs_f64(packets.last().unwrap().t) + tail;
    let mut next = packets.into_iter().peekable();
    loop {
        let at_packet = next.peek().map(|c| t0 + Duration::from_secs_f64(c.t));
        let at_timer = session.poll_timeout();
        match (at_packet, at_timer) {
            (Some(p), t) if t.is_none_or(|t| p < t) => {
                let c = next.next().unwrap();
                let packet = ControlRepr::parse(&c.payload).expect("captured packets parse");
                session
                    .handle(
                        p,
                        Input::Packet {
                            from: c.src,
                            ttl: c.ttl,
                            packet,
                        },
                    )
                    .expect("captured packets are accepted");
                drain(&mut session, p);
            }
            (_, Some(t)) if t <= end => {
                session.handle_timeout(t);
                drain(&mut session, t);
            }
            _ => break,
        }
    }
    Replay { log }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// The capture instant of the first packet from `src` whose bytes are `hex`.
fn instant_of(src: IpAddr, h: &str) -> Duration {
    let bytes = hex(h);
    secs(
        frr_bird_trace()
            .into_iter()
            .find(|c| c.src == src && c.payload == bytes)
            .unwrap_or_else(|| panic!("{h} not in the trace"))
            .t,
    )
}

#[test]
fn standing_in_for_frr_against_birds_packets() {
    let r = replay(FRR_DISCR, BIRD, secs(2.0));
    let changes = r.changes();
    // BIRD's Down → Init (FRR sent its Init on BIRD's first packet it heard).
    assert_eq!((changes[0].1, changes[0].2), (State::Down, State::Init));
    // BIRD's Up with Poll → Up, answered by a Final at once, as FRR_UP_FINAL was.
    let up_at = instant_of(BIRD, BIRD_UP_POLL);
    assert_eq!((changes[1].0, changes[1].2), (up_at, State::Up));
    let finals: Vec<_> = r.sent().into_iter().filter(|(_, p)| p.final_).collect();
    assert_eq!(finals[0].0, up_at);
    let frr_final = ControlRepr::parse(&hex(FRR_UP_FINAL)).unwrap();
    let ours = finals[0].1;
    assert_eq!(
        (
            ours.state,
            ours.my_discr,
            ours.your_discr,
            ours.desired_min_tx_us,
            ours.required_min_rx_us
        ),
        (
            frr_final.state,
            frr_final.my_discr,
            frr_final.your_discr,
            frr_final.desired_min_tx_us,
            frr_final.required_min_rx_us
        )
    );
    // Our own Poll (1 s → 300 ms on coming Up) is ended by BIRD's Final.
    assert!(r.sent().iter().any(|(t, p)| *t == up_at && p.poll));
    // BIRD falls silent; FRR declared Down (diag 1) at 4.890 s. 3 × 300 ms after BIRD's last
    // packet, we do too, within the capture's timestamp resolution.
    let (down_at, from, to, diag) = changes[2];
    assert_eq!(
        (from, to, diag),
        (
            State::Up,
            State::Down,
            Diagnostic::ControlDetectionTimeExpired
        )
    );
    let frr_down = instant_of(FRR, FRR_DOWN_DETECT);
    let gap = down_at.abs_diff(frr_down);
    assert!(
        gap < Duration::from_millis(10),
        "ours {down_at:?}, FRR's {frr_down:?}"
    );
    let first_down = r.sent().into_iter().find(|(t, _)| *t == down_at).unwrap().1;
    let frr = ControlRepr::parse(&hex(FRR_DOWN_DETECT)).unwrap();
    assert_eq!(
        (first_down.diag, first_down.state, first_down.your_discr),
        (frr.diag, frr.state, frr.your_discr)
    );
    assert_eq!(changes.len(), 3);
}

#[test]
fn standing_in_for_bird_against_frrs_packets() {
    let r = replay(BIRD_DISCR, FRR, secs(0.5));
    let changes = r.changes();
    // FRR's first packet is Init: Down → Up at once, as BIRD went (its next packet was Up+P).
    let init_at = instant_of(FRR, FRR_INIT);
    assert_eq!(
        changes[0],
        (init_at, State::Down, State::Up, Diagnostic::None)
    );
    // FRR's Poll is answered with a Final at once.
    let poll_at = instant_of(FRR, FRR_UP_POLL);
    assert!(r.sent().iter().any(|(t, p)| *t == poll_at && p.final_));
    // FRR's Down with diag 1 (it stopped hearing BIRD) → Down, Neighbor Signaled.
    let down_at = instant_of(FRR, FRR_DOWN_DETECT);
    assert_eq!(
        changes[1],
        (
            down_at,
            State::Up,
            State::Down,
            Diagnostic::NeighborSignaledSessionDown
        )
    );
    // FRR's next Down finds us Down: Init, ready for FRR to come back (§6.8.6).
    assert_eq!(
        (changes[2].0, changes[2].2),
        (instant_of(FRR, FRR_DOWN_SLOW), State::Init)
    );
    assert_eq!(changes.len(), 3);
}

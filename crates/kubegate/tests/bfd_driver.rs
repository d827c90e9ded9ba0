//! The BFD driver (`kubegate::bfd`) against real peers, FRR 8.4's bfdd and BIRD 2, in
//! network namespaces: a router namespace runs the peer on 198.18.0.1, a node namespace runs
//! our driver on 198.18.0.11, single hop at 300 ms × 3. The session comes Up; a crashed peer
//! (SIGKILL) or a cut link is detected within the detection time and a margin, with
//! diagnostic 1 (RFC 5880 §6.8.4); the peer's return brings it Up again; our `stop()` shows
//! at the peer as AdminDown (§6.8.16); keyed MD5 / SHA1 (BIRD: FRR 8.4 has no BFD
//! authentication) comes Up with the right key and never with a wrong one; RFC 5883 multihop
//! (UDP 4784) and IPv6 (hop limit through IPV6_RECVHOPLIMIT) come Up and detect a crash too.
//! Detection times are printed.

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kubegate::bfd::{Bfd, BfdAuth, BfdPeer, BfdState, Diagnostic, KeyedKind};
use kubegate_lab::bfd_peers::{PeerAuthKind, PeerConfig, PeerDaemon, PeerKind};
use kubegate_lab::{require_root, serial, Segment};

const ROUTER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const NODE: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 11);
const INTERVAL: Duration = Duration::from_millis(300);
const MULTIPLIER: u8 = 3;
/// Coming Up takes a few packets at the 1 s rate of a session that is not Up (RFC 5880
/// §6.8.3).
const UP_WAIT: Duration = Duration::from_secs(6);
/// The detection time (900 ms) and a margin for a busy two-core machine.
const CRASH_BOUND: Duration = Duration::from_millis(1200);
const LINK_BOUND: Duration = Duration::from_millis(1000);

type Event = (IpAddr, BfdState, Diagnostic, Instant);

/// Fields drop in order: our driver, then the peer daemon, then the namespaces.
struct Lab {
    bfd: Option<Bfd>,
    events: mpsc::Receiver<Event>,
    peer: PeerDaemon,
    segment: Segment,
    multihop: bool,
    router_ip: IpAddr,
    node_ip: IpAddr,
}

fn lab(kind: PeerKind, peer_auth: Option<(PeerAuthKind, u8, &str)>) -> io::Result<Lab> {
    lab_with(kind, peer_auth, false, false)
}

fn lab_with(
    kind: PeerKind,
    peer_auth: Option<(PeerAuthKind, u8, &str)>,
    multihop: bool,
    ipv6: bool,
) -> io::Result<Lab> {
    require_root()?;
    kubegate_lab::bfd_peers::require(kind)?;
    let segment = Segment::new(&[("router", ROUTER), ("node", NODE)])?;
    // The segment gives every host an IPv6 address too (2001:2::/48, RFC 5180).
    let (router_ip, node_ip) = if ipv6 {
        let v6 = |host| segment.host(host).map(|h| IpAddr::V6(h.address6));
        (v6("router")?, v6("node")?)
    } else {
        (IpAddr::V4(ROUTER), IpAddr::V4(NODE))
    };
    let peer = PeerDaemon::start(
        segment.netns("router")?,
        PeerConfig {
            kind,
            local: router_ip,
            neighbor: node_ip,
            interface: "eth0".into(),
            interval: INTERVAL,
            multiplier: MULTIPLIER,
            multihop,
            auth: peer_auth.map(|(k, id, p)| (k, id, p.to_owned())),
        },
    )?;
    let (_, events) = mpsc::channel();
    let mut lab = Lab {
        bfd: None,
        events,
        peer,
        segment,
        multihop,
        router_ip,
        node_ip,
    };
    lab.start_ours(None)?;
    Ok(lab)
}

impl Lab {
    /// Starts (or restarts) our driver in the node namespace.
    fn start_ours(&mut self, auth: Option<BfdAuth>) -> io::Result<()> {
        if let Some(old) = self.bfd.take() {
            old.stop();
        }
        let (tx, events) = mpsc::channel();
        let peers = vec![BfdPeer {
            peer: self.router_ip,
            local: self.node_ip,
            multihop: self.multihop,
            interval: INTERVAL,
            multiplier: MULTIPLIER,
            auth,
        }];
        let on_change = Box::new(move |peer, state, diag, _remote| {
            let _ = tx.send((peer, state, diag, Instant::now()));
        });
        let bfd = self
            .segment
            .netns("node")?
            .enter(move || Bfd::start(peers, on_change))??;
        self.bfd = Some(bfd);
        self.events = events;
        Ok(())
    }

    fn bfd(&self) -> &Bfd {
        self.bfd.as_ref().expect("our driver runs")
    }

    /// Waits for our session to change to `state`; returns the diagnostic and when.
    fn wait_ours(&self, state: BfdState, timeout: Duration) -> (Diagnostic, Instant) {
        let until = Instant::now() + timeout;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok((peer, to, diag, at)) if to == state => {
                    assert_eq!(peer, self.router_ip);
                    return (diag, at);
                }
                Ok(_) => {}
                Err(_) => panic!(
                    "our session did not go {state:?} within {timeout:?}; status {:?}; peer \
                     {:?}; peer log:\n{}",
                    self.bfd().status(),
                    self.peer.session(self.node_ip),
                    self.peer.log()
                ),
            }
        }
    }

    /// Both sides Up.
    fn wait_up(&self) {
        self.wait_ours(BfdState::Up, UP_WAIT);
        self.peer
            .wait_for(self.node_ip, UP_WAIT, |s| s.state == "up")
            .unwrap_or_else(|e| panic!("{e}\npeer log:\n{}", self.peer.log()));
        let status = self.bfd().status();
        assert_eq!(status.len(), 1);
        let s = &status[0];
        assert_eq!(s.state, BfdState::Up);
        assert_eq!(s.tx_interval, Some(INTERVAL), "300 ms negotiated: {s:?}");
        assert_eq!(s.rx_interval, Some(INTERVAL), "{s:?}");
        assert_eq!(s.remote_multiplier, Some(MULTIPLIER), "{s:?}");
        assert_eq!(s.detect_time, Some(INTERVAL * 3), "{s:?}");
        assert!(
            s.packets_in > 0 && s.packets_out > 0 && s.remote_discr != 0,
            "{s:?}"
        );
    }
}

fn crash_is_detected_and_the_peer_comes_back(
    kind: PeerKind,
    multihop: bool,
    ipv6: bool,
) -> io::Result<()> {
    let _serial = serial();
    let mut lab = lab_with(kind, None, multihop, ipv6)?;
    lab.wait_up();
    let killed = Instant::now();
    lab.peer.kill()?;
    let (diag, at) = lab.wait_ours(BfdState::Down, Duration::from_secs(3));
    let took = at - killed;
    println!(
        "{kind:?} killed (SIGKILL, multihop {multihop}, IPv6 {ipv6}): our side Down after \
         {took:?}"
    );
    assert_eq!(diag, Diagnostic::ControlDetectionTimeExpired);
    assert!(
        took <= CRASH_BOUND,
        "detected after {took:?} > {CRASH_BOUND:?}"
    );
    // The status is the BFD thread's picture as of its last round: it may follow the
    // change by a moment.
    let shown = Instant::now();
    while lab.bfd().status()[0].last_diag != Diagnostic::ControlDetectionTimeExpired {
        assert!(
            shown.elapsed() < Duration::from_secs(1),
            "the status should show why: {:?}",
            lab.bfd().status()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    lab.peer.restart()?;
    lab.wait_up();
    Ok(())
}

fn link_cut_is_detected_within_a_second(kind: PeerKind) -> io::Result<()> {
    let _serial = serial();
    let lab = lab(kind, None)?;
    lab.wait_up();
    let cut = Instant::now();
    lab.segment.cut_carrier("router")?;
    let (diag, at) = lab.wait_ours(BfdState::Down, Duration::from_secs(3));
    let took = at - cut;
    println!("{kind:?}: router's link cut, our side Down after {took:?}");
    assert_eq!(diag, Diagnostic::ControlDetectionTimeExpired);
    assert!(
        took <= LINK_BOUND,
        "detected after {took:?} > {LINK_BOUND:?}"
    );
    lab.segment.restore_carrier("router")?;
    lab.wait_up();
    Ok(())
}

fn stop_shows_admin_down_at_the_peer(kind: PeerKind) -> io::Result<()> {
    let _serial = serial();
    let mut lab = lab(kind, None)?;
    lab.wait_up();
    // stop() lingers (repeating AdminDown) for up to a detection time: watch the peer
    // meanwhile, from when stop() was called.
    let bfd = lab.bfd.take().expect("running");
    let stopped = Instant::now();
    let stopping = std::thread::spawn(move || bfd.stop());
    let seen = lab
        .peer
        .wait_for(lab.node_ip, Duration::from_secs(3), |s| s.state == "down")?;
    let took = stopped.elapsed();
    stopping.join().expect("stop() returns");
    println!("{kind:?} shows our stop after {took:?}: {seen:?}");
    if kind == PeerKind::Frr {
        // FRR shows the diagnostic we sent.
        assert_eq!(
            seen.remote_diagnostic.as_deref(),
            Some("administratively down"),
            "{seen:?}"
        );
    }
    // Both went Down on our AdminDown, well before their detection time (900 ms after our
    // last Up packet) would have expired.
    assert!(
        took < Duration::from_millis(600),
        "{kind:?} went Down only after {took:?}"
    );
    Ok(())
}

/// Our side's authentication: `None` is simple password, else that keyed form; key id 5.
fn ours(kind: Option<KeyedKind>, secret: &str) -> BfdAuth {
    match kind {
        None => BfdAuth::SimplePassword {
            key_id: 5,
            password: secret.as_bytes().to_vec(),
        },
        Some(kind) => BfdAuth::Keyed {
            kind,
            key_id: 5,
            secret: secret.as_bytes().to_vec(),
        },
    }
}

/// The right key: Up; a wrong one (same id): never Up, and the packets are counted as
/// failing authentication.
fn authentication_with_bird(peer_kind: PeerAuthKind, kind: Option<KeyedKind>) -> io::Result<()> {
    let _serial = serial();
    let mut lab = lab(PeerKind::Bird, Some((peer_kind, 5, "kgsecret")))?;
    lab.start_ours(Some(ours(kind, "kgsecret")))?;
    lab.wait_up();
    assert!(lab.bfd().status()[0].auth.is_some());
    lab.start_ours(Some(ours(kind, "wrongkey")))?;
    // BIRD stopped sending when our first driver went AdminDown (it may: we asked for no
    // packets, RFC 5880 §6.8.16) and resumes only on a packet it accepts; a fresh BIRD
    // talks to us from the start.
    lab.peer.restart()?;
    lab.peer
        .wait_for(lab.node_ip, Duration::from_secs(3), |s| s.state != "up")?;
    let watch_until = Instant::now() + Duration::from_millis(2500);
    while Instant::now() < watch_until {
        if let Ok((_, state, _, _)) = lab.events.recv_timeout(Duration::from_millis(100)) {
            assert_ne!(state, BfdState::Up, "came Up with a wrong key");
            assert_ne!(state, BfdState::Init, "heard the peer with a wrong key");
        }
        let peer = lab.peer.session(lab.node_ip)?;
        assert!(
            peer.as_ref().is_none_or(|s| s.state != "up"),
            "BIRD Up with a wrong key: {peer:?}"
        );
    }
    let status = &lab.bfd().status()[0];
    assert_eq!(status.state, BfdState::Down);
    // Keyed packets fail in the driver, a simple password in the session (`AuthFailed`).
    assert!(
        status.dropped > 0
            && status
                .last_drop
                .as_deref()
                .is_some_and(|d| d.contains("uthenticat") || d.contains("AuthFailed")),
        "{status:?}"
    );
    Ok(())
}

#[test]
fn frr_crash_is_detected_and_the_peer_comes_back() -> io::Result<()> {
    crash_is_detected_and_the_peer_comes_back(PeerKind::Frr, false, false)
}

#[test]
fn bird_crash_is_detected_and_the_peer_comes_back() -> io::Result<()> {
    crash_is_detected_and_the_peer_comes_back(PeerKind::Bird, false, false)
}

#[test]
fn frr_link_cut_is_detected_within_a_second() -> io::Result<()> {
    link_cut_is_detected_within_a_second(PeerKind::Frr)
}

#[test]
fn bird_link_cut_is_detected_within_a_second() -> io::Result<()> {
    link_cut_is_detected_within_a_second(PeerKind::Bird)
}

#[test]
fn frr_sees_admin_down_when_we_stop() -> io::Result<()> {
    stop_shows_admin_down_at_the_peer(PeerKind::Frr)
}

#[test]
fn bird_sees_down_when_we_stop() -> io::Result<()> {
    stop_shows_admin_down_at_the_peer(PeerKind::Bird)
}

#[test]
fn bird_keyed_sha1() -> io::Result<()> {
    authentication_with_bird(PeerAuthKind::KeyedSha1, Some(KeyedKind::KeyedSha1))
}

#[test]
fn bird_meticulous_keyed_sha1() -> io::Result<()> {
    authentication_with_bird(
        PeerAuthKind::MeticulousKeyedSha1,
        Some(KeyedKind::MeticulousKeyedSha1),
    )
}

#[test]
fn bird_keyed_md5() -> io::Result<()> {
    authentication_with_bird(PeerAuthKind::KeyedMd5, Some(KeyedKind::KeyedMd5))
}

#[test]
fn bird_meticulous_keyed_md5() -> io::Result<()> {
    authentication_with_bird(
        PeerAuthKind::MeticulousKeyedMd5,
        Some(KeyedKind::MeticulousKeyedMd5),
    )
}

#[test]
fn bird_simple_password() -> io::Result<()> {
    authentication_with_bird(PeerAuthKind::Simple, None)
}

#[test]
fn frr_multihop_crash_is_detected_and_the_peer_comes_back() -> io::Result<()> {
    crash_is_detected_and_the_peer_comes_back(PeerKind::Frr, true, false)
}

#[test]
fn bird_multihop_crash_is_detected_and_the_peer_comes_back() -> io::Result<()> {
    crash_is_detected_and_the_peer_comes_back(PeerKind::Bird, true, false)
}

#[test]
fn frr_ipv6_crash_is_detected_and_the_peer_comes_back() -> io::Result<()> {
    crash_is_detected_and_the_peer_comes_back(PeerKind::Frr, false, true)
}

#[test]
fn bird_ipv6_crash_is_detected_and_the_peer_comes_back() -> io::Result<()> {
    crash_is_detected_and_the_peer_comes_back(PeerKind::Bird, false, true)
}

/// RFC 5881 §5: a single-hop session drops a packet whose TTL is not 255, even one that is
/// otherwise right (our discriminator, from the peer's address); the TTL comes from the
/// socket (IP_RECVTTL), so this checks the whole receive path.
#[test]
fn a_packet_with_a_ttl_below_255_is_dropped() -> io::Result<()> {
    let _serial = serial();
    let lab = lab(PeerKind::Frr, None)?;
    lab.wait_up();
    let ours = lab.bfd().status()[0].clone();
    let forged = bfd::ControlRepr {
        diag: Diagnostic::None,
        state: BfdState::Down,
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        detect_mult: 3,
        my_discr: ours.remote_discr,
        your_discr: ours.local_discr,
        desired_min_tx_us: 300_000,
        required_min_rx_us: 300_000,
        required_min_echo_rx_us: 0,
        auth: None,
    }
    .to_bytes()
    .expect("a valid packet");
    lab.segment.netns("router")?.enter(|| -> io::Result<()> {
        let socket = std::net::UdpSocket::bind((ROUTER, 49999))?;
        socket.set_ttl(64)?;
        socket.send_to(&forged, (NODE, 3784))?;
        Ok(())
    })??;
    let until = Instant::now() + Duration::from_secs(2);
    loop {
        let status = lab.bfd().status()[0].clone();
        if status.last_drop.as_deref() == Some("BadTtl(64)") {
            // A Down packet accepted would have taken the session Down (§6.8.6).
            assert_eq!(status.state, BfdState::Up, "{status:?}");
            return Ok(());
        }
        assert!(
            Instant::now() < until,
            "not dropped for its TTL: {status:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `set_admin_down` takes one session AdminDown (FRR shows the diagnostic) and back Up.
#[test]
fn frr_follows_our_admin_down_and_up() -> io::Result<()> {
    let _serial = serial();
    let lab = lab(PeerKind::Frr, None)?;
    lab.wait_up();
    lab.bfd().set_admin_down(lab.router_ip, true);
    let (diag, _) = lab.wait_ours(BfdState::AdminDown, Duration::from_secs(1));
    assert_eq!(diag, Diagnostic::AdministrativelyDown);
    let seen = lab
        .peer
        .wait_for(lab.node_ip, Duration::from_secs(1), |s| s.state == "down")?;
    assert_eq!(
        seen.remote_diagnostic.as_deref(),
        Some("administratively down")
    );
    lab.bfd().set_admin_down(lab.router_ip, false);
    lab.wait_up();
    Ok(())
}

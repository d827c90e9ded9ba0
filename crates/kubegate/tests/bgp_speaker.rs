//! The BGP speaker against real routers in network namespaces: FRR 8.4 (bgpd), BIRD 2 and
//! GoBGP 3. A router namespace and three speaker namespaces on one segment; each speaker
//! announces the VIP's /32 with communities. The routers hold one path per speaker with the
//! speaker's address as next hop (ECMP installed in the kernel for FRR and BIRD); a
//! withdrawal or a stop (Cease) removes that path within a second; a peer reset from outside
//! (BFD) drops the session at once, with nothing kept stale; TCP-MD5 with the right key comes
//! up, with a wrong one it never does and the status says why; an IPv6 /128 over an IPv6
//! session; a router that starts late is reached by retrying, and one that falls silent
//! expires the hold timer on both sides; a node whose address changes reconnects from the
//! new one (the next hop follows); a router that floods us with routes is reset with a Cease.

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use kubegate::bgp::{Announcement, PeerConfig, Speaker, SpeakerConfig};
use kubegate_lab::routers::bird::BirdRouter;
use kubegate_lab::routers::frr::{FrrOptions, FrrRouter};
use kubegate_lab::routers::gobgp::GobgpRouter;
use kubegate_lab::routers::{
    kernel_next_hops, wait_until, BgpRouter, Neighbor, Path, RouterConfig,
};
use kubegate_lab::Segment;

const ROUTER_AS: u32 = 64500;
const CLUSTER_AS: u32 = 64512;
const ROUTER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const NODES: [(&str, Ipv4Addr); 3] = [
    ("node1", Ipv4Addr::new(198, 18, 0, 11)),
    ("node2", Ipv4Addr::new(198, 18, 0, 12)),
    ("node3", Ipv4Addr::new(198, 18, 0, 13)),
];
const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 10, 50);
const VIP_PREFIX: &str = "198.18.10.50/32";
const COMMUNITY: (u16, u16) = (64512, 100);
const LARGE: (u32, u32, u32) = (64512, 1, 1);
/// Sessions come up within this (the speakers connect at once; retries every second).
const SESSION_UP: Duration = Duration::from_secs(10);
/// A withdrawal or a Cease reaches the router's table within this.
const WITHDRAWN: Duration = Duration::from_secs(1);

/// One lab at a time: the machine has two cores and timing-sensitive neighbours.
fn lab_lock() -> MutexGuard<'static, ()> {
    static LAB: Mutex<()> = Mutex::new(());
    LAB.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The segment and the speakers; speakers stop before the namespaces go.
struct Lab {
    speakers: Vec<(Ipv4Addr, Option<Speaker>)>,
    segment: Segment,
}

fn segment() -> Segment {
    kubegate_lab::require_root().expect("root is needed");
    let mut hosts = vec![("router", ROUTER)];
    hosts.extend(NODES);
    Segment::new(&hosts).expect("the lab segment")
}

fn neighbors(password: Option<&str>) -> Vec<Neighbor> {
    NODES
        .iter()
        .map(|&(_, a)| Neighbor {
            address: IpAddr::V4(a),
            asn: CLUSTER_AS,
            password: password.map(str::to_string),
        })
        .collect()
}

fn peer(router: IpAddr, md5: Option<&[u8]>) -> PeerConfig {
    let mut p = PeerConfig::new(router, ROUTER_AS);
    p.md5_key = md5.map(<[u8]>::to_vec);
    p.connect_retry = Duration::from_secs(1);
    p
}

fn announcement() -> Announcement {
    let mut a = Announcement::host(IpAddr::V4(VIP));
    a.communities = vec![u32::from(COMMUNITY.0) << 16 | u32::from(COMMUNITY.1)];
    a.large_communities = vec![LARGE];
    a
}

impl Lab {
    /// Starts a speaker in each node's namespace, each announcing the VIP.
    fn start(segment: Segment, md5: &[Option<&[u8]>; 3]) -> Lab {
        let mut speakers = Vec::new();
        for (i, &(name, address)) in NODES.iter().enumerate() {
            let config = SpeakerConfig {
                local_as: CLUSTER_AS,
                router_id: address,
                peers: vec![peer(IpAddr::V4(ROUTER), md5[i])],
            };
            let ns = segment.netns(name).expect("node namespace");
            let speaker = ns
                .enter(|| Speaker::start(config))
                .expect("enter the node's namespace")
                .expect("speaker starts");
            speaker.announce(announcement());
            speakers.push((address, Some(speaker)));
        }
        Lab { speakers, segment }
    }

    fn speaker(&self, i: usize) -> &Speaker {
        self.speakers[i].1.as_ref().expect("speaker running")
    }
}

fn next_hops(paths: &[Path]) -> Vec<IpAddr> {
    let mut hops: Vec<IpAddr> = paths.iter().map(|p| p.next_hop).collect();
    hops.sort();
    hops
}

fn all_nodes() -> Vec<IpAddr> {
    NODES.iter().map(|&(_, a)| IpAddr::V4(a)).collect()
}

fn wait_established(router: &dyn BgpRouter, want: &[IpAddr]) {
    let mut want = want.to_vec();
    want.sort();
    wait_until(
        SESSION_UP,
        &format!("{} sessions Established", router.kind()),
        || {
            let mut up = router.established()?;
            up.sort();
            Ok((up == want).then_some(()))
        },
    )
    .unwrap_or_else(|e| panic!("{e}; established: {:?}", router.established()));
}

/// Waits until the router holds exactly one path per address in `from` for the VIP.
fn wait_paths(router: &dyn BgpRouter, from: &[IpAddr], within: Duration) -> Vec<Path> {
    let mut want = from.to_vec();
    want.sort();
    wait_until(
        within,
        &format!("{} paths from {want:?}", router.kind()),
        || {
            let paths = router.paths(VIP_PREFIX)?;
            Ok((next_hops(&paths) == want).then_some(paths))
        },
    )
    .unwrap_or_else(|e| panic!("{e}; holds: {:?}", router.paths(VIP_PREFIX)))
}

fn assert_attributes(paths: &[Path]) {
    for p in paths {
        assert_eq!(p.communities, vec![COMMUNITY], "communities of {p:?}");
        assert_eq!(
            p.large_communities,
            vec![LARGE],
            "large communities of {p:?}"
        );
    }
}

/// Everything every router must do: sessions, the paths with next hops and communities,
/// and a withdrawal removing one path within a second.
fn sessions_paths_and_withdrawal(lab: &Lab, router: &dyn BgpRouter) {
    let nodes = all_nodes();
    wait_established(router, &nodes);
    let paths = wait_paths(router, &nodes, SESSION_UP);
    assert_attributes(&paths);
    for (i, s) in lab.speakers.iter().enumerate() {
        let st = &s.1.as_ref().expect("running").status()[0];
        assert_eq!(
            st.state,
            bgp::State::Established,
            "node{} status {st:?}",
            i + 1
        );
        assert_eq!(st.routes_announced, 1, "node{} status {st:?}", i + 1);
        assert_eq!(st.local_address, Some(IpAddr::V4(NODES[i].1)));
    }

    let started = Instant::now();
    lab.speaker(1).withdraw(IpAddr::V4(VIP));
    wait_paths(router, &[nodes[0], nodes[2]], WITHDRAWN);
    println!(
        "{}: withdrawal seen after {:?}",
        router.kind(),
        started.elapsed()
    );
    assert_eq!(lab.speaker(1).status()[0].routes_announced, 0);
    assert_eq!(
        lab.speaker(1).status()[0].state,
        bgp::State::Established,
        "a withdrawal keeps the session"
    );
}

/// Waits until the router's kernel table has one next hop per address in `want` for the VIP
/// (the router installs its ECMP paths a moment after its BGP table has them).
fn wait_kernel_ecmp(lab: &Lab, want: &[IpAddr]) {
    let rns = lab.segment.netns("router").expect("router namespace");
    let mut want = want.to_vec();
    want.sort();
    wait_until(WITHDRAWN, "ECMP next hops in the router's kernel", || {
        let mut hops = kernel_next_hops(rns, VIP_PREFIX)?;
        hops.sort();
        Ok((hops == want).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}: {:?}", kernel_next_hops(rns, VIP_PREFIX)));
}

/// `stop()` sends a Cease: the router drops the session and the path at once.
fn stop_withdraws(lab: &mut Lab, router: &dyn BgpRouter, i: usize, remaining: &[IpAddr]) {
    let started = Instant::now();
    lab.speakers[i].1.take().expect("running").stop();
    wait_paths(router, remaining, WITHDRAWN);
    println!(
        "{}: stop withdrawn after {:?}",
        router.kind(),
        started.elapsed()
    );
    let why = router
        .last_error(IpAddr::V4(NODES[i].1))
        .expect("router's view");
    println!("{}: says of the stopped node: {why}", router.kind());
    assert!(
        why.to_lowercase().contains("shutdown") || why.to_lowercase().contains("cease"),
        "{} should have seen a Cease (administrative shutdown) from node{}: {why}",
        router.kind(),
        i + 1
    );
}

#[test]
fn frr_holds_one_path_per_speaker_and_drops_withdrawn_stopped_and_reset_ones() {
    let _lab = lab_lock();
    let segment = segment();
    let ns = segment.netns("router").unwrap();
    let router = FrrRouter::start(
        ns,
        RouterConfig::new(ROUTER_AS, ROUTER, neighbors(None)),
        &FrrOptions::default(),
    )
    .expect("FRR starts");
    let mut lab = Lab::start(segment, &[None, None, None]);
    sessions_paths_and_withdrawal(&lab, &router);
    wait_kernel_ecmp(&lab, &[all_nodes()[0], all_nodes()[2]]);
    stop_withdraws(&mut lab, &router, 2, &[all_nodes()[0]]);

    // A connection that just closes (what a killed process or a BFD reset leaves): FRR is a
    // graceful restart helper by default, but our capability names no family (RFC 4724 §3),
    // so it keeps nothing stale and the path goes at once.
    let started = Instant::now();
    lab.speaker(0)
        .peer_down(IpAddr::V4(ROUTER), "BFD session down");
    wait_paths(&router, &[], WITHDRAWN);
    println!("frr: reset seen after {:?}", started.elapsed());
}

#[test]
fn bird_holds_one_path_per_speaker_and_drops_withdrawn_and_stopped_ones() {
    let _lab = lab_lock();
    let segment = segment();
    let ns = segment.netns("router").unwrap();
    let router = BirdRouter::start(ns, RouterConfig::new(ROUTER_AS, ROUTER, neighbors(None)))
        .expect("BIRD starts");
    let mut lab = Lab::start(segment, &[None, None, None]);
    sessions_paths_and_withdrawal(&lab, &router);
    wait_kernel_ecmp(&lab, &[all_nodes()[0], all_nodes()[2]]);
    stop_withdraws(&mut lab, &router, 2, &[all_nodes()[0]]);
}

#[test]
fn a_late_router_is_reached_by_retrying_and_a_silent_one_expires_the_hold_timer() {
    let _lab = lab_lock();
    let segment = segment();
    // No router yet: the kernel refuses the connections, and the speakers keep trying.
    let mut lab = Lab::start(segment, &[None, None, None]);
    let why = wait_until(SESSION_UP, "a refused connection reported", || {
        Ok(lab.speaker(0).status()[0].last_error.clone())
    })
    .unwrap();
    assert_eq!(why, "connection refused");

    let mut config = RouterConfig::new(ROUTER_AS, ROUTER, neighbors(None));
    config.hold_time = 3;
    config.keepalive = 1;
    let ns = lab.segment.netns("router").unwrap();
    let router = BirdRouter::start(ns, config).expect("BIRD starts");
    wait_established(&router, &all_nodes());
    wait_paths(&router, &all_nodes(), SESSION_UP);

    // node1 and the router stop hearing each other: both hold timers (3 s, the smallest
    // RFC 4271 §4.2 allows) expire; the router drops the path, the speaker says why.
    let started = Instant::now();
    lab.segment
        .partition("router", "node1")
        .expect("partition (nftables)");
    let bound = Duration::from_secs(3) + WITHDRAWN;
    wait_paths(&router, &all_nodes()[1..], bound);
    println!("bird: silent node withdrawn after {:?}", started.elapsed());
    let why = wait_until(WITHDRAWN, "the speaker's hold timer", || {
        let st = &lab.speaker(0).status()[0];
        Ok(st
            .last_error
            .clone()
            .filter(|_| st.state != bgp::State::Established))
    })
    .unwrap();
    assert_eq!(why, "hold timer expired");
    assert!(
        started.elapsed() <= bound + WITHDRAWN,
        "{:?}",
        started.elapsed()
    );

    lab.segment.heal("router", "node1").unwrap();
    wait_paths(&router, &all_nodes(), SESSION_UP + SESSION_UP);
}

#[test]
fn a_node_whose_address_changes_reconnects_from_the_new_one() {
    let _lab = lab_lock();
    let segment = segment();
    let moved = Ipv4Addr::new(198, 18, 0, 21);
    let mut neighbors = neighbors(None);
    neighbors.push(Neighbor {
        address: IpAddr::V4(moved),
        asn: CLUSTER_AS,
        password: None,
    });
    let mut config = RouterConfig::new(ROUTER_AS, ROUTER, neighbors);
    config.hold_time = 3;
    config.keepalive = 1;
    let ns = segment.netns("router").unwrap();
    let router = BirdRouter::start(ns, config).expect("BIRD starts");
    let lab = Lab::start(segment, &[None, None, None]);
    wait_paths(&router, &all_nodes(), SESSION_UP);

    let node1 = lab.segment.netns("node1").unwrap();
    node1
        .ip(&["addr", "del", "198.18.0.11/24", "dev", "eth0"])
        .unwrap();
    node1
        .ip(&["addr", "add", "198.18.0.21/24", "dev", "eth0"])
        .unwrap();
    // The hold timer (3 s) ends the old session, the idle hold (5 s) passes, the old
    // address cannot be bound: the session is made again from the new one.
    let mut want = all_nodes()[1..].to_vec();
    want.push(IpAddr::V4(moved));
    wait_paths(&router, &want, SESSION_UP + SESSION_UP);
    let st = &lab.speaker(0).status()[0];
    assert_eq!(st.local_address, Some(IpAddr::V4(moved)), "{st:?}");
    assert_eq!(st.state, bgp::State::Established, "{st:?}");
}

#[test]
fn a_router_flooding_us_with_routes_is_reset_with_a_cease() {
    let _lab = lab_lock();
    let segment = segment();
    // One more route than the speaker keeps, originated by FRR itself.
    let networks: Vec<String> = (0..=kubegate::bgp::MAX_RECEIVED_ROUTES)
        .map(|i| format!("198.19.{}.{}/32", i / 256, i % 256))
        .collect();
    let ns = segment.netns("router").unwrap();
    let options = FrrOptions {
        bfd: false,
        networks,
    };
    let router = FrrRouter::start(
        ns,
        RouterConfig::new(ROUTER_AS, ROUTER, neighbors(None)),
        &options,
    )
    .expect("FRR starts");
    let lab = Lab::start(segment, &[None, None, None]);
    // RFC 4486 §4: Cease, subcode 1, maximum number of prefixes reached.
    let why = wait_until(SESSION_UP, "the speaker resets the flooding router", || {
        Ok(lab.speaker(0).status()[0]
            .last_error
            .clone()
            .filter(|e| e.starts_with("we sent")))
    })
    .unwrap();
    assert_eq!(
        why,
        "we sent NOTIFICATION 6/1 cease: maximum number of prefixes reached"
    );
    let seen = router.last_error(IpAddr::V4(NODES[0].1)).unwrap();
    assert!(
        seen.contains("Maximum Number of Prefixes"),
        "FRR should have received the Cease: {seen}"
    );
}

#[test]
fn frr_with_bfdd_runs_a_bfd_session_towards_each_speaker() {
    let _lab = lab_lock();
    let segment = segment();
    let ns = segment.netns("router").unwrap();
    let options = FrrOptions {
        bfd: true,
        networks: Vec::new(),
    };
    let router = FrrRouter::start(
        ns,
        RouterConfig::new(ROUTER_AS, ROUTER, neighbors(None)),
        &options,
    )
    .expect("FRR with bfdd starts");
    let _lab_speakers = Lab::start(segment, &[None, None, None]);
    wait_established(&router, &all_nodes());
    // No BFD speaks for the nodes yet (that is the BFD driver's part): bfdd has a session
    // for each, not up, and BGP does not wait for it.
    let peers = wait_until(SESSION_UP, "bfdd's sessions", || {
        let p = router.bfd_peers()?;
        Ok((p.len() == NODES.len()).then_some(p))
    })
    .unwrap_or_else(|e| panic!("{e}: {:?}", router.bfd_peers()));
    let mut addresses: Vec<IpAddr> = peers.iter().map(|(a, _)| *a).collect();
    addresses.sort();
    assert_eq!(addresses, all_nodes());
    assert!(peers.iter().all(|(_, status)| status != "up"), "{peers:?}");
}

#[test]
fn gobgp_holds_every_path_and_drops_reset_and_withdrawn_ones() {
    let _lab = lab_lock();
    let segment = segment();
    let ns = segment.netns("router").unwrap();
    let router = GobgpRouter::start(ns, RouterConfig::new(ROUTER_AS, ROUTER, neighbors(None)))
        .expect("GoBGP starts");
    let lab = Lab::start(segment, &[None, None, None]);
    sessions_paths_and_withdrawal(&lab, &router);

    // What BFD does when it declares the router gone (RFC 5882 §10.2): the session drops
    // at once, not at the hold timer; here the router sees the connection close.
    let started = Instant::now();
    lab.speaker(0)
        .peer_down(IpAddr::V4(ROUTER), "BFD session down");
    wait_paths(&router, &[all_nodes()[2]], WITHDRAWN);
    println!("gobgp: reset seen after {:?}", started.elapsed());
    let st = &lab.speaker(0).status()[0];
    assert_ne!(st.state, bgp::State::Established, "{st:?}");
    assert_eq!(st.last_error.as_deref(), Some("reset: BFD session down"));
    // It comes back by itself (the IdleHoldTime, RFC 4271 §8.1.1) with its route.
    wait_paths(&router, &[all_nodes()[0], all_nodes()[2]], SESSION_UP);

    // SIGTERM's first step: every route withdrawn, confirmed once written.
    assert!(lab.speaker(2).withdraw_all(Duration::from_secs(1)));
    wait_paths(&router, &[all_nodes()[0]], WITHDRAWN);
    assert!(lab.speaker(2).announcements().is_empty());
    assert_eq!(lab.speaker(2).status()[0].state, bgp::State::Established);
}

#[test]
fn md5_with_the_right_key_comes_up_and_with_a_wrong_one_never_does() {
    let _lab = lab_lock();
    let segment = segment();
    let ns = segment.netns("router").unwrap();
    let router = FrrRouter::start(
        ns,
        RouterConfig::new(ROUTER_AS, ROUTER, neighbors(Some("kubegate-md5"))),
        &FrrOptions::default(),
    )
    .expect("FRR starts");
    let right: &[u8] = b"kubegate-md5";
    let wrong: &[u8] = b"not-the-key";
    let mut lab = Lab::start(segment, &[Some(right), Some(wrong), None]);
    wait_established(&router, &[all_nodes()[0]]);
    wait_paths(&router, &[all_nodes()[0]], SESSION_UP);
    for i in [1, 2] {
        let why = wait_until(SESSION_UP, "the status says why", || {
            let st = &lab.speaker(i).status()[0];
            Ok(st
                .last_error
                .clone()
                .filter(|_| st.state != bgp::State::Established))
        })
        .unwrap();
        println!("node{}: {why}", i + 1);
        assert!(
            why.contains("MD5"),
            "node{}'s last error should point at MD5: {why}",
            i + 1
        );
    }
    // Several connection attempts later, still only the right key is up.
    for i in [1, 2] {
        wait_until(SESSION_UP, "three more connection attempts", || {
            Ok((lab.speaker(i).status()[0].connect_attempts >= 3).then_some(()))
        })
        .unwrap_or_else(|e| panic!("node{}: {e}: {:?}", i + 1, lab.speaker(i).status()));
    }
    assert_eq!(router.established().unwrap(), vec![all_nodes()[0]]);
    for i in [1, 2] {
        let st = &lab.speaker(i).status()[0];
        assert_eq!(st.established_count, 0, "node{}: {st:?}", i + 1);
    }
    // A speaker whose router does not answer stops at once: no thread sits in a connect.
    let started = Instant::now();
    lab.speakers[1].1.take().expect("running").stop();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "stop took {:?}",
        started.elapsed()
    );
}

#[test]
fn an_ipv6_host_route_goes_over_an_ipv6_session_to_frr() {
    let _lab = lab_lock();
    let segment = segment();
    let router6 = segment.host("router").unwrap().address6;
    let node6 = segment.host("node1").unwrap().address6;
    let ns = segment.netns("router").unwrap();
    let config = RouterConfig::new(
        ROUTER_AS,
        ROUTER,
        vec![Neighbor {
            address: IpAddr::V6(node6),
            asn: CLUSTER_AS,
            password: None,
        }],
    );
    let router = FrrRouter::start(ns, config, &FrrOptions::default()).expect("FRR starts");
    let vip6: IpAddr = "2001:2:0:10::50".parse().unwrap();
    let speaker = segment
        .netns("node1")
        .unwrap()
        .enter(|| {
            Speaker::start(SpeakerConfig {
                local_as: CLUSTER_AS,
                router_id: NODES[0].1,
                peers: vec![peer(IpAddr::V6(router6), None)],
            })
        })
        .unwrap()
        .expect("speaker starts");
    let mut a = announcement();
    a.prefix = vip6;
    speaker.announce(a);
    wait_established(&router, &[IpAddr::V6(node6)]);
    let prefix = "2001:2:0:10::50/128";
    let paths = wait_until(SESSION_UP, "the /128 at FRR", || {
        let p = router.paths(prefix)?;
        Ok((!p.is_empty()).then_some(p))
    })
    .unwrap();
    assert_eq!(next_hops(&paths), vec![IpAddr::V6(node6)]);
    assert_attributes(&paths);
    speaker.withdraw(vip6);
    wait_until(WITHDRAWN, "the /128 withdrawn", || {
        Ok(router.paths(prefix)?.is_empty().then_some(()))
    })
    .unwrap();
    speaker.stop();
}

#[test]
fn bad_peer_settings_are_refused_before_anything_starts() {
    let base = || PeerConfig::new(IpAddr::V4(ROUTER), ROUTER_AS);
    let mut short_hold = base();
    short_hold.hold_time = Duration::from_secs(2);
    let mut long_key = base();
    long_key.md5_key = Some(vec![b'k'; 81]);
    let mut other_family = base();
    other_family.local_address = Some("2001:2::11".parse().unwrap());
    let link_local = PeerConfig::new("fe80::1".parse().unwrap(), ROUTER_AS);
    let as_zero = PeerConfig::new(IpAddr::V4(ROUTER), 0);
    for (p, why) in [
        (short_hold, "hold time"),
        (long_key, "MD5 key"),
        (other_family, "other IP version"),
        (link_local, "link-local"),
        (as_zero, "AS 0"),
    ] {
        let err = Speaker::start(SpeakerConfig {
            local_as: CLUSTER_AS,
            router_id: NODES[0].1,
            peers: vec![p],
        })
        .err()
        .expect("refused");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains(why), "{err}");
    }
    let dup = Speaker::start(SpeakerConfig {
        local_as: CLUSTER_AS,
        router_id: NODES[0].1,
        peers: vec![base(), base()],
    });
    assert!(dup.err().expect("refused").to_string().contains("twice"));
    let no_id = Speaker::start(SpeakerConfig {
        local_as: CLUSTER_AS,
        router_id: Ipv4Addr::UNSPECIFIED,
        peers: vec![base()],
    });
    assert!(no_id
        .err()
        .expect("refused")
        .to_string()
        .contains("router id"));
}

//! Raw protocol-112 sockets between two lab hosts, IPv4 and IPv6, multicast and unicast.

mod sys_support;

use std::net::IpAddr;
use std::os::fd::AsFd;
use std::time::Duration;

use kubegate_lab::Segment;
use kubegate_sys::vrrp_socket::{Received, VrrpSocket, VrrpSocketConfig, GROUP_V4, GROUP_V6};
use kubegate_sys::wait_readable;
use sys_support::{link_local, segment, tear_down};

/// A VRRPv3 advertisement, VRID 51, priority 100, one address (the socket does not look inside).
const ADVERT: [u8; 12] = [0x31, 51, 100, 1, 0x00, 0x64, 0x12, 0x34, 198, 18, 0, 50];

fn open(lab: &Segment, host: &str, source: IpAddr, multicast: bool) -> VrrpSocket {
    let config = VrrpSocketConfig {
        interface: "eth0".into(),
        source,
        multicast,
    };
    lab.netns(host)
        .unwrap()
        .enter(|| VrrpSocket::open(&config))
        .unwrap()
        .unwrap()
}

/// The next datagram on `socket` within a second, with its payload.
fn receive(socket: &VrrpSocket) -> Option<(Received, Vec<u8>)> {
    let mut buf = [0u8; 2048];
    sys_support::eventually(Duration::from_secs(1), || {
        wait_readable(socket.as_fd(), Some(Duration::from_millis(100))).unwrap();
        let r = socket.recv(&mut buf).unwrap()?;
        let payload = buf[r.payload.clone()].to_vec();
        Some((r, payload))
    })
}

#[test]
fn ipv4_multicast_and_unicast_arrive_with_ttl_255() {
    let lab = segment(2, false);
    let a_addr = IpAddr::V4(lab.host("node1").unwrap().address);
    let b_addr = IpAddr::V4(lab.host("node2").unwrap().address);
    let a = open(&lab, "node1", a_addr, true);
    let b = open(&lab, "node2", b_addr, true);
    assert_eq!(a.source(), a_addr);

    a.send_to(&ADVERT, IpAddr::V4(GROUP_V4)).unwrap();
    let (r, payload) = receive(&b).expect("multicast advert reaches node2");
    assert_eq!((r.src, r.dst, r.ttl), (a_addr, IpAddr::V4(GROUP_V4), 255));
    assert_eq!(payload, ADVERT);

    a.send_to(&ADVERT, b_addr).unwrap();
    let (r, payload) = receive(&b).expect("unicast advert reaches node2");
    assert_eq!((r.src, r.dst, r.ttl), (a_addr, b_addr, 255));
    assert_eq!(payload, ADVERT);

    // Multicast loop is off: the sender never hears itself.
    assert!(receive(&a).is_none(), "node1 received its own advert");
    assert!(
        a.send_to(&ADVERT, IpAddr::V6(GROUP_V6)).is_err(),
        "family mismatch"
    );
    tear_down(lab);
}

#[test]
fn ipv6_multicast_and_unicast_arrive_with_hop_limit_255() {
    let lab = segment(2, false);
    let a_ll = IpAddr::V6(link_local(&lab, "node1"));
    let a_global = IpAddr::V6(lab.host("node1").unwrap().address6);
    let b_global = IpAddr::V6(lab.host("node2").unwrap().address6);
    let a = open(&lab, "node1", a_ll, true);
    let a_unicast = open(&lab, "node1", a_global, false);
    let b = open(&lab, "node2", IpAddr::V6(link_local(&lab, "node2")), true);

    a.send_to(&ADVERT, IpAddr::V6(GROUP_V6)).unwrap();
    let (r, payload) = receive(&b).expect("multicast advert reaches node2");
    assert_eq!((r.src, r.dst, r.ttl), (a_ll, IpAddr::V6(GROUP_V6), 255));
    assert_eq!(payload, ADVERT);

    // The source comes from the socket's configuration (IPV6_PKTINFO), not the kernel's choice.
    a_unicast.send_to(&ADVERT, b_global).unwrap();
    let (r, payload) = receive(&b).expect("unicast advert reaches node2");
    assert_eq!((r.src, r.dst, r.ttl), (a_global, b_global, 255));
    assert_eq!(payload, ADVERT);

    assert!(receive(&a).is_none(), "node1 received its own advert");
    tear_down(lab);
}

#[test]
fn ipv4_source_is_the_configured_address_not_the_primary() {
    let lab = segment(2, false);
    let ns = lab.netns("node1").unwrap();
    // A second address on node1; the kernel would pick the primary .11 on its own.
    ns.ip(&["addr", "add", "198.18.0.61/24", "dev", "eth0"])
        .unwrap();
    let second: IpAddr = "198.18.0.61".parse().unwrap();
    let b_addr = IpAddr::V4(lab.host("node2").unwrap().address);
    let a = open(&lab, "node1", second, false);
    let b = open(&lab, "node2", b_addr, false);
    a.send_to(&ADVERT, b_addr).unwrap();
    let (r, _) = receive(&b).expect("advert reaches node2");
    assert_eq!(r.src, second);
    tear_down(lab);
}

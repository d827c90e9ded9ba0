//! Gratuitous ARP and unsolicited neighbour advertisements change a peer's neighbour table.

mod sys_support;

use std::net::IpAddr;
use std::time::Duration;

use kubegate_lab::Segment;
use kubegate_sys::announce::Announcer;
use kubegate_sys::interface;
use sys_support::{eventually, segment, tear_down};

const FAKE_MAC: &str = "02:00:00:00:00:99";

fn mac_of(lab: &Segment, host: &str) -> String {
    let mac = lab
        .netns(host)
        .unwrap()
        .enter(|| interface::mac("eth0"))
        .unwrap()
        .unwrap();
    interface::format_mac(mac)
}

fn wait_for_mac(lab: &Segment, host: &str, ip: IpAddr, mac: &str) {
    let seen = eventually(Duration::from_secs(2), || {
        let now = lab.arp_neighbour(host, ip).unwrap();
        (now.as_deref() == Some(mac)).then_some(())
    });
    assert!(
        seen.is_some(),
        "{host} has {:?} for {ip}, expected {mac}",
        lab.arp_neighbour(host, ip).unwrap()
    );
}

#[test]
fn one_call_announces_ipv4_and_ipv6_addresses() {
    let lab = segment(2, false);
    let b = lab.netns("node2").unwrap();
    // node2 learns new IPv4 neighbours from gratuitous ARP (a per-namespace sysctl) …
    b.sysctl("net.ipv4.conf.all.arp_accept", "1").unwrap();
    b.sysctl("net.ipv4.conf.eth0.arp_accept", "1").unwrap();
    let fresh: IpAddr = "198.18.0.50".parse().unwrap();
    // … and holds stale entries with a wrong MAC for the others, as after a failover.
    let stale4: IpAddr = "198.18.0.51".parse().unwrap();
    let stale6: IpAddr = "2001:2::50".parse().unwrap();
    for ip in [stale4, stale6] {
        let ip = ip.to_string();
        b.ip(&[
            "neigh", "replace", &ip, "lladdr", FAKE_MAC, "dev", "eth0", "nud", "stale",
        ])
        .unwrap();
    }
    assert_eq!(lab.arp_neighbour("node2", fresh).unwrap(), None);
    assert_eq!(
        lab.arp_neighbour("node2", stale6).unwrap().as_deref(),
        Some(FAKE_MAC)
    );
    // The kernel ignores an ARP that would override an entry updated within locktime (1 s
    // by default) unless it is gratuitous; wait it out so the test shows the GARP itself works.
    std::thread::sleep(Duration::from_millis(1100));

    let a_mac = mac_of(&lab, "node1");
    lab.netns("node1")
        .unwrap()
        .enter(|| Announcer::open("eth0")?.announce(&[fresh, stale4, stale6]))
        .unwrap()
        .unwrap();

    wait_for_mac(&lab, "node2", fresh, &a_mac);
    wait_for_mac(&lab, "node2", stale4, &a_mac);
    // node2 accepts the advertisement only with a correct ICMPv6 checksum, which the kernel
    // computed for us, and hop limit 255 (RFC 4861 §7.1.2).
    wait_for_mac(&lab, "node2", stale6, &a_mac);
    tear_down(lab);
}

#[test]
fn announcing_on_a_missing_interface_fails() {
    let lab = segment(1, false);
    let err = lab
        .netns("node1")
        .unwrap()
        .enter(|| Announcer::open("eth9"))
        .unwrap()
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENODEV), "{err}");
    tear_down(lab);
}

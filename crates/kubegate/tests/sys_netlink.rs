//! Netlink addresses and link state against real interfaces in lab namespaces.

mod sys_support;

use std::net::IpAddr;
use std::os::fd::AsFd;
use std::time::Duration;

use kubegate_sys::netlink::{LinkEvent, LinkEvents, Netlink};
use kubegate_sys::{interface, wait_readable};
use sys_support::{segment, tear_down};

#[test]
fn ipv4_address_with_label_appears_and_disappears() {
    let lab = segment(1, false);
    let ns = lab.netns("node1").unwrap();
    let vip: IpAddr = "198.18.0.50".parse().unwrap();
    let listed = || ns.ip(&["-o", "-4", "addr", "show", "dev", "eth0"]).unwrap();

    let found = ns
        .enter(|| {
            let mut nl = Netlink::open()?;
            let index = interface::index("eth0")?;
            assert!(!nl.has_address(index, vip)?);
            nl.add_address(index, vip, 32, Some("eth0:vip"))?;
            nl.add_address(index, vip, 32, Some("eth0:vip"))?; // present already: still Ok
            let found = nl.addresses(index)?.into_iter().find(|a| a.address == vip);
            std::io::Result::Ok(found)
        })
        .unwrap()
        .unwrap();
    let found = found.expect("netlink lists the new address");
    assert_eq!(
        (found.prefix_len, found.label.as_deref()),
        (32, Some("eth0:vip"))
    );
    let out = listed();
    assert!(
        out.contains("inet 198.18.0.50/32") && out.contains("eth0:vip"),
        "{out}"
    );
    assert!(out.contains("inet 198.18.0.11/24"), "{out}");

    ns.enter(|| {
        let mut nl = Netlink::open()?;
        let index = interface::index("eth0")?;
        nl.del_address(index, vip, 32)?;
        nl.del_address(index, vip, 32)?; // absent already: still Ok
        assert!(!nl.has_address(index, vip)?);
        std::io::Result::Ok(())
    })
    .unwrap()
    .unwrap();
    let out = listed();
    assert!(!out.contains("198.18.0.50"), "{out}");
    assert!(
        out.contains("inet 198.18.0.11/24"),
        "the node's own address stays: {out}"
    );
    tear_down(lab);
}

#[test]
fn ipv6_address_is_usable_at_once() {
    let lab = segment(1, false);
    let ns = lab.netns("node1").unwrap();
    // DAD is on again for this interface, so only IFA_F_NODAD keeps the address from being
    // tentative.
    ns.sysctl("net.ipv6.conf.eth0.accept_dad", "1").unwrap();
    let vip: IpAddr = "2001:2::50".parse().unwrap();
    ns.enter(|| {
        let mut nl = Netlink::open()?;
        let index = interface::index("eth0")?;
        nl.add_address(index, vip, 64, None)?;
        nl.add_address(index, vip, 64, None)?;
        assert!(nl.has_address(index, vip)?);
        std::io::Result::Ok(())
    })
    .unwrap()
    .unwrap();
    let out = ns.ip(&["-o", "-6", "addr", "show", "dev", "eth0"]).unwrap();
    let line = out
        .lines()
        .find(|l| l.contains("2001:2::50/64"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(!line.contains("tentative"), "{line}");

    ns.enter(|| {
        let mut nl = Netlink::open()?;
        let index = interface::index("eth0")?;
        nl.del_address(index, vip, 64)?;
        nl.del_address(index, vip, 64)?;
        std::io::Result::Ok(())
    })
    .unwrap()
    .unwrap();
    let out = ns.ip(&["-o", "-6", "addr", "show", "dev", "eth0"]).unwrap();
    assert!(!out.contains("2001:2::50/"), "{out}");
    tear_down(lab);
}

/// Waits up to two seconds for an event about `index` with the wanted `up`.
fn wait_for(events: &mut LinkEvents, index: u32, up: bool) -> LinkEvent {
    let found = sys_support::eventually(Duration::from_secs(2), || {
        wait_readable(events.as_fd(), Some(Duration::from_millis(100))).unwrap();
        events
            .recv()
            .unwrap()
            .into_iter()
            .find(|e| e.index == index && e.up == up)
    });
    found.unwrap_or_else(|| panic!("no link event up={up} for index {index}"))
}

#[test]
fn carrier_loss_and_return_arrive_as_link_events() {
    let lab = segment(1, false);
    let ns = lab.netns("node1").unwrap();
    let (mut events, index) = ns
        .enter(|| std::io::Result::Ok((LinkEvents::open()?, interface::index("eth0")?)))
        .unwrap()
        .unwrap();
    assert!(events.recv().unwrap().is_empty(), "nothing happened yet");
    assert!(ns.enter(|| interface::is_up("eth0")).unwrap().unwrap());

    lab.cut_carrier("node1").unwrap();
    let down = wait_for(&mut events, index, false);
    assert!(
        down.state.admin_up && !down.state.carrier && !down.removed,
        "{down:?}"
    );
    assert_eq!(down.state.name.as_deref(), Some("eth0"));
    let state = ns.enter(|| Netlink::open()?.link(index)).unwrap().unwrap();
    assert!(
        !state.is_up() && state.admin_up && !state.carrier,
        "{state:?}"
    );
    assert!(!ns.enter(|| interface::is_up("eth0")).unwrap().unwrap());
    let shown = ns.ip(&["link", "show", "dev", "eth0"]).unwrap();
    assert!(shown.contains("NO-CARRIER"), "{shown}");

    lab.restore_carrier("node1").unwrap();
    let up = wait_for(&mut events, index, true);
    assert!(up.state.carrier, "{up:?}");
    assert!(ns
        .enter(|| Netlink::open()?.link(index))
        .unwrap()
        .unwrap()
        .is_up());

    lab.link_down("node1").unwrap();
    let down = wait_for(&mut events, index, false);
    assert!(!down.state.admin_up, "{down:?}");
    lab.link_up("node1").unwrap();
    wait_for(&mut events, index, true);
    tear_down(lab);
}

#[test]
fn link_of_a_missing_interface_is_an_error() {
    let lab = segment(1, false);
    let ns = lab.netns("node1").unwrap();
    let err = ns
        .enter(|| Netlink::open()?.link(9999))
        .unwrap()
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENODEV), "{err}");
    tear_down(lab);
}

#[test]
fn connections_from_a_vip_are_reset_and_its_listener_and_other_connections_stay() {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    let lab = segment(1, false);
    let ns = lab.netns("node1").unwrap();
    let vip: IpAddr = "198.18.0.50".parse().unwrap();
    let outcome = ns
        .enter(|| {
            let mut nl = Netlink::open()?;
            let index = interface::index("eth0")?;
            nl.add_address(index, vip, 32, None)?;
            let on_vip = TcpListener::bind((vip, 0))?;
            let on_lo = TcpListener::bind(("127.0.0.1", 0))?;
            let mut client = TcpStream::connect(on_vip.local_addr()?)?;
            let (_server, _) = on_vip.accept()?;
            let mut other = TcpStream::connect(on_lo.local_addr()?)?;
            let (mut other_server, _) = on_lo.accept()?;

            let reset = kubegate_sys::netlink::reset_connections_from(vip)?;
            client.set_read_timeout(Some(Duration::from_secs(2)))?;
            let mut buf = [0u8; 8];
            let read = client.read(&mut buf).map_err(|e| e.kind());
            // The loopback connection still carries data.
            other.write_all(b"ping")?;
            other_server.read_exact(&mut buf[..4])?;
            // The VIP's listener still accepts.
            let _again = TcpStream::connect(on_vip.local_addr()?)?;
            let accepted = on_vip.accept().is_ok();
            std::io::Result::Ok((reset, read, &buf[..4] == b"ping", accepted))
        })
        .unwrap()
        .unwrap();
    tear_down(lab);
    let (reset, read, loopback_ok, accepted) = outcome;
    // Both ends have the VIP as local address here; destroying one may take the other first.
    assert!((1..=2).contains(&reset), "{reset} sockets reset");
    // Destroyed: aborted; reset by its peer's RST: reset. Either way, at once.
    assert!(
        matches!(
            read,
            Err(std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted)
        ),
        "{read:?}"
    );
    assert!(loopback_ok && accepted);
}

//! The interface and subnet of each VIP on this node: the interface exists and is up, it carries
//! this node's address, and the VIP lies inside its subnet (else gratuitous ARP / unsolicited
//! NA for the VIP may not reach the router). IPv4 and IPv6 alike. Pure given the local
//! addresses and the link state; `check` reads those.

use std::io;
use std::net::IpAddr;

use super::finding::Finding;
use super::vrid::Ear;
use kubegate_config::interface::resolve_interface;
use kubegate_config::local_addrs::LocalAddr;
use kubegate_config::model::{InterfaceChoice, Node, Vip};

fn subject(vip: &Vip) -> String {
    format!("vip {} {}", vip.name, vip.address)
}

/// The findings for `vip` on node `me`, and where to listen for its adverts (an interface and
/// a local address of the VIP's family on it), when there is such a place. `link_up` says
/// whether an interface is up and running.
pub fn judge(
    vip: &Vip,
    me: &Node,
    local: &[LocalAddr],
    link_up: impl Fn(&str) -> io::Result<bool>,
) -> (Vec<Finding>, Option<Ear>) {
    let mut out = Vec::new();
    let resolved = match resolve_interface(vip, me, local) {
        Ok(r) => r,
        Err(why) => {
            let advice = match &vip.interface {
                InterfaceChoice::Named(_) => {
                    "set `interface:` to the interface that carries this node's address on the VIP's \
                     segment (see `ip -br addr`), or `auto`"
                }
                InterfaceChoice::Auto => {
                    "put this node's address on the interface facing the VIP's segment, or set \
                     `interface:` for the VIP"
                }
            };
            out.push(Finding::fail(subject(vip), why, advice));
            return (out, None);
        }
    };
    let ifname = resolved.name.clone();
    match link_up(&ifname) {
        Ok(true) => out.push(Finding::ok(
            subject(vip),
            format!("interface {ifname} is up"),
        )),
        Ok(false) => out.push(Finding::fail(
            subject(vip),
            format!("interface {ifname} is down (or has no carrier)"),
            format!("bring it up (`ip link set {ifname} up`) and check its cable / virtual switch"),
        )),
        Err(e) => out.push(Finding::fail(
            subject(vip),
            format!("interface {ifname}: {e}"),
            "check the interface name (`ip -br link`)",
        )),
    }
    let carries_me = local
        .iter()
        .any(|a| a.interface == ifname && a.address == me.address);
    if !carries_me {
        out.push(Finding::warn(
            subject(vip),
            format!(
                "{ifname} does not carry this node's address {} ({})",
                me.address, me.name
            ),
            "adverts leave from the node's address: use the interface that carries it, or list \
             the node with the address it has on this segment",
        ));
    }
    let family = if vip.address.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    };
    match resolved.subnet {
        None => {
            out.push(Finding::fail(
                subject(vip),
                format!("{ifname} has no {family} address; VRRP for this VIP cannot run there"),
                format!("give {ifname} an {family} address on the VIP's subnet"),
            ));
            return (out, None);
        }
        Some((addr, len)) if resolved.vip_in_subnet => out.push(Finding::ok(
            subject(vip),
            format!("inside the subnet of {ifname} ({addr}/{len})"),
        )),
        Some((addr, len)) => out.push(Finding::warn(
            subject(vip),
            format!(
                "outside the subnet of {ifname} ({addr}/{len}): gratuitous ARP / neighbour \
                 advertisements may not reach the router, and hosts on the segment need a route"
            ),
            format!(
                "pick a VIP inside {addr}/{len}, or have the router route {} to the nodes",
                vip.address
            ),
        )),
    }
    let source = if carries_me && me.address.is_ipv4() == vip.address.is_ipv4() {
        Some(me.address)
    } else {
        resolved.subnet.map(|(a, _)| a)
    };
    let ear = source.map(|source: IpAddr| Ear {
        interface: ifname,
        source,
    });
    (out, ear)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::finding::Severity;

    fn cfg(vip: &str, interface: &str) -> kubegate_config::model::ClusterConfig {
        let (a, b) = if vip.contains(':') {
            ("2001:2::11", "2001:2::12")
        } else {
            ("198.18.0.11", "198.18.0.12")
        };
        let text = format!(
            "nodes:\n  - {{ name: a, address: {a} }}\n  - {{ name: b, address: {b} }}\n\
             vips:\n  - name: api\n    address: {vip}\n    interface: {interface}\n    vrrp: {{ vrid: 51 }}\n"
        );
        kubegate_config::parse_str(&text, std::path::Path::new("t.yaml")).unwrap()
    }

    fn local() -> Vec<LocalAddr> {
        let a = |i: &str, ip: &str, len| LocalAddr {
            interface: i.into(),
            address: ip.parse().unwrap(),
            prefix_len: len,
        };
        vec![
            a("lo", "127.0.0.1", 8),
            a("eth0", "198.18.0.11", 24),
            a("eth0", "2001:2::11", 64),
            a("eth1", "198.19.0.11", 24),
        ]
    }

    fn run(vip: &str, interface: &str, up: bool) -> (Vec<(Severity, String)>, Option<Ear>) {
        let c = cfg(vip, interface);
        let (f, ear) = judge(&c.vips[0], &c.nodes[0], &local(), |_| Ok(up));
        (f.into_iter().map(|f| (f.severity, f.found)).collect(), ear)
    }

    #[test]
    fn all_good_on_auto() {
        let (f, ear) = run("198.18.0.50/24", "auto", true);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().all(|(s, _)| *s == Severity::Ok), "{f:?}");
        assert_eq!(f[1].1, "inside the subnet of eth0 (198.18.0.11/24)");
        let ear = ear.unwrap();
        assert_eq!(
            (ear.interface.as_str(), ear.source.to_string().as_str()),
            ("eth0", "198.18.0.11")
        );
    }

    #[test]
    fn outside_the_subnet_warns_about_garp() {
        let (f, _) = run("198.18.1.50/24", "auto", true);
        assert_eq!(f[1].0, Severity::Warn);
        assert!(f[1].1.contains("gratuitous ARP"), "{}", f[1].1);
    }

    #[test]
    fn down_link_fails() {
        let (f, _) = run("198.18.0.50/24", "auto", false);
        assert_eq!(f[0].0, Severity::Fail);
        assert!(f[0].1.contains("eth0 is down"));
    }

    #[test]
    fn named_interface_without_our_address_warns_and_listens_from_its_own() {
        let (f, ear) = run("198.19.0.50/24", "eth1", true);
        assert_eq!(f[1].0, Severity::Warn);
        assert!(f[1]
            .1
            .contains("does not carry this node's address 198.18.0.11"));
        assert_eq!(f[2].0, Severity::Ok);
        assert_eq!(ear.unwrap().source.to_string(), "198.19.0.11");
    }

    #[test]
    fn ipv6_vip_uses_the_ipv6_subnet() {
        let (f, ear) = run("2001:2::50/64", "auto", true);
        assert!(f.iter().all(|(s, _)| *s == Severity::Ok), "{f:?}");
        assert_eq!(ear.unwrap().source.to_string(), "2001:2::11");
        let (f, _) = run("2001:3::50/64", "auto", true);
        assert_eq!(f[1].0, Severity::Warn);
    }

    #[test]
    fn unknown_interface_fails() {
        let (f, ear) = run("198.18.0.50/24", "eth9", true);
        assert_eq!(f[0].0, Severity::Fail);
        assert!(f[0].1.contains("eth9"), "{}", f[0].1);
        assert!(ear.is_none());
    }
}

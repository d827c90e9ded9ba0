//! From the validated cluster config to one node's `vrrp::Config` for one VIP (pure).

use std::net::IpAddr;
use vrrp::Auth;

use kubegate_config::handover::{handover_linger, handover_offer, handover_timeout};
use kubegate_config::model::{ClusterConfig, Node, Transport, Vip};

/// Multicast groups of VRRP (RFC 5798 §5.1.1.2 and §5.1.2.2).
pub const MULTICAST_V4: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(224, 0, 0, 18));
pub const MULTICAST_V6: IpAddr =
    IpAddr::V6(std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12));

/// The router configuration for `me` and `vip`.
pub fn router_config(cluster: &ClusterConfig, vip: &Vip, me: &Node) -> vrrp::Config {
    let (peers, multicast_sources) = match vip.vrrp.transport {
        Transport::Multicast if vip.vrrp.accept_any_source => (None, None),
        Transport::Multicast => (None, Some(peers(cluster, vip, me))),
        Transport::Unicast => (Some(peers(cluster, vip, me)), None),
    };
    let interval_cs = (vip.vrrp.advert_interval.as_millis() / 10) as u16;
    vrrp::Config {
        version: vip.vrrp.version,
        vrid: vip.vrrp.vrid,
        priority: vip.priority_of(&me.name),
        interval_cs,
        preempt: vip.vrrp.preempt,
        step_aside_below: vip.step_aside_floor(),
        preempt_delay: vip.vrrp.preempt_delay,
        primary_address: me.address,
        vips: vip.addresses().iter().map(|&(a, _)| a).collect(),
        auth: match vip.vrrp.auth_pass {
            Some(p) => Auth::Pass(p),
            None => Auth::None,
        },
        unicast_peers: peers,
        multicast_sources,
        announce_repeat_after: vip.announce.repeat_after,
        handover_timeout: handover_timeout(vip.vrrp.advert_interval),
        handover_linger: handover_linger(vip.vrrp.advert_interval),
        handover_offer: match vip.step_aside_floor() {
            Some(_) => handover_offer(vip.vrrp.advert_interval),
            None => std::time::Duration::ZERO,
        },
    }
}

/// The other nodes of the file, of the VIP's address family: the unicast peers, and in either
/// transport the routers expected on the VRID.
pub fn peers(cluster: &ClusterConfig, vip: &Vip, me: &Node) -> Vec<IpAddr> {
    cluster.peers_of(vip, me)
}

/// Where adverts go: the multicast group, or each unicast peer.
pub fn destinations(config: &vrrp::Config) -> Vec<IpAddr> {
    match &config.unicast_peers {
        Some(peers) => peers.clone(),
        None if config.primary_address.is_ipv4() => vec![MULTICAST_V4],
        None => vec![MULTICAST_V6],
    }
}

//! Is the VRID already used on the segment? Listen on each VIP's interface for a bounded time
//! (multicast and unicast adverts both arrive on the raw protocol-112 socket) and judge what
//! was heard: adverts for our VRID from a router that is not one of our nodes, or for other
//! addresses than our VIP, mean two virtual routers share one VRID — another cluster, or a
//! keepalived on the same segment — and fight over one virtual MAC address.
//!
//! Only what reaches this node can be heard: a foreign router in unicast mode that sends to
//! other hosts stays unseen.

use std::collections::BTreeSet;
use std::io;
use std::net::IpAddr;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use vrrp::AdvertRepr;

use super::finding::Finding;
use kubegate_config::model::{ClusterConfig, Vip};
use kubegate_sys::vrrp_socket::{VrrpSocket, VrrpSocketConfig};

/// One advert heard on an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    pub interface: String,
    pub from: IpAddr,
    pub advert: AdvertRepr,
}

/// How long to listen for a VIP: three of its advert intervals (a master sends one per
/// interval, RFC 5798 §6.4.3), at least 1 s, at most `cap`.
pub fn listen_time(advert_interval: Duration, cap: Duration) -> Duration {
    (advert_interval * 3).max(Duration::from_secs(1)).min(cap)
}

fn subject(vip: &Vip, interface: &str) -> String {
    format!("vrid {} on {interface}", vip.vrrp.vrid)
}

fn addresses(a: &AdvertRepr) -> String {
    a.addresses
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The findings for `vip` (on `interface`) from everything heard there during `listened`.
pub fn judge(
    cfg: &ClusterConfig,
    vip: &Vip,
    interface: &str,
    heard: &[Heard],
    listened: Duration,
) -> Vec<Finding> {
    let vrid = vip.vrrp.vrid;
    let ours = |from: IpAddr| cfg.nodes.iter().find(|n| n.address == from);
    let mut out = Vec::new();
    let mut own = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let here = || {
        heard
            .iter()
            .filter(|h| h.interface == interface && h.from.is_ipv4() == vip.address.is_ipv4())
    };
    // Taken: heard on the segment, or used by another VIP of this file.
    let used: BTreeSet<u8> = here()
        .map(|h| h.advert.vrid)
        .chain(cfg.vips.iter().map(|v| v.vrrp.vrid))
        .collect();
    for h in here().filter(|h| h.advert.vrid == vrid) {
        let addresses: Vec<IpAddr> = vip.addresses().iter().map(|&(a, _)| a).collect();
        let same_vip = h.advert.addresses == addresses;
        let node = ours(h.from);
        if let Some(node) = node.filter(|_| same_vip && settings_match(vip, &h.advert)) {
            own.insert(node.name.clone());
            continue;
        }
        // One finding per sender and address list, however many adverts it sent.
        if !seen.insert((h.from, h.advert.addresses.clone())) {
            continue;
        }
        out.push(match (node, same_vip) {
            (Some(node), true) => other_settings(vip, interface, &node.name, &h.advert),
            (None, true) => stranger(vip, interface, h.from),
            (Some(node), false) => foreign(
                vip,
                interface,
                &h.advert,
                format!("node {} ({}) advertises", node.name, h.from),
                &used,
            ),
            (None, false) => foreign(
                vip,
                interface,
                &h.advert,
                format!("{}, which is none of the nodes, advertises", h.from),
                &used,
            ),
        });
    }
    if !own.is_empty() {
        let names: Vec<String> = own.into_iter().collect();
        out.push(Finding::ok(
            subject(vip, interface),
            format!(
                "kubegate already runs on {} for VIP {} {}",
                names.join(", "),
                vip.name,
                vip.address
            ),
        ));
    } else if out.is_empty() {
        out.push(Finding::ok(
            subject(vip, interface),
            format!(
                "no other router advertises VRID {vrid} (listened {} ms)",
                listened.as_millis()
            ),
        ));
    }
    out
}

fn interval_cs(vip: &Vip) -> u16 {
    u16::try_from(vip.vrrp.advert_interval.as_millis() / 10).unwrap_or(u16::MAX)
}

/// Version and advert interval as the file has them. A v3 backup would adopt another interval
/// (RFC 5798 §6.4.2), but a v2 router drops adverts with another interval (RFC 3768 §7.1) and
/// mixed versions work together only in the limited ways of RFC 5798 §8.4.
fn settings_match(vip: &Vip, advert: &AdvertRepr) -> bool {
    advert.version == vip.vrrp.version && advert.interval_cs == interval_cs(vip)
}

fn advert_settings(version: vrrp::Version, interval_cs: u16) -> String {
    let v = if version == vrrp::Version::V2 { 2 } else { 3 };
    format!("VRRPv{v} every {} ms", u32::from(interval_cs) * 10)
}

/// One of our nodes advertises our VIP with another version or interval than the file's.
fn other_settings(vip: &Vip, interface: &str, node: &str, advert: &AdvertRepr) -> Finding {
    Finding::warn(
        subject(vip, interface),
        format!(
            "node {node} advertises VIP {} {} with {}, but the file says {}: a keepalived still \
             running there, or kubegate with another config",
            vip.name,
            vip.address,
            advert_settings(advert.version, advert.interval_cs),
            advert_settings(vip.vrrp.version, interval_cs(vip)),
        ),
        format!(
            "stop the old router on {node} before starting kubegate there, or make the file's \
             `version` / `advert_interval` match it while migrating"
        ),
    )
}

/// Our VRID and our VIP from a router that is none of the nodes: the file lacks a node, or
/// another installation protects the same address.
fn stranger(vip: &Vip, interface: &str, from: IpAddr) -> Finding {
    Finding::fail(
        subject(vip, interface),
        format!(
            "{from}, which is none of the nodes, advertises VIP {} {} with VRID {}",
            vip.name, vip.address, vip.vrrp.vrid
        ),
        format!(
            "if {from} belongs to this cluster, list it under `nodes:`; otherwise stop the router \
             there (a keepalived or kube-vip still running?) before kubegate takes the address"
        ),
    )
}

/// Another virtual router with our VRID: `who` is the start of the sentence.
fn foreign(
    vip: &Vip,
    interface: &str,
    advert: &AdvertRepr,
    who: String,
    used: &BTreeSet<u8>,
) -> Finding {
    let vrid = vip.vrrp.vrid;
    Finding::fail(
        subject(vip, interface),
        format!(
            "{who} VRID {vrid} for {} ({}, priority {}), not for VIP {} {}: two virtual routers \
             with one VRID fight over one virtual MAC",
            addresses(advert),
            advert_settings(advert.version, advert.interval_cs),
            advert.priority,
            vip.name,
            vip.address
        ),
        format!(
            "pick another `vrid` for VIP {} (free on this segment: {}), or stop the other router \
             (another cluster's kubegate, or a keepalived still running with \
             `virtual_router_id {vrid}`)",
            vip.name,
            free_suggestions(used, vrid)
        ),
    )
}

/// A few VRIDs nobody was heard using, starting after `taken`.
fn free_suggestions(used: &BTreeSet<u8>, taken: u8) -> String {
    (1..=255u8)
        .cycle()
        .skip(usize::from(taken))
        .take(255)
        .filter(|v| !used.contains(v) && *v != taken)
        .take(3)
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The most adverts kept from one listening period (a flood must not grow memory unboundedly).
pub const MAX_HEARD: usize = 4096;

/// Where to listen: an interface and a local address of one family on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ear {
    pub interface: String,
    pub source: IpAddr,
}

/// Listens on every ear at once for `time`, joined to the VRRP multicast group, and returns
/// every well-formed advert heard. An ear that cannot be opened is returned as an error of its
/// own, the others still listen.
pub fn listen(ears: &[Ear], time: Duration) -> (Vec<Heard>, Vec<(Ear, io::Error)>) {
    let mut sockets = Vec::new();
    let mut errors = Vec::new();
    for ear in ears {
        let opened = VrrpSocket::open(&VrrpSocketConfig {
            interface: ear.interface.clone(),
            source: ear.source,
            multicast: true,
        });
        match opened {
            Ok(s) => sockets.push((ear, s)),
            Err(e) => errors.push((ear.clone(), e)),
        }
    }
    let mut heard = Vec::new();
    let until = Instant::now() + time;
    let mut buf = vec![0u8; 2048];
    while !sockets.is_empty() {
        let now = Instant::now();
        if now >= until {
            break;
        }
        let fds: Vec<_> = sockets.iter().map(|(_, s)| s.as_fd()).collect();
        let ready = match kubegate_sys::wait_any(&fds, Some(until - now)) {
            Ok(r) => r,
            Err(e) => {
                // poll(2) itself failed: no ear can be trusted to have heard everything.
                for (ear, _) in sockets.drain(..) {
                    errors.push((ear.clone(), io::Error::new(e.kind(), e.to_string())));
                }
                break;
            }
        };
        for (i, (ear, socket)) in sockets.iter().enumerate() {
            if !ready[i] {
                continue;
            }
            // Drain what is waiting; a bound on the count keeps a flood from holding us here.
            for _ in 0..64 {
                match socket.recv(&mut buf) {
                    Ok(Some(r)) => {
                        if heard.len() >= MAX_HEARD {
                            continue;
                        }
                        if let Ok((advert, _)) = AdvertRepr::parse(&buf[r.payload], r.src, r.dst) {
                            heard.push(Heard {
                                interface: ear.interface.clone(),
                                from: r.src,
                                advert,
                            });
                        }
                    }
                    Ok(None) | Err(_) => break,
                }
            }
        }
    }
    (heard, errors)
}

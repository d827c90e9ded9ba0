//! A frontend whose listener would take the port of one of its own backends on the same
//! machine: the bind is the backend itself (a loop, or a node's apiserver port), or a wildcard
//! bind (0.0.0.0; `[::]`, which the balancer opens dual-stack) on the port of a backend at a
//! node's own address or on loopback. Every node of `nodes:` runs every frontend, so this is
//! known from the file alone. At run time such a frontend fails with "Address already in use",
//! or, started before the kubelet, takes the apiserver's port on every boot: it is refused.

use std::net::{IpAddr, SocketAddr};

use super::super::model::Backend;
use super::address::bracketed;
use super::LocatedNode;

/// What is wrong, when the frontend listening on `bind` overlaps one of `backends` (each with
/// its line) on one of `nodes` or on loopback.
pub fn own_backend(
    bind: SocketAddr,
    backends: &[(Backend, u64)],
    nodes: &[LocatedNode],
) -> Option<String> {
    let node_of = |ip: IpAddr| nodes.iter().find(|n| n.node.address == ip);
    if let Some((_, line)) = backends.iter().find(|(be, _)| be.address == bind) {
        return Some(match node_of(bind.ip()) {
            Some(n) => format!(
                "{bind} is node {}'s apiserver (the backend at line {line}): the frontend would \
                 take the apiserver's own port; listen on another port, like {}:9443 (as \
                 kubeadm's stacked masters do)",
                n.node.name,
                bracketed(bind.ip())
            ),
            None => format!(
                "{bind} is also its backend at line {line}: the frontend would forward \
                 connections to itself; listen on another port"
            ),
        });
    }
    if !bind.ip().is_unspecified() {
        return None;
    }
    let covers = |ip: IpAddr| bind.is_ipv6() || ip.is_ipv4();
    backends.iter().find_map(|(be, line)| {
        let ip = be.address.ip();
        if be.address.port() != bind.port() || !covers(ip) {
            return None;
        }
        let whose = match node_of(ip) {
            Some(n) => format!("node {}'s address {}", n.node.name, be.address),
            None if ip.is_loopback() => format!("{} on every node", be.address),
            None => return None,
        };
        Some(format!(
            "{bind} takes port {port} on every address, also {whose}, where its backend at \
             line {line} listens: the frontend and that server cannot both have the port \
             (kubegate fails with \"Address already in use\", or, started first, takes the port \
             from the server on every boot); listen on another port, like {wild}:9443 (kubeadm's \
             stacked masters use 9443, other guides 8443), or bind the VIP's address if the \
             server listens on its own address only",
            port = bind.port(),
            wild = bracketed(bind.ip()),
        ))
    })
}

//! Listeners kubegate cannot open side by side, found in the draft before it is written (the
//! config refuses the same, and a translation must pass it): two frontends on one port where
//! one binds a wildcard address (haproxy and nginx share such a port with SO_REUSEPORT), and a
//! frontend that would take the port of one of its own servers (the server itself, or a
//! wildcard bind on the port of a server on loopback or at a node's address).

use std::net::{IpAddr, SocketAddr};

use crate::draft::{Draft, DraftFrontend, Note};

fn bind_of(f: &DraftFrontend) -> Option<SocketAddr> {
    f.bind.parse().ok()
}

/// A wildcard bind covers `ip` on its port: `[::]` is opened dual-stack.
fn covers(bind: SocketAddr, ip: IpAddr) -> bool {
    bind.ip().is_unspecified() && (bind.is_ipv6() || ip.is_ipv4())
}

/// Two frontends on one address and port, or on one port where one binds all addresses.
pub fn binds(draft: &Draft, notes: &mut Vec<Note>) {
    let binds: Vec<(&DraftFrontend, SocketAddr)> = draft
        .frontends
        .iter()
        .filter_map(|f| bind_of(f).map(|b| (f, b)))
        .collect();
    for (i, (f, b)) in binds.iter().enumerate() {
        let clash = binds[..i].iter().find(|(_, o)| {
            o == b
                || (o.port() == b.port()
                    && o.is_ipv4() == b.is_ipv4()
                    && (o.ip().is_unspecified() || b.ip().is_unspecified()))
        });
        if let Some((other, o)) = clash {
            notes.push(Note::error(
                f.origin.clone(),
                format!(
                    "frontend {} listens on {b} and frontend {} on {o}: a kubegate listener on \
                     a wildcard address takes port {} on every address, so the two cannot both \
                     run; bind both to specific addresses, or keep the wildcard one only",
                    f.name,
                    other.name,
                    b.port()
                ),
            ));
        }
    }
}

/// A frontend that would listen where one of its own servers does (on every node, since every
/// node runs every frontend).
pub fn own_backends(draft: &Draft, notes: &mut Vec<Note>) {
    for f in &draft.frontends {
        let Some(bind) = bind_of(f) else { continue };
        for b in &f.backends {
            let Ok(server) = b.address.parse::<SocketAddr>() else {
                continue;
            };
            let node = draft.nodes.iter().find(|n| n.address == server.ip());
            let taken = server == bind
                || (server.port() == bind.port()
                    && covers(bind, server.ip())
                    && (server.ip().is_loopback() || node.is_some()));
            if !taken {
                continue;
            }
            let whose = match node {
                Some(n) => format!("node {}'s server {server}", n.name),
                None => format!("its server {server}"),
            };
            notes.push(Note::error(
                b.origin.clone().or_else(|| f.origin.clone()),
                format!(
                    "frontend {} would listen on {bind}, taking the port of {whose}: the \
                     frontend and that server cannot both have it (kubeadm's stacked masters \
                     put the balancer on 9443); listen on another port",
                    f.name
                ),
            ));
        }
    }
}

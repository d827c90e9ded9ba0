//! The wires of the `bgp` topology: the nodes and the router on one segment (198.18.0.0/24),
//! and the client on a link of its own behind the router (198.18.1.0/24), its default route
//! through the router. The router forwards, and spreads flows across equal paths by ports
//! too (`fib_multipath_hash_policy=1`), so one client's connections reach every node.
//! Everything is removed on drop.

use std::io;
use std::net::Ipv4Addr;

use super::{CLIENT, NODES, ROUTER, ROUTER_CLIENT_SIDE};
use crate::{Netns, Segment};

/// The router's name on the segment.
pub const ROUTER_HOST: &str = "router";
/// The router's interface towards the client, and the client's own.
const ROUTER_CLIENT_IF: &str = "eth1";
const CLIENT_IF: &str = "eth0";

/// The namespaces of the topology.
pub struct BgpNetwork {
    // The client's namespace goes first (fields drop in declaration order).
    client: Netns,
    pub segment: Segment,
}

impl BgpNetwork {
    pub fn build() -> io::Result<BgpNetwork> {
        let mut hosts: Vec<(&str, Ipv4Addr)> = vec![(ROUTER_HOST, ROUTER)];
        hosts.extend(NODES);
        let segment = Segment::new(&hosts)?;
        let client = Netns::create(&format!("{}-client", segment.tag()))?;
        let net = BgpNetwork { client, segment };
        let router = net.router()?;
        router.ip(&[
            "link",
            "add",
            ROUTER_CLIENT_IF,
            "type",
            "veth",
            "peer",
            "name",
            CLIENT_IF,
            "netns",
            net.client.name(),
        ])?;
        let router_side = format!("{ROUTER_CLIENT_SIDE}/24");
        router.ip(&["addr", "add", &router_side, "dev", ROUTER_CLIENT_IF])?;
        router.ip(&["link", "set", ROUTER_CLIENT_IF, "up"])?;
        router.sysctl("net.ipv4.ip_forward", "1")?;
        router.sysctl("net.ipv4.fib_multipath_hash_policy", "1")?;
        let client_side = format!("{CLIENT}/24");
        net.client
            .ip(&["addr", "add", &client_side, "dev", CLIENT_IF])?;
        net.client.ip(&["link", "set", CLIENT_IF, "up"])?;
        let via = ROUTER_CLIENT_SIDE.to_string();
        net.client.ip(&["route", "add", "default", "via", &via])?;
        // The nodes answer the client through the router.
        let router_address = ROUTER.to_string();
        for (node, _) in NODES {
            net.segment.netns(node)?.ip(&[
                "route",
                "add",
                "198.18.1.0/24",
                "via",
                &router_address,
            ])?;
        }
        Ok(net)
    }

    pub fn router(&self) -> io::Result<&Netns> {
        self.segment.netns(ROUTER_HOST)
    }

    pub fn client(&self) -> &Netns {
        &self.client
    }

    pub fn node(&self, name: &str) -> io::Result<&Netns> {
        self.segment.netns(name)
    }

    /// Every namespace's name (for `--keep`).
    pub fn namespace_names(&self) -> Vec<String> {
        let mut names = self.segment.namespace_names();
        names.push(self.client.name().to_owned());
        names
    }
}

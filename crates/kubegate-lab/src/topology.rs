//! One Ethernet segment in network namespaces: a "switch" namespace with a Linux bridge and
//! host namespaces each plugged into it by a veth pair, plus the faults failover tests need.
//!
//! Inside a host the interface is `eth0` with `198.18.0.X/24` and `2001:2::X/64` (the IPv4 and
//! IPv6 benchmarking ranges, RFC 2544 and RFC 5180). The switch side of host `h` is `p-h`.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::netns::{unique_tag, Netns};

/// The interface name inside every host namespace.
pub const HOST_IF: &str = "eth0";
const BRIDGE: &str = "br0";
/// nftables table in the switch namespace holding the partition and frame-loss rules.
const NFT_TABLE: &str = "kglab";
/// How long a new segment may take until every host has carrier.
const CARRIER_WAIT: Duration = Duration::from_secs(5);

/// One host on the segment.
#[derive(Debug)]
pub struct Host {
    pub name: String,
    pub netns: Netns,
    pub address: Ipv4Addr,
    pub address6: Ipv6Addr,
    /// The veth end in the switch namespace.
    pub port: String,
}

/// A bridge in its own namespace and the hosts plugged into it; all removed on drop.
#[derive(Debug)]
pub struct Segment {
    tag: String,
    // Hosts drop before the switch: fields drop in declaration order.
    hosts: Vec<Host>,
    switch: Netns,
    partitions: BTreeSet<(String, String)>,
    /// Hosts whose frames the switch drops at random, with the percentage.
    lossy: BTreeMap<String, u8>,
}

/// The IPv6 address the segment gives a host whose IPv4 address is `v4`.
pub fn address6_for(v4: Ipv4Addr) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, u16::from(v4.octets()[3]))
}

fn not_found(host: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("no host {host:?} on this segment"),
    )
}

impl Segment {
    /// Nodes `node1..nodeN` at 198.18.0.11, .12 …, and, with `client`, `client` at .100.
    pub fn with_nodes(nodes: u8, client: bool) -> io::Result<Self> {
        let mut hosts: Vec<(String, Ipv4Addr)> = (1..=nodes)
            .map(|i| (format!("node{i}"), Ipv4Addr::new(198, 18, 0, 10 + i)))
            .collect();
        if client {
            hosts.push(("client".into(), Ipv4Addr::new(198, 18, 0, 100)));
        }
        let refs: Vec<(&str, Ipv4Addr)> = hosts.iter().map(|(n, a)| (n.as_str(), *a)).collect();
        Self::new(&refs)
    }

    /// A segment with the given hosts (names of at most 10 lowercase letters or digits,
    /// addresses in 198.18.0.0/24).
    pub fn new(hosts: &[(&str, Ipv4Addr)]) -> io::Result<Self> {
        let tag = unique_tag();
        let switch = Netns::create(&format!("{tag}-sw"))?;
        switch.ip(&[
            "link",
            "add",
            BRIDGE,
            "type",
            "bridge",
            "mcast_snooping",
            "0",
        ])?;
        switch.ip(&["link", "set", BRIDGE, "up"])?;
        let mut segment = Self {
            tag,
            hosts: Vec::new(),
            switch,
            partitions: BTreeSet::new(),
            lossy: BTreeMap::new(),
        };
        for (name, address) in hosts {
            segment.add_host(name, *address)?;
        }
        segment.wait_for_carrier()?;
        Ok(segment)
    }

    /// Waits until every host's `eth0` has carrier. A veth end reports carrier through the
    /// kernel's link watcher, which may hold the event back for up to a second on a busy
    /// machine; a segment is handed out only once every cable is plugged in.
    fn wait_for_carrier(&self) -> io::Result<()> {
        let deadline = Instant::now() + CARRIER_WAIT;
        for host in &self.hosts {
            loop {
                let link = host.netns.ip(&["-o", "link", "show", "dev", HOST_IF])?;
                if link.contains("LOWER_UP") {
                    break;
                }
                if Instant::now() >= deadline {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "{HOST_IF} of {} has no carrier after {CARRIER_WAIT:?}: {link}",
                            host.name
                        ),
                    ));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Ok(())
    }

    fn add_host(&mut self, name: &str, address: Ipv4Addr) -> io::Result<()> {
        let valid = !name.is_empty()
            && name.len() <= 10
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !valid || self.hosts.iter().any(|h| h.name == name) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad host name {name:?}"),
            ));
        }
        if address.octets()[..3] != [198, 18, 0] {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "hosts live in 198.18.0.0/24",
            ));
        }
        let netns = Netns::create(&format!("{}-{name}", self.tag))?;
        // Addresses are usable at once: no duplicate address detection on this lab segment.
        netns.sysctl("net.ipv6.conf.all.accept_dad", "0")?;
        netns.sysctl("net.ipv6.conf.default.accept_dad", "0")?;
        let port = format!("p-{name}");
        let host = Host {
            name: name.into(),
            netns,
            address,
            address6: address6_for(address),
            port,
        };
        let sw = &self.switch;
        sw.ip(&[
            "link",
            "add",
            &host.port,
            "type",
            "veth",
            "peer",
            "name",
            HOST_IF,
            "netns",
            host.netns.name(),
        ])?;
        sw.ip(&["link", "set", &host.port, "master", BRIDGE, "up"])?;
        let v4 = format!("{address}/24");
        let v6 = format!("{}/64", host.address6);
        host.netns.ip(&["addr", "add", &v4, "dev", HOST_IF])?;
        host.netns
            .ip(&["-6", "addr", "add", &v6, "dev", HOST_IF, "nodad"])?;
        host.netns.ip(&["link", "set", HOST_IF, "up"])?;
        self.hosts.push(host);
        Ok(())
    }

    pub fn tag(&self) -> &str {
        &self.tag
    }

    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    pub fn host(&self, name: &str) -> io::Result<&Host> {
        self.hosts
            .iter()
            .find(|h| h.name == name)
            .ok_or_else(|| not_found(name))
    }

    pub fn netns(&self, host: &str) -> io::Result<&Netns> {
        Ok(&self.host(host)?.netns)
    }

    pub fn switch(&self) -> &Netns {
        &self.switch
    }

    /// Names of every namespace of this segment.
    pub fn namespace_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .hosts
            .iter()
            .map(|h| h.netns.name().to_owned())
            .collect();
        names.push(self.switch.name().to_owned());
        names
    }

    /// Unplugs the host's cable: the switch-side veth goes down, so the host's `eth0` loses
    /// carrier (NO-CARRIER, operationally down) while staying administratively up.
    pub fn cut_carrier(&self, host: &str) -> io::Result<()> {
        self.switch
            .ip(&["link", "set", &self.host(host)?.port, "down"])
            .map(drop)
    }

    /// Plugs the cable back in.
    pub fn restore_carrier(&self, host: &str) -> io::Result<()> {
        self.switch
            .ip(&["link", "set", &self.host(host)?.port, "up"])
            .map(drop)
    }

    /// Sets the host's own `eth0` administratively down (as `ip link set eth0 down` would).
    pub fn link_down(&self, host: &str) -> io::Result<()> {
        self.host(host)?
            .netns
            .ip(&["link", "set", HOST_IF, "down"])
            .map(drop)
    }

    pub fn link_up(&self, host: &str) -> io::Result<()> {
        self.host(host)?
            .netns
            .ip(&["link", "set", HOST_IF, "up"])
            .map(drop)
    }

    /// Drops every frame between hosts `a` and `b`, both ways, in the switch (an nftables
    /// `bridge` filter; needs the `nft` command). Traffic with other hosts flows on.
    pub fn partition(&mut self, a: &str, b: &str) -> io::Result<()> {
        let (a, b) = (self.host(a)?.name.clone(), self.host(b)?.name.clone());
        self.partitions.insert(if a <= b { (a, b) } else { (b, a) });
        self.apply_rules()
    }

    /// Undoes [`Segment::partition`] for `a` and `b`.
    pub fn heal(&mut self, a: &str, b: &str) -> io::Result<()> {
        let (a, b) = (self.host(a)?.name.clone(), self.host(b)?.name.clone());
        self.partitions
            .remove(&if a <= b { (a, b) } else { (b, a) });
        self.apply_rules()
    }

    /// The switch drops `percent` of the frames from and to `host` at random (`None`: none).
    /// nftables' `numgen random` stands in for netem, which these kernels may lack.
    pub fn set_loss(&mut self, host: &str, percent: Option<u8>) -> io::Result<()> {
        let name = self.host(host)?.name.clone();
        match percent {
            Some(p) => self.lossy.insert(name, p.min(100)),
            None => self.lossy.remove(&name),
        };
        self.apply_rules()
    }

    /// Replaces the rule table atomically: one rule per direction of every cut pair, two per
    /// lossy host.
    fn apply_rules(&self) -> io::Result<()> {
        let mut rules = String::new();
        for (a, b) in &self.partitions {
            for (from, to) in [(a, b), (b, a)] {
                let (from, to) = (&self.host(from)?.port, &self.host(to)?.port);
                rules.push_str(&format!("    iifname \"{from}\" oifname \"{to}\" drop\n"));
            }
        }
        for (h, percent) in &self.lossy {
            let port = &self.host(h)?.port;
            for dir in ["iifname", "oifname"] {
                rules.push_str(&format!(
                    "    {dir} \"{port}\" numgen random mod 100 < {percent} drop\n"
                ));
            }
        }
        let script = format!(
            "table bridge {NFT_TABLE} {{}}\ndelete table bridge {NFT_TABLE}\n\
             table bridge {NFT_TABLE} {{\n  chain guard {{\n    \
             type filter hook forward priority 0; policy accept;\n{rules}  }}\n}}\n"
        );
        self.switch.nft(&script)
    }

    /// The IPv4 addresses on the host's `eth0`, read with `ip -o -4 addr`.
    pub fn addresses_of(&self, host: &str) -> io::Result<Vec<Ipv4Addr>> {
        let out = self
            .host(host)?
            .netns
            .ip(&["-o", "-4", "addr", "show", "dev", HOST_IF])?;
        Ok(out
            .lines()
            .filter_map(|l| {
                let mut words = l.split_whitespace().skip_while(|w| *w != "inet").skip(1);
                words.next()?.split('/').next()?.parse().ok()
            })
            .collect())
    }

    /// The link-layer address `host` has in its neighbour table for `ip`, if any.
    pub fn arp_neighbour(&self, host: &str, ip: IpAddr) -> io::Result<Option<String>> {
        let out =
            self.host(host)?
                .netns
                .ip(&["neigh", "show", "to", &ip.to_string(), "dev", HOST_IF])?;
        Ok(out.lines().find_map(|l| {
            let mut words = l.split_whitespace().skip_while(|w| *w != "lladdr").skip(1);
            words.next().map(str::to_owned)
        }))
    }

    /// One ping from `from` to `to` with a one-second wait: true when answered.
    pub fn ping(&self, from: &str, to: IpAddr) -> io::Result<bool> {
        let status = self
            .host(from)?
            .netns
            .command("ping")
            .args(["-n", "-q", "-c1", "-W1", &to.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        Ok(status.success())
    }
}

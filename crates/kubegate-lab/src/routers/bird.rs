//! BIRD 2 as a lab router: `bird -f` in a namespace with its own control socket (`-s`), read
//! with `birdc -s … show route … all`. ECMP: BIRD keeps every BGP path in its table and,
//! with `merge paths on`, installs them as one multipath kernel route.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io;
use std::net::IpAddr;
use std::process::Stdio;

use super::{wait_for_file, BgpRouter, Path, RouterConfig, RouterDir};
use crate::netns::run;
use crate::{Netns, NetnsChild};

pub const BIRD: &str = "/usr/sbin/bird";
pub const NEED_BIRD: &str = "BIRD 2 is not installed (/usr/sbin/bird): install bird2 \
                             (scripts/test.sh does it)";

/// BIRD running in one namespace.
pub struct BirdRouter {
    netns: String,
    config: RouterConfig,
    daemon: Option<NetnsChild>,
    dir: RouterDir,
}

/// The protocol name BIRD knows neighbour `i` by.
fn protocol_name(i: usize) -> String {
    format!("n{}", i + 1)
}

/// bird.conf: passive towards each neighbour, every route imported, nothing exported to
/// them, all paths merged into the kernel's table.
pub fn bird_config(c: &RouterConfig) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "router id {};", c.router_id);
    let _ = writeln!(s, "protocol device {{ }}");
    let _ = writeln!(
        s,
        "protocol kernel {{ ipv4 {{ export all; }}; merge paths on; }}"
    );
    let _ = writeln!(
        s,
        "protocol kernel {{ ipv6 {{ export all; }}; merge paths on; }}"
    );
    for (i, n) in c.neighbors.iter().enumerate() {
        let _ = writeln!(s, "protocol bgp {} {{", protocol_name(i));
        let _ = writeln!(s, "  local as {};", c.asn);
        let _ = writeln!(s, "  neighbor {} as {};", n.address, n.asn);
        let _ = writeln!(s, "  passive on;");
        // BIRD waits 60 s after an error before it takes a connection again by default;
        // the lab's fault steps heal in seconds.
        let _ = writeln!(s, "  error wait time 1, 5;");
        let _ = writeln!(
            s,
            "  hold time {}; keepalive time {};",
            c.hold_time, c.keepalive
        );
        if let Some(p) = &n.password {
            let _ = writeln!(s, "  password \"{p}\";");
        }
        let family = if n.address.is_ipv4() { "ipv4" } else { "ipv6" };
        let _ = writeln!(s, "  {family} {{ import all; export none; }};");
        let _ = writeln!(s, "}}");
    }
    s
}

impl BirdRouter {
    pub fn start(netns: &Netns, config: RouterConfig) -> io::Result<BirdRouter> {
        if !std::path::Path::new(BIRD).exists() {
            return Err(io::Error::new(io::ErrorKind::NotFound, NEED_BIRD));
        }
        let dir = RouterDir::create(netns.name(), "bird")?;
        fs::write(dir.file("bird.conf"), bird_config(&config))?;
        let log = File::create(dir.file("bird.log"))?;
        let child = netns
            .command(BIRD)
            .args([
                "-f",
                "-c",
                &dir.file("bird.conf"),
                "-s",
                &dir.file("bird.ctl"),
            ])
            .args(["-P", &dir.file("bird.pid")])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let mut daemon = NetnsChild::from_child(child);
        wait_for_file(&dir.path().join("bird.ctl"), &mut daemon, "bird")?;
        Ok(BirdRouter {
            netns: netns.name().to_string(),
            config,
            daemon: Some(daemon),
            dir,
        })
    }

    /// Runs a birdc command against this instance.
    pub fn birdc(&self, command: &str) -> io::Result<String> {
        let mut cmd = std::process::Command::new("ip");
        cmd.args([
            "netns",
            "exec",
            &self.netns,
            "birdc",
            "-s",
            &self.dir.file("bird.ctl"),
        ]);
        cmd.args(command.split_whitespace());
        run(&mut cmd)
    }

    fn neighbor_index(&self, neighbor: IpAddr) -> Option<usize> {
        self.config
            .neighbors
            .iter()
            .position(|n| n.address == neighbor)
    }
}

impl Drop for BirdRouter {
    fn drop(&mut self) {
        // The daemon goes before its directory.
        self.daemon.take();
    }
}

/// The routes of `show route PREFIX all`: a route starts on a line that does not begin with
/// a tab and names its protocol (`[n1 …]`); its attributes follow on tab-indented lines.
pub fn parse_routes(text: &str) -> Vec<Path> {
    let mut out: Vec<Path> = Vec::new();
    let mut current: Option<Path> = None;
    let mut started = false;
    for line in text.lines() {
        if !line.starts_with('\t') && line.contains(" [") && line.contains("unicast") {
            out.extend(current.take());
            started = true;
            continue;
        }
        if !started {
            continue;
        }
        let Some(attr) = line.strip_prefix('\t') else {
            continue;
        };
        if let Some(v) = attr.strip_prefix("BGP.next_hop:") {
            if let Some(hop) = v.split_whitespace().next().and_then(|h| h.parse().ok()) {
                current = Some(Path {
                    next_hop: hop,
                    communities: Vec::new(),
                    large_communities: Vec::new(),
                });
            }
        } else if let (Some(v), Some(p)) = (attr.strip_prefix("BGP.community:"), current.as_mut()) {
            p.communities = groups(v)
                .iter()
                .filter_map(|g| match g.as_slice() {
                    [a, b] => Some((u16::try_from(*a).ok()?, u16::try_from(*b).ok()?)),
                    _ => None,
                })
                .collect();
        } else if let (Some(v), Some(p)) =
            (attr.strip_prefix("BGP.large_community:"), current.as_mut())
        {
            p.large_communities = groups(v)
                .iter()
                .filter_map(|g| match g.as_slice() {
                    [a, b, c] => Some((*a, *b, *c)),
                    _ => None,
                })
                .collect();
        }
    }
    out.extend(current);
    out
}

/// `(64512,100) (64512, 1, 1)` as lists of numbers.
fn groups(text: &str) -> Vec<Vec<u32>> {
    text.split('(')
        .filter_map(|g| g.split_once(')'))
        .map(|(inside, _)| {
            inside
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        })
        .collect()
}

impl BgpRouter for BirdRouter {
    fn kind(&self) -> &'static str {
        "bird"
    }

    fn paths(&self, prefix: &str) -> io::Result<Vec<Path>> {
        Ok(parse_routes(
            &self.birdc(&format!("show route {prefix} all"))?,
        ))
    }

    fn established(&self) -> io::Result<Vec<IpAddr>> {
        let text = self.birdc("show protocols")?;
        let mut out = Vec::new();
        for (i, n) in self.config.neighbors.iter().enumerate() {
            let name = protocol_name(i);
            let up = text.lines().any(|l| {
                let mut w = l.split_whitespace();
                w.next() == Some(name.as_str()) && l.trim_end().ends_with("Established")
            });
            if up {
                out.push(n.address);
            }
        }
        Ok(out)
    }

    fn last_error(&self, neighbor: IpAddr) -> io::Result<String> {
        let Some(i) = self.neighbor_index(neighbor) else {
            return Ok(String::new());
        };
        let text = self.birdc(&format!("show protocols all {}", protocol_name(i)))?;
        Ok(text
            .lines()
            .filter(|l| l.contains("Last error") || l.contains("BGP state"))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_with_communities_are_read() {
        let text = "BIRD 2.0.12 ready.\nTable master4:\n\
198.18.10.50/32      unicast [n1 14:33:00.123] * (100) [AS64512i]\n\
\tvia 198.18.0.11 on eth0\n\tType: BGP univ\n\tBGP.origin: IGP\n\tBGP.as_path: 64512\n\
\tBGP.next_hop: 198.18.0.11\n\tBGP.community: (64512,100) (64512,200)\n\
\tBGP.large_community: (64512, 1, 1)\n\
                     unicast [n2 14:33:01.000] (100) [AS64512i]\n\
\tvia 198.18.0.12 on eth0\n\tBGP.next_hop: 198.18.0.12\n";
        let routes = parse_routes(text);
        assert_eq!(routes.len(), 2);
        assert_eq!(routes[0].next_hop.to_string(), "198.18.0.11");
        assert_eq!(routes[0].communities, vec![(64512, 100), (64512, 200)]);
        assert_eq!(routes[0].large_communities, vec![(64512, 1, 1)]);
        assert_eq!(routes[1].next_hop.to_string(), "198.18.0.12");
        assert!(routes[1].communities.is_empty());
    }
}

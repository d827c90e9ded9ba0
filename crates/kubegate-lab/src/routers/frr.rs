//! FRR as a lab router: zebra and bgpd (and bfdd when asked) in a namespace, with their own
//! pid files, vty sockets and zserv socket in the router's directory (as the VRRP peer in
//! `crate::frr` runs them), read with `vtysh --vty_socket` and FRR's JSON output.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io;
use std::net::IpAddr;
use std::path::Path as FsPath;
use std::process::Stdio;

use serde_json::Value;

use super::{
    parse_community, parse_large_community, wait_for_file, BgpRouter, Path, RouterConfig, RouterDir,
};
use crate::frr::FRR_DIR;
use crate::netns::run;
use crate::{Netns, NetnsChild};

/// The message a test fails with when FRR's BGP daemons are missing.
pub const NEED_FRR_BGP: &str =
    "FRR's zebra and bgpd are not in /usr/lib/frr: install frr (scripts/test.sh does it)";

/// FRR's bgpd (with zebra, and bfdd if asked) running in one namespace.
pub struct FrrRouter {
    netns: String,
    config: RouterConfig,
    // Daemons stop before their directory is removed: fields drop in declaration order.
    daemons: Vec<NetnsChild>,
    dir: RouterDir,
}

/// What else FRR is asked to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrrOptions {
    /// Run bfdd and turn BFD on towards every neighbour.
    pub bfd: bool,
    /// Prefixes FRR originates itself (`network`), sent to every neighbour: a router that
    /// floods the speakers with routes.
    pub networks: Vec<String>,
}

/// bgpd's configuration: the router passive towards each neighbour (our speakers connect),
/// eBGP routes accepted without a policy, and up to 16 equal paths installed (ECMP; the
/// AS_PATH need not be the same, `multipath-relax`).
pub fn bgpd_config(c: &RouterConfig, options: &FrrOptions) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "router bgp {}", c.asn);
    let _ = writeln!(s, " bgp router-id {}", c.router_id);
    let _ = writeln!(s, " no bgp ebgp-requires-policy");
    let _ = writeln!(s, " no bgp default ipv4-unicast");
    // `network` statements are announced without a matching route in the table.
    let _ = writeln!(s, " no bgp network import-check");
    let _ = writeln!(s, " bgp bestpath as-path multipath-relax");
    for n in &c.neighbors {
        let a = n.address;
        let _ = writeln!(s, " neighbor {a} remote-as {}", n.asn);
        let _ = writeln!(s, " neighbor {a} passive");
        let _ = writeln!(s, " neighbor {a} timers {} {}", c.keepalive, c.hold_time);
        if let Some(p) = &n.password {
            let _ = writeln!(s, " neighbor {a} password {p}");
        }
        if options.bfd {
            let _ = writeln!(s, " neighbor {a} bfd");
        }
    }
    for (family, v4) in [("ipv4", true), ("ipv6", false)] {
        let _ = writeln!(s, " address-family {family} unicast");
        let _ = writeln!(s, "  maximum-paths 16");
        let _ = writeln!(s, "  maximum-paths ibgp 16");
        for n in c.neighbors.iter().filter(|n| n.address.is_ipv4() == v4) {
            let _ = writeln!(s, "  neighbor {} activate", n.address);
        }
        for net in options.networks.iter().filter(|n| n.contains(':') != v4) {
            let _ = writeln!(s, "  network {net}");
        }
        let _ = writeln!(s, " exit-address-family");
    }
    s
}

impl FrrRouter {
    /// Starts zebra, bgpd and, with `options.bfd`, bfdd in `netns`.
    pub fn start(
        netns: &Netns,
        config: RouterConfig,
        options: &FrrOptions,
    ) -> io::Result<FrrRouter> {
        let bfd = options.bfd;
        for d in ["zebra", "bgpd"].into_iter().chain(bfd.then_some("bfdd")) {
            if !FsPath::new(FRR_DIR).join(d).exists() {
                return Err(io::Error::new(io::ErrorKind::NotFound, NEED_FRR_BGP));
            }
        }
        let dir = RouterDir::create(netns.name(), "frr")?;
        fs::write(dir.file("zebra.conf"), "")?;
        fs::write(dir.file("bfdd.conf"), "")?;
        fs::write(dir.file("bgpd.conf"), bgpd_config(&config, options))?;
        // FRR's daemons drop to the `frr` user and create their sockets here.
        run(std::process::Command::new("chown").args(["-R", "frr:frr", &dir.file("")]))?;
        let mut router = FrrRouter {
            netns: netns.name().to_string(),
            config,
            daemons: Vec::new(),
            dir,
        };
        router.spawn(netns, "zebra", &[])?;
        let zserv = router.dir.path().join("zserv.api");
        wait_for_file(&zserv, router.daemons.last_mut().expect("zebra"), "zebra")?;
        if bfd {
            router.spawn(netns, "bfdd", &[])?;
            let vty = router.dir.path().join("bfdd.vty");
            wait_for_file(&vty, router.daemons.last_mut().expect("bfdd"), "bfdd")?;
        }
        router.spawn(netns, "bgpd", &[])?;
        let vty = router.dir.path().join("bgpd.vty");
        wait_for_file(&vty, router.daemons.last_mut().expect("bgpd"), "bgpd")?;
        Ok(router)
    }

    fn spawn(&mut self, netns: &Netns, daemon: &str, extra: &[&str]) -> io::Result<()> {
        let log = File::create(self.dir.file(&format!("{daemon}.log")))?;
        let mut args: Vec<String> = vec![
            "-P".into(),
            "0".into(),
            "-i".into(),
            self.dir.file(&format!("{daemon}.pid")),
            "--vty_socket".into(),
            self.dir.file(""),
            "-z".into(),
            self.dir.file("zserv.api"),
            "-f".into(),
            self.dir.file(&format!("{daemon}.conf")),
            "--log".into(),
            "stdout".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let child = netns
            .command(&format!("{FRR_DIR}/{daemon}"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.daemons.push(NetnsChild::from_child(child));
        Ok(())
    }

    /// Runs a vtysh command against this instance and returns its output.
    pub fn vtysh(&self, command: &str) -> io::Result<String> {
        run(std::process::Command::new("ip").args([
            "netns",
            "exec",
            &self.netns,
            "vtysh",
            "--vty_socket",
            &self.dir.file(""),
            "-c",
            command,
        ]))
    }

    fn json(&self, command: &str) -> io::Result<Value> {
        let out = self.vtysh(command)?;
        serde_json::from_str(&out)
            .map_err(|e| io::Error::other(format!("vtysh -c {command:?}: not JSON ({e}): {out}")))
    }

    /// bfdd's sessions (`show bfd peers json`): each peer's address and status (`up`,
    /// `down`, `init`, `shutdown`).
    pub fn bfd_peers(&self) -> io::Result<Vec<(IpAddr, String)>> {
        let v = self.json("show bfd peers json")?;
        Ok(v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let peer = p.get("peer").and_then(Value::as_str)?.parse().ok()?;
                let status = p.get("status").and_then(Value::as_str)?.to_string();
                Some((peer, status))
            })
            .collect())
    }

    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    fn neighbor_json(&self, neighbor: IpAddr) -> io::Result<Value> {
        let v = self.json(&format!("show bgp neighbors {neighbor} json"))?;
        Ok(v.get(neighbor.to_string()).cloned().unwrap_or(Value::Null))
    }
}

impl BgpRouter for FrrRouter {
    fn kind(&self) -> &'static str {
        "frr"
    }

    fn paths(&self, prefix: &str) -> io::Result<Vec<Path>> {
        let family = if prefix.contains(':') { "ipv6" } else { "ipv4" };
        let v = self.json(&format!("show bgp {family} unicast {prefix} json"))?;
        let mut out = Vec::new();
        for p in v
            .get("paths")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let next_hop = p
                .get("nexthops")
                .and_then(Value::as_array)
                .and_then(|n| n.first())
                .and_then(|n| n.get("ip"))
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok());
            let Some(next_hop) = next_hop else { continue };
            let words = |key: &str| {
                p.get(key)
                    .and_then(|c| c.get("string"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .split_whitespace()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            out.push(Path {
                next_hop,
                communities: words("community")
                    .iter()
                    .filter_map(|c| parse_community(c))
                    .collect(),
                large_communities: words("largeCommunity")
                    .iter()
                    .filter_map(|c| parse_large_community(c))
                    .collect(),
            });
        }
        Ok(out)
    }

    fn established(&self) -> io::Result<Vec<IpAddr>> {
        let v = self.json("show bgp neighbors json")?;
        let mut out = Vec::new();
        for (addr, n) in v.as_object().into_iter().flatten() {
            if n.get("bgpState").and_then(Value::as_str) == Some("Established") {
                if let Ok(a) = addr.parse() {
                    out.push(a);
                }
            }
        }
        Ok(out)
    }

    fn last_error(&self, neighbor: IpAddr) -> io::Result<String> {
        let n = self.neighbor_json(neighbor)?;
        let mut words = Vec::new();
        for key in [
            "lastResetDueTo",
            "lastNotificationReason",
            "lastErrorCodeSubcode",
        ] {
            if let Some(s) = n.get(key).and_then(Value::as_str) {
                words.push(format!("{key}: {s}"));
            }
        }
        Ok(words.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Neighbor;
    use super::*;

    #[test]
    fn bgpd_config_is_passive_with_ecmp() {
        let c = RouterConfig::new(
            64500,
            "198.18.0.1".parse().unwrap(),
            vec![Neighbor {
                address: "198.18.0.11".parse().unwrap(),
                asn: 64512,
                password: Some("s3cret".into()),
            }],
        );
        let options = FrrOptions {
            bfd: true,
            networks: vec!["198.19.0.1/32".into()],
        };
        let text = bgpd_config(&c, &options);
        for line in [
            "router bgp 64500",
            " neighbor 198.18.0.11 remote-as 64512",
            " neighbor 198.18.0.11 passive",
            " neighbor 198.18.0.11 password s3cret",
            " neighbor 198.18.0.11 bfd",
            "  maximum-paths 16",
            "  neighbor 198.18.0.11 activate",
            "  network 198.19.0.1/32",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line:?} missing in\n{text}"
            );
        }
    }
}

//! GoBGP as a lab router: `gobgpd -f conf.toml` in a namespace, its gRPC API on the
//! namespace's own loopback, read with `gobgp -p PORT … -j`. GoBGP keeps every path in its
//! RIB; `use-multiple-paths` marks them for ECMP.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io;
use std::net::IpAddr;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use super::{wait_until, BgpRouter, Path, RouterConfig, RouterDir};
use crate::netns::run;
use crate::{Netns, NetnsChild};

pub const GOBGPD: &str = "/usr/bin/gobgpd";
pub const NEED_GOBGP: &str = "GoBGP is not installed (/usr/bin/gobgpd, /usr/bin/gobgp): install \
                              gobgpd (scripts/test.sh does it)";
/// The API port, on the loopback of the router's own namespace.
const API_PORT: u16 = 50051;

/// gobgpd running in one namespace.
pub struct GobgpRouter {
    netns: String,
    daemon: Option<NetnsChild>,
    _dir: RouterDir,
}

/// gobgpd's TOML: passive towards each neighbour, ECMP on.
pub fn gobgp_config(c: &RouterConfig) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "[global.config]\n  as = {}\n  router-id = \"{}\"",
        c.asn, c.router_id
    );
    let _ = writeln!(s, "[global.use-multiple-paths.config]\n  enabled = true");
    for n in &c.neighbors {
        let _ = writeln!(s, "[[neighbors]]\n  [neighbors.config]");
        let _ = writeln!(
            s,
            "    neighbor-address = \"{}\"\n    peer-as = {}",
            n.address, n.asn
        );
        if let Some(p) = &n.password {
            let _ = writeln!(s, "    auth-password = \"{p}\"");
        }
        let _ = writeln!(s, "  [neighbors.transport.config]\n    passive-mode = true");
        let _ = writeln!(
            s,
            "  [neighbors.timers.config]\n    hold-time = {}\n    keepalive-interval = {}",
            c.hold_time, c.keepalive
        );
        let family = if n.address.is_ipv4() {
            "ipv4-unicast"
        } else {
            "ipv6-unicast"
        };
        let _ = writeln!(
            s,
            "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = \"{family}\""
        );
    }
    s
}

impl GobgpRouter {
    pub fn start(netns: &Netns, config: RouterConfig) -> io::Result<GobgpRouter> {
        if !std::path::Path::new(GOBGPD).exists() {
            return Err(io::Error::new(io::ErrorKind::NotFound, NEED_GOBGP));
        }
        let dir = RouterDir::create(netns.name(), "gobgp")?;
        fs::write(dir.file("gobgpd.toml"), gobgp_config(&config))?;
        let log = File::create(dir.file("gobgpd.log"))?;
        let api = format!("127.0.0.1:{API_PORT}");
        let child = netns
            .command(GOBGPD)
            .args([
                "-f",
                &dir.file("gobgpd.toml"),
                "-t",
                "toml",
                "--api-hosts",
                &api,
            ])
            .args(["--pprof-disable"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let mut router = GobgpRouter {
            netns: netns.name().to_string(),
            daemon: Some(NetnsChild::from_child(child)),
            _dir: dir,
        };
        // Ready once the API answers with the configured neighbours.
        let want = config.neighbors.len();
        wait_until(Duration::from_secs(5), "gobgpd's API answers", || {
            if let Some(status) = router
                .daemon
                .as_mut()
                .and_then(|d| d.try_wait().ok().flatten())
            {
                return Err(io::Error::other(format!("gobgpd exited ({status})")));
            }
            Ok(router
                .gobgp(&["neighbor", "-j"])
                .ok()
                .and_then(|out| serde_json::from_str::<Value>(&out).ok())
                .filter(|v| v.as_array().map_or(0, Vec::len) == want)
                .map(drop))
        })?;
        Ok(router)
    }

    /// Runs `gobgp -p PORT args…` against this instance.
    pub fn gobgp(&self, args: &[&str]) -> io::Result<String> {
        let port = API_PORT.to_string();
        run(std::process::Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.netns,
                "gobgp",
                "-u",
                "127.0.0.1",
                "-p",
                &port,
            ])
            .args(args))
    }

    fn neighbors(&self) -> io::Result<Vec<Value>> {
        let out = self.gobgp(&["neighbor", "-j"])?;
        let v: Value = serde_json::from_str(&out)
            .map_err(|e| io::Error::other(format!("gobgp neighbor -j: not JSON ({e}): {out}")))?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }
}

impl Drop for GobgpRouter {
    fn drop(&mut self) {
        self.daemon.take();
    }
}

fn neighbor_address(n: &Value) -> Option<IpAddr> {
    n.pointer("/conf/neighbor_address")
        .or_else(|| n.pointer("/state/neighbor_address"))
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

/// The paths of `gobgp global rib -a FAMILY PREFIX -j`: `{ "PREFIX": [ { "attrs": [...] } ] }`
/// with NEXT_HOP (type 3) or MP_REACH_NLRI (type 14), COMMUNITIES (8) and LARGE_COMMUNITY (32).
pub fn parse_rib(v: &Value) -> Vec<Path> {
    let mut out = Vec::new();
    for paths in v.as_object().into_iter().flat_map(|o| o.values()) {
        for p in paths.as_array().into_iter().flatten() {
            let mut path: Option<Path> = None;
            let attrs: Vec<&Value> = p
                .get("attrs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .collect();
            for a in &attrs {
                let hop = match a.get("type").and_then(Value::as_u64) {
                    Some(3) | Some(14) => a.get("nexthop").and_then(Value::as_str),
                    _ => None,
                };
                if let Some(hop) = hop.and_then(|h| h.parse().ok()) {
                    path = Some(Path {
                        next_hop: hop,
                        communities: Vec::new(),
                        large_communities: Vec::new(),
                    });
                }
            }
            let Some(mut path) = path else { continue };
            for a in &attrs {
                match a.get("type").and_then(Value::as_u64) {
                    Some(8) => {
                        path.communities = a
                            .get("communities")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_u64)
                            .map(|c| ((c >> 16) as u16, (c & 0xffff) as u16))
                            .collect();
                    }
                    Some(32) => {
                        path.large_communities = a
                            .get("value")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(|c| {
                                let n =
                                    |k: &str| c.get(k).and_then(Value::as_u64).map(|n| n as u32);
                                Some((n("ASN")?, n("LocalData1")?, n("LocalData2")?))
                            })
                            .collect();
                    }
                    _ => {}
                }
            }
            out.push(path);
        }
    }
    out
}

impl BgpRouter for GobgpRouter {
    fn kind(&self) -> &'static str {
        "gobgp"
    }

    fn paths(&self, prefix: &str) -> io::Result<Vec<Path>> {
        let family = if prefix.contains(':') { "ipv6" } else { "ipv4" };
        let out = self.gobgp(&["global", "rib", "-a", family, prefix, "-j"])?;
        if out.trim().is_empty() {
            return Ok(Vec::new());
        }
        let v: Value = serde_json::from_str(&out)
            .map_err(|e| io::Error::other(format!("gobgp global rib -j: not JSON ({e}): {out}")))?;
        Ok(parse_rib(&v))
    }

    fn established(&self) -> io::Result<Vec<IpAddr>> {
        Ok(self
            .neighbors()?
            .iter()
            .filter(|n| {
                let state = n.pointer("/state/session_state");
                // The JSON carries the enum by number (6) or by name, depending on the build.
                state.and_then(Value::as_u64) == Some(6)
                    || state
                        .and_then(Value::as_str)
                        .is_some_and(|s| s.eq_ignore_ascii_case("established"))
            })
            .filter_map(neighbor_address)
            .collect())
    }

    fn last_error(&self, neighbor: IpAddr) -> io::Result<String> {
        let out = self.gobgp(&["neighbor", &neighbor.to_string()])?;
        Ok(out
            .lines()
            .filter(|l| l.contains("state") || l.contains("Notification") || l.contains("Error"))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("; "))
    }
}

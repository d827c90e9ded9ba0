//! Real BGP routers as lab peers: FRR (`bgpd`, optionally `bfdd`), BIRD 2 and GoBGP, each
//! run inside a lab namespace with a config written here. A router is told its neighbours
//! (our speakers, which connect to it: the routers are passive), holds every path it learns
//! with ECMP on, and is read back as the paths it holds for a prefix. Each stops and removes
//! its files on drop.

pub mod bird;
pub mod frr;
pub mod gobgp;

use std::fs;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path as FsPath, PathBuf};
use std::time::{Duration, Instant};

/// One neighbour of the router: a speaker under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbor {
    pub address: IpAddr,
    pub asn: u32,
    /// TCP-MD5 password (RFC 2385).
    pub password: Option<String>,
}

/// What every router is started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterConfig {
    pub asn: u32,
    pub router_id: Ipv4Addr,
    pub neighbors: Vec<Neighbor>,
    /// Hold time and keepalive offered to the neighbours, seconds.
    pub hold_time: u16,
    pub keepalive: u16,
}

impl RouterConfig {
    pub fn new(asn: u32, router_id: Ipv4Addr, neighbors: Vec<Neighbor>) -> RouterConfig {
        RouterConfig {
            asn,
            router_id,
            neighbors,
            hold_time: 9,
            keepalive: 3,
        }
    }
}

/// One path the router holds for a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub next_hop: IpAddr,
    /// RFC 1997 communities as `(asn, value)`.
    pub communities: Vec<(u16, u16)>,
    /// RFC 8092 large communities.
    pub large_communities: Vec<(u32, u32, u32)>,
}

/// A router in the lab, whichever implementation.
pub trait BgpRouter {
    /// `frr`, `bird` or `gobgp`.
    fn kind(&self) -> &'static str;
    /// The paths held for `prefix` (`198.18.10.50/32`), one per neighbour that announces it.
    fn paths(&self, prefix: &str) -> io::Result<Vec<Path>>;
    /// The neighbours whose session is Established.
    fn established(&self) -> io::Result<Vec<IpAddr>>;
    /// What the router says about a neighbour's last error or reset, in its own words.
    fn last_error(&self, neighbor: IpAddr) -> io::Result<String>;
}

/// Polls `check` every 20 ms until it returns `Some`, or fails after `timeout` with `what`.
pub fn wait_until<T>(
    timeout: Duration,
    what: &str,
    mut check: impl FnMut() -> io::Result<Option<T>>,
) -> io::Result<T> {
    let until = Instant::now() + timeout;
    loop {
        if let Some(v) = check()? {
            return Ok(v);
        }
        if Instant::now() >= until {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{what}: not within {timeout:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The directory of one router's config, sockets and logs; removed on drop.
#[derive(Debug)]
pub(crate) struct RouterDir {
    path: PathBuf,
}

impl RouterDir {
    pub(crate) fn create(netns: &str, kind: &str) -> io::Result<RouterDir> {
        let path = std::env::temp_dir().join(format!("{netns}-{kind}"));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path)?;
        Ok(RouterDir { path })
    }

    pub(crate) fn path(&self) -> &FsPath {
        &self.path
    }

    pub(crate) fn file(&self, name: &str) -> String {
        self.path.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for RouterDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Waits until `path` exists (a control socket), or the process has exited, or 5 s pass.
pub(crate) fn wait_for_file(
    path: &FsPath,
    child: &mut super::NetnsChild,
    what: &str,
) -> io::Result<()> {
    let until = Instant::now() + Duration::from_secs(5);
    while !path.exists() {
        if let Some(status) = child.try_wait()? {
            return Err(io::Error::other(format!(
                "{what} exited ({status}) before creating {}",
                path.display()
            )));
        }
        if Instant::now() >= until {
            return Err(io::Error::other(format!(
                "{what} did not create {} within 5 s",
                path.display()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// `a:b` as a community.
pub(crate) fn parse_community(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.trim().split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// `a:b:c` as a large community.
pub(crate) fn parse_large_community(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.trim().split(':').map(|p| p.trim().parse::<u32>());
    let v = (it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?);
    it.next().is_none().then_some(v)
}

/// The next hops of the kernel route for `prefix` in `netns` (`ip -j route`): one per ECMP
/// path the router installed.
pub fn kernel_next_hops(netns: &super::Netns, prefix: &str) -> io::Result<Vec<IpAddr>> {
    let family = if prefix.contains(':') { "-6" } else { "-4" };
    let out = netns.ip(&["-j", family, "route", "show", prefix])?;
    let routes: serde_json::Value =
        serde_json::from_str(if out.trim().is_empty() { "[]" } else { &out })
            .map_err(|e| io::Error::other(format!("ip -j route: not JSON ({e}): {out}")))?;
    let gateway = |v: &serde_json::Value| {
        v.get("gateway")
            .and_then(serde_json::Value::as_str)
            .and_then(|s| s.parse::<IpAddr>().ok())
    };
    let mut hops = Vec::new();
    for r in routes.as_array().into_iter().flatten() {
        hops.extend(gateway(r));
        for nh in r
            .get("nexthops")
            .and_then(|n| n.as_array())
            .into_iter()
            .flatten()
        {
            hops.extend(gateway(nh));
        }
    }
    Ok(hops)
}

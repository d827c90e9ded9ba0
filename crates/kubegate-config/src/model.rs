//! The validated configuration: types that cannot hold an invalid setting. Produced only by
//! `config::load` (parse → validate); everything else in the daemon reads these.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

pub use vrrp::{ChecksumForm, Version};

mod bgp;
pub use bgp::{
    BfdSettings, Bgp, BgpPeer, BgpVip, Community, LargeCommunity, NodeBgp, RouterId,
    DEFAULT_BFD_INTERVAL, DEFAULT_BFD_MULTIPLIER, DEFAULT_BGP_PORT, DEFAULT_HOLD_TIME,
};

/// The whole file: the same on every node.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    /// Where it was read from (for messages).
    pub source: PathBuf,
    /// In file order; names and addresses are unique. Empty only when there are no VIPs (a
    /// node-local balancer needs no node identity: its frontends are the same everywhere).
    pub nodes: Vec<Node>,
    /// The VRRP VIPs, in file order; names, addresses and (interface-independent) VRIDs are
    /// unique.
    pub vips: Vec<Vip>,
    /// The VIPs with `bgp:` instead of `vrrp:`, in file order. Names and addresses are unique
    /// across both lists.
    pub bgp_vips: Vec<BgpVip>,
    /// `bgp:`; present whenever `bgp_vips` is not empty.
    pub bgp: Option<Bgp>,
    /// In file order; names and bind addresses unique. At least one VIP or one frontend.
    pub frontends: Vec<Frontend>,
    /// The admin endpoint (status page, JSON API, `/metrics`, runtime control).
    pub admin: Admin,
}

/// Where `admin.bind` listens unless told otherwise.
pub const DEFAULT_ADMIN_BIND: SocketAddr =
    SocketAddr::new(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9099);

/// `vrrp.advert_interval` of a version 3 VIP that does not set it (version 2: 1 s).
pub const DEFAULT_ADVERT_INTERVAL_V3: Duration = Duration::from_millis(200);

/// `admin:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin {
    /// `None`: `bind: off`, no endpoint. A non-loopback address always has a `token_file`.
    pub bind: Option<SocketAddr>,
    /// The file holding the operator token (read when the daemon starts).
    pub token_file: Option<PathBuf>,
}

impl Default for Admin {
    fn default() -> Self {
        Admin {
            bind: Some(DEFAULT_ADMIN_BIND),
            token_file: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub address: IpAddr,
}

/// One virtual address and the VRRP instance that protects it.
#[derive(Debug, Clone, PartialEq)]
pub struct Vip {
    pub name: String,
    /// The first (or only) address: what messages, doctor and the status page name the VIP by.
    pub address: IpAddr,
    /// Prefix length given with the address (`/24`); defaults to 32 / 128.
    pub prefix_len: u8,
    /// The other addresses of `addresses:`, in file order, of the same family as `address`
    /// (one family per VRRP instance, RFC 5798 §5.2.9). They move with `address`: added,
    /// announced, listed in adverts and removed together.
    pub more_addresses: Vec<(IpAddr, u8)>,
    pub interface: InterfaceChoice,
    /// keepalived's `label`: the address is added as `IFNAME:LABEL`-style label. Default none.
    pub label: Option<String>,
    pub vrrp: VrrpSettings,
    pub track: Vec<Tracker>,
    /// Program run on every state change as `PROGRAM INSTANCE name STATE priority`.
    pub notify: Option<PathBuf>,
    /// keepalived's `notify_master` / `notify_backup` / `notify_fault`: run without arguments
    /// on entering that state (besides `notify`).
    pub notify_on: StateNotify,
    pub announce: AnnounceSettings,
    /// keepalived's `vrrp_sync_group` (not RFC): VIPs with the same group move together (a
    /// member in FAULT puts the others in FAULT; one outranked takes the others to BACKUP).
    /// Every group named has at least two VIPs. Default none.
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterfaceChoice {
    /// The interface that carries this node's own address.
    Auto,
    Named(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct VrrpSettings {
    pub vrid: u8,
    pub version: Version,
    /// v3: multiple of 10 ms in 10ms..=40.95s; v2: whole seconds 1..=255. Default 200ms (v3),
    /// 1s (v2).
    pub advert_interval: Duration,
    pub transport: Transport,
    pub preempt: bool,
    pub preempt_delay: Duration,
    /// Priority per node name, 1..=255, every node present (defaults filled in by order of
    /// `nodes:`: the first 150, the last 50, the others evenly spaced between — see
    /// `config::default_priorities`).
    pub priority: BTreeMap<String, u8>,
    /// v2 PASS authentication, at most 8 bytes, zero padded.
    pub auth_pass: Option<[u8; 8]>,
    /// How v3-over-IPv4 checksums are sent (both are accepted). Default: pseudo-header form.
    pub checksum: ChecksumForm,
    /// VRRP routers of this VRID that are not nodes of the file (a keepalived kept during a
    /// migration): unicast adverts go to them too, and their adverts are accepted.
    pub extra_peers: Vec<IpAddr>,
    /// Multicast: take adverts from any source, as RFC 5798 and keepalived do. Default off:
    /// only the nodes and `extra_peers` count, so a stranger cannot take the VIP away.
    pub accept_any_source: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// To each other node's address; adverts accepted only from them.
    Unicast,
    /// To 224.0.0.18 / ff02::12.
    Multicast,
}

/// A condition a node needs to hold the VIP (keepalived's track_script / track_interface).
#[derive(Debug, Clone, PartialEq)]
pub struct Tracker {
    pub kind: TrackerKind,
    /// keepalived semantics, -253..=253: 0 = failure puts the instance in FAULT; positive is
    /// added while healthy; negative is added while failed.
    pub weight: i16,
    /// The weight was not written: a `frontend:` tracker then steps aside (a negative weight
    /// derived from the VIP's priorities, see `validate::track::step_aside_weight`); any other
    /// tracker keeps keepalived's default 0.
    pub weight_is_default: bool,
    pub interval: Duration,
    pub timeout: Duration,
    /// Consecutive successes to count as healthy / failures to count as failed.
    pub rise: u32,
    pub fall: u32,
}

impl Tracker {
    /// A `frontend:` tracker written without `weight`: it lowers the priority by a derived
    /// step-aside weight instead of putting the VIP in FAULT.
    pub fn steps_aside(&self) -> bool {
        self.weight_is_default && self.weight != 0 && matches!(self.kind, TrackerKind::Frontend(_))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrackerKind {
    /// Run a program (through `/bin/sh -c` when it contains spaces); exit 0 = healthy.
    Script(String),
    /// The interface is up.
    Interface(String),
    /// A TCP connection to this address succeeds.
    Tcp(SocketAddr),
    /// This node's frontend of that name (one of `ClusterConfig::frontends`) has at least one
    /// ready backend. Evaluated from the balancer's health checks, not probed by the tracker.
    Frontend(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnnounceSettings {
    /// Gratuitous ARPs / unsolicited NAs sent on becoming master (keepalived: 5).
    pub count: u32,
    /// Gap between them.
    pub interval: Duration,
    /// Announce again this long after becoming master (keepalived: 5 s); `None` = never.
    pub repeat_after: Option<Duration>,
}

impl ClusterConfig {
    /// The other nodes of the file, of `vip`'s address family, seen from `me`, and the VIP's
    /// `extra_peers`: where unicast adverts go, and in either transport the routers expected
    /// on the VRID.
    pub fn peers_of(&self, vip: &Vip, me: &Node) -> Vec<std::net::IpAddr> {
        self.nodes
            .iter()
            .filter(|n| n.name != me.name && n.address.is_ipv4() == vip.address.is_ipv4())
            .map(|n| n.address)
            .chain(vip.vrrp.extra_peers.iter().copied())
            .collect()
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The other VIPs of `vip`'s group, in file order (none without a group).
    pub fn group_mates<'a>(&'a self, vip: &'a Vip) -> impl Iterator<Item = &'a Vip> + 'a {
        self.vips
            .iter()
            .filter(move |v| v.name != vip.name && v.group.is_some() && v.group == vip.group)
    }

    pub fn frontend(&self, name: &str) -> Option<&Frontend> {
        self.frontends.iter().find(|f| f.name == name)
    }

    /// Whether this machine must find itself among `nodes` (VIPs are per node; frontends are
    /// the same on every node).
    pub fn needs_identity(&self) -> bool {
        !self.vips.is_empty() || !self.bgp_vips.is_empty()
    }

    pub fn bgp_vip(&self, name: &str) -> Option<&BgpVip> {
        self.bgp_vips.iter().find(|v| v.name == name)
    }
}

/// The per-state programs of a VIP; each absolute, run without arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateNotify {
    pub master: Option<PathBuf>,
    pub backup: Option<PathBuf>,
    pub fault: Option<PathBuf>,
}

impl Vip {
    /// Every address of the VIP with its prefix length, `address` first.
    pub fn addresses(&self) -> Vec<(IpAddr, u8)> {
        let mut all = vec![(self.address, self.prefix_len)];
        all.extend(self.more_addresses.iter().copied());
        all
    }

    /// Whether `ip` is one of the VIP's addresses.
    pub fn has_address(&self, ip: IpAddr) -> bool {
        self.address == ip || self.more_addresses.iter().any(|&(a, _)| a == ip)
    }

    /// This node's priority for the VIP.
    pub fn priority_of(&self, node: &str) -> u8 {
        self.vrrp.priority.get(node).copied().unwrap_or(1)
    }

    /// With a stepping-aside tracker (a `frontend:` tracker without `weight`), the lowest
    /// priority a node whose frontends all have a ready backend can have: the lowest
    /// configured priority less every other tracker's negative weight. The step-aside weight
    /// (`validate::track::step_aside_weight`) puts every node without a ready backend below
    /// it, so a router may tell a master that stepped aside by its advertised priority alone
    /// (`vrrp::Config::step_aside_below`). `None` without such a tracker.
    pub fn step_aside_floor(&self) -> Option<u8> {
        if !self.track.iter().any(Tracker::steps_aside) {
            return None;
        }
        let lowest = i32::from(self.vrrp.priority.values().copied().min()?);
        let drops: i32 = self
            .track
            .iter()
            .filter(|t| !t.steps_aside() && t.weight < 0)
            .map(|t| i32::from(t.weight).abs())
            .sum();
        Some((lowest - drops).clamp(1, 254) as u8)
    }
}

/// keepalived's defaults: 5 announcements at once on becoming master, 5 more after 5 s.
impl Default for AnnounceSettings {
    fn default() -> Self {
        AnnounceSettings {
            count: 5,
            interval: Duration::ZERO,
            repeat_after: Some(Duration::from_secs(5)),
        }
    }
}

/// One TCP load balancer: a listening address and the backends behind it (haproxy's
/// `listen` / nginx's `stream { server { } upstream { } }`).
#[derive(Debug, Clone, PartialEq)]
pub struct Frontend {
    pub name: String,
    /// Any address: a VIP this node does not hold yet (bound with IP_FREEBIND), 0.0.0.0, ::,
    /// or 127.0.0.1:6443 for a node-local balancer.
    pub bind: SocketAddr,
    /// In file order; addresses unique within the frontend.
    pub backends: Vec<Backend>,
    pub balance: Balance,
    pub check: HealthCheck,
    pub timeouts: Timeouts,
    /// Most client connections open at once; further ones are refused. `None` = no limit
    /// (only the process's file limit).
    pub max_connections: Option<u32>,
    /// Send a PROXY protocol v2 header to backends (ingress controllers); never by default.
    pub proxy_protocol: bool,
    /// Other backends tried when a connect fails, before the client is refused. Default 2.
    pub retries: u32,
    /// Close the established sessions of a backend that goes down (haproxy's
    /// `on-marked-down shutdown-sessions`). Default false: they stay until they end.
    pub shutdown_sessions_on_down: bool,
    /// A backend that comes up gets a share of new connections growing from 0 to its weight
    /// over this time. `None` = full weight at once.
    pub slowstart: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    pub address: SocketAddr,
    /// Relative share of new connections, 1..=256; default 1.
    pub weight: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balance {
    /// Smooth weighted round robin.
    RoundRobin,
    /// Fewest active connections relative to weight.
    LeastConn,
    /// Power of two random choices: the less loaded of two random backends.
    RandomTwo,
    /// Consistent hash of the client address: losing a backend moves only its clients.
    SourceHash,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HealthCheck {
    pub kind: CheckKind,
    pub interval: Duration,
    pub timeout: Duration,
    pub rise: u32,
    pub fall: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CheckKind {
    /// A TCP connection succeeds (the default when `check` is absent).
    Tcp,
    /// `GET path` answers one of `statuses` (default [200]); over TLS when `tls` is set.
    Http {
        path: String,
        statuses: Vec<u16>,
        tls: Option<CheckTls>,
    },
}

/// TLS for HTTPS checks: verification off unless a CA is given (apiservers use a cluster CA
/// that the balancer host rarely trusts); an optional client certificate for clusters that
/// refuse anonymous `/readyz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckTls {
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Name sent in SNI and checked against the certificate (default: none, IP only).
    pub server_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Timeouts {
    /// Connecting to a backend; default 3 s.
    pub connect: Duration,
    /// A connection with no traffic either way for this long is closed; default 1 h (watches,
    /// `kubectl logs -f` and `exec` stay up).
    pub idle: Duration,
    /// TCP_USER_TIMEOUT on both sides: unacknowledged data older than this kills the
    /// connection (a dead peer is noticed); default 30 s.
    pub dead_peer: Duration,
    /// TCP keepalive idle time on both sides; default 60 s.
    pub keepalive: Duration,
    /// How long SIGTERM (and a reload that removes a backend) lets established connections
    /// finish; default 30 s.
    pub drain: Duration,
}

/// The check used when `check:` is absent: a TCP connect every 2 s, 1 s timeout, down after 2
/// failures, up after 2 successes.
impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck {
            kind: CheckKind::Tcp,
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(1),
            rise: 2,
            fall: 2,
        }
    }
}

/// Made for the apiserver: connect 3 s, idle 1 h, dead peer 30 s, keepalive 60 s, drain 30 s.
impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            idle: Duration::from_secs(3600),
            dead_peer: Duration::from_secs(30),
            keepalive: Duration::from_secs(60),
            drain: Duration::from_secs(30),
        }
    }
}

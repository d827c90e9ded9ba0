//! The validated configuration: types that cannot hold an invalid setting. Produced only by
//! `config::load` (parse → validate); everything else in the daemon reads these.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

pub use vrrp::{ChecksumForm, Version};

/// The whole file: the same on every node.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    /// Where it was read from (for messages).
    pub source: PathBuf,
    /// In file order; names and addresses are unique.
    pub nodes: Vec<Node>,
    /// In file order; names, addresses and (interface-independent) VRIDs are unique.
    pub vips: Vec<Vip>,
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
    pub address: IpAddr,
    /// Prefix length given with the address (`/24`); defaults to 32 / 128.
    pub prefix_len: u8,
    pub interface: InterfaceChoice,
    /// keepalived's `label`: the address is added as `IFNAME:LABEL`-style label. Default none.
    pub label: Option<String>,
    pub vrrp: VrrpSettings,
    pub track: Vec<Tracker>,
    /// Program run on every state change as `PROGRAM INSTANCE name STATE priority`.
    pub notify: Option<PathBuf>,
    pub announce: AnnounceSettings,
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
    pub interval: Duration,
    pub timeout: Duration,
    /// Consecutive successes to count as healthy / failures to count as failed.
    pub rise: u32,
    pub fall: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrackerKind {
    /// Run a program (through `/bin/sh -c` when it contains spaces); exit 0 = healthy.
    Script(String),
    /// The interface is up.
    Interface(String),
    /// A TCP connection to this address succeeds.
    Tcp(SocketAddr),
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
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

impl Vip {
    /// This node's priority for the VIP.
    pub fn priority_of(&self, node: &str) -> u8 {
        self.vrrp.priority.get(node).copied().unwrap_or(1)
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

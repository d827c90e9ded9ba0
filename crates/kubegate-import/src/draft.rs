//! The translated config before it is written out: plain values, each remembering the line of
//! the source file it came from, and the notes an import gathers (what was assumed, what has no
//! kubegate equivalent, what stops the import). The readers of keepalived, haproxy and nginx
//! files fill it; `emit` writes it as a kubegate file.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// Where something came from: a file and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

impl Origin {
    pub fn new(file: impl Into<String>, line: usize) -> Self {
        Self {
            file: file.into(),
            line,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// How much a note matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Translated with a choice the operator should know about (a default, a guess).
    Assumed,
    /// A setting with no kubegate equivalent (or not needed by kubegate); left out.
    Dropped,
    /// The import cannot produce a valid file; says what to change or pass.
    Error,
}

/// One message of an import, located where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub severity: Severity,
    pub origin: Option<Origin>,
    pub text: String,
}

impl Note {
    pub fn assumed(origin: Option<Origin>, text: impl Into<String>) -> Self {
        Self::new(Severity::Assumed, origin, text)
    }
    pub fn dropped(origin: Option<Origin>, text: impl Into<String>) -> Self {
        Self::new(Severity::Dropped, origin, text)
    }
    pub fn error(origin: Option<Origin>, text: impl Into<String>) -> Self {
        Self::new(Severity::Error, origin, text)
    }
    fn new(severity: Severity, origin: Option<Origin>, text: impl Into<String>) -> Self {
        Self {
            severity,
            origin,
            text: text.into(),
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.severity {
            Severity::Assumed => "assumed",
            Severity::Dropped => "left out",
            Severity::Error => "error",
        };
        match &self.origin {
            Some(o) => write!(f, "{o}: {word}: {}", self.text),
            None => write!(f, "{word}: {}", self.text),
        }
    }
}

/// `nodes[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftNode {
    pub name: String,
    pub address: IpAddr,
    pub origin: Option<Origin>,
}

/// `vips[].vrrp.transport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftTransport {
    Unicast,
    Multicast,
}

/// `vips[]`: one keepalived `vrrp_instance` (with one virtual address), merged over the nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftVip {
    /// The instance name (`VI_1`), made unique across the file.
    pub name: String,
    /// `A.B.C.D/len` or `A.B.C.D` as written.
    pub address: String,
    /// The other addresses of the VIP (keepalived's further `virtual_ipaddress` lines), as
    /// written; with any, the VIP is written as `addresses: [...]`.
    pub more_addresses: Vec<String>,
    /// `None` = `auto`.
    pub interface: Option<String>,
    pub label: Option<String>,
    pub vrid: u8,
    /// 2 or 3.
    pub version: u8,
    pub advert_interval: Duration,
    pub transport: DraftTransport,
    pub preempt: bool,
    pub preempt_delay: Duration,
    /// Per node name, in node order.
    pub priority: Vec<(String, u8)>,
    pub auth_pass: Option<String>,
    pub track: Vec<DraftTrack>,
    pub notify: Option<String>,
    /// `notify_master`, `notify_backup`, `notify_fault`.
    pub notify_master: Option<String>,
    pub notify_backup: Option<String>,
    pub notify_fault: Option<String>,
    /// `group:`, from keepalived's `vrrp_sync_group` (a group with two VIPs or more).
    pub group: Option<String>,
    pub origin: Option<Origin>,
}

impl DraftVip {
    /// A version 3 VIP with kubegate's defaults for everything but its name, address and VRID
    /// (unicast, preempt, the default advert interval, priorities by node order).
    pub fn new(name: impl Into<String>, address: impl Into<String>, vrid: u8) -> Self {
        Self {
            name: name.into(),
            address: address.into(),
            more_addresses: Vec::new(),
            interface: None,
            label: None,
            vrid,
            version: 3,
            advert_interval: kubegate_config::model::DEFAULT_ADVERT_INTERVAL_V3,
            transport: DraftTransport::Unicast,
            preempt: true,
            preempt_delay: Duration::ZERO,
            priority: Vec::new(),
            auth_pass: None,
            track: Vec::new(),
            notify: None,
            notify_master: None,
            notify_backup: None,
            notify_fault: None,
            group: None,
            origin: None,
        }
    }
}

/// What a `track:` entry watches.
#[derive(Debug, Clone, PartialEq)]
pub enum DraftTrackKind {
    /// A program and its arguments, as keepalived's `script` line.
    Script(String),
    Interface(String),
    /// `ADDRESS:PORT` that must accept TCP.
    Tcp(String),
    /// A frontend of this file that must have a ready backend.
    Frontend(String),
}

/// `vips[].track[]` (keepalived semantics: weight 0 = failure means FAULT).
#[derive(Debug, Clone, PartialEq)]
pub struct DraftTrack {
    pub kind: DraftTrackKind,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub rise: Option<u32>,
    pub fall: Option<u32>,
    pub weight: i32,
    /// The keepalived `vrrp_script` name this came from, if any (for comments and linking).
    pub source_name: Option<String>,
    pub origin: Option<Origin>,
}

impl DraftTrack {
    /// `- frontend: NAME` with keepalived's weight 0 (a frontend without ready backends
    /// means FAULT).
    pub fn frontend(name: impl Into<String>) -> Self {
        Self {
            kind: DraftTrackKind::Frontend(name.into()),
            interval: None,
            timeout: None,
            rise: None,
            fall: None,
            weight: 0,
            source_name: None,
            origin: None,
        }
    }
}

/// `frontends[].balance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftBalance {
    RoundRobin,
    LeastConn,
    RandomTwo,
    SourceHash,
}

/// `frontends[].backends[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftBackend {
    /// `ADDRESS:PORT` (`[v6]:PORT`).
    pub address: String,
    /// `None` = 1.
    pub weight: Option<u32>,
    /// The name haproxy gave the server (`server k8s-master-1 …`), if any.
    pub name: Option<String>,
    pub origin: Option<Origin>,
}

/// What `check:` does.
#[derive(Debug, Clone, PartialEq)]
pub enum DraftCheckKind {
    Tcp,
    Http { path: String },
    Https { path: String },
}

/// `frontends[].check`; `None` fields keep kubegate's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftCheck {
    pub kind: DraftCheckKind,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub rise: Option<u32>,
    pub fall: Option<u32>,
    /// Empty = kubegate's default ([200]).
    pub statuses: Vec<u16>,
    /// `ca_file`: the CA that verifies the backends' certificates (https checks).
    pub ca_file: Option<String>,
}

/// `frontends[].timeouts`; `None` keeps kubegate's default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DraftTimeouts {
    pub connect: Option<Duration>,
    pub idle: Option<Duration>,
}

/// `frontends[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftFrontend {
    pub name: String,
    /// `ADDRESS:PORT` (`[v6]:PORT`); `*:9443` becomes `0.0.0.0:9443`.
    pub bind: String,
    pub backends: Vec<DraftBackend>,
    pub balance: Option<DraftBalance>,
    /// `None` = kubegate's default TCP check.
    pub check: Option<DraftCheck>,
    pub timeouts: DraftTimeouts,
    pub max_connections: Option<u32>,
    pub proxy_protocol: bool,
    pub retries: Option<u32>,
    pub origin: Option<Origin>,
}

impl DraftFrontend {
    /// A frontend with kubegate's defaults for everything but its name and bind.
    pub fn new(name: impl Into<String>, bind: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            bind: bind.into(),
            backends: Vec::new(),
            balance: None,
            check: None,
            timeouts: DraftTimeouts::default(),
            max_connections: None,
            proxy_protocol: false,
            retries: None,
            origin: None,
        }
    }
}

/// The whole translated file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub nodes: Vec<DraftNode>,
    pub vips: Vec<DraftVip>,
    pub frontends: Vec<DraftFrontend>,
    /// `admin.bind`, when a source had a stats page worth keeping.
    pub admin_bind: Option<String>,
    /// `admin.token_file` (the lab's files have one; an import never writes it).
    pub admin_token_file: Option<String>,
}

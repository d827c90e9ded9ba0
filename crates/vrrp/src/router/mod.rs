//! One VRRP virtual router (RFC 5798 §6 state machine, with keepalived-compatible extras:
//! FAULT, preempt_delay, planned handover on shutdown). Sans-IO: `handle*` in, `poll_*` out.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::packet::{AdvertRepr, Auth, Version};

/// Router state (RFC 5798 §6.4, plus keepalived's FAULT and our STOPPING handover).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Initialize,
    Backup,
    Master,
    /// Link down or a weight-0 tracker failing: never master, VIPs removed.
    Fault,
    /// Shutdown requested while master: priority 0 sent, VIPs kept until a new master is
    /// heard or the bounded wait ends.
    Stopping,
    /// Shut down; nothing more will happen.
    Stopped,
}

/// Static configuration of one virtual router.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub version: Version,
    pub vrid: u8,
    /// Configured priority, 1..=255 (255 = address owner).
    pub priority: u8,
    /// Our advertisement interval in centiseconds (v2: multiple of 100).
    pub interval_cs: u16,
    pub preempt: bool,
    pub preempt_delay: Duration,
    /// This router's primary address on the interface: the advert's source and the tie-break.
    pub primary_address: IpAddr,
    /// The virtual addresses this router protects.
    pub vips: Vec<IpAddr>,
    /// Version 2 authentication; must be `Auth::None` for version 3.
    pub auth: Auth,
    /// `Some(peers)`: unicast, accept adverts only from these sources and skip the TTL check
    /// (as keepalived does). `None`: multicast, TTL must be 255 (RFC 5798 §7.1).
    pub unicast_peers: Option<Vec<IpAddr>>,
    /// Announce again this long after becoming master (keepalived's garp_master_delay, 5 s);
    /// `None` disables the repeat.
    pub announce_repeat_after: Option<Duration>,
    /// Longest a stopping master keeps its VIPs waiting for a new master to be heard.
    pub handover_timeout: Duration,
}

/// Something that happened to the router.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Start the protocol (RFC 5798 §6.4.1 Startup event).
    Startup,
    /// A parsed advertisement received with the given source address and TTL / hop limit.
    Advert {
        from: IpAddr,
        ttl: u8,
        advert: AdvertRepr,
    },
    /// The interface carrying the router went up / down.
    LinkUp,
    LinkDown,
    /// Trackers changed the effective priority (1..=254; ignored for an owner at 255).
    Priority(u8),
    /// A weight-0 tracker failed (`true`) or recovered (`false`).
    TrackerFault(bool),
    /// Planned stop (SIGTERM): hand over and stop.
    Shutdown,
}

/// Why a state changed; reported with `Action::StateChanged` for logs, notify and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Startup as address owner (priority 255).
    Owner,
    /// Startup (or recovery from fault) as a non-owner.
    Started,
    /// No advertisement heard for Master_Down_Interval.
    MasterDown,
    /// The master announced priority 0 (it is stopping); we took over after Skew_Time.
    MasterStopped,
    /// An advertisement with higher priority (or equal priority, higher address) arrived.
    Preempted {
        by: IpAddr,
        priority: u8,
    },
    LinkDown,
    LinkUp,
    TrackerFailed,
    TrackerRecovered,
    /// Shutdown began.
    ShutdownRequested,
    /// A new master was heard while stopping.
    HandedOver {
        to: IpAddr,
    },
    /// Nobody took over within the handover timeout.
    HandoverTimedOut,
}

/// What the I/O adapter must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send this advertisement (multicast, or to each unicast peer).
    SendAdvert(AdvertRepr),
    /// Add the virtual addresses to the interface.
    AddVips,
    /// Remove the virtual addresses from the interface.
    RemoveVips,
    /// Send gratuitous ARP (IPv4) / unsolicited neighbour advertisements (IPv6) for the VIPs.
    Announce,
    StateChanged {
        from: State,
        to: State,
        why: Reason,
    },
}

/// One virtual router instance. (State machine body being written.)
#[derive(Debug)]
pub struct Router {
    config: Config,
}

impl Router {
    pub fn new(config: Config) -> Self {
        Router { config }
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
}

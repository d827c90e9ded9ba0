//! The BGP part of the snapshot (`status.bgp`, present only while BGP mode runs): this node's
//! BGP sessions, the BGP VIPs it announces or withholds and why, and the BFD sessions beside
//! the BGP ones. Part of the JSON contract of `/api/v1/status` (docs/admin.md). Times are
//! milliseconds since the Unix epoch, as in the rest of the snapshot.

use serde::{Deserialize, Serialize};

/// BGP mode on this node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BgpStatus {
    /// This node's AS (the cluster's, or the node's override).
    pub asn: u32,
    /// The BGP Identifier this node sends (RFC 4271 §4.2), dotted quad.
    pub router_id: Option<String>,
    pub sessions: Vec<BgpSessionStatus>,
    pub routes: Vec<BgpRouteStatus>,
    /// Empty when no peer has `bfd: true`.
    pub bfd: Vec<BfdSessionStatus>,
}

/// One BGP session (one configured peer of this node).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BgpSessionStatus {
    /// The peer's address.
    pub peer: String,
    /// The RFC 4271 §8.2.2 state: `Idle`, `Connect`, `Active`, `OpenSent`, `OpenConfirm`,
    /// `Established`.
    pub state: String,
    /// When the session entered `state`.
    pub since_ms: u64,
    /// Seconds Established; `None` while not Established.
    pub uptime_s: Option<u64>,
    /// Why the session last failed or did not come up, in words (`connection refused`,
    /// `the peer sent NOTIFICATION 2/2 bad peer AS`, `BFD session down: …`).
    pub last_error: Option<String>,
    /// Our address on the connection: the next hop of our routes.
    pub local_address: Option<String>,
    /// Routes announced on this session now (0 unless Established).
    pub routes_announced: u64,
    /// BGP messages received and sent.
    pub messages_in: u64,
    pub messages_out: u64,
    /// Times the session reached Established since the daemon started.
    pub flaps: u64,
    /// TCP connections tried (RFC 4271 §8: each ConnectRetryTimer expiry or restart).
    #[serde(default)]
    pub connect_attempts: u64,
}

/// One BGP VIP on this node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BgpRouteStatus {
    /// The VIP's name.
    pub vip: String,
    /// The host route announced: `ADDRESS/32` or `ADDRESS/128`.
    pub prefix: String,
    /// This node announces it now (to every peer whose session is Established).
    pub announced: bool,
    /// Why it is not announced (`a tracker fails: frontend api: no ready backend`,
    /// `handed over by the operator`, `stopping`); `None` while announced.
    pub reason: Option<String>,
}

/// One BFD session (RFC 5880), beside a BGP session whose peer has `bfd: true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BfdSessionStatus {
    pub peer: String,
    /// bfd.SessionState (RFC 5880 §4.1 names): `AdminDown`, `Down`, `Init`, `Up`.
    pub state: String,
    /// When the session entered `state`.
    pub since_ms: u64,
    /// bfd.RemoteSessionState, as the peer last told us.
    pub remote_state: String,
    /// bfd.LocalDiag in words: why the session last changed state (RFC 5880 §6.8.1).
    pub diagnostic: String,
    /// The negotiated transmit and receive intervals (§6.8.7, §6.8.4) and the Detection
    /// Time, milliseconds; `None` until the peer is heard (tx: while it asks for no packets).
    pub tx_ms: Option<u64>,
    pub rx_ms: Option<u64>,
    pub detect_ms: Option<u64>,
    pub packets_in: u64,
    pub packets_out: u64,
    /// Received packets dropped (malformed, wrong TTL, failed authentication …), and why the
    /// last one was.
    pub dropped: u64,
    pub last_drop: Option<String>,
}

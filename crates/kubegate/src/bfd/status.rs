//! What the status page, the API and the metrics show of one BFD session.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use super::{BfdState, Diagnostic};

/// One session as of the BFD thread's last round.
#[derive(Debug, Clone, PartialEq)]
pub struct BfdStatus {
    pub peer: IpAddr,
    pub local: IpAddr,
    pub multihop: bool,
    /// bfd.SessionState.
    pub state: BfdState,
    /// When the session entered `state`.
    pub since: SystemTime,
    /// bfd.RemoteSessionState, as the peer last told us.
    pub remote_state: BfdState,
    /// bfd.LocalDiscr.
    pub local_discr: u32,
    /// bfd.RemoteDiscr (0 until the peer is heard, and after a detection timeout).
    pub remote_discr: u32,
    /// The negotiated transmit interval before jitter (RFC 5880 §6.8.7); `None` while the
    /// peer asks for no packets.
    pub tx_interval: Option<Duration>,
    /// The negotiated receive interval (§6.8.4): the larger of our Required Min RX and the
    /// peer's Desired Min TX; `None` until the peer is heard.
    pub rx_interval: Option<Duration>,
    /// The peer's Detect Mult, `None` until it is heard.
    pub remote_multiplier: Option<u8>,
    /// The Detection Time (§6.8.4): the negotiated receive interval × the peer's Detect
    /// Mult; `None` until the peer is heard.
    pub detect_time: Option<Duration>,
    /// bfd.LocalDiag: why the session last changed state (§6.8.1).
    pub last_diag: Diagnostic,
    /// The authentication in use, by name.
    pub auth: Option<&'static str>,
    pub packets_in: u64,
    pub packets_out: u64,
    /// Received packets dropped (malformed, wrong TTL, failed authentication …).
    pub dropped: u64,
    /// Why the last one was dropped.
    pub last_drop: Option<String>,
    /// Packets that could not be sent (an unreachable peer while a link is down).
    pub send_errors: u64,
}

/// The name of a diagnostic as RFC 5880 §4.1 gives it, in lower case.
pub fn diagnostic_name(diag: Diagnostic) -> &'static str {
    match diag {
        Diagnostic::None => "no diagnostic",
        Diagnostic::ControlDetectionTimeExpired => "control detection time expired",
        Diagnostic::EchoFunctionFailed => "echo function failed",
        Diagnostic::NeighborSignaledSessionDown => "neighbor signaled session down",
        Diagnostic::ForwardingPlaneReset => "forwarding plane reset",
        Diagnostic::PathDown => "path down",
        Diagnostic::ConcatenatedPathDown => "concatenated path down",
        Diagnostic::AdministrativelyDown => "administratively down",
        Diagnostic::ReverseConcatenatedPathDown => "reverse concatenated path down",
        Diagnostic::Reserved(_) => "reserved",
    }
}

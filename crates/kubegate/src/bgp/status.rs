//! What the speaker reports about each peer, and the words it uses for why a session failed:
//! NOTIFICATION codes (RFC 4271 §4.5, RFC 4486 §4 Cease subcodes) and connection errors.

use std::io;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

use ::bgp::wire::{ErrorCode, Notification};
use ::bgp::{DownReason, State};

/// One peer's session, as last seen by its thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStatus {
    pub address: IpAddr,
    pub state: State,
    /// When the session entered `state` (its uptime while Established).
    pub since: Instant,
    /// The same moment on the wall clock, for people.
    pub since_wall: SystemTime,
    /// Why the session last failed or did not come up, in words.
    pub last_error: Option<String>,
    /// Our address on the connection: the next hop of our routes.
    pub local_address: Option<IpAddr>,
    /// Routes we announce on this session while it is Established (0 otherwise).
    pub routes_announced: usize,
    pub messages_in: u64,
    pub messages_out: u64,
    /// Times the session reached Established.
    pub established_count: u64,
    /// TCP connections tried (RFC 4271 §8: each ConnectRetryTimer expiry or restart).
    pub connect_attempts: u64,
}

impl PeerStatus {
    pub(crate) fn new(address: IpAddr) -> PeerStatus {
        PeerStatus {
            address,
            state: State::Idle,
            since: Instant::now(),
            since_wall: SystemTime::now(),
            last_error: None,
            local_address: None,
            routes_announced: 0,
            messages_in: 0,
            messages_out: 0,
            established_count: 0,
            connect_attempts: 0,
        }
    }
}

pub(crate) fn lock(status: &Mutex<PeerStatus>) -> MutexGuard<'_, PeerStatus> {
    status
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Why a session went down, in words.
pub fn describe_down(reason: &DownReason) -> String {
    match reason {
        DownReason::ManualStop => "stopped by us".into(),
        DownReason::HoldTimerExpired => "hold timer expired".into(),
        DownReason::ConnectionLost => "connection lost".into(),
        DownReason::NotificationSent(n) => format!("we sent {}", describe_notification(n)),
        DownReason::NotificationReceived(n) => {
            format!("the peer sent {}", describe_notification(n))
        }
    }
}

/// `NOTIFICATION 2/2 bad peer AS`.
pub fn describe_notification(n: &Notification) -> String {
    let code = n.code.to_u8();
    format!(
        "NOTIFICATION {code}/{} {}",
        n.subcode,
        notification_words(n.code, n.subcode)
    )
}

fn notification_words(code: ErrorCode, subcode: u8) -> &'static str {
    match (code, subcode) {
        // RFC 4271 §6.1
        (ErrorCode::MessageHeader, 1) => "connection not synchronized",
        (ErrorCode::MessageHeader, 2) => "bad message length",
        (ErrorCode::MessageHeader, 3) => "bad message type",
        (ErrorCode::MessageHeader, _) => "message header error",
        // RFC 4271 §6.2, RFC 5492 §5 (7)
        (ErrorCode::OpenMessage, 1) => "unsupported version number",
        (ErrorCode::OpenMessage, 2) => "bad peer AS",
        (ErrorCode::OpenMessage, 3) => "bad BGP identifier",
        (ErrorCode::OpenMessage, 4) => "unsupported optional parameter",
        (ErrorCode::OpenMessage, 6) => "unacceptable hold time",
        (ErrorCode::OpenMessage, 7) => "unsupported capability",
        (ErrorCode::OpenMessage, _) => "OPEN message error",
        // RFC 4271 §6.3
        (ErrorCode::UpdateMessage, _) => "UPDATE message error",
        (ErrorCode::HoldTimerExpired, _) => "hold timer expired",
        // RFC 6608 §3
        (ErrorCode::FiniteStateMachine, _) => "finite state machine error",
        // RFC 4486 §4
        (ErrorCode::Cease, 1) => "cease: maximum number of prefixes reached",
        (ErrorCode::Cease, 2) => "cease: administrative shutdown",
        (ErrorCode::Cease, 3) => "cease: peer de-configured",
        (ErrorCode::Cease, 4) => "cease: administrative reset",
        (ErrorCode::Cease, 5) => "cease: connection rejected",
        (ErrorCode::Cease, 6) => "cease: other configuration change",
        (ErrorCode::Cease, 7) => "cease: connection collision resolution",
        (ErrorCode::Cease, 8) => "cease: out of resources",
        (ErrorCode::Cease, _) => "cease",
        (ErrorCode::RouteRefresh, _) => "ROUTE-REFRESH message error",
        (ErrorCode::Unknown(_), _) => "unknown error code",
    }
}

/// Why a connection attempt failed, in words. A router that has a TCP-MD5 password for us
/// silently drops segments signed with another key, or not signed (RFC 2385 §3), so an
/// attempt that gets no answer at all may well be a password mismatch.
pub fn describe_connect_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".into(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            "no answer to our connection (MD5 mismatch? or the peer is unreachable)".into()
        }
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            format!("peer unreachable: {e}")
        }
        _ => format!("cannot connect: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_read_as_words() {
        let n = Notification::new(ErrorCode::OpenMessage, 2);
        assert_eq!(describe_notification(&n), "NOTIFICATION 2/2 bad peer AS");
        let cease = Notification::new(ErrorCode::Cease, 2);
        assert_eq!(
            describe_down(&DownReason::NotificationReceived(cease)),
            "the peer sent NOTIFICATION 6/2 cease: administrative shutdown"
        );
        assert_eq!(
            describe_down(&DownReason::HoldTimerExpired),
            "hold timer expired"
        );
        let odd = Notification::new(ErrorCode::Unknown(99), 1);
        assert_eq!(
            describe_notification(&odd),
            "NOTIFICATION 99/1 unknown error code"
        );
    }

    #[test]
    fn connection_errors_read_as_words() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(describe_connect_error(&refused), "connection refused");
        let silent = io::Error::from(io::ErrorKind::TimedOut);
        assert!(describe_connect_error(&silent).contains("MD5 mismatch?"));
    }
}

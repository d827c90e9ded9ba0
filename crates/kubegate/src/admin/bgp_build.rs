//! The BGP part of the snapshot as a pure function of what the speaker, BFD and the BGP VIPs
//! reported ([`BgpSample`] → [`BgpStatus`]): state names as the RFCs spell them, uptimes,
//! intervals in milliseconds.

use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime};

use super::gather::epoch_ms;
use super::snapshot_bgp::{BfdSessionStatus, BgpRouteStatus, BgpSessionStatus, BgpStatus};
use crate::bfd::{diagnostic_name, BfdState, BfdStatus};
use crate::bgp::PeerStatus;

/// What BGP mode reported when the snapshot was taken.
#[derive(Debug, Clone, PartialEq)]
pub struct BgpSample {
    pub asn: u32,
    pub router_id: Option<Ipv4Addr>,
    /// Empty once the speaker has stopped.
    pub sessions: Vec<PeerStatus>,
    pub routes: Vec<BgpRouteStatus>,
    pub bfd: Vec<BfdStatus>,
}

/// The `bgp` section, as of `now`.
pub fn bgp_status(sample: &BgpSample, now: SystemTime) -> BgpStatus {
    let now_ms = epoch_ms(now);
    BgpStatus {
        asn: sample.asn,
        router_id: sample.router_id.map(|id| id.to_string()),
        sessions: sample.sessions.iter().map(|p| session(p, now_ms)).collect(),
        routes: sample.routes.clone(),
        bfd: sample.bfd.iter().map(bfd_session).collect(),
    }
}

/// The RFC 4271 §8.2.2 name of a session state.
pub fn session_state_name(state: ::bgp::State) -> &'static str {
    match state {
        ::bgp::State::Idle => "Idle",
        ::bgp::State::Connect => "Connect",
        ::bgp::State::Active => "Active",
        ::bgp::State::OpenSent => "OpenSent",
        ::bgp::State::OpenConfirm => "OpenConfirm",
        ::bgp::State::Established => "Established",
    }
}

/// Every session state name, in the order of the FSM.
pub const SESSION_STATES: [&str; 6] = [
    "Idle",
    "Connect",
    "Active",
    "OpenSent",
    "OpenConfirm",
    "Established",
];

/// The RFC 5880 §4.1 name of a BFD session state.
pub fn bfd_state_name(state: BfdState) -> &'static str {
    match state {
        BfdState::AdminDown => "AdminDown",
        BfdState::Down => "Down",
        BfdState::Init => "Init",
        BfdState::Up => "Up",
    }
}

fn session(p: &PeerStatus, now_ms: u64) -> BgpSessionStatus {
    let since_ms = epoch_ms(p.since_wall);
    let established = p.state == ::bgp::State::Established;
    BgpSessionStatus {
        peer: p.address.to_string(),
        state: session_state_name(p.state).to_string(),
        since_ms,
        uptime_s: established.then(|| now_ms.saturating_sub(since_ms) / 1000),
        last_error: p.last_error.clone(),
        local_address: p.local_address.map(|a| a.to_string()),
        routes_announced: u64::try_from(p.routes_announced).unwrap_or(u64::MAX),
        messages_in: p.messages_in,
        messages_out: p.messages_out,
        flaps: p.established_count,
        connect_attempts: p.connect_attempts,
    }
}

fn millis(d: Option<Duration>) -> Option<u64> {
    d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn bfd_session(b: &BfdStatus) -> BfdSessionStatus {
    BfdSessionStatus {
        peer: b.peer.to_string(),
        state: bfd_state_name(b.state).to_string(),
        since_ms: epoch_ms(b.since),
        remote_state: bfd_state_name(b.remote_state).to_string(),
        diagnostic: diagnostic_name(b.last_diag).to_string(),
        tx_ms: millis(b.tx_interval),
        rx_ms: millis(b.rx_interval),
        detect_ms: millis(b.detect_time),
        packets_in: b.packets_in,
        packets_out: b.packets_out,
        dropped: b.dropped,
        last_drop: b.last_drop.clone(),
    }
}

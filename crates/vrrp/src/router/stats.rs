//! Counters one router keeps about itself, for status pages and `/metrics`.

/// Why a received advertisement was dropped before the state logic saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// VRID is not ours (RFC 5798 §7.1).
    WrongVrid,
    /// VRRP version differs from the configured one (RFC 5798 §7.1).
    WrongVersion,
    /// Multicast mode and TTL / hop limit is not 255 (RFC 5798 §7.1).
    BadTtl,
    /// Unicast mode and the source is not one of the configured peers.
    UnknownPeer,
    /// Version 2 authentication type or password differs (RFC 3768 §7.1).
    AuthMismatch,
    /// Version 2 advertisement interval differs from ours (RFC 3768 §7.1).
    IntervalMismatch,
    /// Sent from our own primary address (our own advertisement looped back).
    OwnAddress,
    /// We are not listening: Initialize, Fault or Stopped.
    NotListening,
}

/// Dropped advertisements, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DropCounts {
    pub wrong_vrid: u64,
    pub wrong_version: u64,
    pub bad_ttl: u64,
    pub unknown_peer: u64,
    pub auth_mismatch: u64,
    pub interval_mismatch: u64,
    pub own_address: u64,
    pub not_listening: u64,
}

impl DropCounts {
    pub fn get(&self, reason: DropReason) -> u64 {
        match reason {
            DropReason::WrongVrid => self.wrong_vrid,
            DropReason::WrongVersion => self.wrong_version,
            DropReason::BadTtl => self.bad_ttl,
            DropReason::UnknownPeer => self.unknown_peer,
            DropReason::AuthMismatch => self.auth_mismatch,
            DropReason::IntervalMismatch => self.interval_mismatch,
            DropReason::OwnAddress => self.own_address,
            DropReason::NotListening => self.not_listening,
        }
    }

    pub(super) fn count(&mut self, reason: DropReason) {
        let slot = match reason {
            DropReason::WrongVrid => &mut self.wrong_vrid,
            DropReason::WrongVersion => &mut self.wrong_version,
            DropReason::BadTtl => &mut self.bad_ttl,
            DropReason::UnknownPeer => &mut self.unknown_peer,
            DropReason::AuthMismatch => &mut self.auth_mismatch,
            DropReason::IntervalMismatch => &mut self.interval_mismatch,
            DropReason::OwnAddress => &mut self.own_address,
            DropReason::NotListening => &mut self.not_listening,
        };
        *slot += 1;
    }

    /// All drops, whatever the reason.
    pub fn total(&self) -> u64 {
        self.wrong_vrid
            + self.wrong_version
            + self.bad_ttl
            + self.unknown_peer
            + self.auth_mismatch
            + self.interval_mismatch
            + self.own_address
            + self.not_listening
    }
}

/// Counters since `Router::new`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Every advertisement handed to the router.
    pub adverts_received: u64,
    /// Advertisements that passed the receive rules and reached the state logic.
    pub adverts_accepted: u64,
    pub dropped: DropCounts,
    /// Accepted advertisements whose address list differs from our VIPs (RFC 5798 §7.1 "MAY"
    /// verify: counted for diagnostics, not dropped).
    pub address_list_mismatch: u64,
    /// Advertisements we asked to send.
    pub adverts_sent: u64,
    /// State changes (each `Action::StateChanged`).
    pub transitions: u64,
}

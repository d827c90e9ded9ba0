//! A VIP's VRRP counters for `/metrics` and the JSON API: adverts sent and received, and
//! received packets dropped by reason. The reasons are the ones the `vrrp` crate gives — the
//! codec's `ParseError` (checksum, version, length …) and the router's `DropReason` (the
//! RFC 5798 §7.1 / RFC 3768 §7.1 receive checks) — each under one stable label; nothing is
//! re-derived here.

use std::collections::BTreeMap;

use vrrp::router::{DropReason, Stats};
use vrrp::ParseError;

/// Every drop label, in the order `/metrics` lists them (each is listed even at zero).
pub const DROP_REASONS: [&str; 14] = [
    "ttl",
    "version",
    "checksum",
    "vrid",
    "auth",
    "interval",
    "unknown_peer",
    "own_address",
    "not_listening",
    "truncated",
    "length",
    "type",
    "address_count",
    "family",
];

/// The label of a codec refusal (RFC 5798 §7.1: version, checksum, a complete packet).
pub fn parse_reason(e: &ParseError) -> &'static str {
    match e {
        ParseError::Truncated => "truncated",
        ParseError::TrailingBytes => "length",
        ParseError::BadVersion(_) | ParseError::V2OverIpv6 => "version",
        ParseError::BadType(_) => "type",
        ParseError::BadChecksum => "checksum",
        ParseError::BadAddressCount => "address_count",
        ParseError::BadAuthType(_) => "auth",
        ParseError::BadInterval => "interval",
        ParseError::FamilyMismatch => "family",
    }
}

/// The label of a router refusal (the receive checks that depend on our configuration).
pub fn drop_reason(r: DropReason) -> &'static str {
    match r {
        DropReason::WrongVrid => "vrid",
        DropReason::WrongVersion => "version",
        DropReason::BadTtl => "ttl",
        DropReason::UnknownPeer => "unknown_peer",
        DropReason::AuthMismatch => "auth",
        DropReason::IntervalMismatch => "interval",
        DropReason::OwnAddress => "own_address",
        DropReason::NotListening => "not_listening",
    }
}

const ROUTER_REASONS: [DropReason; 8] = [
    DropReason::WrongVrid,
    DropReason::WrongVersion,
    DropReason::BadTtl,
    DropReason::UnknownPeer,
    DropReason::AuthMismatch,
    DropReason::IntervalMismatch,
    DropReason::OwnAddress,
    DropReason::NotListening,
];

/// One VIP's counters since its thread started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VrrpCounters {
    /// Advertisements handed to the socket without error (one per destination).
    pub adverts_sent: u64,
    /// Protocol-112 datagrams read, whatever became of them.
    pub adverts_received: u64,
    /// Received datagrams refused, by label of `DROP_REASONS`; absent = 0.
    pub dropped: BTreeMap<&'static str, u64>,
    /// Accepted adverts whose address list differs from ours (RFC 5798 §7.1 "MAY verify":
    /// counted, never dropped).
    pub address_list_mismatch: u64,
    /// Adverts for our VRID from a source that is not one of the file's nodes.
    pub foreign_adverts: u64,
}

impl VrrpCounters {
    /// Counts one codec refusal.
    pub fn parse_dropped(&mut self, e: &ParseError) {
        *self.dropped.entry(parse_reason(e)).or_default() += 1;
    }

    /// These (the driver's own) counters with the router's drops and address-list count.
    pub fn with_router(&self, stats: &Stats) -> VrrpCounters {
        let mut out = self.clone();
        for r in ROUTER_REASONS {
            let n = stats.dropped.get(r);
            if n > 0 {
                *out.dropped.entry(drop_reason(r)).or_default() += n;
            }
        }
        out.address_list_mismatch = stats.address_list_mismatch;
        out
    }

    /// Dropped with this label (0 when none).
    pub fn dropped(&self, reason: &str) -> u64 {
        self.dropped.get(reason).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every label the mappings give is one `/metrics` lists.
    #[test]
    fn every_reason_is_listed() {
        let parse = [
            ParseError::Truncated,
            ParseError::TrailingBytes,
            ParseError::BadVersion(4),
            ParseError::V2OverIpv6,
            ParseError::BadType(2),
            ParseError::BadChecksum,
            ParseError::BadAddressCount,
            ParseError::BadAuthType(2),
            ParseError::BadInterval,
            ParseError::FamilyMismatch,
        ];
        let labels = parse
            .iter()
            .map(parse_reason)
            .chain(ROUTER_REASONS.map(drop_reason));
        for l in labels {
            assert!(DROP_REASONS.contains(&l), "{l} is not in DROP_REASONS");
        }
    }
}

//! The OPEN exchange `kubegate doctor` has with a router, without I/O: the OPEN it sends (the
//! one the daemon would send, built from the same settings by the `bgp` crate) and the reading
//! of what comes back, a message at a time from a bounded buffer, until the router has said
//! what it thinks of our OPEN; and the router's OPEN in words.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use ::bgp::wire::{Capability, Ctx, Error, Family, Message, Notification, Open, MAX_MESSAGE_LEN};
use kubegate_config::model::BgpPeer;

use crate::bgp::PeerConfig;

/// The daemon's settings for `peer`, as far as they shape the connection and the OPEN.
pub fn peer_config(peer: &BgpPeer) -> PeerConfig {
    let mut c = PeerConfig::new(peer.address, peer.asn);
    c.port = peer.port;
    c.hold_time = peer.hold_time;
    c.keepalive = peer.keepalive;
    c.ttl = peer.multihop;
    c
}

/// The OPEN the daemon sends to `peer` from `local`: our AS (in the RFC 6793 §3 capability,
/// AS_TRANS in the 2-octet field above 65535), our router id, the proposed hold time, the
/// multiprotocol capability for the connection's family (RFC 4760 §8), route refresh and the
/// helper-only graceful restart capability.
pub fn our_open(local_as: u32, router_id: Ipv4Addr, peer: &PeerConfig, local: IpAddr) -> Vec<u8> {
    let session = peer.session_config(local_as, router_id, local);
    // An OPEN of a handful of capabilities always fits 4096 octets.
    ::bgp::session::our_open(&session)
        .to_bytes(Ctx::default())
        .unwrap_or_default()
}

/// What the router sent back, read as it arrives.
#[derive(Debug, Default)]
pub struct Answer {
    /// The router's OPEN.
    pub open: Option<Open>,
    /// A NOTIFICATION from the router: it refused our OPEN, or the connection.
    pub notification: Option<Notification>,
    /// A KEEPALIVE after its OPEN: the router accepted ours and is in OpenConfirm
    /// (RFC 4271 §8.2.2).
    pub accepted: bool,
    /// Octets that are not what a router sends at this point, in words.
    pub invalid: Option<String>,
    /// Octets of a message not complete yet: always below one message (4096 octets).
    pending: Vec<u8>,
}

impl Answer {
    /// Takes octets read from the connection (any amount, in any pieces). Once the answer is
    /// [`complete`](Answer::complete) further octets are ignored.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() && !self.complete() {
            // Never hold more than one message: take only what completes the current one.
            let room = MAX_MESSAGE_LEN - self.pending.len();
            let take = room.min(bytes.len());
            if take == 0 {
                // Unreachable (a message is at most 4096 octets); never spin.
                self.invalid = Some("a message longer than 4096 octets".into());
                return;
            }
            self.pending.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            self.drain_messages();
        }
    }

    /// The router has said what it thinks of our OPEN (a KEEPALIVE or a NOTIFICATION), or
    /// what it sent cannot be read further.
    pub fn complete(&self) -> bool {
        self.notification.is_some()
            || self.invalid.is_some()
            || (self.open.is_some() && self.accepted)
    }

    fn drain_messages(&mut self) {
        while !self.complete() {
            match Message::parse(&self.pending) {
                Ok((message, used)) => {
                    self.pending.drain(..used);
                    self.take(message);
                }
                Err(Error::Incomplete { .. }) => return,
                Err(Error::Invalid(e)) => {
                    self.invalid = Some(format!("not a valid BGP message: {e}"));
                    self.pending.clear();
                }
            }
        }
    }

    /// RFC 4271 §8.2.2: a router that took our connection sends its OPEN (OpenSent), then a
    /// KEEPALIVE when it accepts ours (OpenConfirm), or a NOTIFICATION when it does not.
    fn take(&mut self, message: Message) {
        match message {
            Message::Open(open) if self.open.is_none() => self.open = Some(open),
            Message::Notification(n) => self.notification = Some(n),
            Message::Keepalive if self.open.is_some() => self.accepted = true,
            other => {
                let what = match other {
                    Message::Open(_) => "a second OPEN",
                    Message::Keepalive => "a KEEPALIVE before its OPEN",
                    Message::Update(_) => "an UPDATE before the session was up",
                    _ => "a ROUTE-REFRESH before the session was up",
                };
                self.invalid = Some(format!("{what} (RFC 4271 §8.2.2)"));
            }
        }
    }
}

/// The families the router offers (RFC 4760 §8; IPv4 unicast alone when it sends no
/// multiprotocol capability).
pub fn families(open: &Open) -> Vec<Family> {
    let mut offered: Vec<Family> = open
        .capabilities
        .iter()
        .filter_map(|c| match c {
            Capability::Multiprotocol(f) => Family::from_afi_safi(f.afi, f.safi),
            _ => None,
        })
        .collect();
    let any_mp = open
        .capabilities
        .iter()
        .any(|c| matches!(c, Capability::Multiprotocol(_)));
    if !any_mp {
        offered.push(Family::Ipv4Unicast);
    }
    offered.dedup();
    offered
}

/// Whether the router speaks 4-octet AS numbers (RFC 6793 §3).
pub fn four_octet_as(open: &Open) -> bool {
    open.capabilities
        .iter()
        .any(|c| matches!(c, Capability::FourOctetAs(_)))
}

fn family_name(f: Family) -> &'static str {
    match f {
        Family::Ipv4Unicast => "IPv4 unicast",
        Family::Ipv6Unicast => "IPv6 unicast",
    }
}

/// `AS 64500, router id 198.18.0.1, hold time 9s, 4-octet AS, IPv4 unicast`.
pub fn describe_open(open: &Open) -> String {
    let hold = Duration::from_secs(u64::from(open.hold_time));
    let mut s = format!(
        "AS {}, router id {}, hold time {}",
        open.asn(),
        open.bgp_id,
        if hold.is_zero() {
            "0 (no keepalives)".to_string()
        } else {
            format!("{}s", hold.as_secs())
        }
    );
    s.push_str(if four_octet_as(open) {
        ", 4-octet AS"
    } else {
        ", 2-octet AS only"
    });
    for f in families(open) {
        s.push_str(", ");
        s.push_str(family_name(f));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::bgp::wire::{AfiSafi, ErrorCode, AFI_IPV6, SAFI_UNICAST};

    fn peer(asn: u32) -> PeerConfig {
        PeerConfig::new("198.18.0.1".parse().unwrap(), asn)
    }

    fn router_open(asn: u32, id: [u8; 4], caps: Vec<Capability>) -> Vec<u8> {
        Message::Open(Open {
            my_as: u16::try_from(asn).unwrap_or(::bgp::wire::AS_TRANS),
            hold_time: 9,
            bgp_id: Ipv4Addr::from(id),
            capabilities: caps,
        })
        .to_bytes(Ctx::default())
        .unwrap()
    }

    fn keepalive() -> Vec<u8> {
        Message::Keepalive.to_bytes(Ctx::default()).unwrap()
    }

    #[test]
    fn our_open_carries_our_as_id_hold_time_and_family() {
        let local: IpAddr = "198.18.0.11".parse().unwrap();
        let mut p = peer(64500);
        p.hold_time = Duration::from_secs(30);
        p.keepalive = Duration::from_secs(10);
        let bytes = our_open(4_200_000_000, Ipv4Addr::new(198, 18, 0, 11), &p, local);
        let (Message::Open(open), used) = Message::parse(&bytes).unwrap() else {
            panic!("an OPEN");
        };
        assert_eq!(used, bytes.len());
        // RFC 6793 §4.1: AS_TRANS in the 2-octet field, the real AS in the capability.
        assert_eq!(open.my_as, ::bgp::wire::AS_TRANS);
        assert_eq!(open.asn(), 4_200_000_000);
        assert_eq!(open.bgp_id, Ipv4Addr::new(198, 18, 0, 11));
        assert_eq!(open.hold_time, 30);
        assert_eq!(families(&open), vec![Family::Ipv4Unicast]);
        assert!(four_octet_as(&open));

        let v6 = our_open(
            64512,
            Ipv4Addr::new(198, 18, 0, 11),
            &p,
            "2001:2::11".parse().unwrap(),
        );
        let (Message::Open(open), _) = Message::parse(&v6).unwrap() else {
            panic!("an OPEN");
        };
        assert_eq!(open.my_as, 64512);
        assert_eq!(families(&open), vec![Family::Ipv6Unicast]);
    }

    #[test]
    fn an_open_then_a_keepalive_is_an_accepted_answer_in_any_pieces() {
        let mut stream = router_open(
            64500,
            [198, 18, 0, 1],
            vec![
                Capability::Multiprotocol(AfiSafi {
                    afi: 1,
                    safi: SAFI_UNICAST,
                }),
                Capability::FourOctetAs(64500),
            ],
        );
        stream.extend(keepalive());
        for split in 0..stream.len() {
            let mut a = Answer::default();
            a.feed(&stream[..split]);
            a.feed(&stream[split..]);
            assert!(a.complete() && a.accepted, "split at {split}");
            let open = a.open.as_ref().unwrap();
            assert_eq!(open.asn(), 64500);
            assert_eq!(
                describe_open(open),
                "AS 64500, router id 198.18.0.1, hold time 9s, 4-octet AS, IPv4 unicast"
            );
        }
    }

    #[test]
    fn an_open_alone_is_not_complete_and_a_notification_is() {
        let mut a = Answer::default();
        a.feed(&router_open(65000, [10, 0, 0, 1], Vec::new()));
        assert!(!a.complete());
        assert!(!a.accepted);
        assert_eq!(
            describe_open(a.open.as_ref().unwrap()),
            "AS 65000, router id 10.0.0.1, hold time 9s, 2-octet AS only, IPv4 unicast"
        );
        let n = Message::Notification(Notification::new(ErrorCode::OpenMessage, 2));
        a.feed(&n.to_bytes(Ctx::default()).unwrap());
        assert!(a.complete());
        assert_eq!(a.notification.as_ref().unwrap().subcode, 2);
    }

    #[test]
    fn ipv6_only_routers_offer_ipv6_only() {
        let bytes = router_open(
            64500,
            [1, 1, 1, 1],
            vec![Capability::Multiprotocol(AfiSafi {
                afi: AFI_IPV6,
                safi: SAFI_UNICAST,
            })],
        );
        let mut a = Answer::default();
        a.feed(&bytes);
        assert_eq!(
            families(a.open.as_ref().unwrap()),
            vec![Family::Ipv6Unicast]
        );
    }

    #[test]
    fn out_of_order_or_garbage_ends_the_reading() {
        let mut a = Answer::default();
        a.feed(&keepalive());
        assert!(a.complete());
        assert!(a
            .invalid
            .as_ref()
            .unwrap()
            .contains("KEEPALIVE before its OPEN"));

        let mut a = Answer::default();
        a.feed(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        assert!(a
            .invalid
            .as_ref()
            .unwrap()
            .contains("not a valid BGP message"));
    }

    proptest::proptest! {
        /// Any octets from the network: no panic, and never more than one message held.
        #[test]
        fn any_bytes_are_read_within_bounds(chunks in proptest::collection::vec(
            proptest::collection::vec(proptest::num::u8::ANY, 0..5000), 0..8)) {
            let mut a = Answer::default();
            for chunk in &chunks {
                a.feed(chunk);
                proptest::prop_assert!(a.pending.len() <= MAX_MESSAGE_LEN);
            }
        }

        /// A valid header with any length and body: no panic, bounded.
        #[test]
        fn any_headed_message_is_read_within_bounds(len in 0u16..=u16::MAX, kind in 0u8..8,
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..4200)) {
            let mut bytes = vec![0xff; 16];
            bytes.extend_from_slice(&len.to_be_bytes());
            bytes.push(kind);
            bytes.extend(body);
            let mut a = Answer::default();
            a.feed(&bytes);
            proptest::prop_assert!(a.pending.len() <= MAX_MESSAGE_LEN);
        }
    }
}

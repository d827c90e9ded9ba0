//! The speaker side: the routes we announce (normally the VIPs' /32 and /128) and the UPDATEs
//! that carry them, built as RFC 4271 §5.1 says for internal and external peers.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::wire::{
    Ipv6NextHop, LargeCommunity, MpReach, MpUnreach, Origin, PathAttributes, Prefix, RawAttribute,
    Segment, SegmentKind, Update,
};

/// A route we announce, with the attributes the operator chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub prefix: Prefix,
    /// RFC 1997 communities (AS << 16 | value).
    pub communities: Vec<u32>,
    pub large_communities: Vec<LargeCommunity>,
    /// Sent to internal peers only (RFC 4271 §5.1.5); 100 when `None`.
    pub local_pref: Option<u32>,
    pub med: Option<u32>,
}

impl Route {
    /// A host route with no optional attributes.
    pub fn host(addr: std::net::IpAddr) -> Route {
        Route {
            prefix: Prefix::host(addr),
            communities: Vec::new(),
            large_communities: Vec::new(),
            local_pref: None,
            med: None,
        }
    }
}

/// What the UPDATE builder needs to know about the session.
#[derive(Debug, Clone, Copy)]
pub struct Speaker {
    pub local_as: u32,
    pub internal: bool,
    pub four_octet_as: bool,
    pub next_hop_v4: Ipv4Addr,
    pub next_hop_v6: Option<Ipv6Addr>,
}

/// RFC 4271 §5.1.5: the LOCAL_PREF an internal peer gets when none was set.
pub const DEFAULT_LOCAL_PREF: u32 = 100;

#[derive(Debug, Clone, Default)]
pub struct RibOut {
    routes: BTreeMap<Prefix, Route>,
}

impl RibOut {
    /// Stores a route; true if it differs from what was stored.
    pub fn insert(&mut self, route: Route) -> bool {
        self.routes.insert(route.prefix, route.clone()).as_ref() != Some(&route)
    }

    /// True if the prefix was announced.
    pub fn remove(&mut self, prefix: &Prefix) -> bool {
        self.routes.remove(prefix).is_some()
    }

    pub fn routes(&self) -> impl Iterator<Item = &Route> {
        self.routes.values()
    }
}

impl Speaker {
    /// One UPDATE announcing `route`, or `None` if its family has no next hop.
    pub fn announce(&self, route: &Route) -> Option<Update> {
        let mut a = PathAttributes {
            // RFC 4271 §5.1.1: routes originated inside our AS are IGP.
            origin: Some(Origin::Igp),
            // RFC 4271 §5.1.2: empty towards internal peers, our AS prepended towards
            // external ones.
            as_path: Some(if self.internal {
                Vec::new()
            } else {
                vec![Segment {
                    kind: SegmentKind::Sequence,
                    asns: vec![self.local_as],
                }]
            }),
            med: route.med,
            // RFC 4271 §5.1.5: LOCAL_PREF only to internal peers.
            local_pref: self
                .internal
                .then_some(route.local_pref.unwrap_or(DEFAULT_LOCAL_PREF)),
            communities: route.communities.clone(),
            large_communities: route.large_communities.clone(),
            ..PathAttributes::default()
        };
        // RFC 6793 §4.2.2: towards a 2-octet peer a large AS goes as AS_TRANS in AS_PATH and
        // in full in AS4_PATH (optional transitive, code 17).
        if !self.internal && !self.four_octet_as && self.local_as > u32::from(u16::MAX) {
            let mut v = vec![2, 1];
            v.extend_from_slice(&self.local_as.to_be_bytes());
            a.other.push(RawAttribute {
                flags: 0xc0,
                code: 17,
                value: v,
            });
        }
        let mut update = Update::default();
        match route.prefix.addr() {
            std::net::IpAddr::V4(_) => {
                // RFC 4271 §5.1.3: our own address as NEXT_HOP.
                a.next_hop = Some(self.next_hop_v4);
                update.nlri.push(route.prefix);
            }
            std::net::IpAddr::V6(_) => {
                // RFC 4760 §3 / RFC 2545 §3: the IPv6 next hop travels in MP_REACH_NLRI.
                a.mp_reach = Some(MpReach {
                    next_hop: Ipv6NextHop {
                        global: self.next_hop_v6?,
                        link_local: None,
                    },
                    nlri: vec![route.prefix],
                });
            }
        }
        update.attributes = a;
        Some(update)
    }

    /// One UPDATE withdrawing `prefix` (RFC 4271 §4.3; RFC 4760 §4 for IPv6).
    pub fn withdraw(&self, prefix: Prefix) -> Update {
        let mut update = Update::default();
        if prefix.addr().is_ipv4() {
            update.withdrawn.push(prefix);
        } else {
            update.attributes.mp_unreach = Some(MpUnreach {
                family: prefix.family(),
                withdrawn: vec![prefix],
            });
        }
        update
    }
}

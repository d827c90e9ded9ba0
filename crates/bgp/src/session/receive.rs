//! UPDATE handling in Established: the peer's routes into the Adj-RIB-In (RFC 4271 §9,
//! RFC 7606 treat-as-withdraw, RFC 4760 for IPv6), our routes out (RFC 4271 §9.2), End-of-RIB
//! (RFC 4724 §2) and route refresh (RFC 2918 §4).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use super::rib_in::ReceivedRoute;
use super::rib_out::{Route, Speaker};
use super::{Action, DownReason, Session, State};
use crate::wire::{
    cease, ErrorCode, Family, Invalid, Message, Notification, PathAttributes, Prefix, RouteRefresh,
    SegmentKind, Update,
};

impl Session {
    fn speaker(&self) -> Option<Speaker> {
        let n = self.negotiated.as_ref()?;
        Some(Speaker {
            local_as: self.config.local_as,
            internal: self.config.is_internal(),
            four_octet_as: n.four_octet_as,
            next_hop_v4: self.config.next_hop_v4,
            next_hop_v6: self.config.next_hop_v6,
        })
    }

    /// True when routes of `family` may be sent now.
    fn can_send(&self, family: Family) -> bool {
        self.state == State::Established
            && self
                .negotiated
                .as_ref()
                .is_some_and(|n| n.families.contains(&family))
    }

    fn send_update(&mut self, update: Update) {
        self.send(&Message::Update(update));
    }

    pub(super) fn send_route(&mut self, route: &Route) {
        if !self.can_send(route.prefix.family()) {
            return;
        }
        if let Some(update) = self.speaker().and_then(|s| s.announce(route)) {
            self.send_update(update);
        }
    }

    pub(super) fn send_withdraw(&mut self, prefix: Prefix) {
        if !self.can_send(prefix.family()) {
            return;
        }
        if let Some(speaker) = self.speaker() {
            self.send_update(speaker.withdraw(prefix));
        }
    }

    /// After Established: every route, then an End-of-RIB per family (RFC 4724 §2
    /// recommends the marker even without graceful restart).
    pub(super) fn send_initial_routes(&mut self) {
        let families = self
            .negotiated
            .as_ref()
            .map(|n| n.families.clone())
            .unwrap_or_default();
        for family in families {
            self.send_family(family);
            self.send_update(Update::end_of_rib(family));
        }
    }

    fn send_family(&mut self, family: Family) {
        let routes: Vec<Route> = self
            .rib_out
            .routes()
            .filter(|r| r.prefix.family() == family)
            .cloned()
            .collect();
        for route in &routes {
            self.send_route(route);
        }
    }

    /// RFC 2918 §4: re-advertise the Adj-RIB-Out of the family; a family not negotiated is
    /// ignored.
    pub(super) fn on_route_refresh(&mut self, rr: RouteRefresh) {
        let Some(family) = Family::from_afi_safi(rr.afi, rr.safi) else {
            return;
        };
        if self.negotiated.as_ref().is_some_and(|n| n.route_refresh) && self.can_send(family) {
            self.send_family(family);
        }
    }

    /// RFC 4271 §9.1.2: a route whose AS_PATH holds our AS is not used; RFC 4271 §6.3: a
    /// NEXT_HOP that is our own address makes the route unusable (not an error).
    fn usable(&self, attrs: &PathAttributes, next_hop: IpAddr) -> bool {
        let looped = attrs
            .as_path
            .iter()
            .flatten()
            .any(|s| s.asns.contains(&self.config.local_as));
        let ours = next_hop == IpAddr::V4(self.config.next_hop_v4)
            || self
                .config
                .next_hop_v6
                .is_some_and(|v6| next_hop == IpAddr::V6(v6));
        !looped && !ours
    }

    pub(super) fn on_update(&mut self, now: Instant, update: Update) {
        // RFC 4724 §2 / §4.2: End-of-RIB ends the wait for that family's stale routes.
        if let Some(family) = update.end_of_rib_family() {
            self.on_end_of_rib(family);
            return;
        }
        let attrs = &update.attributes;
        let announces =
            !update.nlri.is_empty() || attrs.mp_reach.as_ref().is_some_and(|r| !r.nlri.is_empty());
        // RFC 4271 §6.3: an external peer's AS_PATH must start with its AS (optional check).
        if announces
            && update.treat_as_withdraw.is_none()
            && !self.config.is_internal()
            && self.config.enforce_first_as
        {
            let first = attrs.as_path.as_ref().and_then(|p| p.first());
            let ok = first.is_some_and(|s| {
                s.kind == SegmentKind::Sequence && s.asns.first() == Some(&self.config.peer_as)
            });
            if !ok {
                self.protocol_error(now, &Invalid::MalformedAsPath);
                return;
            }
        }
        let families = self
            .negotiated
            .as_ref()
            .map(|n| n.families.clone())
            .unwrap_or_default();
        let mut withdrawn: Vec<Prefix> = update.withdrawn.clone();
        if let Some(un) = &attrs.mp_unreach {
            withdrawn.extend(un.withdrawn.iter().copied());
        }
        let mut reach: Vec<(Prefix, IpAddr)> = Vec::new();
        if let Some(nh) = attrs.next_hop {
            reach.extend(update.nlri.iter().map(|p| (*p, IpAddr::V4(nh))));
        } else {
            withdrawn.extend(update.nlri.iter().copied());
        }
        if let Some(r) = &attrs.mp_reach {
            reach.extend(r.nlri.iter().map(|p| (*p, IpAddr::V6(r.next_hop.global))));
        }
        let internal = self.config.is_internal();
        let shared = Arc::new(PathAttributes {
            mp_reach: None,
            mp_unreach: None,
            // RFC 4271 §5.1.5: LOCAL_PREF from an external peer is ignored.
            local_pref: attrs.local_pref.filter(|_| internal),
            ..attrs.clone()
        });
        let mut announced = Vec::new();
        for (prefix, next_hop) in reach {
            // RFC 7606 §2: treat-as-withdraw; RFC 4760 §7: a family not negotiated is
            // ignored; RFC 4271 §9.1.2 / §6.3: unusable routes replace, so withdraw, the old.
            if !families.contains(&prefix.family()) {
                continue;
            }
            if update.treat_as_withdraw.is_some() || !self.usable(&shared, next_hop) {
                withdrawn.push(prefix);
                continue;
            }
            let route = ReceivedRoute {
                prefix,
                next_hop,
                attributes: Arc::clone(&shared),
            };
            self.rib_in.insert(route.clone());
            announced.push(route);
        }
        let withdrawn: Vec<Prefix> = withdrawn
            .into_iter()
            .filter(|p| self.rib_in.remove(p))
            .collect();
        if !announced.is_empty() || !withdrawn.is_empty() {
            self.actions.push_back(Action::Routes {
                announced,
                withdrawn,
            });
        }
        // RFC 4486 §4: Cease, Maximum Number of Prefixes Reached.
        if self
            .config
            .max_prefixes
            .is_some_and(|max| self.rib_in.len() > max)
        {
            let n = Notification::new(ErrorCode::Cease, cease::MAX_PREFIXES);
            self.send(&Message::Notification(n.clone()));
            self.go_down(now, DownReason::NotificationSent(n));
        }
    }
}

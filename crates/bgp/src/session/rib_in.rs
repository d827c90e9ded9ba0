//! The Adj-RIB-In of one peer (RFC 4271 §3.2): the routes it announced, with the stale mark
//! the graceful restart helper puts on them while the peer restarts (RFC 4724 §4.2).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::wire::{Family, PathAttributes, Prefix};

/// A route received from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRoute {
    pub prefix: Prefix,
    pub next_hop: IpAddr,
    /// The UPDATE's attributes without MP_REACH/MP_UNREACH, shared by its routes.
    pub attributes: Arc<PathAttributes>,
}

#[derive(Debug, Clone)]
struct Entry {
    route: ReceivedRoute,
    stale: bool,
}

#[derive(Debug, Clone, Default)]
pub struct RibIn {
    routes: BTreeMap<Prefix, Entry>,
}

impl RibIn {
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn get(&self, prefix: &Prefix) -> Option<&ReceivedRoute> {
        self.routes.get(prefix).map(|e| &e.route)
    }

    /// Stores (or replaces, clearing its stale mark) a route.
    pub fn insert(&mut self, route: ReceivedRoute) {
        self.routes.insert(
            route.prefix,
            Entry {
                route,
                stale: false,
            },
        );
    }

    /// Removes a route; true if it was there.
    pub fn remove(&mut self, prefix: &Prefix) -> bool {
        self.routes.remove(prefix).is_some()
    }

    /// Marks every route of the families in `keep` stale and removes the others, returning
    /// the removed prefixes (RFC 4724 §4.2).
    pub fn mark_stale(&mut self, keep: &[Family]) -> Vec<Prefix> {
        let gone: Vec<Prefix> = self
            .routes
            .keys()
            .filter(|p| !keep.contains(&p.family()))
            .copied()
            .collect();
        for p in &gone {
            self.routes.remove(p);
        }
        for e in self.routes.values_mut() {
            e.stale = true;
        }
        gone
    }

    /// Removes the stale routes of `family` (every family when `None`), returning them.
    pub fn flush_stale(&mut self, family: Option<Family>) -> Vec<Prefix> {
        let gone: Vec<Prefix> = self
            .routes
            .iter()
            .filter(|(p, e)| e.stale && family.is_none_or(|f| p.family() == f))
            .map(|(p, _)| *p)
            .collect();
        for p in &gone {
            self.routes.remove(p);
        }
        gone
    }

    pub fn stale_count(&self) -> usize {
        self.routes.values().filter(|e| e.stale).count()
    }

    /// Removes everything, returning the prefixes.
    pub fn clear(&mut self) -> Vec<Prefix> {
        let gone = self.routes.keys().copied().collect();
        self.routes.clear();
        gone
    }
}

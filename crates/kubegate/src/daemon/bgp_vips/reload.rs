//! A reload's changes to BGP mode, applied to the running node: VIPs added, removed, announced
//! again with new attributes or a new address, or given new trackers (each keeping the health
//! of the one that probes the same thing); sessions opened, closed or started again one by
//! one, the others untouched; BFD started again when its peers or timing changed.

use anyhow::{anyhow, Result};

use super::*;
use kubegate_config::changes::{BgpVipChange, SessionChange};

/// What a reload will do to the sessions, read before anything changes (the TCP-MD5 key
/// files are read here, so a key that cannot be read rejects the reload).
pub struct SessionPlan {
    local_as: u32,
    router_id: std::net::Ipv4Addr,
    /// Peers to start, or start again, with these settings.
    set: Vec<PeerConfig>,
    remove: Vec<IpAddr>,
    bfd: Vec<BfdPeer>,
}

impl BgpVips {
    /// Reads what `sessions` need from the new file for `me`.
    pub fn plan_sessions(
        next: &ClusterConfig,
        me: &Node,
        sessions: &[SessionChange],
    ) -> Result<SessionPlan> {
        let bgp = next
            .bgp
            .as_ref()
            .ok_or_else(|| anyhow!("the new file has no bgp section"))?;
        let (local_as, router_id) = identity(bgp, me)?;
        let mut plan = SessionPlan {
            local_as,
            router_id,
            set: Vec::new(),
            remove: Vec::new(),
            bfd: bfd_peers(bgp, me),
        };
        for change in sessions {
            let peer = match change {
                SessionChange::Removed(address) => {
                    plan.remove.push(*address);
                    continue;
                }
                SessionChange::Added(address) | SessionChange::Restarted { peer: address, .. } => {
                    address
                }
                // The keepalive is ours to send (RFC 4271 §10): the session is made again
                // with it. BFD alone is BFD's business.
                SessionChange::Updated { peer, what } if what.contains(&"keepalive") => peer,
                SessionChange::Updated { .. } => continue,
            };
            let p = bgp
                .peers_of(me)
                .find(|p| p.address == *peer)
                .ok_or_else(|| anyhow!("bgp peer {peer} is not in the new file"))?;
            plan.set.push(peer_config(p, me)?);
        }
        Ok(plan)
    }

    /// Applies a reload: `sessions` (planned by [`BgpVips::plan_sessions`]) first, so new
    /// routes reach new peers, then `vips` from the new file.
    pub fn reload(
        &self,
        next: &ClusterConfig,
        sessions: SessionPlan,
        vips: &[BgpVipChange],
    ) -> Result<()> {
        let speaker = self
            .speaker()
            .ok_or_else(|| anyhow!("BGP mode has stopped"))?;
        *lock(&self.identity) = (sessions.local_as, sessions.router_id);
        for address in &sessions.remove {
            speaker.remove_peer(*address);
        }
        for peer in sessions.set {
            let address = peer.address;
            speaker
                .set_peer(sessions.local_as, sessions.router_id, peer)
                .map_err(|e| anyhow!("bgp peer {address}: {e}"))?;
        }
        let mut bfd = lock(&self.bfd);
        let running: &[BfdPeer] = bfd.as_ref().map_or(&[], |b| b.peers.as_slice());
        if running != sessions.bfd.as_slice() {
            if let Some(old) = bfd.take() {
                old.stop();
            }
            *bfd = start_bfd(sessions.bfd, &speaker)?;
        }
        drop(bfd);
        for change in vips {
            let name = change.name();
            match change {
                BgpVipChange::Removed(_) => self.remove_route(name, &speaker),
                BgpVipChange::Added(_) => {
                    let vip = new_vip(next, name)?;
                    self.add_local(&vip)?;
                    self.add_route(&vip, announcement_of(&vip), Vec::new());
                }
                BgpVipChange::Reannounced { .. } => {
                    let vip = new_vip(next, name)?;
                    self.reannounce(&vip, &speaker)?;
                }
                BgpVipChange::Updated { .. } => {
                    let vip = new_vip(next, name)?;
                    self.retrack(&vip, &speaker);
                }
            }
        }
        Ok(())
    }

    /// Puts `vip` on `lo` and remembers it.
    fn add_local(&self, vip: &BgpVip) -> Result<()> {
        make_local(std::slice::from_ref(vip))?;
        lock(&self.local).push(vip.address);
        Ok(())
    }

    /// Takes `address` off `lo` and forgets it.
    fn remove_local(&self, address: IpAddr) {
        lock(&self.local).retain(|a| *a != address);
        if let Err(e) = remove_local(&[address]) {
            tracing::warn!("bgp: removing {address} from lo: {e}");
        }
    }

    /// A VIP gone from the file: withdrawn, its trackers stopped, its address off `lo`.
    fn remove_route(&self, name: &str, speaker: &Speaker) {
        let route = {
            let mut s = lock(&self.shared);
            let Some(i) = s.routes.iter().position(|r| r.vip.name == name) else {
                return;
            };
            s.routes.remove(i)
        };
        if route.announced {
            tracing::info!(
                "bgp vip {name}: withdrawing {} (removed)",
                route.vip.address
            );
            speaker.withdraw(route.vip.address);
        }
        lock(&self.trackers).retain(|(n, _)| n != name);
        self.remove_local(route.vip.address);
    }

    /// New attributes or a new address: the route is replaced (RFC 4271 §3.1: an UPDATE for
    /// the same prefix replaces it), or withdrawn and the new address announced.
    fn reannounce(&self, vip: &BgpVip, speaker: &Arc<Speaker>) -> Result<()> {
        let old = {
            let s = lock(&self.shared);
            s.routes
                .iter()
                .find(|r| r.vip.name == vip.name)
                .map(|r| r.vip.address)
        };
        let Some(old) = old else {
            return Ok(());
        };
        if old != vip.address {
            self.add_local(vip)?;
        }
        let mut s = lock(&self.shared);
        if let Some(r) = s.routes.iter_mut().find(|r| r.vip.name == vip.name) {
            if r.announced && old != vip.address {
                speaker.withdraw(old);
            }
            // Announced again if it is wanted: `apply` sees it as not announced.
            r.announced = false;
            r.announcement = announcement_of(vip);
            r.vip = BgpVip {
                track: r.vip.track.clone(),
                ..vip.clone()
            };
        }
        s.apply(speaker);
        drop(s);
        if old != vip.address {
            self.remove_local(old);
        }
        if self.route_track(&vip.name).as_ref() != Some(&vip.track) {
            self.retrack(vip, speaker);
        }
        Ok(())
    }

    /// The trackers of a running route.
    fn route_track(&self, name: &str) -> Option<Vec<kubegate_config::model::Tracker>> {
        lock(&self.shared)
            .routes
            .iter()
            .find(|r| r.vip.name == name)
            .map(|r| r.vip.track.clone())
    }

    /// New trackers for a running route, each starting at the health of the tracker it
    /// replaces (`score::carried_over`), so a reload does not withdraw and announce again.
    fn retrack(&self, vip: &BgpVip, speaker: &Arc<Speaker>) {
        let old = {
            let mut trackers = lock(&self.trackers);
            trackers
                .iter()
                .position(|(n, _)| *n == vip.name)
                .map(|i| trackers.remove(i).1)
        };
        let starting = old
            .as_ref()
            .map(|h| h.carried_to(&vip.track))
            .unwrap_or_default();
        // The old trackers stop before the new ones report.
        drop(old);
        // Locked before the new trackers start, so a change they report at once comes after
        // (and overrides) their initial state.
        let mut s = lock(&self.shared);
        let handle = self.spawn_trackers(vip, starting, speaker);
        let health = handle.initial().health.clone();
        if let Some(r) = s.routes.iter_mut().find(|r| r.vip.name == vip.name) {
            r.vip.track = vip.track.clone();
            r.trackers_pass = passes(&health);
            r.health = health;
        }
        s.apply(speaker);
        drop(s);
        lock(&self.trackers).push((vip.name.clone(), handle));
    }
}

fn new_vip(next: &ClusterConfig, name: &str) -> Result<BgpVip> {
    next.bgp_vip(name)
        .cloned()
        .ok_or_else(|| anyhow!("bgp vip {name} is not in the new file"))
}

//! The daemon's BGP VIPs (`vips[].bgp`): each is made local on `lo`, so traffic the routers
//! send to it is accepted and the frontends can bind it, and announced as a host route to
//! every peer of this node while all of its trackers pass; withdrawn when one fails, when the
//! operator hands it over, and first of all when the daemon stops (the routers move the flows
//! to the other nodes before this one drains). BFD sessions beside the BGP sessions bring a
//! session down at once when the peer stops answering (RFC 5882 §4.2, §10.2).
//!
//! The decision is `wanted`; the speaker (`crate::bgp`) and BFD (`crate::bfd`) do the I/O;
//! `reload` applies a reload's changes. The accessors at the end (`routes`, `identity`,
//! `bfd_status`, `speaker`) feed the admin endpoint.

mod reload;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};

use crate::bfd::{diagnostic_name, Bfd, BfdPeer};
use crate::bgp::{Announcement, PeerConfig, Speaker, SpeakerConfig};
use crate::bgp_key::Md5Key;
use crate::track::{self, FrontendReady, Health, TrackerHandle};
use kubegate_config::model::{Bgp, BgpPeer, BgpVip, ClusterConfig, Node};

/// How long a stopping node waits after its withdrawals left for the routers to take its
/// paths out of their forwarding tables, before it stops accepting connections. FRR and
/// BIRD act on a withdrawal in milliseconds; the rest is margin for the kernel's FIB and
/// for flows already on their way.
pub const CONVERGE_AFTER_WITHDRAW: Duration = Duration::from_secs(1);

/// How long the withdrawals may take to reach every established peer at a stop.
pub const WITHDRAW_WAIT: Duration = Duration::from_secs(2);

/// The longest the BGP side adds to a stop before the drain: the withdrawals, then the pause.
pub const STOP_BOUND: Duration =
    Duration::from_secs(WITHDRAW_WAIT.as_secs() + CONVERGE_AFTER_WITHDRAW.as_secs());

/// Whether this node announces a VIP now: every tracker passes, the operator has not handed
/// it over, and the daemon is not stopping.
pub fn wanted(trackers_pass: bool, handed_over: bool, stopping: bool) -> bool {
    trackers_pass && !handed_over && !stopping
}

/// The words for a route withheld because one of its trackers fails.
pub const A_TRACKER_FAILS: &str = "a tracker fails";

/// Why a route is not wanted, in words; `None` when it is (see [`wanted`]).
pub fn withheld_because(
    trackers_pass: bool,
    handed_over: bool,
    stopping: bool,
) -> Option<&'static str> {
    if stopping {
        Some("stopping")
    } else if handed_over {
        Some("handed over by the operator")
    } else if !trackers_pass {
        Some(A_TRACKER_FAILS)
    } else {
        None
    }
}

/// One BGP VIP as the status shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteView {
    pub name: String,
    pub address: IpAddr,
    pub prefix_len: u8,
    /// Announced now.
    pub announced: bool,
    /// Why not, with the failing trackers named (`a tracker fails: frontend api: no ready
    /// backend`); `None` while announced.
    pub reason: Option<String>,
}

/// One BGP VIP as this node runs it.
struct Route {
    vip: BgpVip,
    announcement: Announcement,
    /// Each tracker's health as last reported, in the order of `vip.track`.
    health: Vec<Health>,
    trackers_pass: bool,
    handed_over: bool,
    announced: bool,
}

/// The BFD sessions, the peers they were started for, and the switch that lets their changes
/// reach the speaker (off before they are replaced, so their own stop resets no session).
struct RunningBfd {
    bfd: Bfd,
    peers: Vec<BfdPeer>,
    on: Arc<AtomicBool>,
}

/// What the trackers' threads, the operator and the stop share.
struct Shared {
    routes: Vec<Route>,
    stopping: bool,
}

impl Shared {
    /// Announces or withdraws each route whose wanted state changed.
    fn apply(&mut self, speaker: &Speaker) {
        for r in &mut self.routes {
            let want = wanted(r.trackers_pass, r.handed_over, self.stopping);
            if want == r.announced {
                continue;
            }
            r.announced = want;
            let address = r.vip.address;
            if want {
                tracing::info!("bgp vip {}: announcing {address}", r.vip.name);
                speaker.announce(r.announcement.clone());
            } else {
                let why = withheld_because(r.trackers_pass, r.handed_over, self.stopping)
                    .unwrap_or("not wanted");
                tracing::info!("bgp vip {}: withdrawing {address} ({why})", r.vip.name);
                speaker.withdraw(address);
            }
        }
    }
}

/// The running BGP side of this node: the speaker, BFD, the trackers and the local
/// addresses. Dropping it stops everything and takes the addresses off `lo`.
pub struct BgpVips {
    /// `None` once shut down.
    speaker: Mutex<Option<Arc<Speaker>>>,
    shared: Arc<Mutex<Shared>>,
    bfd: Mutex<Option<RunningBfd>>,
    /// Each BGP VIP's trackers, by VIP name.
    trackers: Mutex<Vec<(String, TrackerHandle)>>,
    /// The addresses put on `lo` (taken off at shutdown).
    local: Mutex<Vec<IpAddr>>,
    frontend_ready: FrontendReady,
    /// This node's AS and BGP Identifier, as the last start or reload set them.
    identity: Mutex<(u32, Ipv4Addr)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl BgpVips {
    /// Starts BGP mode for `me` when the file has BGP VIPs; `None` when it has none.
    pub fn start(
        cluster: &ClusterConfig,
        me: Option<&Node>,
        frontend_ready: FrontendReady,
    ) -> Result<Option<BgpVips>> {
        let (Some(bgp), Some(me)) = (&cluster.bgp, me) else {
            return Ok(None);
        };
        if cluster.bgp_vips.is_empty() {
            return Ok(None);
        }
        let local = make_local(&cluster.bgp_vips)?;
        let config = speaker_config(bgp, me)?;
        let identity = (config.local_as, config.router_id);
        let peers: Vec<String> = config.peers.iter().map(|p| p.address.to_string()).collect();
        let speaker = Arc::new(Speaker::start(config).context("starting the BGP speaker")?);
        tracing::info!(
            "bgp: AS {} router id {}, peers {}",
            bgp.asn_of(me),
            bgp.router_id_of(me)
                .map_or_else(|| "?".to_string(), |id| id.to_string()),
            peers.join(", ")
        );
        let shared = Arc::new(Mutex::new(Shared {
            routes: Vec::new(),
            stopping: false,
        }));
        let bfd = start_bfd(bfd_peers(bgp, me), &speaker)?;
        let vips = BgpVips {
            speaker: Mutex::new(Some(speaker)),
            shared,
            bfd: Mutex::new(bfd),
            trackers: Mutex::new(Vec::new()),
            local: Mutex::new(local),
            frontend_ready,
            identity: Mutex::new(identity),
        };
        for vip in &cluster.bgp_vips {
            vips.add_route(vip, announcement_of(vip), Vec::new());
        }
        Ok(Some(vips))
    }

    /// Starts `vip`'s trackers (each at its `starting` health, `score::fresh` when missing)
    /// and takes the route in; announces it if they pass.
    fn add_route(&self, vip: &BgpVip, announcement: Announcement, starting: Vec<Option<Health>>) {
        let Some(speaker) = self.speaker() else {
            return;
        };
        // Locked before the trackers start: a change they report at once waits for the route
        // to exist instead of being lost (it then overrides the initial state).
        let mut s = lock(&self.shared);
        let handle = self.spawn_trackers(vip, starting, &speaker);
        let health = handle.initial().health.clone();
        s.routes.push(Route {
            vip: vip.clone(),
            announcement,
            trackers_pass: passes(&health),
            health,
            handed_over: false,
            announced: false,
        });
        s.apply(&speaker);
        drop(s);
        lock(&self.trackers).push((vip.name.clone(), handle));
    }

    /// `vip`'s trackers; each change goes to the route of that name.
    fn spawn_trackers(
        &self,
        vip: &BgpVip,
        starting: Vec<Option<Health>>,
        speaker: &Arc<Speaker>,
    ) -> TrackerHandle {
        let (shared, speaker, name) = (self.shared.clone(), speaker.clone(), vip.name.clone());
        track::spawn(
            100,
            vip.track.clone(),
            starting,
            self.frontend_ready.clone(),
            move |update: track::TrackerUpdate| {
                let mut s = lock(&shared);
                if let Some(r) = s.routes.iter_mut().find(|r| r.vip.name == name) {
                    r.trackers_pass = passes(&update.health);
                    r.health = update.health;
                }
                s.apply(&speaker);
            },
        )
    }

    /// Whether a BGP VIP has that name.
    pub fn has(&self, name: &str) -> bool {
        lock(&self.shared).routes.iter().any(|r| r.vip.name == name)
    }

    /// Whether the operator handed VIP `name` over on this node.
    pub fn handed_over(&self, name: &str) -> bool {
        lock(&self.shared)
            .routes
            .iter()
            .any(|r| r.vip.name == name && r.handed_over)
    }

    /// The operator hands VIP `name` over (`true`: withdraw it here) or takes it back; false
    /// when no BGP VIP has that name.
    pub fn hand_over(&self, name: &str, handed_over: bool) -> bool {
        let Some(speaker) = self.speaker() else {
            return false;
        };
        let mut s = lock(&self.shared);
        let Some(r) = s.routes.iter_mut().find(|r| r.vip.name == name) else {
            return false;
        };
        r.handed_over = handed_over;
        s.apply(&speaker);
        true
    }

    /// The first step of a stop: every route withdrawn, then a pause for the routers to
    /// converge, so no new flow arrives once the listeners close.
    pub fn withdraw_for_stop(&self) {
        let Some(speaker) = self.speaker() else {
            return;
        };
        let announced = {
            let mut s = lock(&self.shared);
            s.stopping = true;
            let n = s.routes.iter().filter(|r| r.announced).count();
            s.apply(&speaker);
            n
        };
        let sent = speaker.withdraw_all(WITHDRAW_WAIT);
        if !sent {
            tracing::warn!("bgp: some peer did not take the withdrawals within {WITHDRAW_WAIT:?}");
        }
        if announced > 0 {
            tracing::info!(
                "bgp: {announced} route(s) withdrawn; waiting {CONVERGE_AFTER_WITHDRAW:?} for the \
                 routers"
            );
            thread::sleep(CONVERGE_AFTER_WITHDRAW);
        }
    }

    /// The speaker (its sessions' status), until shut down.
    pub fn speaker(&self) -> Option<Arc<Speaker>> {
        lock(&self.speaker).clone()
    }

    /// This node's AS and BGP Identifier.
    pub fn identity(&self) -> (u32, Ipv4Addr) {
        *lock(&self.identity)
    }

    /// Each BGP VIP: announced now, or why not.
    pub fn routes(&self) -> Vec<RouteView> {
        let s = lock(&self.shared);
        s.routes
            .iter()
            .map(|r| RouteView {
                name: r.vip.name.clone(),
                address: r.vip.address,
                prefix_len: r.vip.prefix_len(),
                announced: r.announced,
                reason: (!r.announced)
                    .then(|| withheld_because(r.trackers_pass, r.handed_over, s.stopping))
                    .flatten()
                    .map(|why| reason(why, r)),
            })
            .collect()
    }

    /// The BFD sessions' status (empty when no peer has `bfd: true`).
    pub fn bfd_status(&self) -> Vec<crate::bfd::BfdStatus> {
        lock(&self.bfd)
            .as_ref()
            .map(|b| b.bfd.status())
            .unwrap_or_default()
    }

    /// The end, after the drain: trackers and BFD stopped, every session closed with a Cease
    /// (RFC 4486 §4), the VIPs taken off `lo`. Later calls do nothing.
    pub fn shutdown(&self) {
        lock(&self.trackers).clear();
        // BFD first: its callback holds the speaker.
        if let Some(running) = lock(&self.bfd).take() {
            running.stop();
        }
        lock(&self.shared).stopping = true;
        // Now the last holder of the speaker: dropping it closes the sessions.
        drop(lock(&self.speaker).take());
        let local = std::mem::take(&mut *lock(&self.local));
        if let Err(e) = remove_local(&local) {
            tracing::warn!("bgp: removing the VIPs from lo: {e}");
        }
    }
}

impl Drop for BgpVips {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The speaker's settings for `me`: its AS and router id, and each peer it talks to.
fn speaker_config(bgp: &Bgp, me: &Node) -> Result<SpeakerConfig> {
    let (local_as, router_id) = identity(bgp, me)?;
    let peers = bgp
        .peers_of(me)
        .map(|p| peer_config(p, me))
        .collect::<Result<Vec<_>>>()?;
    Ok(SpeakerConfig {
        local_as,
        router_id,
        peers,
    })
}

/// `me`'s AS and BGP Identifier.
fn identity(bgp: &Bgp, me: &Node) -> Result<(u32, std::net::Ipv4Addr)> {
    let router_id = bgp
        .router_id_of(me)
        .ok_or_else(|| anyhow!("bgp: node {} has no IPv4 router id", me.name))?;
    Ok((bgp.asn_of(me), router_id))
}

/// One peer's session settings as `me` runs them (its TCP-MD5 key read now).
fn peer_config(p: &BgpPeer, me: &Node) -> Result<PeerConfig> {
    let mut c = PeerConfig::new(p.address, p.asn);
    c.port = p.port;
    c.hold_time = p.hold_time;
    c.keepalive = p.keepalive;
    c.ttl = p.multihop;
    c.connect_retry = Duration::from_secs(1);
    if p.address.is_ipv4() == me.address.is_ipv4() {
        c.local_address = Some(me.address);
    }
    if let Some(path) = &p.password_file {
        let key = Md5Key::load(path)?;
        c.md5_key = Some(key.expose().to_vec());
    }
    Ok(c)
}

/// What the routers are told about `vip`: communities, large communities, MED, and
/// LOCAL_PREF (which the speaker sends to internal peers only, RFC 4271 §5.1.5).
fn announcement_of(vip: &BgpVip) -> Announcement {
    let mut a = Announcement::host(vip.address);
    a.communities = vip.communities.iter().map(|c| c.0).collect();
    a.large_communities = vip
        .large_communities
        .iter()
        .map(|l| (l.global_admin, l.local1, l.local2))
        .collect();
    a.local_pref = vip.local_pref;
    a.med = vip.med;
    a
}

/// The BFD sessions `me` runs: one beside each peer with `bfd: true` (of its address family).
fn bfd_peers(bgp: &Bgp, me: &Node) -> Vec<BfdPeer> {
    bgp.peers_of(me)
        .filter(|p| p.bfd && p.address.is_ipv4() == me.address.is_ipv4())
        .map(|p| BfdPeer {
            peer: p.address,
            local: me.address,
            multihop: p.multihop > 1,
            interval: bgp.bfd.interval,
            multiplier: bgp.bfd.multiplier,
            auth: None,
        })
        .collect()
}

/// BFD beside each peer with `bfd: true`: a session that goes down takes the BGP session down
/// with it. `None` when no peer has BFD.
fn start_bfd(peers: Vec<BfdPeer>, speaker: &Arc<Speaker>) -> Result<Option<RunningBfd>> {
    if peers.is_empty() {
        return Ok(None);
    }
    let on = Arc::new(AtomicBool::new(true));
    let (speaker, reach) = (speaker.clone(), on.clone());
    let up: Mutex<HashMap<IpAddr, bool>> = Mutex::new(HashMap::new());
    let bfd = Bfd::start(
        peers.clone(),
        Box::new(move |peer, state, diag, remote| {
            let is_up = state == ::bfd::State::Up;
            let was_up = lock(&up).insert(peer, is_up).unwrap_or(false);
            if !reach.load(Ordering::SeqCst) {
                return;
            }
            if is_up && !was_up {
                tracing::info!("bfd: session with {peer} is up");
            }
            if was_up && !is_up && remote == ::bfd::State::AdminDown {
                // RFC 5882 §3.2: the peer took BFD down on purpose; the path may be fine, and
                // the BGP session is left to its own hold timer.
                tracing::info!("bfd: {peer} took its session administratively down");
            } else if was_up && !is_up {
                let why = format!("BFD session down: {}", diagnostic_name(diag));
                tracing::warn!("bfd: {peer}: {why}; resetting its BGP session");
                speaker.peer_down(peer, &why);
            }
        }),
    )
    .context("starting BFD")?;
    Ok(Some(RunningBfd { bfd, peers, on }))
}

impl RunningBfd {
    /// AdminDown to every peer and the end of the thread; the sessions' going down resets
    /// nothing.
    fn stop(self) {
        self.on.store(false, Ordering::SeqCst);
        self.bfd.stop();
    }
}

/// `why` a route is withheld, with its failing trackers named when they are the cause.
fn reason(why: &str, r: &Route) -> String {
    let failing: Vec<String> = r
        .vip
        .track
        .iter()
        .zip(&r.health)
        .filter(|(_, h)| **h == Health::Failed)
        .map(|(t, _)| super::vips::failing(&t.kind))
        .collect();
    if why == A_TRACKER_FAILS && !failing.is_empty() {
        format!("{why}: {}", failing.join("; "))
    } else {
        why.to_string()
    }
}

/// Whether every tracker passes (a BGP VIP has no weights).
fn passes(health: &[Health]) -> bool {
    health.iter().all(|h| *h == Health::Healthy)
}

/// Puts each BGP VIP on `lo` as a host address (already there is fine).
fn make_local(vips: &[BgpVip]) -> Result<Vec<IpAddr>> {
    let mut netlink = kubegate_sys::netlink::Netlink::open()?;
    let lo = kubegate_sys::interface::index("lo").context("interface lo")?;
    let mut out = Vec::new();
    for v in vips {
        netlink
            .add_address(lo, v.address, v.prefix_len(), None)
            .with_context(|| format!("bgp vip {}: adding {} to lo", v.name, v.address))?;
        out.push(v.address);
    }
    Ok(out)
}

fn remove_local(addresses: &[IpAddr]) -> std::io::Result<()> {
    let mut netlink = kubegate_sys::netlink::Netlink::open()?;
    let lo = kubegate_sys::interface::index("lo")?;
    for a in addresses {
        let len = if a.is_ipv4() { 32 } else { 128 };
        netlink.del_address(lo, *a, len)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{wanted, withheld_because};

    #[test]
    fn a_route_is_wanted_only_while_its_trackers_pass_and_nobody_asked_it_away() {
        assert!(wanted(true, false, false));
        assert!(!wanted(false, false, false), "a failing tracker withdraws");
        assert!(!wanted(true, true, false), "a handover withdraws");
        assert!(!wanted(true, false, true), "a stop withdraws");
    }

    #[test]
    fn a_withheld_route_says_why_in_the_order_that_matters_most() {
        for pass in [true, false] {
            for handed in [true, false] {
                for stopping in [true, false] {
                    assert_eq!(
                        withheld_because(pass, handed, stopping).is_none(),
                        wanted(pass, handed, stopping)
                    );
                }
            }
        }
        assert_eq!(withheld_because(false, true, true), Some("stopping"));
        assert_eq!(
            withheld_because(false, true, false),
            Some("handed over by the operator")
        );
        assert_eq!(
            withheld_because(false, false, false),
            Some("a tracker fails")
        );
    }
}

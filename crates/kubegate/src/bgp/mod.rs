//! The BGP speaker: announces this node's VIPs as host routes to the routers, one session per
//! peer on its own thread, around the sans-IO `bgp` crate's session (RFC 4271 §8).
//!
//! What it does and refuses:
//! - It is always the active side: it connects to each configured peer's port (RFC 4271
//!   §8.1.1, connect retry §10) and has no listening socket, so a router that tries to
//!   connect to us is refused by the kernel. Passive peers are not supported.
//! - Routes the routers send are parsed (the session must, RFC 4271 §9) but not used; a peer
//!   that sends more than [`MAX_RECEIVED_ROUTES`] is reset with a Cease (RFC 4486 §4).
//! - The next hop of our routes is our address on the connection (RFC 4271 §5.1.3; RFC 2545
//!   §3 for IPv6): the configured local address or the one the routing table picks; the
//!   connection is bound to it so the two cannot differ. IPv4 routes go over IPv4 sessions,
//!   IPv6 routes over IPv6 sessions.
//! - A peer with a password gets an RFC 2385 TCP-MD5 key on the socket before `connect`.
//!
//! Files: `config` (what we are told), `connect` (the socket), `handle` (commands to a peer's
//! thread), `peer` (the thread itself),
//! `status` (what we report, in words), `framing` (counting messages in).

mod config;
mod connect;
mod framing;
mod handle;
mod peer;
mod status;

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use config::{Announcement, PeerConfig, SpeakerConfig, MAX_RECEIVED_ROUTES};
pub use status::{describe_connect_error, describe_down, describe_notification, PeerStatus};

use ::bgp::Prefix;
use handle::{Command, PeerHandle};

/// The running speaker. Dropping it stops it as [`Speaker::stop`] does.
pub struct Speaker {
    /// One per peer; changed by a reload (`set_peer`, `remove_peer`).
    peers: Mutex<Vec<PeerHandle>>,
    /// What we announce, so `status` and late callers see the same list the peers have.
    routes: Mutex<BTreeMap<IpAddr, Announcement>>,
}

impl Speaker {
    /// Validates the config and starts one thread per peer. Threads (and their sockets) live
    /// in the network namespace of the calling thread.
    pub fn start(config: SpeakerConfig) -> io::Result<Speaker> {
        config.validate()?;
        let mut peers = Vec::with_capacity(config.peers.len());
        for p in config.peers {
            peers.push(handle::spawn(
                config.local_as,
                config.router_id,
                p,
                Vec::new(),
            )?);
        }
        Ok(Speaker {
            peers: Mutex::new(peers),
            routes: Mutex::new(BTreeMap::new()),
        })
    }

    /// Starts the session with `peer` (a reload added it), or starts it again with new
    /// settings or a new identity (a reload changed them); the routes announced now go out
    /// once it is Established. Sessions with other peers are untouched.
    pub fn set_peer(&self, local_as: u32, router_id: Ipv4Addr, peer: PeerConfig) -> io::Result<()> {
        SpeakerConfig {
            local_as,
            router_id,
            peers: vec![peer.clone()],
        }
        .validate()?;
        self.remove_peer(peer.address);
        let routes = self
            .lock_routes()
            .values()
            .map(Announcement::route)
            .collect();
        let handle = handle::spawn(local_as, router_id, peer, routes)?;
        self.lock_peers().push(handle);
        Ok(())
    }

    /// Closes the session with `address` (Cease) and forgets the peer; false if there was
    /// none.
    pub fn remove_peer(&self, address: IpAddr) -> bool {
        let gone: Vec<PeerHandle> = {
            let mut peers = self.lock_peers();
            let (gone, kept) = std::mem::take(&mut *peers)
                .into_iter()
                .partition(|p| p.address == address);
            *peers = kept;
            gone
        };
        let found = !gone.is_empty();
        // Dropping a handle sends the Cease and waits for its thread.
        drop(gone);
        found
    }

    /// Announces (or changes) a host route to every peer, now if Established and after every
    /// (re)connection.
    pub fn announce(&self, a: Announcement) {
        let route = a.route();
        self.lock_routes().insert(a.prefix, a);
        for p in self.lock_peers().iter() {
            p.send(Command::Announce(route.clone()));
        }
    }

    /// Withdraws a host route from every peer.
    pub fn withdraw(&self, prefix: IpAddr) {
        self.lock_routes().remove(&prefix);
        for p in self.lock_peers().iter() {
            p.send(Command::Withdraw(Prefix::host(prefix)));
        }
    }

    /// Withdraws every route from every peer; true once each peer that was Established when
    /// called has written the withdrawals to its connection, within `wait`. Peers not
    /// Established withdraw too (they are told the same) but are not waited for: they have no
    /// route to take back.
    pub fn withdraw_all(&self, wait: Duration) -> bool {
        self.lock_routes().clear();
        let until = Instant::now() + wait;
        let replies: Vec<_> = self
            .lock_peers()
            .iter()
            .map(|p| {
                let up = p.status().state == ::bgp::State::Established;
                let (tx, rx) = mpsc::channel();
                p.send(Command::WithdrawAll(tx));
                (up, rx)
            })
            .collect();
        replies.into_iter().filter(|(up, _)| *up).all(|(_, rx)| {
            let left = until.saturating_duration_since(Instant::now());
            rx.recv_timeout(left).unwrap_or(false)
        })
    }

    /// Something outside BGP (a BFD session, RFC 5882 §10.2) says the peer is gone: drop its
    /// session now rather than at the hold timer. It reconnects by itself afterwards.
    pub fn peer_down(&self, address: IpAddr, why: &str) {
        for p in self.lock_peers().iter().filter(|p| p.address == address) {
            p.send(Command::Down(why.to_string()));
        }
    }

    /// Every peer's session as last reported by its thread.
    pub fn status(&self) -> Vec<PeerStatus> {
        self.lock_peers().iter().map(PeerHandle::status).collect()
    }

    /// The routes announced (to peers that are up, or as soon as they are).
    pub fn announcements(&self) -> Vec<Announcement> {
        self.lock_routes().values().cloned().collect()
    }

    /// Sends a Cease (RFC 4486 §4, administrative shutdown) on every open session, closes
    /// the connections and waits for the threads.
    pub fn stop(self) {
        drop(self);
    }

    fn lock_peers(&self) -> std::sync::MutexGuard<'_, Vec<PeerHandle>> {
        self.peers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_routes(&self) -> std::sync::MutexGuard<'_, BTreeMap<IpAddr, Announcement>> {
        self.routes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        // Tell every thread first, so the Ceases leave together, then wait for each.
        let peers = self
            .peers
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for p in peers.iter() {
            p.send(Command::Stop);
        }
        for p in peers.iter_mut() {
            p.stop();
        }
    }
}

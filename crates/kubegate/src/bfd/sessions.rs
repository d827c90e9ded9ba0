//! The node's BFD sessions without their sockets: demultiplexing a received packet to its
//! session (RFC 5880 §6.3, §6.8.6), keyed authentication around the session, the sessions'
//! timers, the packets to send and the state changes to report, and the counters the status
//! shows. The driver owns the sockets and the clock and calls in here.

use std::io;
use std::net::IpAddr;
use std::time::{Instant, SystemTime};

use ::bfd::{
    transport, Action, AuthConfig, Config, ControlRepr, Hops, Input, Password, Session, State,
};

use super::auth::KeyedAuth;
use super::status::BfdStatus;
use super::{BfdAuth, BfdPeer, Diagnostic};

/// The longest control packet: 24 bytes and the longest authentication section (SHA1, 28).
pub const MAX_PACKET: usize = 24 + 28;

/// A packet to send: for session `index`, its bytes.
#[derive(Debug)]
pub struct Outgoing {
    pub index: usize,
    pub bytes: Vec<u8>,
}

/// A state change to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub peer: IpAddr,
    pub to: State,
    pub diag: Diagnostic,
    /// The peer's state as its last packet said (AdminDown: the peer took the session down
    /// on purpose, RFC 5882 §3.2).
    pub remote: State,
}

struct Entry {
    peer: BfdPeer,
    session: Session,
    keyed: Option<KeyedAuth>,
    since: SystemTime,
    /// The last packet the session asked to send, repeated while stopping (§6.8.16).
    last_sent: Option<ControlRepr>,
    packets_in: u64,
    packets_out: u64,
    dropped: u64,
    last_drop: Option<String>,
    send_errors: u64,
}

/// Every session of the node.
pub struct Sessions {
    entries: Vec<Entry>,
    outgoing: Vec<Outgoing>,
    changes: Vec<Change>,
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Splits the configured authentication between the session (simple password, §6.7.2) and
/// the driver (keyed, §6.7.3, §6.7.4).
fn auth_parts(peer: &BfdPeer, seed: u32) -> io::Result<(Option<AuthConfig>, Option<KeyedAuth>)> {
    match &peer.auth {
        None => Ok((None, None)),
        Some(BfdAuth::SimplePassword { key_id, password }) => {
            let password = Password::new(password).ok_or_else(|| {
                invalid(format!(
                    "BFD peer {}: a simple password has 1 to 16 bytes (RFC 5880 §4.2)",
                    peer.peer
                ))
            })?;
            let config = AuthConfig {
                key_id: *key_id,
                password,
            };
            Ok((Some(config), None))
        }
        Some(BfdAuth::Keyed {
            kind,
            key_id,
            secret,
        }) => {
            let keyed = KeyedAuth::new(*kind, *key_id, secret, seed).ok_or_else(|| {
                invalid(format!(
                    "BFD peer {}: a {kind:?} key has 1 to {} bytes (RFC 5880 §4.3, §4.4)",
                    peer.peer,
                    kind.key_len()
                ))
            })?;
            Ok((None, Some(keyed)))
        }
    }
}

impl Sessions {
    /// One session per peer, each first packet due at `now`. `seed` gives the local
    /// discriminators (§6.8.1: unique on this system; ours count up from it), the jitter
    /// seeds and the first authentication sequence numbers (§6.8.1: random).
    pub fn new(now: Instant, peers: Vec<BfdPeer>, seed: u64) -> io::Result<Sessions> {
        let mut entries: Vec<Entry> = Vec::with_capacity(peers.len());
        let base = ((seed >> 32) as u32 & 0x0fff_ffff) + 1;
        for (i, peer) in peers.into_iter().enumerate() {
            if entries
                .iter()
                .any(|e| e.peer.peer == peer.peer && e.peer.multihop == peer.multihop)
            {
                return Err(invalid(format!("two BFD sessions to {}", peer.peer)));
            }
            if peer.peer.is_ipv4() != peer.local.is_ipv4() {
                return Err(invalid(format!(
                    "BFD peer {} and local address {} differ in family",
                    peer.peer, peer.local
                )));
            }
            let n = i as u64 + 1;
            let mixed = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(n);
            let (auth, keyed) = auth_parts(&peer, (mixed >> 16) as u32)?;
            let hops = if peer.multihop {
                // RFC 5883 §2 leaves the TTL check to configuration: none here.
                Hops::Multi { min_ttl: 0 }
            } else {
                Hops::Single
            };
            let config = Config {
                local_discr: base + i as u32,
                peer: peer.peer,
                hops,
                desired_min_tx: peer.interval,
                required_min_rx: peer.interval,
                detect_mult: peer.multiplier,
                auth,
            };
            entries.push(Entry {
                session: Session::new(now, config, mixed ^ n.rotate_left(17)),
                peer,
                keyed,
                since: SystemTime::now(),
                last_sent: None,
                packets_in: 0,
                packets_out: 0,
                dropped: 0,
                last_drop: None,
                send_errors: 0,
            });
        }
        Ok(Sessions {
            entries,
            outgoing: Vec::new(),
            changes: Vec::new(),
        })
    }

    pub fn peers(&self) -> impl Iterator<Item = &BfdPeer> {
        self.entries.iter().map(|e| &e.peer)
    }

    /// The local discriminator of session `index` (its source port derives from it).
    pub fn local_discr(&self, index: usize) -> u32 {
        self.entries[index].session.config().local_discr
    }

    /// The session a packet belongs to (RFC 5880 §6.8.6): by Your Discriminator when it is
    /// non-zero, else by the source address (and single hop / multihop, the port it came to).
    fn demultiplex(&self, multihop: bool, src: IpAddr, your_discr: u32) -> Option<usize> {
        self.entries.iter().position(|e| {
            if your_discr != 0 {
                e.session.config().local_discr == your_discr
            } else {
                e.peer.peer == src && e.peer.multihop == multihop
            }
        })
    }

    /// A datagram received on the control port (`multihop`: 4784) from `src` with `ttl`.
    pub fn receive(&mut self, now: Instant, multihop: bool, src: IpAddr, ttl: u8, wire: &[u8]) {
        // §6.8.6: the stateless rules (the codec), then the session by discriminator or
        // source; a packet that matches no session is discarded.
        let Ok(mut packet) = ControlRepr::parse(wire) else {
            if let Some(i) = self.demultiplex(multihop, src, 0) {
                self.drop_packet(i, "malformed control packet".into());
            }
            return;
        };
        let Some(i) = self.demultiplex(multihop, src, packet.your_discr) else {
            return;
        };
        let entry = &mut self.entries[i];
        let mut sequence = None;
        if let Some(keyed) = entry.keyed.as_mut() {
            let length = usize::from(wire.get(3).copied().unwrap_or(0)).min(wire.len());
            match keyed.verify(
                now,
                packet.auth.as_ref(),
                &wire[..length],
                packet.detect_mult,
            ) {
                Ok(seq) => sequence = Some(seq),
                Err(e) => {
                    self.drop_packet(i, format!("authentication failed: {e:?}"));
                    return;
                }
            }
            // Verified here; the session is configured without authentication (see `auth`).
            packet.auth = None;
        }
        let entry = &mut self.entries[i];
        match entry.session.handle(
            now,
            Input::Packet {
                from: src,
                ttl,
                packet,
            },
        ) {
            Ok(()) => {
                entry.packets_in += 1;
                if let (Some(keyed), Some(seq)) = (entry.keyed.as_mut(), sequence) {
                    keyed.accepted(now, seq, entry.session.detection_time());
                }
            }
            Err(why) => self.drop_packet(i, format!("{why:?}")),
        }
        self.collect(i);
    }

    fn drop_packet(&mut self, i: usize, why: String) {
        let entry = &mut self.entries[i];
        entry.dropped += 1;
        if entry.last_drop.as_deref() != Some(why.as_str()) {
            tracing::debug!(peer = %entry.peer.peer, "BFD packet dropped: {why}");
        }
        entry.last_drop = Some(why);
    }

    /// Fires the timers due at `now`.
    pub fn timeout(&mut self, now: Instant) {
        for i in 0..self.entries.len() {
            self.entries[i].session.handle_timeout(now);
            self.collect(i);
        }
    }

    /// Every session AdminDown (RFC 5880 §6.8.16).
    pub fn admin_down_all(&mut self, now: Instant) {
        for i in 0..self.entries.len() {
            let _ = self.entries[i].session.handle(now, Input::AdminDown);
            self.collect(i);
        }
    }

    /// Takes the session with `peer` AdminDown or enables it again (§6.8.16).
    pub fn set_admin_down(&mut self, now: Instant, peer: IpAddr, down: bool) {
        let input = if down {
            Input::AdminDown
        } else {
            Input::AdminUp
        };
        for i in 0..self.entries.len() {
            if self.entries[i].peer.peer == peer {
                let _ = self.entries[i].session.handle(now, input.clone());
                self.collect(i);
            }
        }
    }

    /// Sends the last packet of every AdminDown session again, so a lost one does not leave
    /// the peer to find out by its detection timer (§6.8.16 wants AdminDown packets sent
    /// for a Detection Time).
    pub fn repeat_admin_down(&mut self) {
        for i in 0..self.entries.len() {
            let entry = &self.entries[i];
            if entry.session.state() != State::AdminDown {
                continue;
            }
            if let Some(mut packet) = entry.last_sent {
                packet.poll = false;
                packet.final_ = false;
                self.emit(i, packet);
            }
        }
    }

    /// When [`timeout`](Self::timeout) is due next.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.entries
            .iter()
            .filter_map(|e| e.session.poll_timeout())
            .min()
    }

    /// Drains the session's actions into packets and changes.
    fn collect(&mut self, i: usize) {
        while let Some(action) = self.entries[i].session.poll_action() {
            match action {
                Action::Send(packet) => {
                    self.entries[i].last_sent = Some(packet);
                    self.emit(i, packet);
                }
                Action::StateChanged { to, diag, .. } => {
                    let entry = &mut self.entries[i];
                    entry.since = SystemTime::now();
                    self.changes.push(Change {
                        peer: entry.peer.peer,
                        to,
                        diag,
                        remote: entry.session.remote_state(),
                    });
                }
            }
        }
    }

    /// Writes one packet, signed when keyed authentication is in use (§6.7.3, §6.7.4).
    fn emit(&mut self, i: usize, mut packet: ControlRepr) {
        let entry = &mut self.entries[i];
        if let Some(keyed) = entry.keyed.as_mut() {
            packet.auth = Some(keyed.section());
        }
        let mut buf = [0u8; MAX_PACKET];
        let Ok(len) = packet.emit(&mut buf) else {
            tracing::error!(peer = %entry.peer.peer, "a BFD packet could not be written");
            return;
        };
        if let Some(keyed) = entry.keyed.as_ref() {
            keyed.sign(&mut buf[..len]);
        }
        entry.packets_out += 1;
        self.outgoing.push(Outgoing {
            index: i,
            bytes: buf[..len].to_vec(),
        });
    }

    /// The packets to send and the changes to report since the last call.
    pub fn take(&mut self) -> (Vec<Outgoing>, Vec<Change>) {
        (
            std::mem::take(&mut self.outgoing),
            std::mem::take(&mut self.changes),
        )
    }

    /// A packet of session `index` could not be sent.
    pub fn send_failed(&mut self, index: usize) {
        if let Some(e) = self.entries.get_mut(index) {
            e.send_errors += 1;
        }
    }

    /// Whether every session is AdminDown and has nothing left to send.
    pub fn all_quiet(&self) -> bool {
        self.entries
            .iter()
            .all(|e| e.session.state() == State::AdminDown && e.session.poll_timeout().is_none())
    }

    /// The UDP port packets of session `index` go to (RFC 5881 §4, RFC 5883 §5).
    pub fn destination_port(&self, index: usize) -> u16 {
        self.entries[index].session.config().hops.port()
    }

    pub fn status(&self) -> Vec<BfdStatus> {
        self.entries
            .iter()
            .map(|e| BfdStatus {
                peer: e.peer.peer,
                local: e.peer.local,
                multihop: e.peer.multihop,
                state: e.session.state(),
                since: e.since,
                remote_state: e.session.remote_state(),
                local_discr: e.session.config().local_discr,
                remote_discr: e.session.remote_discr(),
                tx_interval: e.session.tx_interval(),
                rx_interval: e.session.rx_interval(),
                remote_multiplier: e.session.remote_detect_mult(),
                detect_time: e.session.detection_time(),
                last_diag: e.session.local_diag(),
                auth: e.peer.auth.as_ref().map(BfdAuth::name),
                packets_in: e.packets_in,
                packets_out: e.packets_out,
                dropped: e.dropped,
                last_drop: e.last_drop.clone(),
                send_errors: e.send_errors,
            })
            .collect()
    }
}

/// The first source port to try for a session (RFC 5881 §4).
pub fn first_source_port(local_discr: u32) -> u16 {
    transport::source_port_for(local_discr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bfd::KeyedKind;
    use proptest::prelude::*;
    use std::time::Duration;

    const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 18, 0, 1));

    fn peer(auth: Option<BfdAuth>) -> BfdPeer {
        BfdPeer {
            peer: PEER,
            local: IpAddr::V4(std::net::Ipv4Addr::new(198, 18, 0, 11)),
            multihop: false,
            interval: Duration::from_millis(300),
            multiplier: 3,
            auth,
        }
    }

    fn sha1() -> Option<BfdAuth> {
        Some(BfdAuth::Keyed {
            kind: KeyedKind::MeticulousKeyedSha1,
            key_id: 1,
            secret: b"k".to_vec(),
        })
    }

    #[test]
    fn two_sessions_to_one_peer_and_bad_keys_are_refused() {
        let now = Instant::now();
        assert!(Sessions::new(now, vec![peer(None), peer(None)], 1).is_err());
        let long = BfdAuth::Keyed {
            kind: KeyedKind::KeyedMd5,
            key_id: 1,
            secret: vec![1; 17],
        };
        assert!(Sessions::new(now, vec![peer(Some(long))], 1).is_err());
        let empty = BfdAuth::SimplePassword {
            key_id: 1,
            password: Vec::new(),
        };
        assert!(Sessions::new(now, vec![peer(Some(empty))], 1).is_err());
    }

    #[test]
    fn two_drivers_with_keyed_authentication_come_up() {
        // Our sessions on both ends, packets handed across by hand.
        let now = Instant::now();
        let mut a = Sessions::new(now, vec![peer(sha1())], 1).unwrap();
        let mut b_peer = peer(sha1());
        b_peer.peer = b_peer.local;
        b_peer.local = PEER;
        let mut b = Sessions::new(now, vec![b_peer], 2).unwrap();
        let mut t = now;
        for _ in 0..40 {
            a.timeout(t);
            b.timeout(t);
            for _ in 0..4 {
                let (out_a, _) = a.take();
                let (out_b, _) = b.take();
                for p in out_a {
                    b.receive(t, false, IpAddr::V4([198, 18, 0, 11].into()), 255, &p.bytes);
                }
                for p in out_b {
                    a.receive(t, false, PEER, 255, &p.bytes);
                }
            }
            t += Duration::from_millis(100);
        }
        assert_eq!(a.status()[0].state, State::Up, "{:?}", a.status());
        assert_eq!(b.status()[0].state, State::Up, "{:?}", b.status());
        assert_eq!(a.status()[0].dropped, 0);
    }

    proptest! {
        /// Whatever arrives from the network: no panic, nothing accepted that is not signed.
        #[test]
        fn random_datagrams_never_panic_nor_authenticate(
            bytes in proptest::collection::vec(any::<u8>(), 0..80),
            ttl in any::<u8>(),
        ) {
            let now = Instant::now();
            let mut s = Sessions::new(now, vec![peer(sha1())], 3).unwrap();
            s.receive(now, false, PEER, ttl, &bytes);
            s.receive(now, true, PEER, ttl, &bytes);
            prop_assert_eq!(s.status()[0].packets_in, 0);
            let mut plain = Sessions::new(now, vec![peer(None)], 3).unwrap();
            plain.receive(now, false, PEER, ttl, &bytes);
        }
    }
}

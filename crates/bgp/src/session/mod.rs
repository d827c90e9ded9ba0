//! One BGP session with one peer (RFC 4271 §8). Sans-IO: `handle(now, Input)` and
//! `handle_timeout(now)` in, `poll_action()` / `poll_timeout()` out.
//!
//! This file owns the public types and the `Session` facade; the protocol lives in `fsm`
//! (state transitions), `negotiate` (the OPEN exchange), `receive` (UPDATE processing),
//! `restart` (the graceful restart helper), `rib_in` / `rib_out` (routes) and `timers`.

mod fsm;
mod negotiate;
mod receive;
mod restart;
mod rib_in;
mod rib_out;
mod timers;

use std::collections::VecDeque;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use crate::wire::{Ctx, Family, Message, Notification, Prefix};

pub use negotiate::{our_open, Negotiated, PeerRestart};
pub use rib_in::ReceivedRoute;
pub use rib_out::{Route, DEFAULT_LOCAL_PREF};

use rib_in::RibIn;
use rib_out::RibOut;
use timers::Timers;

/// Session states (RFC 4271 §8.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Idle,
    Connect,
    Active,
    OpenSent,
    OpenConfirm,
    Established,
}

/// Graceful restart, helper side (RFC 4724 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GracefulRestart {
    /// The restart time we advertise, seconds (12 bits).
    pub restart_time: u16,
    /// How long stale routes wait for the peer's End-of-RIB after it is back.
    pub stale_routes_time: Duration,
}

/// Static configuration of one peering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub local_as: u32,
    pub peer_as: u32,
    pub router_id: Ipv4Addr,
    /// Proposed hold time, seconds: 0 or at least 3 (RFC 4271 §4.2). Default 90.
    pub hold_time: u16,
    /// A peer's hold time below this (but not 0) is unacceptable (RFC 4271 §6.2). Default 3.
    pub min_hold_time: u16,
    /// Keepalive interval, seconds; `None`: a third of the hold time (RFC 4271 §10).
    pub keepalive: Option<u16>,
    /// RFC 4271 §10: ConnectRetryTime, 120 s suggested.
    pub connect_retry: Duration,
    /// Never initiate the connection; wait for the peer (RFC 4271 §8.1.1
    /// PassiveTcpEstablishment).
    pub passive: bool,
    pub ipv4_unicast: bool,
    pub ipv6_unicast: bool,
    /// Refuse the session (2/7) when the peer lacks one of our families.
    pub require_families: bool,
    /// NEXT_HOP of our IPv4 routes (the local address of the connection).
    pub next_hop_v4: Ipv4Addr,
    /// Next hop of our IPv6 routes; without it IPv6 routes are not sent.
    pub next_hop_v6: Option<Ipv6Addr>,
    pub route_refresh: bool,
    pub graceful_restart: Option<GracefulRestart>,
    /// RFC 4271 §8.1.1 IdleHoldTime: start again on our own this long after an error,
    /// doubled on each failure in a row (DampPeerOscillations). `None`: stay Idle.
    pub idle_hold: Option<Duration>,
    /// RFC 4271 §6.3: refuse an external peer's AS_PATH that does not start with its AS.
    pub enforce_first_as: bool,
    /// Cease with subcode 1 above this many received routes (RFC 4486 §4).
    pub max_prefixes: Option<usize>,
}

impl Config {
    pub fn new(local_as: u32, peer_as: u32, router_id: Ipv4Addr) -> Config {
        Config {
            local_as,
            peer_as,
            router_id,
            hold_time: 90,
            min_hold_time: 3,
            keepalive: None,
            connect_retry: Duration::from_secs(120),
            passive: false,
            ipv4_unicast: true,
            ipv6_unicast: false,
            require_families: false,
            next_hop_v4: router_id,
            next_hop_v6: None,
            route_refresh: true,
            graceful_restart: Some(GracefulRestart {
                restart_time: 120,
                stale_routes_time: Duration::from_secs(360),
            }),
            idle_hold: Some(Duration::from_secs(5)),
            enforce_first_as: true,
            max_prefixes: None,
        }
    }

    /// RFC 4271 §3: a peer in our own AS is internal.
    pub fn is_internal(&self) -> bool {
        self.local_as == self.peer_as
    }

    pub fn families(&self) -> Vec<Family> {
        let mut f = Vec::new();
        if self.ipv4_unicast {
            f.push(Family::Ipv4Unicast);
        }
        if self.ipv6_unicast {
            f.push(Family::Ipv6Unicast);
        }
        f
    }
}

/// Events from the outside (RFC 4271 §8.1.2-§8.1.5, the ones a driver produces).
#[allow(clippy::large_enum_variant)] // as `Message`: short-lived, not boxed
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Event 1 (ManualStart) or 5 (ManualStart_with_PassiveTcpEstablishment, per config).
    ManualStart,
    /// Event 2.
    ManualStop,
    /// Events 16/17: our connection attempt succeeded, or we accepted the peer's.
    TcpConnected,
    /// Event 18: the connection failed or was closed by the peer.
    TcpFailed,
    /// Octets read from the connection (any split: they are reassembled).
    Bytes(Vec<u8>),
    /// A message already parsed by the caller.
    Message(Message),
    /// Event 23 (OpenCollisionDump): the driver resolved a collision (RFC 4271 §6.8, see
    /// [`collision_keeps_local`]) against this connection.
    CollisionDump,
}

/// Why a session left Established or failed on its way there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownReason {
    ManualStop,
    HoldTimerExpired,
    ConnectionLost,
    /// We sent this NOTIFICATION (a protocol error of the peer, or Cease).
    NotificationSent(Notification),
    NotificationReceived(Notification),
}

/// What the driver must do, or may want to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Open a TCP connection to the peer (port 179).
    Connect,
    /// Write these octets (one whole message) to the connection.
    Send(Vec<u8>),
    /// Close the connection.
    Close,
    StateChanged {
        from: State,
        to: State,
    },
    Established(Negotiated),
    /// The session is down. `routes_kept`: the peer's routes stay, stale, while it restarts
    /// (RFC 4724 §4.2); otherwise a `Routes` action withdraws them.
    Down {
        reason: DownReason,
        routes_kept: bool,
    },
    /// Changes to the routes received from the peer.
    Routes {
        announced: Vec<ReceivedRoute>,
        withdrawn: Vec<Prefix>,
    },
}

/// RFC 4271 §6.8: of two connections to one peer, the one we initiated survives when our
/// BGP Identifier is the higher; otherwise the one the peer initiated does.
pub fn collision_keeps_local(local_id: Ipv4Addr, remote_id: Ipv4Addr) -> bool {
    u32::from(local_id) > u32::from(remote_id)
}

/// Why a route could not be announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnounceError {
    /// The family is not configured for this session.
    FamilyDisabled,
    /// An IPv6 route and no IPv6 next hop configured.
    NoNextHop,
}

/// One BGP session.
#[derive(Debug)]
pub struct Session {
    config: Config,
    state: State,
    timers: Timers,
    rx: Vec<u8>,
    ctx: Ctx,
    negotiated: Option<Negotiated>,
    rib_in: RibIn,
    rib_out: RibOut,
    actions: VecDeque<Action>,
    /// RFC 4271 §8: ConnectRetryCounter.
    connect_retry_counter: u32,
    /// Failures in a row, for the IdleHoldTime doubling.
    flaps: u32,
    established_at: Option<Instant>,
    /// Families whose routes are kept stale for a restarting peer (RFC 4724 §4.2).
    stale_families: Vec<Family>,
    last_down: Option<DownReason>,
}

impl Session {
    pub fn new(config: Config) -> Session {
        Session {
            config,
            state: State::Idle,
            timers: Timers::default(),
            rx: Vec::new(),
            ctx: Ctx::FOUR_OCTET_AS,
            negotiated: None,
            rib_in: RibIn::default(),
            rib_out: RibOut::default(),
            actions: VecDeque::new(),
            connect_retry_counter: 0,
            flaps: 0,
            established_at: None,
            stale_families: Vec::new(),
            last_down: None,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// What the OPEN exchange agreed on, while OpenConfirm or Established.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    pub fn last_down(&self) -> Option<&DownReason> {
        self.last_down.as_ref()
    }

    pub fn connect_retry_counter(&self) -> u32 {
        self.connect_retry_counter
    }

    /// Routes received from the peer (stale ones included) currently held.
    pub fn received_route(&self, prefix: &Prefix) -> Option<&ReceivedRoute> {
        self.rib_in.get(prefix)
    }

    pub fn received_count(&self) -> usize {
        self.rib_in.len()
    }

    pub fn stale_count(&self) -> usize {
        self.rib_in.stale_count()
    }

    pub fn handle(&mut self, now: Instant, input: Input) {
        match input {
            Input::ManualStart => self.on_start(now),
            Input::ManualStop => self.on_manual_stop(now),
            Input::TcpConnected => self.on_tcp_connected(now),
            Input::TcpFailed => self.on_tcp_failed(now),
            Input::Bytes(bytes) => self.on_bytes(now, &bytes),
            Input::Message(message) => self.on_message(now, message),
            Input::CollisionDump => self.on_collision_dump(now),
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(timer) = self.timers.take_expired(now) {
            self.on_timer(now, timer);
        }
    }

    /// Drain after every `handle*`.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When to call `handle_timeout` next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// Announces (or changes) one of our routes; sent at once when Established, and after
    /// every (re-)establishment.
    pub fn announce(&mut self, route: Route) -> Result<(), AnnounceError> {
        let family = route.prefix.family();
        if !self.config.families().contains(&family) {
            return Err(AnnounceError::FamilyDisabled);
        }
        if family == Family::Ipv6Unicast && self.config.next_hop_v6.is_none() {
            return Err(AnnounceError::NoNextHop);
        }
        if self.rib_out.insert(route.clone()) {
            self.send_route(&route);
        }
        Ok(())
    }

    /// Withdraws one of our routes.
    pub fn withdraw(&mut self, prefix: Prefix) {
        if self.rib_out.remove(&prefix) {
            self.send_withdraw(prefix);
        }
    }
}

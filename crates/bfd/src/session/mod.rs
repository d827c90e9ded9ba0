//! One BFD session in Asynchronous mode (RFC 5880 §6). Sans-IO: `handle*` in, `poll_*` out.
//!
//! This file owns the public types and the `Session` facade; the protocol lives in
//! `receive` (session-level acceptance of a packet, §6.8.6 and RFC 5881 §5), `timers`
//! (interval arithmetic, §6.8.2–6.8.4, §6.8.7), `poll` (Poll Sequences and which intervals
//! are in effect meanwhile, §6.5, §6.8.3) and `machine` (state transitions, detection,
//! transmission, administrative control: §6.2, §6.8.4, §6.8.6, §6.8.7, §6.8.16).
//!
//! Not implemented: Demand mode on this side (bfd.DemandMode stays 0, §6.6; a peer's Demand
//! mode is honoured, §6.8.6, §6.8.7); the Echo function (§6.4, Required Min Echo RX Interval
//! is sent as 0); the Passive role (§6.1: this side is always Active); keyed MD5 / SHA1
//! authentication (§6.7.3, §6.7.4: they need a hash function; such packets parse, but a
//! session cannot be configured with them; the daemon's BFD driver verifies and signs them
//! around a session configured without authentication).

mod machine;
mod poll;
mod receive;
pub mod timers;

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::packet::{ControlRepr, Diagnostic, Password, State};
use crate::transport::Hops;

/// Simple password authentication in use on a session (RFC 5880 §6.7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthConfig {
    pub key_id: u8,
    pub password: Password,
}

/// Configuration of one session.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// bfd.LocalDiscr (§6.8.1): non-zero and unique on this system; the caller allocates it.
    /// Zero is replaced by 1.
    pub local_discr: u32,
    /// The peer's address: packets from any other source are discarded.
    pub peer: IpAddr,
    pub hops: Hops,
    /// bfd.DesiredMinTxInterval while Up (§6.8.1); at least 1 s is advertised otherwise.
    /// Intervals are microseconds on the wire: longer than `u32::MAX` µs is clamped to it.
    pub desired_min_tx: Duration,
    /// bfd.RequiredMinRxInterval (§6.8.1).
    pub required_min_rx: Duration,
    /// bfd.DetectMult (§6.8.1); zero is treated as 1.
    pub detect_mult: u8,
    /// `None`: bfd.AuthType 0, no authentication.
    pub auth: Option<AuthConfig>,
}

/// Something that happened to the session.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A control packet parsed with [`ControlRepr::parse`], received from `from` with the IP
    /// TTL / hop limit `ttl`.
    Packet {
        from: IpAddr,
        ttl: u8,
        packet: ControlRepr,
    },
    /// Administratively disable the session (§6.8.16).
    AdminDown,
    /// Administratively enable it again (§6.8.16: to Down).
    AdminUp,
    /// New timer parameters (§6.8.3; a Poll Sequence verifies them while Up, §6.5).
    Parameters {
        desired_min_tx: Duration,
        required_min_rx: Duration,
        detect_mult: u8,
    },
}

/// What the I/O adapter must do, or report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this packet to the peer (RFC 5881 §4: UDP to port [`Hops::port`], from the
    /// session's fixed source port; single hop with TTL 255).
    Send(ControlRepr),
    /// The session state changed; `diag` is bfd.LocalDiag, why it went down (§6.8.1). A
    /// change to Down is the signal for clients (BGP) to tear down at once (RFC 5882 §3.2;
    /// a peer that went AdminDown shows as `NeighborSignaledSessionDown` with
    /// [`Session::remote_state`] AdminDown, which RFC 5882 §3.2 says should not count as a
    /// path failure).
    StateChanged {
        from: State,
        to: State,
        diag: Diagnostic,
    },
}

/// Why a received packet was discarded by the session (the codec's reasons are
/// [`ParseError`](crate::ParseError)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discard {
    /// Not from the configured peer.
    WrongSource,
    /// TTL / hop limit not accepted (RFC 5881 §5: single hop needs 255; RFC 5883 §2).
    BadTtl(u8),
    /// Your Discriminator non-zero and not ours (§6.8.6).
    UnknownDiscriminator,
    /// A bit set, but no authentication in use (§6.8.6).
    UnexpectedAuth,
    /// A bit clear, but authentication in use (§6.8.6).
    MissingAuth,
    /// Authentication failed (§6.7.2: wrong type, key id or password).
    AuthFailed,
    /// The session is AdminDown (§6.8.6: "If bfd.SessionState is AdminDown, discard").
    AdminDown,
}

/// One BFD session.
///
/// Drive it with [`Session::handle`] and [`Session::handle_timeout`]; after each call drain
/// [`Session::poll_action`] until `None` and sleep until [`Session::poll_timeout`].
#[derive(Debug)]
pub struct Session {
    config: Config,
    /// bfd.SessionState.
    state: State,
    /// bfd.RemoteSessionState.
    remote_state: State,
    /// bfd.RemoteDiscr.
    remote_discr: u32,
    /// bfd.LocalDiag.
    local_diag: Diagnostic,
    /// bfd.RemoteMinRxInterval, µs; initialised to 1 (§6.8.1).
    remote_min_rx_us: u32,
    /// The last received Desired Min TX Interval, µs.
    remote_desired_tx_us: u32,
    /// The last received Detect Mult; 0 until a packet is received.
    remote_detect_mult: u8,
    /// bfd.RemoteDemandMode.
    remote_demand: bool,
    /// The Desired Min TX Interval the transmit rate uses now; while Up an increase waits for
    /// the Poll Sequence (§6.8.3).
    tx_in_effect: Duration,
    /// The Required Min RX Interval the Detection Time uses now; while Up a decrease waits
    /// for the Poll Sequence (§6.8.3).
    rx_in_effect: Duration,
    /// A Poll Sequence in progress, with the (Desired Min TX, Required Min RX) it verifies.
    poll: Option<(Duration, Duration)>,
    /// The advertised values changed during the last Poll Sequence: poll again once a
    /// packet without the Final bit arrives (§6.8.3).
    repoll: bool,
    /// AdminDown packets are sent until this instant (§6.8.16).
    admin_down_until: Option<Instant>,
    timers: timers::Timers,
    rng: timers::Rng,
    actions: VecDeque<Action>,
}

impl Session {
    /// A session in Down (§6.8.1) whose first packet is due at `now`. `jitter_seed` seeds the
    /// per-packet jitter (§6.8.7); give each session a different, unpredictable one.
    pub fn new(now: Instant, mut config: Config, jitter_seed: u64) -> Session {
        config.local_discr = config.local_discr.max(1);
        config.detect_mult = config.detect_mult.max(1);
        config.desired_min_tx = timers::clamp_to_wire(config.desired_min_tx);
        config.required_min_rx = timers::clamp_to_wire(config.required_min_rx);
        let tx_in_effect = timers::advertised_tx(config.desired_min_tx, false);
        let rx_in_effect = config.required_min_rx;
        Session {
            config,
            state: State::Down,
            remote_state: State::Down,
            remote_discr: 0,
            local_diag: Diagnostic::None,
            remote_min_rx_us: 1,
            remote_desired_tx_us: 0,
            remote_detect_mult: 0,
            remote_demand: false,
            tx_in_effect,
            rx_in_effect,
            poll: None,
            repoll: false,
            admin_down_until: None,
            timers: timers::Timers {
                detect: None,
                transmit: Some(now),
            },
            rng: timers::Rng::new(jitter_seed),
            actions: VecDeque::new(),
        }
    }

    /// Feed one input at `now`. A packet the session discards is reported as `Err` (it
    /// changed nothing, except as §6.8.6 prescribes for an AdminDown session).
    pub fn handle(&mut self, now: Instant, input: Input) -> Result<(), Discard> {
        match input {
            Input::Packet { from, ttl, packet } => {
                self.accept(from, ttl, &packet)?;
                self.on_packet(now, &packet)
            }
            Input::AdminDown => {
                self.admin_down(now);
                Ok(())
            }
            Input::AdminUp => {
                self.admin_up(now);
                Ok(())
            }
            Input::Parameters {
                desired_min_tx,
                required_min_rx,
                detect_mult,
            } => {
                self.set_parameters(now, desired_min_tx, required_min_rx, detect_mult);
                Ok(())
            }
        }
    }

    /// Fire every timer that is due at `now`, earliest first.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(timer) = self.timers.next_due(now) {
            match timer {
                timers::Timer::Detect => self.on_detection_timeout(now),
                timers::Timer::Transmit => self.on_transmit_timer(now),
            }
        }
    }

    /// The next thing the I/O adapter must do, in order.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When `handle_timeout` must be called next; `None` when no timer is armed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.earliest()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// bfd.SessionState.
    pub fn state(&self) -> State {
        self.state
    }

    /// bfd.RemoteSessionState.
    pub fn remote_state(&self) -> State {
        self.remote_state
    }

    /// bfd.RemoteDiscr (0 until the peer is heard, and again after a detection timeout).
    pub fn remote_discr(&self) -> u32 {
        self.remote_discr
    }

    /// bfd.LocalDiag.
    pub fn local_diag(&self) -> Diagnostic {
        self.local_diag
    }

    /// Whether a Poll Sequence is in progress (§6.5).
    pub fn polling(&self) -> bool {
        self.poll.is_some()
    }

    /// The periodic transmit interval before jitter (§6.8.7), `None` while periodic
    /// transmission is off (remote Required Min RX 0, or the peer's Demand mode with no Poll
    /// Sequence of ours in progress).
    pub fn tx_interval(&self) -> Option<Duration> {
        if self.demand_stops_transmission() {
            return None;
        }
        timers::tx_interval(self.tx_in_effect, self.remote_min_rx_us)
    }

    /// The negotiated receive interval: the larger of our Required Min RX Interval in effect
    /// and the peer's last Desired Min TX Interval (§6.8.4), `None` until the peer has been
    /// heard. The Detection Time is this times the peer's Detect Mult.
    pub fn rx_interval(&self) -> Option<Duration> {
        (self.remote_detect_mult != 0)
            .then(|| timers::detection_time(1, self.rx_in_effect, self.remote_desired_tx_us))
    }

    /// The peer's last Detect Mult (§6.8.4), `None` until the peer has been heard.
    pub fn remote_detect_mult(&self) -> Option<u8> {
        (self.remote_detect_mult != 0).then_some(self.remote_detect_mult)
    }

    /// The Detection Time (§6.8.4), `None` until the peer has been heard.
    pub fn detection_time(&self) -> Option<Duration> {
        (self.remote_detect_mult != 0).then(|| {
            timers::detection_time(
                self.remote_detect_mult,
                self.rx_in_effect,
                self.remote_desired_tx_us,
            )
        })
    }
}

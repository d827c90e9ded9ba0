//! The BFD control packet codec (RFC 5880 §4): a checked view over untrusted bytes and a
//! small owned representation ([`ControlRepr`]) with `parse` / `emit`. Parsing never panics
//! and never allocates.
//!
//! Stateless receive rules of RFC 5880 §6.8.6 live here (version, length, detect multiplier,
//! multipoint, discriminators, authentication section layout); rules that need a session
//! (demultiplexing, whether authentication is in use, the password) live in `session`.
//!
//! - [`view`]: [`Packet`], field accessors and setters over a byte buffer (§4.1 layout).
//! - `auth`: the authentication section (§4.2–4.4) and simple-password checking (§6.7.2).
//! - `repr`: `ControlRepr::parse` / `emit` and the drop rules.
//! - `error`: why parsing or emitting failed.
//! - `fuzz`: [`fuzz_parse`], the body of the fuzz target, also run as an ordinary test.

mod auth;
mod error;
mod fuzz;
mod repr;
pub mod view;

pub use auth::{Auth, Password, MAX_PASSWORD_LEN};
pub use error::{EmitError, ParseError};
pub use fuzz::fuzz_parse;
pub use view::Packet;

/// The only protocol version (RFC 5880 §4.1 "Version (Vers)": "This document defines
/// protocol version 1").
pub const VERSION: u8 = 1;

/// Diagnostic code (RFC 5880 §4.1 "Diagnostic (Diag)"): why the sender's session last
/// changed state. Values 9–31 are reserved; they are kept as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Diagnostic {
    /// 0 — No Diagnostic.
    None,
    /// 1 — Control Detection Time Expired.
    ControlDetectionTimeExpired,
    /// 2 — Echo Function Failed.
    EchoFunctionFailed,
    /// 3 — Neighbor Signaled Session Down.
    NeighborSignaledSessionDown,
    /// 4 — Forwarding Plane Reset.
    ForwardingPlaneReset,
    /// 5 — Path Down.
    PathDown,
    /// 6 — Concatenated Path Down.
    ConcatenatedPathDown,
    /// 7 — Administratively Down.
    AdministrativelyDown,
    /// 8 — Reverse Concatenated Path Down.
    ReverseConcatenatedPathDown,
    /// 9–31 — reserved for future use; the value as received.
    Reserved(u8),
}

impl Diagnostic {
    /// The 5-bit wire value (a `Reserved` value is masked to 5 bits).
    pub const fn to_wire(self) -> u8 {
        match self {
            Diagnostic::None => 0,
            Diagnostic::ControlDetectionTimeExpired => 1,
            Diagnostic::EchoFunctionFailed => 2,
            Diagnostic::NeighborSignaledSessionDown => 3,
            Diagnostic::ForwardingPlaneReset => 4,
            Diagnostic::PathDown => 5,
            Diagnostic::ConcatenatedPathDown => 6,
            Diagnostic::AdministrativelyDown => 7,
            Diagnostic::ReverseConcatenatedPathDown => 8,
            Diagnostic::Reserved(v) => v & 0x1f,
        }
    }

    /// Reads the low 5 bits of `value`.
    pub const fn from_wire(value: u8) -> Diagnostic {
        match value & 0x1f {
            0 => Diagnostic::None,
            1 => Diagnostic::ControlDetectionTimeExpired,
            2 => Diagnostic::EchoFunctionFailed,
            3 => Diagnostic::NeighborSignaledSessionDown,
            4 => Diagnostic::ForwardingPlaneReset,
            5 => Diagnostic::PathDown,
            6 => Diagnostic::ConcatenatedPathDown,
            7 => Diagnostic::AdministrativelyDown,
            8 => Diagnostic::ReverseConcatenatedPathDown,
            v => Diagnostic::Reserved(v),
        }
    }
}

/// Session state (RFC 5880 §4.1 "State (Sta)", §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    AdminDown,
    Down,
    Init,
    Up,
}

impl State {
    /// The 2-bit wire value: 0 AdminDown, 1 Down, 2 Init, 3 Up.
    pub const fn to_wire(self) -> u8 {
        match self {
            State::AdminDown => 0,
            State::Down => 1,
            State::Init => 2,
            State::Up => 3,
        }
    }

    /// Reads the low 2 bits of `value`.
    pub const fn from_wire(value: u8) -> State {
        match value & 0x03 {
            0 => State::AdminDown,
            1 => State::Down,
            2 => State::Init,
            _ => State::Up,
        }
    }
}

/// One BFD control packet, owned and validated (RFC 5880 §4.1). The Authentication Present
/// (A) bit is `auth.is_some()`; the Multipoint (M) bit is always zero (§6.8.6 discards it
/// set), so neither has a field. Intervals are in microseconds, as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlRepr {
    pub diag: Diagnostic,
    pub state: State,
    /// P: the sender asks for verification of a parameter change (§6.5).
    pub poll: bool,
    /// F: the sender answers a Poll (§6.5).
    pub final_: bool,
    /// C: the sender's BFD does not share fate with its control plane (§4.1).
    pub control_plane_independent: bool,
    /// D: the sender wishes to operate in Demand mode (§6.6).
    pub demand: bool,
    /// Non-zero (§6.8.6).
    pub detect_mult: u8,
    /// Non-zero (§6.8.6).
    pub my_discr: u32,
    /// Zero only while `state` is Down or AdminDown (§6.8.6).
    pub your_discr: u32,
    pub desired_min_tx_us: u32,
    pub required_min_rx_us: u32,
    /// Zero: the sender does not support the Echo function (§6.8.9).
    pub required_min_echo_rx_us: u32,
    pub auth: Option<Auth>,
}

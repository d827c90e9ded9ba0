//! Sans-IO BFD: the RFC 5880 control packet codec (with the authentication section of
//! §4.2–4.4), the asynchronous-mode session state machine (RFC 5880 §6), and the RFC 5881
//! single-hop / RFC 5883 multihop transport rules as constants and helpers.
//!
//! Nothing here opens a socket, spawns a thread or reads the clock: callers pass bytes and
//! `Instant`s in and drain actions out, so tests can run hours of BFD on a virtual clock.
#![forbid(unsafe_code)]

pub mod packet;
pub mod session;
pub mod transport;

pub use packet::{Auth, ControlRepr, Diagnostic, EmitError, ParseError, Password, State};
pub use session::{Action, AuthConfig, Config, Discard, Input, Session};
pub use transport::Hops;

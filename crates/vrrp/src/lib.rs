//! Sans-IO VRRP: the version 2 (RFC 3768) and version 3 (RFC 5798, updated by RFC 9568)
//! advertisement codec and the per-virtual-router state machine.
//!
//! Nothing here opens a socket, spawns a thread or reads the clock: callers pass bytes and
//! `Instant`s in and drain actions out, so tests can run an hour of protocol on a virtual clock.
#![forbid(unsafe_code)]

pub mod packet;
pub mod router;

pub use packet::{AdvertRepr, Auth, ChecksumForm, ParseError, Version};
pub use router::{Action, Config, Input, Reason, Router, State};

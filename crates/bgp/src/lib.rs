//! Sans-IO BGP-4: the message codec (RFC 4271 §4 with RFC 4760 multiprotocol IPv6 unicast,
//! RFC 6793 4-octet AS numbers, RFC 1997 / RFC 8092 communities, RFC 2918 route refresh,
//! RFC 4724 graceful restart capability) and the per-peer session state machine (RFC 4271 §8).
//!
//! Nothing here opens a socket, spawns a thread or reads the clock: callers pass bytes, TCP
//! events and `Instant`s in and drain actions out, so tests run hours of BGP on a virtual clock.
#![forbid(unsafe_code)]

pub mod session;
pub mod wire;

pub use session::{
    collision_keeps_local, Action, AnnounceError, Config, DownReason, Input, Negotiated,
    ReceivedRoute, Route, Session, State,
};
pub use wire::{Error, ErrorCode, Family, Invalid, Message, Prefix};

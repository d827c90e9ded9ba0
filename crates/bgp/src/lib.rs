//! Sans-IO BGP-4: the message codec (RFC 4271 §4 with RFC 4760 multiprotocol IPv6 unicast,
//! RFC 6793 4-octet AS numbers, RFC 1997 / RFC 8092 communities, RFC 2918 route refresh,
//! RFC 4724 graceful restart capability) and the per-peer session state machine (RFC 4271 §8).
//!
//! Nothing here opens a socket, spawns a thread or reads the clock: callers pass bytes, TCP
//! events and `Instant`s in and drain actions out, so tests run hours of BGP on a virtual clock.
//!
//! ```text
//! wire::Message::parse(&buf) -> Ok((message, used)) | Err(Incomplete{needed}) | Err(Invalid(e))
//! e.notification()                 the NOTIFICATION RFC 4271 §6 calls for
//! message.to_bytes(ctx)            ctx: 2- or 4-octet AS numbers in AS_PATH
//! Session::new(config)
//! session.handle(now, Input::{ManualStart, ManualStop, TcpConnected, TcpFailed, Bytes, ...})
//! session.handle_timeout(now); session.poll_timeout(); session.poll_action()
//!     -> Action::{Connect, Send(bytes), Close, StateChanged, Established, Down, Routes}
//! session.announce(Route) / session.withdraw(prefix)   our /32 and /128 routes
//! ```
//!
//! Not covered (each would be its own change): the restarting side of graceful restart and
//! RFC 8538's N bit; ADD-PATH (RFC 7911), extended messages (RFC 8654), extended next hop
//! (RFC 8950), enhanced route refresh (RFC 7313) and extended optional parameters (RFC 9072),
//! whose capabilities are kept but not acted on; merging AS4_PATH into AS_PATH from 2-octet
//! peers (RFC 6793 §4.2.3); DelayOpen; two connections inside one `Session` (collisions are
//! resolved by the driver with [`session::collision_keeps_local`] and `Input::CollisionDump`).
#![forbid(unsafe_code)]

pub mod session;
pub mod wire;

pub use session::{
    collision_keeps_local, Action, AnnounceError, Config, DownReason, Input, Negotiated,
    ReceivedRoute, Route, Session, State,
};
pub use wire::{Error, ErrorCode, Family, Invalid, Message, Prefix};

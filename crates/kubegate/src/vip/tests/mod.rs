//! The VIP driver's logic on a virtual clock, without root: drivers wired to each other
//! through an in-memory segment (`net`), run by `cluster`; the scenarios (`election`, `groups`,
//! `handover`, `parity`) check RFC 5798 and keepalived's behaviour with `probes`. The netns
//! tests under `tests/` prove the same on real sockets.

mod cluster;
mod counters;
mod election;
mod groups;
mod handover;
mod net;
mod parity;
mod probes;
mod reload;

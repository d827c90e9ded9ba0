//! Fault campaigns (`kubegate lab --chaos`): a seeded random schedule of faults on a lab
//! topology, run against the real daemons while the client keeps requesting, with the HA
//! promises checked throughout and every violation reported with its time, the events around
//! it and the seed. `fault`, `world`, `schedule` and `judge` are pure; `run` applies a
//! schedule to a [`crate::stage::Stage`] and watches it.

pub mod fault;
pub mod judge;
pub mod resources;
pub mod rng;
pub mod run;
pub mod schedule;
pub mod watch;
pub mod world;

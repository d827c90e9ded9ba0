//! Trackers: the conditions a node needs to hold a VIP (keepalived's `track_script` /
//! `track_interface`, and native checks). `score` is the pure core (rise/fall bookkeeping and
//! the priority arithmetic); `probe` runs the checks; `runner` schedules them on a thread.

pub(crate) mod probe;
pub(crate) mod runner;
pub(crate) mod score;

pub use probe::FrontendReady;
pub use runner::{spawn, TrackerHandle, TrackerUpdate};
pub use score::{Effective, Health};

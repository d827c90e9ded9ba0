//! `kubegate import`: keepalived, haproxy and nginx files in, one kubegate file out.
//!
//! Each reader turns its file into parts of a [`draft::Draft`] and notes; keepalived files of
//! several nodes merge into one list of nodes and VIPs; trackers that only checked the old
//! balancer become `frontend:` trackers; `emit` writes the draft, which must then pass the
//! same validation as any config file.

pub mod draft;
pub mod haproxy;
pub mod keepalived;
pub mod nginx;

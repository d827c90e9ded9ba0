//! The admin endpoint: what operators see (status page, `/api/v1/status`, `/metrics`) and the
//! runtime controls (`kubegate status`, `backend`, `handover`).

pub mod admission;
pub mod api;
pub mod auth;
pub mod bgp_build;
pub mod build;
pub(crate) mod client;
pub mod cluster;
pub(crate) mod cluster_table;
pub(crate) mod cluster_view;
pub(crate) mod connection;
pub mod gather;
pub mod http;
pub(crate) mod hub;
pub mod liveness;
pub mod metrics;
pub mod page;
pub mod peers;
pub mod routes;
pub(crate) mod server;
pub mod snapshot;
pub mod snapshot_bgp;
pub(crate) mod table;
pub(crate) mod table_bgp;

//! The TCP load balancer (the `frontends` of the config): listeners, proxying, backend pools
//! and health checks.
//!
//! Pure cores: `pool` (backend states and selection), `proxy_protocol` (PROXY v2 header
//! codec), `connlog` (one line per finished connection), `probe_http` (a check's request and
//! status line), `rise_fall` (hysteresis, shared with the VIP trackers), `health_state` (rise/fall
//! bookkeeping per backend), `fuzz` (the probe fuzz target's body). I/O: `runtime` (worker threads,
//! reload, shutdown), `listener` (accept loop, fast refusals), `proxy` (one connection's
//! life), `dial` (connecting to a backend), `relay` + `pipes` (zero-copy byte moving),
//! `sessions` (drain and close signals), `logsink` (buffered connection log), `standalone`
//! (the balancer alone until SIGTERM), `probe` (+ `probe_tls`) and `health` (the checker
//! thread).
#![forbid(unsafe_code)]

pub mod connlog;
pub(crate) mod dial;
pub mod fuzz;
pub mod health;
pub mod health_events;
pub(crate) mod health_state;
pub mod latency;
pub(crate) mod listener;
pub mod logsink;
pub mod pipes;
pub mod pool;
pub mod probe;
pub(crate) mod probe_http;
pub(crate) mod probe_schedule;
pub mod probe_tls;
pub(crate) mod proxy;
pub mod proxy_protocol;
pub(crate) mod relay;
pub mod rise_fall;
pub mod runtime;
pub(crate) mod sessions;
pub mod shared;

pub use logsink::{LogFormat, RecordHook};
pub use runtime::{Balancer, RuntimeOptions};

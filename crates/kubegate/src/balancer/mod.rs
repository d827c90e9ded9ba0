//! The TCP load balancer (the `frontends` of the config): listeners, proxying, backend pools
//! and health checks.
//!
//! Pure cores: `pool` (backend states and selection), `proxy_protocol` (PROXY v2 header
//! codec), `connlog` (one line per finished connection). I/O: `runtime` (worker threads,
//! reload, shutdown), `listener` (accept loop, fast refusals), `proxy` (one connection's
//! life), `relay` + `pipes` (zero-copy byte moving), `sessions` (drain and close signals),
//! `logsink` (buffered connection log), `standalone` (the balancer alone until SIGTERM).

pub mod connlog;
pub mod listener;
pub mod logsink;
pub mod pipes;
pub mod pool;
pub mod proxy;
pub mod proxy_protocol;
pub mod relay;
pub mod runtime;
pub mod sessions;
pub mod shared;
pub mod standalone;

pub use logsink::{LogFormat, RecordHook};
pub use runtime::{Balancer, RuntimeOptions};
pub use standalone::run_frontends;

//! The TCP load balancer (the `frontends` of the config): listeners, proxying, backend pools
//! and health checks.
//!
//! Pure cores: `pool` (backend states and selection), `proxy_protocol` (PROXY v2 header
//! codec), `connlog` (one line per finished connection). I/O: `listener`, `proxy`, `probe`.

pub mod connlog;
pub mod pool;
pub mod proxy_protocol;
pub mod shared;

//! The TCP load balancer (the `frontends` of the config): listeners, proxying, backend pools
//! and health checks.
//!
//! Pure cores: `pool` (backend states and selection), `proxy_protocol` (PROXY v2 header
//! codec), `connlog` (one line per finished connection), `probe_http` (a check's request and
//! status line), `health_state` (rise/fall bookkeeping). I/O: `listener`, `proxy`, `probe`
//! (+ `probe_tls`), `health` (the checker thread).

pub mod connlog;
pub mod health;
pub mod health_events;
pub mod health_state;
pub mod pool;
pub mod probe;
pub mod probe_http;
pub mod probe_tls;
pub mod proxy_protocol;
pub mod shared;

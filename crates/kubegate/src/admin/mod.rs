//! The admin endpoint: what operators see (status page, `/api/v1/status`, `/metrics`) and the
//! runtime controls (`kubegate status`, `backend`, `handover`).

pub mod page;
pub mod snapshot;

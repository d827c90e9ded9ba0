//! Configuration: the YAML file (raw, serde) → validated types (`model`); node identity.

pub mod model;

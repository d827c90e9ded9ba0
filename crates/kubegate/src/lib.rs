//! kubegate: one daemon and one config file for a highly available, load-balanced address.
//!
//! The library holds everything; `main.rs` only parses the command line.
#![forbid(unsafe_code)]

pub mod admin;
pub mod bfd;
pub mod bgp;
pub mod bgp_key;
pub mod build_info;
pub mod capabilities;

pub mod cli;
pub mod daemon;
pub mod doctor;
pub mod host;
#[cfg(feature = "lab")]
pub mod lab_cli;
#[cfg(feature = "lab")]
pub mod lab_interrupt;
pub mod log;
pub mod manifest;
pub mod out;
pub mod secret_file;
pub(crate) mod track;
pub(crate) mod vip;

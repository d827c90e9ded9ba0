//! Virtual IPs: drives one `vrrp::Router` per VIP over raw sockets and netlink.
//! `settings` turns the validated config into router settings (pure), `driver` is the
//! per-VIP thread (sockets and timers in, actions out), `notify` runs the user's hook.

pub mod announce_queue;
pub mod driver;
pub mod notify;
pub mod settings;

//! Virtual IPs: drives one `vrrp::Router` per VIP over raw sockets and netlink.
//! `settings` turns the validated config into router settings (pure), `driver` is the
//! per-VIP loop (adapter events and timers in, actions out) over the `io::VipIo` adapter
//! (`sys_io` on Linux), `announce_queue` paces announcements, `notify` runs the user's hook.

pub mod announce_queue;
pub mod driver;
pub mod io;
pub mod notify;
pub mod settings;
pub mod sys_io;
#[cfg(test)]
mod tests;

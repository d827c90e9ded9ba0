//! Virtual IPs: drives one `vrrp::Router` per VIP over raw sockets and netlink.
//! `settings` turns the validated config into router settings (pure), `driver` is the
//! per-VIP loop (adapter events and timers in, actions out) over the `io::VipIo` adapter
//! (`sys_io` on Linux), `announce_queue` paces announcements, `notify` runs the user's hook.

pub(crate) mod announce_queue;
pub(crate) mod counters;
pub(crate) mod driver;
pub(crate) mod io;
pub(crate) mod notify;
pub(crate) mod settings;
pub(crate) mod sys_io;
#[cfg(test)]
mod tests;

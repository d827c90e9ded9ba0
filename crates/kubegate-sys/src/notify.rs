//! systemd's readiness protocol (`sd_notify`): one datagram of `KEY=VALUE` lines to the unix
//! socket named by `$NOTIFY_SOCKET`, for units with `Type=notify`.
//!
//! `ready()` and `stopping()` are no-ops when `$NOTIFY_SOCKET` is unset (not started by systemd,
//! or in a container). The socket name is either a path or, starting with `@`, a Linux abstract
//! socket name (std supports those without `unsafe`).

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

/// The variable systemd sets for `Type=notify` services.
pub const NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";

/// Tell systemd the service is up (`READY=1`); a no-op without `$NOTIFY_SOCKET`.
pub fn ready() -> io::Result<()> {
    notify_env("READY=1")
}

/// Tell systemd the service is stopping (`STOPPING=1`); a no-op without `$NOTIFY_SOCKET`.
pub fn stopping() -> io::Result<()> {
    notify_env("STOPPING=1")
}

/// Send `state` to `$NOTIFY_SOCKET` when it is set.
fn notify_env(state: &str) -> io::Result<()> {
    match std::env::var_os(NOTIFY_SOCKET) {
        Some(socket) if !socket.is_empty() => send_to(&socket, state),
        _ => Ok(()),
    }
}

/// Send one notification datagram to `socket`: a filesystem path, or `@name` for an abstract
/// socket.
pub fn send_to(socket: &OsStr, state: &str) -> io::Result<()> {
    let addr = socket_addr(socket)?;
    let sender = UnixDatagram::unbound()?;
    let sent = sender.send_to_addr(state.as_bytes(), &addr)?;
    if sent != state.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            format!("{NOTIFY_SOCKET}: sent {sent} of {} bytes", state.len()),
        ));
    }
    Ok(())
}

/// The address named by `$NOTIFY_SOCKET`: `@name` is abstract (sd_notify(3)), else a path.
fn socket_addr(socket: &OsStr) -> io::Result<SocketAddr> {
    match socket.as_bytes().split_first() {
        Some((b'@', name)) => abstract_addr(name),
        Some((b'/', _)) => SocketAddr::from_pathname(socket),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{NOTIFY_SOCKET} must be an absolute path or start with '@': {socket:?}"),
        )),
    }
}

/// A Linux abstract socket name (no file; the leading `@` stands for the NUL byte).
fn abstract_addr(name: &[u8]) -> io::Result<SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name)
}

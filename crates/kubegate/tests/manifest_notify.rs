//! sd_notify: `READY=1` / `STOPPING=1` reach the socket named by `$NOTIFY_SOCKET` (a path, or
//! `@name` for an abstract socket); without the variable, nothing is sent and nothing fails.
//!
//! `ready()` reads the environment, which a multi-threaded test must not change: the parent
//! test runs this test binary again, with the variable set, for the one `#[ignore]`d child test.

use std::ffi::OsStr;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use kubegate_sys::notify;

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("kubegate-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn receive(socket: &UnixDatagram) -> String {
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 256];
    let n = socket.recv(&mut buf).expect("no notification arrived");
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

#[test]
fn send_to_a_path() {
    let dir = TempDir::new("notify-path");
    let path = dir.0.join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    notify::send_to(path.as_os_str(), "READY=1").unwrap();
    assert_eq!(receive(&socket), "READY=1");
}

#[test]
fn send_to_an_abstract_name() {
    let name = format!("kubegate-test-notify-{}", std::process::id());
    let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let socket = UnixDatagram::bind_addr(&addr).unwrap();
    notify::send_to(OsStr::new(&format!("@{name}")), "STOPPING=1").unwrap();
    assert_eq!(receive(&socket), "STOPPING=1");
}

#[test]
fn bad_socket_names_are_errors() {
    let e = notify::send_to(OsStr::new("relative.sock"), "READY=1").unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    let dir = TempDir::new("notify-missing");
    let missing = dir.0.join("nobody-listens.sock");
    assert!(notify::send_to(missing.as_os_str(), "READY=1").is_err());
}

/// The child side: `ready()` then `stopping()` as the daemon calls them.
#[test]
#[ignore = "run by `ready_and_stopping_read_the_environment` in a child process"]
fn child_calls_ready_and_stopping() {
    notify::ready().unwrap();
    notify::stopping().unwrap();
}

fn run_child(socket: Option<&OsStr>) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        "child_calls_ready_and_stopping",
        "--test-threads=1",
    ]);
    match socket {
        Some(s) => cmd.env(notify::NOTIFY_SOCKET, s),
        None => cmd.env_remove(notify::NOTIFY_SOCKET),
    };
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}");
    assert!(
        stdout.contains("1 passed"),
        "the child test did not run: {stdout}"
    );
}

#[test]
fn ready_and_stopping_read_the_environment() {
    let dir = TempDir::new("notify-env");
    let path = dir.0.join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    run_child(Some(path.as_os_str()));
    assert_eq!(receive(&socket), "READY=1");
    assert_eq!(receive(&socket), "STOPPING=1");

    // Without the variable both are no-ops that succeed, and nothing arrives.
    run_child(None);
    socket.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 64];
    let e = socket.recv(&mut buf).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
}

//! One probe of one tracker: run a script, connect over TCP, or read an interface's state.
//! Each call blocks for at most the tracker's timeout and answers healthy or not.

use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use kubegate_config::model::TrackerKind;

/// Answers whether this node's frontend NAME has a ready backend (the balancer's view).
pub type FrontendReady = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Run the probe once; `true` means healthy.
pub fn run(kind: &TrackerKind, timeout: Duration, frontend_ready: &FrontendReady) -> bool {
    match kind {
        TrackerKind::Script(cmd) => script(cmd, timeout),
        TrackerKind::Tcp(addr) => tcp(*addr, timeout),
        TrackerKind::Interface(name) => interface_up(name),
        // frontend trackers are evaluated by the balancer
        // The balancer's own checks decide; this reads their verdict.
        TrackerKind::Frontend(name) => frontend_ready(name),
    }
}

/// Exit status 0 within the timeout. Commands with spaces run through `/bin/sh -c`, as
/// keepalived users write them (`killall -0 kube-apiserver`). A command still running at the
/// timeout is killed and counts as a failure.
fn script(cmd: &str, timeout: Duration) -> bool {
    let mut command = if cmd.contains(char::is_whitespace) {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(cmd);
        c
    } else {
        Command::new(cmd)
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let Ok(mut child) = command.spawn() else {
        return false;
    };
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(_) => return false,
        }
    }
}

fn tcp(addr: SocketAddr, timeout: Duration) -> bool {
    TcpStream::connect_timeout(&addr, timeout).is_ok()
}

/// Administratively up and with carrier (`/sys/class/net/NAME/{flags,carrier}`).
pub fn interface_up(name: &str) -> bool {
    if name.contains('/') || name.starts_with('.') {
        return false;
    }
    let base = format!("/sys/class/net/{name}");
    let flags = std::fs::read_to_string(format!("{base}/flags"))
        .ok()
        .and_then(|s| u32::from_str_radix(s.trim().trim_start_matches("0x"), 16).ok());
    let carrier = std::fs::read_to_string(format!("{base}/carrier"))
        .map(|s| s.trim() == "1")
        .unwrap_or(false);
    matches!(flags, Some(f) if f & 1 == 1) && carrier
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn no_frontends() -> FrontendReady {
        Arc::new(|_| false)
    }

    fn run(kind: &TrackerKind, timeout: Duration) -> bool {
        super::run(kind, timeout, &no_frontends())
    }

    #[test]
    fn frontend_tracker_reads_the_balancer() {
        let ready: FrontendReady = Arc::new(|name| name == "api");
        let api = TrackerKind::Frontend("api".into());
        let ingress = TrackerKind::Frontend("ingress".into());
        assert!(super::run(&api, Duration::from_secs(1), &ready));
        assert!(!super::run(&ingress, Duration::from_secs(1), &ready));
    }

    #[test]
    fn script_exit_status_and_timeout() {
        assert!(run(
            &TrackerKind::Script("true".into()),
            Duration::from_secs(2)
        ));
        assert!(!run(
            &TrackerKind::Script("false".into()),
            Duration::from_secs(2)
        ));
        assert!(run(
            &TrackerKind::Script("exit 0".into()),
            Duration::from_secs(2)
        ));
        let started = Instant::now();
        assert!(!run(
            &TrackerKind::Script("sleep 5".into()),
            Duration::from_millis(200)
        ));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "timeout must kill the script"
        );
        assert!(!run(
            &TrackerKind::Script("/nonexistent/check".into()),
            Duration::from_secs(1)
        ));
    }

    #[test]
    fn tcp_connect_succeeds_only_while_listening() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(run(&TrackerKind::Tcp(addr), Duration::from_secs(1)));
        drop(listener);
        assert!(!run(&TrackerKind::Tcp(addr), Duration::from_secs(1)));
    }

    #[test]
    fn loopback_interface_is_up_and_unknown_is_not() {
        assert!(interface_up("lo"));
        assert!(!interface_up("kg-no-such-if"));
        assert!(!interface_up("../lo"));
    }
}

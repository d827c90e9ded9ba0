//! The dead-peer options of proxied sockets: both the client's socket (inherited from the
//! listener) and the backend's (set once the connection has run a moment) carry TCP_NODELAY,
//! SO_KEEPALIVE with the configured idle time, and TCP_USER_TIMEOUT = the dead-peer timeout.
//! The balancer runs in this test's own process, so its sockets are found among the process's
//! descriptors by their addresses.

mod balancer_proxy_support;

use std::net::SocketAddr;
use std::time::Duration;

use balancer_proxy_support::*;
use socket2::SockRef;

/// The options read back from one socket.
#[derive(Debug, Clone, PartialEq)]
struct Options {
    nodelay: bool,
    keepalive: bool,
    keepalive_idle: Duration,
    user_timeout: Option<Duration>,
}

/// The open TCP socket of this process whose (local, peer) addresses match.
fn find_socket(matches: impl Fn(SocketAddr, SocketAddr) -> bool) -> Option<Options> {
    for fd in kubegate_sys::own_sockets::own_sockets() {
        let s = SockRef::from(&fd);
        let (Ok(local), Ok(peer)) = (s.local_addr(), s.peer_addr()) else {
            continue;
        };
        let (Some(local), Some(peer)) = (local.as_socket(), peer.as_socket()) else {
            continue;
        };
        if matches(local, peer) {
            return Some(Options {
                nodelay: s.tcp_nodelay().ok()?,
                keepalive: s.keepalive().ok()?,
                keepalive_idle: s.tcp_keepalive_time().ok()?,
                user_timeout: s.tcp_user_timeout().ok()?,
            });
        }
    }
    None
}

#[test]
fn client_and_backend_sockets_carry_the_dead_peer_options() {
    let backend = TestBackend::spawn(Kind::Echo);
    let mut settings = frontend(&[backend.addr]);
    settings.timeouts.keepalive = Duration::from_secs(8);
    settings.timeouts.dead_peer = Duration::from_secs(20);
    let proxy = TestProxy::start(settings);
    let mut client = proxy.connect();
    ping(&mut client, b"hello").expect("echo through the proxy");
    let client_port = client.local_addr().unwrap();

    let wanted = Options {
        nodelay: true,
        keepalive: true,
        keepalive_idle: Duration::from_secs(8),
        user_timeout: Some(Duration::from_secs(20)),
    };
    // The proxy's end of the client connection: local = the listener, peer = our client.
    let client_side = find_socket(|local, peer| local == proxy.addr && peer == client_port);
    assert_eq!(client_side, Some(wanted.clone()), "client-side socket");

    // The proxy's end of the backend connection: peer = the backend (the backend's own end
    // has the backend as its local address). Its dead-peer options come within a second.
    let mut last = None;
    let set = eventually(Duration::from_secs(3), || {
        last = find_socket(|local, peer| peer == backend.addr && local != backend.addr);
        last.as_ref() == Some(&wanted)
    });
    assert!(
        set,
        "backend-side socket options: {last:?}, want {wanted:?}"
    );
    ping(&mut client, b"still there").expect("echo after the options were set");
}

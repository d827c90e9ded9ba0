//! One peer's thread: it owns the `bgp::Session` and its TCP connection, waits with
//! `poll(2)` on the connection, a wake socket and the session's next timer, and carries out
//! the session's actions. Commands from the `Speaker` arrive on a channel (`handle`).

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, TcpStream};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use ::bgp::{Action, Input, Prefix, Route, Session, State};
use socket2::Socket;

use super::config::PeerConfig;
use super::connect;
use super::framing::MessageCounter;
use super::handle::Command;
use super::status::{describe_connect_error, describe_down, lock, PeerStatus};

/// The longest we wait for a TCP handshake (less when the connect retry time is shorter).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A write that cannot finish in this time fails the connection (the router stopped reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
/// How often we look the local address up again while the peer has no route.
const NO_ROUTE_RETRY: Duration = Duration::from_secs(1);
/// One read: a BGP message is at most 4096 octets (RFC 4271 §4.1).
const READ_CHUNK: usize = 4096;

/// Whether a connecting socket has finished its handshake, successfully or not.
fn socket_ready(socket: &Socket) -> bool {
    kubegate_sys::wait_any_for(&[(socket.as_fd(), true)], Some(Duration::ZERO))
        .is_ok_and(|r| r.first() == Some(&true))
}

pub(super) struct PeerTask {
    local_as: u32,
    router_id: Ipv4Addr,
    peer: PeerConfig,
    /// The routes we want the peer to have, whatever the session's state.
    desired: BTreeMap<Prefix, Route>,
    /// Made once our local address for the peer is known.
    session: Option<Session>,
    local: Option<IpAddr>,
    /// Our address is gone from this host: make the session again with a fresh one.
    local_gone: bool,
    stream: Option<TcpStream>,
    /// A connection being made, and when we give up on it.
    connecting: Option<(Socket, Instant)>,
    status: Arc<Mutex<PeerStatus>>,
    /// The connection failure last logged, so a retry failing the same way is not.
    said_failure: Option<String>,
    received: MessageCounter,
    wake: UnixStream,
    commands: Receiver<Command>,
}

impl PeerTask {
    pub(super) fn new(
        local_as: u32,
        router_id: Ipv4Addr,
        peer: PeerConfig,
        routes: Vec<Route>,
        status: Arc<Mutex<PeerStatus>>,
        wake: UnixStream,
        commands: Receiver<Command>,
    ) -> PeerTask {
        PeerTask {
            local_as,
            router_id,
            peer,
            desired: routes.into_iter().map(|r| (r.prefix, r)).collect(),
            session: None,
            local: None,
            local_gone: false,
            stream: None,
            connecting: None,
            status,
            said_failure: None,
            received: MessageCounter::default(),
            wake,
            commands,
        }
    }

    pub(super) fn run(mut self) {
        let peer = self.peer.address;
        tracing::info!("BGP peer {peer}: starting, we connect to it (active side)");
        loop {
            if !self.take_commands() {
                break;
            }
            if std::mem::take(&mut self.local_gone) {
                tracing::warn!("BGP peer {peer}: our address {:?} is gone", self.local);
                self.close();
                self.session = None;
                self.local = None;
            }
            let now = Instant::now();
            let timeout = match self.session.as_mut() {
                Some(session) => {
                    session.handle_timeout(now);
                    self.carry_out();
                    let session = self.session.as_ref().expect("made above");
                    session
                        .poll_timeout()
                        .map(|t| t.saturating_duration_since(Instant::now()))
                }
                None => {
                    self.make_session();
                    Some(if self.session.is_some() {
                        Duration::ZERO
                    } else {
                        NO_ROUTE_RETRY
                    })
                }
            };
            if let Err(e) = self.wait(timeout) {
                tracing::error!("BGP peer {peer}: cannot wait for events: {e}");
                std::thread::sleep(NO_ROUTE_RETRY);
            }
        }
        tracing::info!("BGP peer {peer}: stopped");
    }

    /// Looks up our address for the peer and makes the session (RFC 4271 §8.1.1 ManualStart).
    fn make_session(&mut self) {
        let local = match connect::local_address(&self.peer) {
            Ok(local) => local,
            Err(e) => {
                self.set_error(format!("no route to the peer: {e}"));
                return;
            }
        };
        let config = self
            .peer
            .session_config(self.local_as, self.router_id, local);
        let mut session = Session::new(config);
        for route in self.desired.values() {
            if let Err(e) = session.announce(route.clone()) {
                tracing::warn!(
                    "BGP peer {}: not announcing {:?} on this session: {e:?}",
                    self.peer.address,
                    route.prefix
                );
            }
        }
        session.handle(Instant::now(), Input::ManualStart);
        self.local = Some(local);
        lock(&self.status).local_address = Some(local);
        self.session = Some(session);
        self.carry_out();
    }

    /// Applies queued commands; false once told to stop.
    fn take_commands(&mut self) -> bool {
        loop {
            match self.commands.try_recv() {
                Ok(Command::Stop) | Err(TryRecvError::Disconnected) => {
                    self.stop();
                    return false;
                }
                Ok(command) => self.apply(command),
                Err(TryRecvError::Empty) => return true,
            }
        }
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::Announce(route) => {
                self.desired.insert(route.prefix, route.clone());
                if let Some(session) = self.session.as_mut() {
                    if let Err(e) = session.announce(route.clone()) {
                        tracing::warn!(
                            "BGP peer {}: not announcing {:?}: {e:?}",
                            self.peer.address,
                            route.prefix
                        );
                    }
                }
            }
            Command::Withdraw(prefix) => {
                self.desired.remove(&prefix);
                if let Some(session) = self.session.as_mut() {
                    session.withdraw(prefix);
                }
            }
            Command::WithdrawAll(reply) => {
                let was_up = self.state() == State::Established;
                let prefixes: Vec<Prefix> = self.desired.keys().copied().collect();
                self.desired.clear();
                if let Some(session) = self.session.as_mut() {
                    for prefix in prefixes {
                        session.withdraw(prefix);
                    }
                }
                self.carry_out();
                // Written to the connection unless the session failed while writing.
                let _ = reply.send(!was_up || self.state() == State::Established);
            }
            Command::Down(why) => {
                let connected = matches!(
                    self.state(),
                    State::OpenSent | State::OpenConfirm | State::Established
                );
                if let (true, Some(session)) = (connected, self.session.as_mut()) {
                    tracing::warn!("BGP peer {}: session reset: {why}", self.peer.address);
                    // RFC 5882 §10.2: BFD down is treated as the connection gone (Event 18).
                    session.handle(Instant::now(), Input::TcpFailed);
                    self.carry_out();
                    self.set_error(format!("reset: {why}"));
                }
            }
            Command::Stop => {}
        }
        self.carry_out();
    }

    /// RFC 4271 §8.2.2 Event 2 ManualStop: a Cease (RFC 4486 §4 administrative shutdown) to
    /// an open session, then close.
    fn stop(&mut self) {
        if let Some(session) = self.session.as_mut() {
            session.handle(Instant::now(), Input::ManualStop);
            self.carry_out();
        }
        self.close();
    }

    fn state(&self) -> State {
        self.session.as_ref().map_or(State::Idle, Session::state)
    }

    /// Carries out the session's actions until it has none left.
    fn carry_out(&mut self) {
        let Some(mut session) = self.session.take() else {
            return;
        };
        while let Some(action) = session.poll_action() {
            match action {
                Action::Connect => self.connect(&mut session),
                Action::Send(bytes) => {
                    if let Err(e) = self.write(&bytes) {
                        tracing::warn!("BGP peer {}: write failed: {e}", self.peer.address);
                        self.close();
                        session.handle(Instant::now(), Input::TcpFailed);
                    }
                }
                Action::Close => self.close(),
                Action::StateChanged { from, to } => self.state_changed(from, to),
                Action::Established(n) => {
                    tracing::info!(
                        "BGP peer {}: session established (hold time {:?}, keepalive {:?}, \
                         peer router id {})",
                        self.peer.address,
                        n.hold_time,
                        n.keepalive,
                        n.peer_id
                    );
                    lock(&self.status).established_count += 1;
                }
                Action::Down { reason, .. } => {
                    let why = describe_down(&reason);
                    tracing::warn!("BGP peer {}: session down: {why}", self.peer.address);
                    self.set_error(why);
                }
                // Routes from the router are not used: a VIP announcer needs none, and the
                // session bounds how many it keeps (max_prefixes).
                Action::Routes { .. } => {}
            }
        }
        let announced = if session.state() == State::Established {
            let families = session.config().families();
            self.desired
                .keys()
                .filter(|p| families.contains(&p.family()))
                .count()
        } else {
            0
        };
        lock(&self.status).routes_announced = announced;
        self.session = Some(session);
    }

    /// RFC 4271 §8.2.2 Connect: starts the TCP handshake; it completes in `wait`.
    fn connect(&mut self, session: &mut Session) {
        self.close();
        let local = self
            .local
            .expect("a session exists only with its local address");
        lock(&self.status).connect_attempts += 1;
        match connect::start(&self.peer, local) {
            Ok((socket, done)) => {
                let timeout =
                    CONNECT_TIMEOUT.min(self.peer.connect_retry.max(Duration::from_millis(100)));
                self.connecting = Some((socket, Instant::now() + timeout));
                if done {
                    self.connected(session);
                }
            }
            Err(e) => self.connect_failed(session, e),
        }
    }

    /// The handshake under way has ended (the socket is writable) or timed out.
    fn connected(&mut self, session: &mut Session) {
        let Some((socket, deadline)) = self.connecting.take() else {
            return;
        };
        let result = if Instant::now() >= deadline && !socket_ready(&socket) {
            Err(io::Error::from(io::ErrorKind::TimedOut))
        } else {
            connect::finish(socket, WRITE_TIMEOUT)
        };
        match result {
            Ok(stream) => {
                tracing::debug!("BGP peer {}: connected", self.peer.address);
                self.received.reset();
                self.stream = Some(stream);
                // RFC 4271 §8.2.2 Event 16/17.
                session.handle(Instant::now(), Input::TcpConnected);
            }
            Err(e) => self.connect_failed(session, e),
        }
    }

    fn connect_failed(&mut self, session: &mut Session, e: io::Error) {
        // The address the routing table gave us earlier is no longer ours: look again (a
        // configured one stays: the operator chose it).
        if e.kind() == io::ErrorKind::AddrNotAvailable && self.peer.local_address.is_none() {
            self.local_gone = true;
        }
        let why = describe_connect_error(&e);
        // Said once while it keeps failing the same way (a retry every connect-retry time).
        if self.said_failure.as_deref() == Some(why.as_str()) {
            tracing::debug!("BGP peer {}: {why} (again)", self.peer.address);
        } else {
            tracing::warn!("BGP peer {}: {why}", self.peer.address);
            self.said_failure = Some(why.clone());
        }
        self.set_error(why);
        // RFC 4271 §8.2.2 Event 18.
        session.handle(Instant::now(), Input::TcpFailed);
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "no connection"));
        };
        stream.write_all(bytes)?;
        lock(&self.status).messages_out += 1;
        Ok(())
    }

    fn close(&mut self) {
        self.connecting = None;
        if let Some(stream) = self.stream.take() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn state_changed(&mut self, from: State, to: State) {
        // Coming up and going down are news; the Connect / Active round of each retry is not.
        if to == State::Established {
            self.said_failure = None;
        }
        if from == State::Established || to == State::Established {
            tracing::info!(
                "BGP peer {}: session state {from:?} -> {to:?}",
                self.peer.address
            );
        } else {
            tracing::debug!(
                "BGP peer {}: session state {from:?} -> {to:?}",
                self.peer.address
            );
        }
        let mut status = lock(&self.status);
        status.state = to;
        status.since = Instant::now();
        status.since_wall = SystemTime::now();
    }

    fn set_error(&self, why: String) {
        lock(&self.status).last_error = Some(why);
    }

    /// Waits for a command, bytes from the peer, the end of a handshake or the timeout, and
    /// handles what came.
    fn wait(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let timeout = match &self.connecting {
            Some((_, deadline)) => {
                let left = deadline.saturating_duration_since(Instant::now());
                Some(timeout.map_or(left, |t| t.min(left)))
            }
            None => timeout,
        };
        let ready = {
            let mut fds = vec![(self.wake.as_fd(), false)];
            if let Some(stream) = &self.stream {
                fds.push((stream.as_fd(), false));
            } else if let Some((socket, _)) = &self.connecting {
                fds.push((socket.as_fd(), true));
            }
            kubegate_sys::wait_any_for(&fds, timeout)?
        };
        if ready.first() == Some(&true) {
            let mut sink = [0u8; 64];
            while matches!((&self.wake).read(&mut sink), Ok(n) if n > 0) {}
        }
        if let Some((_, deadline)) = &self.connecting {
            if ready.get(1) == Some(&true) || Instant::now() >= *deadline {
                if let Some(mut session) = self.session.take() {
                    self.connected(&mut session);
                    self.session = Some(session);
                }
                self.carry_out();
            }
        } else if ready.get(1) == Some(&true) {
            self.read();
        }
        Ok(())
    }

    /// One read from the connection: bytes go to the session, end of file or an error is
    /// RFC 4271 Event 18 (TcpConnectionFails).
    fn read(&mut self) {
        let Some(stream) = self.stream.as_mut() else {
            return;
        };
        let mut buf = [0u8; READ_CHUNK];
        let input = match stream.read(&mut buf) {
            Ok(0) => Input::TcpFailed,
            Ok(n) => {
                self.received.feed(&buf[..n]);
                lock(&self.status).messages_in = self.received.count;
                Input::Bytes(buf[..n].to_vec())
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return,
            Err(e) => {
                tracing::debug!("BGP peer {}: read failed: {e}", self.peer.address);
                Input::TcpFailed
            }
        };
        if input == Input::TcpFailed {
            self.close();
        }
        if let Some(session) = self.session.as_mut() {
            session.handle(Instant::now(), input);
        }
        self.carry_out();
    }
}

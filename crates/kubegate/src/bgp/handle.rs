//! The speaker's side of one peer thread: the commands it takes, the handle that sends them
//! (and wakes the thread), and starting the thread.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use ::bgp::{Prefix, Route};

use super::config::PeerConfig;
use super::peer::PeerTask;
use super::status::{lock, PeerStatus};

pub(crate) enum Command {
    Announce(Route),
    Withdraw(Prefix),
    /// Withdraw every route; answer whether the withdrawals reached the connection (true,
    /// too, when no session was up to send them to).
    WithdrawAll(Sender<bool>),
    /// Something outside BGP (BFD) says the peer is gone: drop the session now.
    Down(String),
    Stop,
}

/// The speaker's handle on one peer thread.
pub(crate) struct PeerHandle {
    pub(crate) address: IpAddr,
    commands: Sender<Command>,
    wake: UnixStream,
    pub(crate) status: Arc<Mutex<PeerStatus>>,
    thread: Option<JoinHandle<()>>,
}

impl PeerHandle {
    pub(crate) fn send(&self, command: Command) {
        if self.commands.send(command).is_ok() {
            // A full wake socket already wakes the thread: a failed write loses nothing.
            let _ = (&self.wake).write(&[1]);
        }
    }

    pub(crate) fn status(&self) -> PeerStatus {
        lock(&self.status).clone()
    }

    /// Stops the session (Cease) and waits for the thread.
    pub(crate) fn stop(&mut self) {
        self.send(Command::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for PeerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts the thread for `peer`, which announces `routes` once Established.
pub(crate) fn spawn(
    local_as: u32,
    router_id: Ipv4Addr,
    peer: PeerConfig,
    routes: Vec<Route>,
) -> io::Result<PeerHandle> {
    let (commands, commands_rx) = mpsc::channel();
    let (wake, wake_rx) = UnixStream::pair()?;
    wake.set_nonblocking(true)?;
    wake_rx.set_nonblocking(true)?;
    let address = peer.address;
    let status = Arc::new(Mutex::new(PeerStatus::new(address)));
    let task = PeerTask::new(
        local_as,
        router_id,
        peer,
        routes,
        Arc::clone(&status),
        wake_rx,
        commands_rx,
    );
    let thread = std::thread::Builder::new()
        .name(format!("bgp-{address}"))
        .spawn(move || task.run())?;
    Ok(PeerHandle {
        address,
        commands,
        wake,
        status,
        thread: Some(thread),
    })
}

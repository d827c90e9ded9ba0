//! What a VIP driver needs from the world, as one trait: the clock and the wait, VRRP
//! datagrams in and out, the VIP address on the interface, announcements (gratuitous ARP /
//! unsolicited NA), resets of connections to an address that leaves, link events and the
//! notify hooks. `sys_io` carries them out on Linux; tests use an in-memory network.

use std::io;
use std::net::IpAddr;
use std::ops::Range;
use std::path::Path;
use std::time::Instant;

use vrrp::State;

/// What became ready while the driver waited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ready {
    /// VRRP datagrams are queued (`recv_advert` until `None`).
    pub adverts: bool,
    /// Link events are queued (`link_news`).
    pub link: bool,
}

/// One received protocol-112 datagram: its VRRP payload is `buf[payload]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL / hop limit it arrived with.
    pub ttl: u8,
    pub payload: Range<usize>,
}

/// The adapters of one VIP. Errors are the driver's to log; none of them ends it except
/// those of `wait` and the first `link_up`.
pub trait VipIo {
    /// The clock every decision is taken on.
    fn now(&self) -> Instant;
    /// Returns when adverts, link events or control messages came, or at `deadline`
    /// (`None`: no deadline). Control messages are read by the driver itself.
    fn wait(&mut self, deadline: Option<Instant>) -> io::Result<Ready>;

    /// The next queued datagram, `None` when there is none.
    fn recv_advert(&mut self, buf: &mut [u8]) -> io::Result<Option<Datagram>>;
    /// Sends one encoded advertisement to `dst` (a peer or the multicast group).
    fn send_advert(&mut self, bytes: &[u8], dst: IpAddr) -> io::Result<()>;

    /// Puts the VIP on the interface, with the keepalived-style label if any.
    fn add_address(
        &mut self,
        address: IpAddr,
        prefix_len: u8,
        label: Option<&str>,
    ) -> io::Result<()>;
    /// Takes the VIP off the interface.
    fn del_address(&mut self, address: IpAddr, prefix_len: u8) -> io::Result<()>;
    /// Resets the TCP connections whose local address is `address`; how many were reset.
    fn reset_connections(&mut self, address: IpAddr) -> io::Result<usize>;
    /// One gratuitous ARP / unsolicited neighbour advertisement per address.
    fn announce(&mut self, addresses: &[IpAddr]) -> io::Result<()>;

    /// Whether the interface is up now.
    fn link_up(&mut self) -> io::Result<bool>;
    /// The interface's latest state from the queued link events, `None` if none was about it.
    fn link_news(&mut self) -> Option<bool>;

    /// Runs the user's notify hook for a state change (never waits for it).
    fn notify(&mut self, program: &Path, instance: &str, state: State, priority: u8);
    /// Runs a per-state program (`notify_master` …) without arguments (never waits for it).
    fn run_program(&mut self, program: &Path);
}

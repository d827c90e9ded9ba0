//! An in-memory segment for VIP drivers on a virtual clock: each node's `SimIo` sends adverts
//! that reach the other nodes one `LATENCY` later (none while either link is down), keeps the
//! addresses on its interface, and every side effect is written to one log with its time.

use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};
use std::io;
use std::net::IpAddr;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use vrrp::{AdvertRepr, State};

use crate::vip::io::{Datagram, Ready, VipIo};
use crate::vip::settings::{MULTICAST_V4, MULTICAST_V6};

/// One-way delay of the segment.
pub const LATENCY: Duration = Duration::from_millis(1);

/// A side effect one node's driver carried out.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    Advert {
        priority: u8,
        to: IpAddr,
    },
    Add(IpAddr),
    Del(IpAddr),
    Reset {
        address: IpAddr,
        reset: usize,
    },
    Announce(IpAddr),
    Notify {
        state: State,
        priority: u8,
    },
    /// A per-state program ran (without arguments: the adapter takes none).
    Program(std::path::PathBuf),
}

/// `what` happened on node `node`, `at` after the start of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub at: Duration,
    pub node: usize,
    pub what: What,
}

struct Packet {
    src: IpAddr,
    dst: IpAddr,
    ttl: u8,
    bytes: Vec<u8>,
}

/// One node's interface as the segment sees it.
pub struct Host {
    pub address: IpAddr,
    pub link_up: bool,
    /// A link change its driver has not read yet.
    link_news: Option<bool>,
    inbox: VecDeque<Packet>,
    pub addresses: BTreeSet<IpAddr>,
    /// TCP connections to the VIP this node serves (reset when the VIP leaves).
    pub connections: usize,
    /// The address list of the last advert this node sent (RFC 5798 §5.2.9).
    pub advertised: Vec<IpAddr>,
}

/// The segment and the virtual clock.
pub struct World {
    pub start: Instant,
    pub now: Instant,
    pub hosts: Vec<Host>,
    in_flight: Vec<(Instant, usize, Packet)>,
    pub log: Vec<Record>,
}

pub type Shared = Rc<RefCell<World>>;

impl World {
    pub fn new(addresses: &[IpAddr]) -> Shared {
        let start = Instant::now();
        let hosts = addresses
            .iter()
            .map(|&address| Host {
                address,
                link_up: true,
                link_news: None,
                inbox: VecDeque::new(),
                addresses: BTreeSet::new(),
                connections: 0,
                advertised: Vec::new(),
            })
            .collect();
        Rc::new(RefCell::new(World {
            start,
            now: start,
            hosts,
            in_flight: Vec::new(),
            log: Vec::new(),
        }))
    }

    fn record(&mut self, node: usize, what: What) {
        let at = self.now - self.start;
        self.log.push(Record { at, node, what });
    }

    /// When the next packet lands.
    pub fn next_delivery(&self) -> Option<Instant> {
        self.in_flight.iter().map(|(at, _, _)| *at).min()
    }

    /// Puts every packet due by now in its receiver's inbox, in the order they were sent.
    pub fn deliver_due(&mut self) {
        let now = self.now;
        let (due, later) = std::mem::take(&mut self.in_flight)
            .into_iter()
            .partition(|(at, _, _)| *at <= now);
        self.in_flight = later;
        for (_, to, packet) in due {
            if self.hosts[to].link_up {
                self.hosts[to].inbox.push_back(packet);
            }
        }
    }

    /// A datagram from outside the cluster (a stranger, a corrupt or mis-set packet) lands in
    /// node `to`'s inbox now.
    pub fn inject(&mut self, to: usize, src: IpAddr, dst: IpAddr, ttl: u8, bytes: Vec<u8>) {
        let packet = Packet {
            src,
            dst,
            ttl,
            bytes,
        };
        self.hosts[to].inbox.push_back(packet);
    }

    /// Whether node `i` has anything its driver has not read.
    pub fn pending(&self, i: usize) -> bool {
        !self.hosts[i].inbox.is_empty() || self.hosts[i].link_news.is_some()
    }

    /// The carrier of node `i` goes up or down now (its queued packets are lost when down).
    pub fn set_link(&mut self, i: usize, up: bool) {
        let host = &mut self.hosts[i];
        host.link_up = up;
        host.link_news = Some(up);
        if !up {
            host.inbox.clear();
        }
    }
}

/// The adapter of node `me` on the segment.
pub struct SimIo {
    pub world: Shared,
    pub me: usize,
}

impl VipIo for SimIo {
    fn now(&self) -> Instant {
        self.world.borrow().now
    }

    /// Never blocks: the cluster has already moved the clock to the next event.
    fn wait(&mut self, _deadline: Option<Instant>) -> io::Result<Ready> {
        let w = self.world.borrow();
        let host = &w.hosts[self.me];
        Ok(Ready {
            adverts: !host.inbox.is_empty(),
            link: host.link_news.is_some(),
        })
    }

    fn recv_advert(&mut self, buf: &mut [u8]) -> io::Result<Option<Datagram>> {
        let mut w = self.world.borrow_mut();
        Ok(w.hosts[self.me].inbox.pop_front().map(|p| {
            buf[..p.bytes.len()].copy_from_slice(&p.bytes);
            Datagram {
                src: p.src,
                dst: p.dst,
                ttl: p.ttl,
                payload: 0..p.bytes.len(),
            }
        }))
    }

    fn send_advert(&mut self, bytes: &[u8], dst: IpAddr) -> io::Result<()> {
        let mut w = self.world.borrow_mut();
        let src = w.hosts[self.me].address;
        let (advert, _) = AdvertRepr::parse(bytes, src, dst)
            .map_err(|e| io::Error::other(format!("the driver sent a bad advert: {e:?}")))?;
        w.record(
            self.me,
            What::Advert {
                priority: advert.priority,
                to: dst,
            },
        );
        w.hosts[self.me].advertised = advert.addresses.clone();
        if !w.hosts[self.me].link_up {
            return Ok(());
        }
        let at = w.now + LATENCY;
        let multicast = dst == MULTICAST_V4 || dst == MULTICAST_V6;
        let receivers: Vec<usize> = (0..w.hosts.len())
            .filter(|&j| j != self.me && (multicast || w.hosts[j].address == dst))
            .collect();
        for to in receivers {
            let bytes = bytes.to_vec();
            let packet = Packet {
                src,
                dst,
                ttl: 255,
                bytes,
            };
            w.in_flight.push((at, to, packet));
        }
        Ok(())
    }

    fn add_address(&mut self, address: IpAddr, _: u8, _: Option<&str>) -> io::Result<()> {
        let mut w = self.world.borrow_mut();
        w.hosts[self.me].addresses.insert(address);
        w.record(self.me, What::Add(address));
        Ok(())
    }

    fn del_address(&mut self, address: IpAddr, _: u8) -> io::Result<()> {
        let mut w = self.world.borrow_mut();
        w.hosts[self.me].addresses.remove(&address);
        w.record(self.me, What::Del(address));
        Ok(())
    }

    fn reset_connections(&mut self, address: IpAddr) -> io::Result<usize> {
        let mut w = self.world.borrow_mut();
        let host = &mut w.hosts[self.me];
        let reset = if host.addresses.contains(&address) {
            std::mem::take(&mut host.connections)
        } else {
            0
        };
        w.record(self.me, What::Reset { address, reset });
        Ok(reset)
    }

    fn announce(&mut self, addresses: &[IpAddr]) -> io::Result<()> {
        let mut w = self.world.borrow_mut();
        for &a in addresses {
            w.record(self.me, What::Announce(a));
        }
        Ok(())
    }

    fn link_up(&mut self) -> io::Result<bool> {
        Ok(self.world.borrow().hosts[self.me].link_up)
    }

    fn link_news(&mut self) -> Option<bool> {
        self.world.borrow_mut().hosts[self.me].link_news.take()
    }

    fn notify(&mut self, _: &Path, _: &str, state: State, priority: u8) {
        self.world
            .borrow_mut()
            .record(self.me, What::Notify { state, priority });
    }

    fn run_program(&mut self, program: &Path) {
        self.world
            .borrow_mut()
            .record(self.me, What::Program(program.to_path_buf()));
    }
}

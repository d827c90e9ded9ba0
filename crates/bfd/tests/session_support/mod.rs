//! A virtual link for session tests: two `Session`s joined by a wire with a fixed latency, a
//! virtual clock, every sent packet emitted to bytes and parsed back on delivery (so the codec
//! is on the path), knobs to cut either direction or silence a node, and a log of every
//! action with its instant.
#![allow(dead_code)] // each test crate uses a different part of the harness

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use bfd::{Action, Config, ControlRepr, Diagnostic, Discard, Hops, Input, Session, State};

pub const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// `198.18.0.host`: a test host on the benchmarking range.
pub fn addr(host: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 18, 0, host))
}

/// Single hop, 100 ms / 100 ms / x3, no authentication, for a session to `peer`.
pub fn config(local_discr: u32, peer: u8) -> Config {
    Config {
        local_discr,
        peer: addr(peer),
        hops: Hops::Single,
        desired_min_tx: ms(100),
        required_min_rx: ms(100),
        detect_mult: 3,
        auth: None,
    }
}

/// Drain every pending action.
pub fn drain(session: &mut Session) -> Vec<Action> {
    std::iter::from_fn(|| session.poll_action()).collect()
}

pub struct Node {
    pub session: Session,
    pub address: IpAddr,
    /// Every action with its instant, relative to the link's start.
    pub log: Vec<(Duration, Action)>,
    /// Every packet delivered to this node, with the instant.
    pub received: Vec<(Duration, ControlRepr)>,
    /// Why received packets were discarded, with the instant.
    pub discards: Vec<(Duration, Discard)>,
    /// A silenced node neither runs its timers nor receives (a crash).
    pub alive: bool,
}

impl Node {
    /// (instant, from, to, diag) of every state change.
    pub fn changes(&self) -> Vec<(Duration, State, State, Diagnostic)> {
        self.log
            .iter()
            .filter_map(|(t, a)| match a {
                Action::StateChanged { from, to, diag } => Some((*t, *from, *to, *diag)),
                Action::Send(_) => None,
            })
            .collect()
    }

    /// (instant, packet) of every packet sent.
    pub fn sent(&self) -> Vec<(Duration, ControlRepr)> {
        self.log
            .iter()
            .filter_map(|(t, a)| match a {
                Action::Send(p) => Some((*t, *p)),
                Action::StateChanged { .. } => None,
            })
            .collect()
    }

    pub fn sent_between(&self, from: Duration, to: Duration) -> Vec<(Duration, ControlRepr)> {
        self.sent()
            .into_iter()
            .filter(|(t, _)| *t >= from && *t < to)
            .collect()
    }

    pub fn state(&self) -> State {
        self.session.state()
    }
}

pub struct Link {
    pub t0: Instant,
    pub now: Instant,
    pub nodes: [Node; 2],
    pub latency: Duration,
    /// `up[i]`: packets from node i reach the other node.
    pub up: [bool; 2],
    /// TTL every delivered packet carries.
    pub ttl: u8,
    in_flight: VecDeque<(Instant, usize, Vec<u8>)>,
}

impl Link {
    /// Node 0 is 198.18.0.1 (discriminator 0x11), node 1 is 198.18.0.2 (0x22), both started
    /// at t0 with the given configs' other fields.
    pub fn new(a: Config, b: Config, latency: Duration) -> Link {
        let t0 = Instant::now();
        let node = |cfg: Config, host: u8, seed: u64| Node {
            session: Session::new(t0, cfg, seed),
            address: addr(host),
            log: Vec::new(),
            received: Vec::new(),
            discards: Vec::new(),
            alive: true,
        };
        Link {
            t0,
            now: t0,
            nodes: [node(a, 1, 1), node(b, 2, 2)],
            latency,
            up: [true, true],
            ttl: 255,
            in_flight: VecDeque::new(),
        }
    }

    /// The default pair: 100 ms / 100 ms / x3 both ways, 1 ms latency.
    pub fn pair() -> Link {
        Link::new(config(0x11, 2), config(0x22, 1), ms(1))
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    fn collect(&mut self, i: usize) {
        let at = self.elapsed();
        for action in drain(&mut self.nodes[i].session) {
            if let Action::Send(p) = &action {
                if self.up[i] && self.nodes[i].alive {
                    let bytes = p.to_bytes().expect("a session sends only valid packets");
                    self.in_flight
                        .push_back((self.now + self.latency, i, bytes));
                }
            }
            self.nodes[i].log.push((at, action));
        }
    }

    /// Feed an input to node `i` now.
    pub fn input(&mut self, i: usize, input: Input) -> Result<(), Discard> {
        let result = self.nodes[i].session.handle(self.now, input);
        self.collect(i);
        result
    }

    /// Run every event up to and including `until` (relative to t0).
    pub fn run_until(&mut self, until: Duration) {
        let end = self.t0 + until;
        loop {
            let timers = (0..2)
                .filter(|&i| self.nodes[i].alive)
                .filter_map(|i| self.nodes[i].session.poll_timeout().map(|t| (t, Some(i))));
            let delivery = self.in_flight.front().map(|(t, _, _)| (*t, None));
            let Some((at, who)) = timers.chain(delivery).min_by_key(|(t, _)| *t) else {
                break;
            };
            if at > end {
                break;
            }
            self.now = self.now.max(at);
            match who {
                Some(i) => {
                    self.nodes[i].session.handle_timeout(self.now);
                    self.collect(i);
                }
                None => {
                    let (_, from, bytes) = self.in_flight.pop_front().expect("front");
                    let to = 1 - from;
                    if !self.nodes[to].alive {
                        continue;
                    }
                    let packet = ControlRepr::parse(&bytes).expect("valid on the wire");
                    let at = self.elapsed();
                    self.nodes[to].received.push((at, packet));
                    let input = Input::Packet {
                        from: self.nodes[from].address,
                        ttl: self.ttl,
                        packet,
                    };
                    if let Err(d) = self.input(to, input) {
                        let at = self.elapsed();
                        self.nodes[to].discards.push((at, d));
                    }
                }
            }
        }
        self.now = self.now.max(end);
    }

    /// Run for `d` more.
    pub fn run_for(&mut self, d: Duration) {
        let until = self.elapsed() + d;
        self.run_until(until);
    }

    /// Instant (relative to t0) of the last packet delivered to node `i`.
    pub fn last_received(&self, i: usize) -> Option<Duration> {
        self.nodes[i].received.last().map(|(t, _)| *t)
    }
}

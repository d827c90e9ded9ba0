//! Two sessions wired back to back on a virtual clock: `Connect` opens the one TCP
//! connection if the other side listens, `Send` delivers bytes, `Close` is seen by the other
//! side as the connection failing; a cut link drops bytes and closes silently.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use bgp::session::{Action, Config, Input, Session, State};
use bgp::wire::{Message, Prefix};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
}

pub struct Pair {
    pub start: Instant,
    pub now: Instant,
    pub a: Session,
    pub b: Session,
    /// Every action either side produced, with the time.
    pub log: Vec<(Duration, Side, Action)>,
    pub link_up: bool,
    connected: bool,
    queue: VecDeque<(Side, Input)>,
}

pub const A_ID: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
pub const B_ID: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);

/// An eBGP pair: A is AS 64512 (the kubegate node), B is AS 64500 (the router).
pub fn ebgp() -> (Config, Config) {
    let mut a = Config::new(64512, 64500, A_ID);
    let mut b = Config::new(64500, 64512, B_ID);
    for c in [&mut a, &mut b] {
        c.hold_time = 9;
        c.connect_retry = Duration::from_secs(5);
        c.ipv6_unicast = true;
    }
    a.next_hop_v6 = Some("2001:db8::1".parse().unwrap());
    b.next_hop_v6 = Some("2001:db8::2".parse().unwrap());
    b.passive = true;
    (a, b)
}

impl Pair {
    pub fn new(a: Config, b: Config) -> Pair {
        let start = Instant::now();
        Pair {
            start,
            now: start,
            a: Session::new(a),
            b: Session::new(b),
            log: Vec::new(),
            link_up: true,
            connected: false,
            queue: VecDeque::new(),
        }
    }

    /// Both started and run until both are Established (or a minute passed).
    pub fn established(a: Config, b: Config) -> Pair {
        let mut p = Pair::new(a, b);
        p.input(Side::B, Input::ManualStart);
        p.input(Side::A, Input::ManualStart);
        assert!(
            p.run_until(Duration::from_secs(60), |p| p.both(State::Established)),
            "not established: {:?} {:?}",
            p.a.state(),
            p.b.state()
        );
        p
    }

    pub fn session(&mut self, side: Side) -> &mut Session {
        match side {
            Side::A => &mut self.a,
            Side::B => &mut self.b,
        }
    }

    pub fn both(&self, state: State) -> bool {
        self.a.state() == state && self.b.state() == state
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    pub fn input(&mut self, side: Side, input: Input) {
        self.queue.push_back((side, input));
        self.pump();
    }

    /// Delivers queued inputs and the actions they cause until nothing moves.
    pub fn pump(&mut self) {
        loop {
            if let Some((side, input)) = self.queue.pop_front() {
                let now = self.now;
                self.session(side).handle(now, input);
            }
            let mut moved = false;
            for side in [Side::A, Side::B] {
                while let Some(action) = self.session(side).poll_action() {
                    moved = true;
                    self.route(side, action);
                }
            }
            if !moved && self.queue.is_empty() {
                return;
            }
        }
    }

    fn listening(&self, side: Side) -> bool {
        let s = match side {
            Side::A => &self.a,
            Side::B => &self.b,
        };
        matches!(s.state(), State::Active | State::Connect)
    }

    fn route(&mut self, side: Side, action: Action) {
        self.log.push((self.elapsed(), side, action.clone()));
        match action {
            Action::Connect => {
                if self.connected {
                    return;
                }
                if self.link_up && self.listening(side.other()) {
                    self.connected = true;
                    self.queue.push_back((side, Input::TcpConnected));
                    self.queue.push_back((side.other(), Input::TcpConnected));
                } else {
                    self.queue.push_back((side, Input::TcpFailed));
                }
            }
            Action::Send(bytes) if self.connected && self.link_up => {
                self.queue.push_back((side.other(), Input::Bytes(bytes)));
            }
            Action::Close if self.connected => {
                self.connected = false;
                if self.link_up {
                    self.queue.push_back((side.other(), Input::TcpFailed));
                }
            }
            _ => {}
        }
    }

    /// Advances the virtual clock from deadline to deadline for `d`.
    pub fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        self.run_until_time(end, |_| false);
    }

    /// Runs until `done` holds (checked after every step) or `limit` passed; true if done.
    pub fn run_until(&mut self, limit: Duration, done: impl Fn(&Pair) -> bool) -> bool {
        let end = self.now + limit;
        self.run_until_time(end, done)
    }

    fn run_until_time(&mut self, end: Instant, done: impl Fn(&Pair) -> bool) -> bool {
        self.pump();
        loop {
            if done(self) {
                return true;
            }
            let next = [self.a.poll_timeout(), self.b.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    let now = self.now;
                    self.a.handle_timeout(now);
                    self.b.handle_timeout(now);
                    self.pump();
                }
                _ => {
                    self.now = end;
                    return done(self);
                }
            }
        }
    }

    /// Messages `side` sent, parsed, since log index `from`.
    pub fn sent(&self, side: Side, from: usize) -> Vec<Message> {
        self.log[from..]
            .iter()
            .filter(|(_, s, _)| *s == side)
            .filter_map(|(_, _, a)| match a {
                Action::Send(b) => Some(Message::parse(b).expect("we send valid messages").0),
                _ => None,
            })
            .collect()
    }

    /// Prefixes announced to and withdrawn from `side`'s driver since log index `from`.
    pub fn routes(&self, side: Side, from: usize) -> (Vec<Prefix>, Vec<Prefix>) {
        let mut ann = Vec::new();
        let mut wd = Vec::new();
        for (_, s, a) in &self.log[from..] {
            if let (
                true,
                Action::Routes {
                    announced,
                    withdrawn,
                },
            ) = (*s == side, a)
            {
                ann.extend(announced.iter().map(|r| r.prefix));
                wd.extend(withdrawn.iter().copied());
            }
        }
        (ann, wd)
    }

    /// The actions of `side` since `from` that match `f`.
    pub fn actions(&self, side: Side, from: usize) -> Vec<Action> {
        self.log[from..]
            .iter()
            .filter(|(_, s, _)| *s == side)
            .map(|(_, _, a)| a.clone())
            .collect()
    }
}

pub fn prefix(s: &str) -> Prefix {
    let (a, l) = s.split_once('/').unwrap();
    Prefix::new(a.parse().unwrap(), l.parse().unwrap()).unwrap()
}

/// One session driven by hand: the test plays the peer with crafted messages.
pub struct Solo {
    pub s: Session,
    pub start: Instant,
    pub now: Instant,
}

impl Solo {
    pub fn new(config: Config) -> Solo {
        let start = Instant::now();
        Solo {
            s: Session::new(config),
            start,
            now: start,
        }
    }

    fn drain(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.s.poll_action()).collect()
    }

    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        self.s.handle(self.now, input);
        self.drain()
    }

    pub fn feed(&mut self, message: &Message) -> Vec<Action> {
        self.feed_ctx(message, bgp::wire::Ctx::FOUR_OCTET_AS)
    }

    pub fn feed_ctx(&mut self, message: &Message, ctx: bgp::wire::Ctx) -> Vec<Action> {
        let bytes = message.to_bytes(ctx).expect("test message encodes");
        self.handle(Input::Bytes(bytes))
    }

    /// Moves the clock forward by `d`, firing every deadline on the way.
    pub fn advance(&mut self, d: Duration) -> Vec<Action> {
        let end = self.now + d;
        let mut out = Vec::new();
        while let Some(t) = self.s.poll_timeout().filter(|t| *t <= end) {
            self.now = self.now.max(t);
            self.s.handle_timeout(self.now);
            out.extend(self.drain());
        }
        self.now = end;
        out
    }

    /// Like `advance`, with the peer sending a KEEPALIVE every second so the hold timer
    /// never expires.
    pub fn advance_alive(&mut self, d: Duration) -> Vec<Action> {
        let mut out = Vec::new();
        let mut left = d;
        while !left.is_zero() {
            let step = left.min(Duration::from_secs(1));
            out.extend(self.advance(step));
            if self.s.state() == State::Established {
                out.extend(self.feed(&Message::Keepalive));
            }
            left -= step;
        }
        out
    }

    /// ManualStart and an accepted connection: OpenSent, our OPEN sent.
    pub fn open_sent(&mut self) -> Vec<Action> {
        let mut out = self.handle(Input::ManualStart);
        out.extend(self.handle(Input::TcpConnected));
        assert_eq!(self.s.state(), State::OpenSent);
        out
    }

    /// From Idle (or Active) to Established with the peer's `open`.
    pub fn establish(&mut self, open: bgp::wire::Open) -> Vec<Action> {
        let mut out = Vec::new();
        if self.s.state() == State::Idle {
            out.extend(self.handle(Input::ManualStart));
        }
        out.extend(self.handle(Input::TcpConnected));
        out.extend(self.feed(&Message::Open(open)));
        assert_eq!(self.s.state(), State::OpenConfirm, "{out:?}");
        out.extend(self.feed(&Message::Keepalive));
        assert_eq!(self.s.state(), State::Established);
        out
    }
}

/// The messages among `actions`.
pub fn sent(actions: &[Action]) -> Vec<Message> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send(b) => Some(Message::parse(b).expect("we send valid messages").0),
            _ => None,
        })
        .collect()
}

/// The (code, subcode, data) of the NOTIFICATION among `actions`, if any.
pub fn notification(actions: &[Action]) -> Option<(u8, u8, Vec<u8>)> {
    sent(actions).into_iter().find_map(|m| match m {
        Message::Notification(n) => Some((n.code.to_u8(), n.subcode, n.data)),
        _ => None,
    })
}

/// A router's OPEN: AS `asn`, both unicast families, route refresh, 4-octet AS.
pub fn peer_open(asn: u32, id: Ipv4Addr, hold: u16) -> bgp::wire::Open {
    use bgp::wire::{AfiSafi, Capability};
    bgp::wire::Open {
        my_as: u16::try_from(asn).unwrap_or(bgp::wire::AS_TRANS),
        hold_time: hold,
        bgp_id: id,
        capabilities: vec![
            Capability::Multiprotocol(AfiSafi { afi: 1, safi: 1 }),
            Capability::Multiprotocol(AfiSafi { afi: 2, safi: 1 }),
            Capability::RouteRefresh,
            Capability::FourOctetAs(asn),
        ],
    }
}

/// A node's config facing the router of `peer_open(64500, B_ID, _)`.
pub fn node_config() -> Config {
    let (a, _) = ebgp();
    a
}

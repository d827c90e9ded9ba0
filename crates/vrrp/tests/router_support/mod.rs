//! A virtual network for router scenario tests: several `Router`s on one simulated segment,
//! a virtual clock, zero-latency delivery of every `SendAdvert` to the other routers, and
//! knobs for crashes, cables, partitions and loss. Every action is logged with its instant.
#![allow(dead_code)] // each test crate uses a different part of the harness

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use vrrp::router::timers;
use vrrp::{Action, AdvertRepr, Auth, Config, Input, Reason, Router, State, Version};

pub const VRID: u8 = 51;

/// `198.18.0.host`: a test host on the benchmarking range.
pub fn addr(host: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 18, 0, host))
}

pub fn vip() -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 18, 1, 1))
}

pub const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub const fn ns(n: u64) -> Duration {
    Duration::from_nanos(n)
}

/// Version 3, multicast, 100 ms adverts, preempt on, no announce repeat.
pub fn v3(priority: u8, host: u8) -> Config {
    Config {
        version: Version::V3,
        vrid: VRID,
        priority,
        interval_cs: 10,
        preempt: true,
        step_aside_below: None,
        preempt_delay: Duration::ZERO,
        primary_address: addr(host),
        vips: vec![vip()],
        auth: Auth::None,
        unicast_peers: None,
        multicast_sources: None,
        announce_repeat_after: None,
        handover_timeout: Duration::from_secs(3),
        handover_linger: Duration::ZERO,
        handover_offer: Duration::ZERO,
    }
}

/// Version 2, multicast, 1 s adverts, `auth_type PASS` "secret".
pub fn v2(priority: u8, host: u8) -> Config {
    Config {
        version: Version::V2,
        interval_cs: 100,
        auth: Auth::Pass(*b"secret\0\0"),
        ..v3(priority, host)
    }
}

/// Master_Down_Interval for a config's own interval and priority.
pub fn down(cfg: &Config) -> Duration {
    timers::master_down_interval(cfg.version, cfg.priority, cfg.interval_cs)
}

/// The advertisement a router with `cfg` sends at `priority`.
pub fn advert_of(cfg: &Config, priority: u8) -> AdvertRepr {
    AdvertRepr {
        version: cfg.version,
        vrid: cfg.vrid,
        priority,
        interval_cs: cfg.interval_cs,
        addresses: cfg.vips.clone(),
        auth: cfg.auth,
    }
}

pub fn changed(from: State, to: State, why: Reason) -> Action {
    Action::StateChanged { from, to, why }
}

/// The actions of becoming master, in the order the router emits them.
pub fn becoming_master(cfg: &Config, from: State, why: Reason) -> Vec<Action> {
    vec![
        changed(from, State::Master, why),
        Action::SendAdvert(advert_of(cfg, cfg.priority)),
        Action::AddVips,
        Action::Announce,
    ]
}

/// Drain every pending action.
pub fn drain(router: &mut Router) -> Vec<Action> {
    std::iter::from_fn(|| router.poll_action()).collect()
}

type LossFn = Box<dyn FnMut(usize, usize, &AdvertRepr) -> bool>;

pub struct Node {
    pub config: Config,
    pub router: Router,
    /// Every action with its instant, relative to the network's start.
    pub log: Vec<(Duration, Action)>,
    alive: bool,
    cabled: bool,
    group: u32,
}

pub struct Net {
    t0: Instant,
    now: Instant,
    pub nodes: Vec<Node>,
    /// TTL every delivered advert carries.
    pub ttl: u8,
    /// `true` = drop this advert from node `from` to node `to`.
    loss: Option<LossFn>,
    pub delivered: u64,
}

impl Net {
    pub fn new(configs: Vec<Config>) -> Net {
        let t0 = Instant::now();
        let nodes = configs
            .into_iter()
            .map(|config| Node {
                router: Router::new(config.clone()),
                config,
                log: Vec::new(),
                alive: true,
                cabled: true,
                group: 0,
            })
            .collect();
        Net {
            t0,
            now: t0,
            nodes,
            ttl: 255,
            loss: None,
            delivered: 0,
        }
    }

    /// Build the network and send `Startup` to every node, in order, at time zero.
    pub fn started(configs: Vec<Config>) -> Net {
        let mut net = Net::new(configs);
        for i in 0..net.nodes.len() {
            net.input(i, Input::Startup);
        }
        net
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    pub fn router(&self, i: usize) -> &Router {
        &self.nodes[i].router
    }

    pub fn state(&self, i: usize) -> State {
        self.nodes[i].router.state()
    }

    /// Deliver an input to node `i` now and let the network settle.
    pub fn input(&mut self, i: usize, input: Input) {
        self.nodes[i].router.handle(self.now, input);
        self.pump();
    }

    /// Run the virtual clock to `t` after the start, firing every timer on the way.
    pub fn run_until(&mut self, t: Duration) {
        let until = self.t0 + t;
        assert!(until >= self.now, "time runs forward only");
        while let Some(next) = self.next_timeout().filter(|next| *next <= until) {
            self.now = next;
            // Every node due at this instant fires before any delivery: simultaneous events
            // stay simultaneous (two backups timing out together both become master).
            for node in self.nodes.iter_mut().filter(|n| n.alive) {
                if node.router.poll_timeout().is_some_and(|at| at <= next) {
                    node.router.handle_timeout(next);
                }
            }
            self.pump();
        }
        self.now = until;
    }

    pub fn run_for(&mut self, d: Duration) {
        self.run_until(self.elapsed() + d);
    }

    fn next_timeout(&self) -> Option<Instant> {
        self.nodes
            .iter()
            .filter(|n| n.alive)
            .filter_map(|n| n.router.poll_timeout())
            .min()
    }

    /// Drain all nodes' actions, log them, deliver adverts; repeat until quiet.
    fn pump(&mut self) {
        let at = self.elapsed();
        loop {
            let mut sent = Vec::new();
            for (i, node) in self.nodes.iter_mut().enumerate() {
                while let Some(action) = node.router.poll_action() {
                    if let Action::SendAdvert(advert) = &action {
                        sent.push((i, advert.clone()));
                    }
                    node.log.push((at, action));
                }
            }
            if sent.is_empty() {
                return;
            }
            for (from, advert) in sent {
                for to in 0..self.nodes.len() {
                    if to == from || !self.connected(from, to) {
                        continue;
                    }
                    if let Some(loss) = self.loss.as_mut() {
                        if loss(from, to, &advert) {
                            continue;
                        }
                    }
                    self.delivered += 1;
                    let input = Input::Advert {
                        from: self.nodes[from].config.primary_address,
                        ttl: self.ttl,
                        advert: advert.clone(),
                    };
                    self.nodes[to].router.handle(self.now, input);
                }
            }
        }
    }

    fn connected(&self, a: usize, b: usize) -> bool {
        let (a, b) = (&self.nodes[a], &self.nodes[b]);
        a.alive && b.alive && a.cabled && b.cabled && a.group == b.group
    }

    /// The node dies silently: no more timers, nothing sent or received.
    pub fn crash(&mut self, i: usize) {
        self.nodes[i].alive = false;
    }

    /// A fresh router process with the node's config, started now.
    pub fn restart(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        node.router = Router::new(node.config.clone());
        node.alive = true;
        self.input(i, Input::Startup);
    }

    /// Pull the node's cable: it is cut off and told `LinkDown`.
    pub fn unplug(&mut self, i: usize) {
        self.nodes[i].cabled = false;
        self.input(i, Input::LinkDown);
    }

    pub fn plug(&mut self, i: usize) {
        self.nodes[i].cabled = true;
        self.input(i, Input::LinkUp);
    }

    /// Put node `i` in partition `group`; only nodes of the same group hear each other.
    pub fn set_group(&mut self, i: usize, group: u32) {
        self.nodes[i].group = group;
    }

    pub fn heal(&mut self) {
        for node in &mut self.nodes {
            node.group = 0;
        }
    }

    pub fn set_loss(&mut self, loss: impl FnMut(usize, usize, &AdvertRepr) -> bool + 'static) {
        self.loss = Some(Box::new(loss));
    }

    /// Indexes of the live nodes in Master.
    pub fn masters(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|i| self.nodes[*i].alive && self.state(*i) == State::Master)
            .collect()
    }

    /// The actions node `i` emitted at exactly `t`.
    pub fn actions_at(&self, i: usize, t: Duration) -> Vec<Action> {
        self.nodes[i]
            .log
            .iter()
            .filter(|(at, _)| *at == t)
            .map(|(_, a)| a.clone())
            .collect()
    }

    /// Node `i`'s state changes with their instants.
    pub fn transitions(&self, i: usize) -> Vec<(Duration, State, State, Reason)> {
        self.nodes[i]
            .log
            .iter()
            .filter_map(|(at, a)| match a {
                Action::StateChanged { from, to, why } => Some((*at, *from, *to, why.clone())),
                _ => None,
            })
            .collect()
    }

    /// Node `i`'s log entries after `t` (exclusive).
    pub fn log_after(&self, i: usize, t: Duration) -> Vec<(Duration, Action)> {
        self.nodes[i]
            .log
            .iter()
            .filter(|(at, _)| *at > t)
            .cloned()
            .collect()
    }
}

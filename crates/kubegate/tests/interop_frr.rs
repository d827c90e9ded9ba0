//! kubegate and FRR 8.4's vrrpd (a second independent VRRP implementation) as a mixed pair:
//! VRRPv3 multicast at 100 ms (vrrpd speaks multicast only), either one preferred. Exactly
//! one master is elected, nobody else holds the VIP while it is steady, the master's SIGTERM
//! (vrrpd sends priority 0; kubegate hands over) moves the VIP within a bound derived from the
//! timers, the restarted master preempts, and a client reaches the service after every move.

mod interop_support;

use std::io;
use std::time::Duration;

use interop_support::{
    assert_reaches, assert_steady, lab_lock, print_table, wait_alone, wait_holding, Foreign, Pair,
    Timers, FOREIGN, HIGH, KUBEGATE, LOW, POLL_SLACK, VIP, VRID,
};
use kubegate_lab::frr::{require_frr, FrrNode, FrrPeer};
use kubegate_lab::Cluster;

const INTERVAL: Duration = Duration::from_millis(100);

fn cluster_yaml(kubegate_high: bool, kubegate_interval: Duration) -> String {
    let (kg, frr) = if kubegate_high {
        (HIGH, LOW)
    } else {
        (LOW, HIGH)
    };
    format!(
        "nodes:
  - {{ name: {KUBEGATE}, address: 198.18.0.11 }}
  - {{ name: {FOREIGN}, address: 198.18.0.12 }}
vips:
  - name: api
    address: {VIP}/24
    vrrp:
      vrid: {VRID}
      version: 3
      advert_interval: {}ms
      transport: multicast
      preempt: true
      priority: {{ {KUBEGATE}: {kg}, {FOREIGN}: {frr} }}
",
        kubegate_interval.as_millis()
    )
}

/// FRR on the foreign node: zebra started once, vrrpd as the node's daemon.
struct Frr {
    peer: FrrPeer,
    node: Option<FrrNode>,
}

impl Foreign for Frr {
    fn start(&mut self, c: &mut Cluster) -> io::Result<()> {
        if self.node.is_none() {
            self.node = Some(c.start_frr_zebra(FOREIGN, &self.peer)?);
        }
        c.start_vrrpd(self.node.as_ref().expect("just set"))
    }

    fn holders(&self, c: &Cluster) -> io::Result<Vec<String>> {
        match &self.node {
            Some(frr) => c.holders_with_frr(frr),
            None => c.holders(VIP),
        }
    }
}

fn frr_peer(kubegate_high: bool) -> FrrPeer {
    FrrPeer {
        vrid: VRID,
        priority: if kubegate_high { LOW } else { HIGH },
        advert_interval: INTERVAL,
        preempt: true,
        vip: VIP,
        prefix_len: 24,
        interface: "eth0".into(),
    }
}

fn new_cluster(kubegate_high: bool, kubegate_interval: Duration) -> Cluster {
    Cluster::new(
        env!("CARGO_BIN_EXE_kubegate").as_ref(),
        2,
        &cluster_yaml(kubegate_high, kubegate_interval),
    )
    .unwrap_or_else(|e| panic!("cannot build the lab: {e}"))
}

#[test]
fn v3_multicast_100ms_with_frr_vrrpd_both_directions() {
    require_frr().unwrap_or_else(|e| panic!("{e}"));
    let _lab = lab_lock();
    let mut rows = Vec::new();
    for kubegate_high in [true, false] {
        let mut cluster = new_cluster(kubegate_high, INTERVAL);
        let mut frr = Frr {
            peer: frr_peer(kubegate_high),
            node: None,
        };
        let pair = Pair {
            name: format!(
                "v3 multicast 100ms {} high",
                if kubegate_high { "kubegate" } else { "FRR" }
            ),
            timers: Timers { interval: INTERVAL },
            kubegate_high,
            foreign: &mut frr,
            steady: Duration::from_secs(2),
        };
        rows.extend(pair.run(&mut cluster));
    }
    print_table("kubegate + FRR 8.4 vrrpd", &rows);
}

/// kubegate is configured with 1 s adverts, FRR (preferred) with 100 ms. A VRRPv3 backup
/// learns the master's interval from its adverts (RFC 5798 §6.4.2), so when vrrpd dies
/// without a word (SIGKILL: no priority 0) kubegate takes over after
/// Master_Down_Interval = 3 × 100 ms + Skew_Time(100) ≈ 361 ms, not the 3.6 s of its own
/// interval. The restarted vrrpd preempts after its own Master_Down_Interval (100 ms adverts):
/// kubegate's adverts have a lower priority, so vrrpd discards them and learns nothing from
/// them (RFC 5798 §6.4.2).
#[test]
fn kubegate_learns_frr_interval_and_takes_over_from_a_killed_vrrpd() {
    require_frr().unwrap_or_else(|e| panic!("{e}"));
    let _lab = lab_lock();
    let own = Timers {
        interval: Duration::from_secs(1),
    };
    let learned = Timers { interval: INTERVAL };
    let mut cluster = new_cluster(false, own.interval);
    let mut frr = Frr {
        peer: frr_peer(false),
        node: None,
    };
    let holders = |c: &Cluster, f: &Frr| f.holders(c).expect("reading the VIP's holders");
    frr.start(&mut cluster).expect("starting FRR");
    cluster.start(KUBEGATE).expect("starting kubegate");
    let h = |c: &Cluster| frr.holders(c);
    wait_alone(&cluster, &h, FOREIGN, learned.election_bound());
    assert_steady(&cluster, &h, FOREIGN, Duration::from_secs(1));
    assert_reaches(&cluster, FOREIGN);

    let bound = learned.master_down(LOW) + POLL_SLACK;
    cluster.signal(FOREIGN, "KILL").expect("SIGKILL to vrrpd");
    let took = wait_holding(&cluster, &h, KUBEGATE, bound);
    assert!(
        took < own.master_down(LOW),
        "kubegate waited {took:?}: it did not learn FRR's 100 ms interval"
    );
    cluster
        .wait_exit(FOREIGN, Duration::from_secs(2))
        .expect("vrrpd is gone");
    // FRR leaves its macvlan up with the VIP when vrrpd dies without a word (nothing lifts
    // protodown on its behalf), so `holders` may now list both nodes; that is FRR's crash
    // behaviour. kubegate's gratuitous ARP still moves the client over.
    assert_reaches(&cluster, KUBEGATE);
    println!(
        "\nvrrpd killed: kubegate took over in {} ms (bound {} ms, FRR node still holding: {})",
        took.as_millis(),
        bound.as_millis(),
        holders(&cluster, &frr).contains(&FOREIGN.to_string())
    );

    // vrrpd returns as backup (protodown on), then preempts.
    let start = std::time::Instant::now();
    frr.start(&mut cluster).expect("restarting vrrpd");
    let h = |c: &Cluster| frr.holders(c);
    wait_alone(&cluster, &h, FOREIGN, learned.preempt_bound());
    println!(
        "vrrpd restarted: took the VIP back in {} ms (bound {} ms)",
        start.elapsed().as_millis(),
        learned.preempt_bound().as_millis()
    );
    assert_steady(&cluster, &h, FOREIGN, Duration::from_secs(1));
    assert_reaches(&cluster, FOREIGN);
}

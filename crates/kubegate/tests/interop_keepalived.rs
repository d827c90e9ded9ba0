//! kubegate and the distribution's real keepalived as a mixed pair on one segment: in each
//! mode (VRRPv2 multicast with PASS authentication, VRRPv2 unicast, VRRPv3 unicast and
//! multicast at 100 ms) and with either one preferred, exactly one master is elected, nobody
//! else holds the VIP while it is steady, the master's SIGTERM hands the VIP to the other
//! within a bound derived from the timers, and the restarted master preempts. A client on the
//! segment reaches the service through the VIP after every move.

mod interop_support;

use std::io;
use std::net::Ipv4Addr;
use std::time::Duration;

use interop_support::{
    lab_lock, print_table, require_program, Foreign, Pair, Timers, FOREIGN, HIGH, KUBEGATE, LOW,
    VIP, VRID,
};
use kubegate_lab::keepalived::KeepalivedPeer;
use kubegate_lab::Cluster;

const INSTALL: &str = "install keepalived: scripts/test.sh does it";
const KUBEGATE_ADDR: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 11);
const FOREIGN_ADDR: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 12);
const AUTH_PASS: &str = "kg51pass";

#[derive(Clone, Copy, PartialEq)]
enum Transport {
    Unicast,
    Multicast,
}

#[derive(Clone, Copy)]
struct Mode {
    version: u8,
    transport: Transport,
    interval: Duration,
    auth: bool,
}

impl Mode {
    fn describe(&self, kubegate_high: bool) -> String {
        format!(
            "v{} {} {}ms{} {} high",
            self.version,
            if self.transport == Transport::Unicast {
                "unicast"
            } else {
                "multicast"
            },
            self.interval.as_millis(),
            if self.auth { " PASS" } else { "" },
            if kubegate_high {
                "kubegate"
            } else {
                "keepalived"
            }
        )
    }

    /// The cluster file: both nodes listed (kubegate's unicast peers include keepalived's
    /// node) and priorities for both.
    fn cluster_yaml(&self, kubegate_high: bool) -> String {
        let (kg, ka) = if kubegate_high {
            (HIGH, LOW)
        } else {
            (LOW, HIGH)
        };
        let interval = if self.version == 2 {
            format!("{}s", self.interval.as_secs())
        } else {
            format!("{}ms", self.interval.as_millis())
        };
        let transport = match self.transport {
            Transport::Unicast => "unicast",
            Transport::Multicast => "multicast",
        };
        let auth = if self.auth {
            format!("      auth_pass: {AUTH_PASS}\n")
        } else {
            String::new()
        };
        format!(
            "nodes:
  - {{ name: {KUBEGATE}, address: {KUBEGATE_ADDR} }}
  - {{ name: {FOREIGN}, address: {FOREIGN_ADDR} }}
vips:
  - name: api
    address: {VIP}/24
    vrrp:
      vrid: {VRID}
      version: {}
      advert_interval: {interval}
      transport: {transport}
      preempt: true
{auth}      priority: {{ {KUBEGATE}: {kg}, {FOREIGN}: {ka} }}
",
            self.version
        )
    }

    fn keepalived(&self, kubegate_high: bool) -> KeepalivedPeer {
        KeepalivedPeer {
            instance: "VI_51".into(),
            version: self.version,
            vrid: VRID,
            priority: if kubegate_high { LOW } else { HIGH },
            advert_interval: self.interval,
            unicast: (self.transport == Transport::Unicast)
                .then(|| (FOREIGN_ADDR, vec![KUBEGATE_ADDR])),
            auth_pass: self.auth.then(|| AUTH_PASS.to_string()),
            preempt: true,
            vip: VIP,
            prefix_len: 24,
            interface: "eth0".into(),
        }
    }
}

/// keepalived puts the VIP on `eth0`, as kubegate does.
struct Keepalived(KeepalivedPeer);

impl Foreign for Keepalived {
    fn start(&mut self, c: &mut Cluster) -> io::Result<()> {
        c.start_keepalived(FOREIGN, &self.0)
    }

    fn holders(&self, c: &Cluster) -> io::Result<Vec<String>> {
        c.holders(VIP)
    }
}

/// Both directions of one mode, one lab after the other.
fn both_directions(mode: Mode, steady: Duration) {
    require_program("keepalived", INSTALL);
    let _lab = lab_lock();
    let mut rows = Vec::new();
    for kubegate_high in [true, false] {
        let mut cluster = Cluster::new(
            env!("CARGO_BIN_EXE_kubegate").as_ref(),
            2,
            &mode.cluster_yaml(kubegate_high),
        )
        .unwrap_or_else(|e| panic!("cannot build the lab: {e}"));
        let mut keepalived = Keepalived(mode.keepalived(kubegate_high));
        let pair = Pair {
            name: mode.describe(kubegate_high),
            timers: Timers {
                interval: mode.interval,
            },
            kubegate_high,
            foreign: &mut keepalived,
            steady,
        };
        rows.extend(pair.run(&mut cluster));
    }
    print_table("kubegate + keepalived 2.2.7", &rows);
}

#[test]
fn v2_multicast_pass_auth_with_keepalived() {
    both_directions(
        Mode {
            version: 2,
            transport: Transport::Multicast,
            interval: Duration::from_secs(1),
            auth: true,
        },
        Duration::from_secs(3),
    );
}

#[test]
fn v2_unicast_with_keepalived() {
    both_directions(
        Mode {
            version: 2,
            transport: Transport::Unicast,
            interval: Duration::from_secs(1),
            auth: false,
        },
        Duration::from_secs(3),
    );
}

#[test]
fn v3_unicast_100ms_with_keepalived() {
    both_directions(
        Mode {
            version: 3,
            transport: Transport::Unicast,
            interval: Duration::from_millis(100),
            auth: false,
        },
        Duration::from_secs(2),
    );
}

#[test]
fn v3_multicast_100ms_with_keepalived() {
    both_directions(
        Mode {
            version: 3,
            transport: Transport::Multicast,
            interval: Duration::from_millis(100),
            auth: false,
        },
        Duration::from_secs(2),
    );
}

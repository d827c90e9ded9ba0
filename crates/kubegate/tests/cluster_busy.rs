//! No false failover on a busy node: with both cores saturated by other processes for 30 s,
//! a three-node cluster at 100 ms adverts keeps its master (zero VIP transitions).

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kubegate::admin::snapshot::{Status, VipState};
use kubegate_lab::{self as lab, Cluster};

mod cluster_support;
use cluster_support::wait_statuses;

const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);

/// Busy loops at normal priority, killed on drop.
struct Load(Vec<Child>);

impl Drop for Load {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn saturate(processes: usize) -> Load {
    Load(
        (0..processes)
            .map(|_| {
                Command::new("sh")
                    .args(["-c", "while :; do :; done"])
                    .stdin(Stdio::null())
                    .spawn()
                    .expect("starting a busy loop")
            })
            .collect(),
    )
}

const NODES: [&str; 3] = ["node1", "node2", "node3"];

/// Each node's count of VIP state changes, as its status says.
fn transitions(all: &[Status]) -> Vec<u64> {
    all.iter().map(|s| s.vips[0].transitions).collect()
}

#[test]
fn thirty_seconds_of_full_cpu_load_cause_no_vip_transition() {
    let _turn = lab::serial();
    let yaml = "nodes:
  - { name: node1, address: 198.18.0.11 }
  - { name: node2, address: 198.18.0.12 }
  - { name: node3, address: 198.18.0.13 }
vips:
  - name: api
    address: 198.18.0.50/24
    vrrp: { vrid: 51, advert_interval: 100ms }
";
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 3, yaml).expect("building the lab");
    c.start_all().unwrap();
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    let before = transitions(&wait_statuses(
        &c,
        &NODES,
        "node1 master, node2 and node3 backup",
        Duration::from_secs(5),
        |all| {
            all.iter().map(|s| s.vips[0].state).eq([
                VipState::Master,
                VipState::Backup,
                VipState::Backup,
            ])
        },
    ));
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let load = saturate(cores * 4);
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        let holders = c.holders(VIP).unwrap();
        assert_eq!(holders, vec!["node1"], "the VIP moved under load");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(load);
    let after = transitions(&wait_statuses(
        &c,
        &NODES,
        "every status",
        Duration::from_secs(5),
        |_| true,
    ));
    assert_eq!(after, before, "VIP transitions under load:\n{}", c.logs());
    assert!(
        !c.logs().contains("no real-time scheduling"),
        "the VRRP threads ran without real-time scheduling:\n{}",
        c.logs()
    );
}

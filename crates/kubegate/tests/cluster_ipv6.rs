//! An IPv6 VIP (VRRPv3 over IPv6, unicast between the nodes' 2001:2::/48 addresses, the IPv6
//! benchmarking range): elected, moved on link loss, announced with unsolicited neighbour
//! advertisements so the client follows it.

use std::net::Ipv6Addr;
use std::path::Path;
use std::time::{Duration, Instant};

use kubegate_lab::{self as lab, Cluster};

const VIP6: &str = "2001:2::32";

fn holders6(c: &Cluster) -> Vec<String> {
    let vip: Ipv6Addr = VIP6.parse().unwrap();
    ["node1", "node2"]
        .into_iter()
        .filter(|n| {
            let out = c
                .segment
                .netns(n)
                .unwrap()
                .ip(&["-6", "-o", "addr", "show", "dev", "eth0"])
                .unwrap();
            out.split_whitespace()
                .filter_map(|w| w.split('/').next()?.parse::<Ipv6Addr>().ok())
                .any(|a| a == vip)
        })
        .map(str::to_string)
        .collect()
}

fn wait_holder6(c: &Cluster, node: &str, timeout: Duration) {
    let until = Instant::now() + timeout;
    loop {
        let h = holders6(c);
        if h == [node] {
            return;
        }
        assert!(
            Instant::now() < until,
            "expected {node} alone to hold {VIP6}, got {h:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whom the client reaches on [VIP6]:8080.
fn client_reaches(c: &Cluster) -> String {
    let out = c
        .command_in("client")
        .unwrap()
        .args([
            "lab-probe",
            "--target",
            &format!("[{VIP6}]:8080"),
            "--duration-ms",
            "200",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|l| l.split_once(' ').map(|(_, who)| who.to_string()))
        .rfind(|who| who != "-")
        .unwrap_or_else(|| format!("nobody ({text})"))
}

#[test]
fn ipv6_vip_fails_over_and_the_client_follows() {
    let _turn = lab::serial();
    let yaml = format!(
        "nodes:
  - {{ name: node1, address: 2001:2::b }}
  - {{ name: node2, address: 2001:2::c }}
vips:
  - name: api6
    address: {VIP6}/64
    vrrp: {{ vrid: 52, advert_interval: 100ms }}
"
    );
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 2, &yaml).expect("building the lab");
    c.start_all().unwrap();
    wait_holder6(&c, "node1", Duration::from_secs(5));
    assert_eq!(client_reaches(&c), "node1");
    c.segment.cut_carrier("node1").unwrap();
    wait_holder6(&c, "node2", Duration::from_secs(2));
    assert_eq!(client_reaches(&c), "node2");
    c.segment.restore_carrier("node1").unwrap();
    wait_holder6(&c, "node1", Duration::from_secs(2));
    assert_eq!(client_reaches(&c), "node1");
}

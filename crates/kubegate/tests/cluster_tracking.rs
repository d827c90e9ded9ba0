//! Trackers and hooks on a live three-node lab: a failing script with weight −20 moves the
//! VIP (preempt), a weight-0 tracker puts the node in FAULT, the notify hook is called as
//! keepalived calls it, and two VIPs are owned by two different nodes (master-master).

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, Instant};

use kubegate::admin::snapshot::VipState;
use kubegate_lab::{self as lab, Cluster};

mod cluster_support;

const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);
const VIP2: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 60);

fn nodes() -> &'static str {
    "nodes:
  - { name: node1, address: 198.18.0.11 }
  - { name: node2, address: 198.18.0.12 }
  - { name: node3, address: 198.18.0.13 }
"
}

fn start(yaml: &str) -> Cluster {
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 3, yaml).expect("building the lab");
    c.start_all().expect("starting kubegate");
    c
}

fn wait_for(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let until = Instant::now() + timeout;
    while !ok() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits (at most 5 s) until tcpdump says on stderr that it is capturing (`listening on
/// eth0, …`); its stderr keeps being read (and dropped) so it never blocks on a full pipe.
fn wait_listening(capture: &mut std::process::Child) {
    use std::io::BufRead;
    let stderr = capture.stderr.take().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (listening, started) = std::sync::mpsc::channel();
    {
        let seen = seen.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if line.starts_with("listening on") {
                    let _ = listening.send(());
                }
                seen.lock().unwrap().push_str(&(line + "\n"));
            }
        });
    }
    if started.recv_timeout(Duration::from_secs(5)).is_err() {
        let _ = capture.kill();
        panic!(
            "tcpdump did not say it was listening within 5 s; its stderr: {:?}",
            seen.lock().unwrap()
        );
    }
}

#[test]
fn failing_script_with_negative_weight_moves_the_vip_and_notify_reports_it() {
    let _turn = lab::serial();
    let dir = std::env::temp_dir().join(format!("kg-track-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sick = dir.join("node1-sick");
    let events = dir.join("events");
    // The same file on every node, and nodes share this machine's file system: the check
    // fails only on node1 (found by its address), and only while the flag file exists.
    let check = dir.join("check.sh");
    let whoami = "ip -o -4 addr show dev eth0 | awk '{print $4}' | head -n1";
    std::fs::write(
        &check,
        format!(
            "#!/bin/sh\nif [ \"$({whoami})\" = 198.18.0.11/24 ] && [ -f {} ]; then exit 1; fi\nexit 0\n",
            sick.display()
        ),
    )
    .unwrap();
    let hook = dir.join("notify.sh");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho \"$({whoami}) $*\" >> {}\n",
            events.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .args([&check, &hook])
        .status()
        .unwrap();
    let yaml = format!(
        "{}vips:
  - name: api
    address: 198.18.0.50/24
    notify: {}
    vrrp:
      vrid: 51
      advert_interval: 100ms
    track:
      - script: {}
        interval: 100ms
        fall: 2
        rise: 2
        weight: -60
",
        nodes(),
        hook.display(),
        check.display(),
    );
    let c = start(&yaml);
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    // node1's check fails: 150 − 60 = 90 < node2's 100, so node2 preempts.
    std::fs::write(&sick, "").unwrap();
    c.wait_single_holder(VIP, Some("node2"), Duration::from_secs(3))
        .unwrap();
    // Healthy again: back to 150, node1 takes the VIP back.
    std::fs::remove_file(&sick).unwrap();
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(3))
        .unwrap();

    wait_for("notify lines", Duration::from_secs(2), || {
        std::fs::read_to_string(&events).is_ok_and(|s| s.lines().count() >= 6)
    });
    let log = std::fs::read_to_string(&events).unwrap();
    drop(c);
    std::fs::remove_dir_all(&dir).unwrap();
    // keepalived's argument order: INSTANCE name STATE priority.
    let has = |line: &str| log.lines().any(|l| l == line);
    assert!(has("198.18.0.11/24 INSTANCE api MASTER 150"), "{log}");
    assert!(has("198.18.0.11/24 INSTANCE api BACKUP 90"), "{log}");
    assert!(has("198.18.0.12/24 INSTANCE api MASTER 100"), "{log}");
}

#[test]
fn weight_zero_tracker_puts_the_node_in_fault() {
    let _turn = lab::serial();
    let yaml = format!(
        "{}vips:
  - name: api
    address: 198.18.0.50/24
    vrrp:
      vrid: 51
      advert_interval: 100ms
    track:
      - tcp: 127.0.0.1:7070
        interval: 100ms
        timeout: 100ms
",
        nodes()
    );
    // Nothing listens on 127.0.0.1:7070 in node1's namespace until we start it there.
    let c = start(&yaml);
    // No node passes the check: all are in FAULT and nobody holds the VIP.
    cluster_support::wait_statuses(
        &c,
        &["node1", "node2", "node3"],
        "every node in FAULT",
        Duration::from_secs(5),
        |all| all.iter().all(|s| s.vips[0].state == VipState::Fault),
    );
    assert_eq!(c.holders(VIP).unwrap(), Vec::<String>::new());
    // A listener in node2's namespace makes node2 healthy: it (alone) takes the VIP.
    let _listener = c
        .segment
        .netns("node2")
        .unwrap()
        .spawn(
            env!("CARGO_BIN_EXE_kubegate"),
            &["lab-serve", "--listen", "127.0.0.1:7070", "--name", "check"],
        )
        .unwrap();
    c.wait_single_holder(VIP, Some("node2"), Duration::from_secs(3))
        .unwrap();
}

#[test]
fn two_vips_each_owned_by_a_different_node() {
    let _turn = lab::serial();
    let yaml = format!(
        "{}vips:
  - name: api
    address: 198.18.0.50/24
    vrrp: {{ vrid: 51, advert_interval: 100ms, priority: {{ node1: 150, node2: 100, node3: 50 }} }}
  - name: ingress
    address: 198.18.0.60/24
    vrrp: {{ vrid: 61, advert_interval: 100ms, priority: {{ node1: 100, node2: 150, node3: 50 }} }}
",
        nodes()
    );
    let c = start(&yaml);
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    c.wait_single_holder(VIP2, Some("node2"), Duration::from_secs(5))
        .unwrap();
    // node2 loses its link: node1 holds both.
    c.segment.cut_carrier("node2").unwrap();
    c.wait_single_holder(VIP2, Some("node1"), Duration::from_secs(3))
        .unwrap();
    assert_eq!(c.holders(VIP).unwrap(), vec!["node1"]);
    c.segment.restore_carrier("node2").unwrap();
    c.wait_single_holder(VIP2, Some("node2"), Duration::from_secs(3))
        .unwrap();
    assert_eq!(c.holders(VIP).unwrap(), vec!["node1"]);
}

#[test]
fn interface_tracker_moves_the_vip_when_the_interface_goes_down() {
    let _turn = lab::serial();
    let yaml = format!(
        "{}vips:
  - name: api
    address: 198.18.0.50/24
    vrrp:
      vrid: 51
      advert_interval: 100ms
    track:
      - interface: kgt0
        weight: -60
",
        nodes()
    );
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 3, &yaml).expect("building the lab");
    // Every node gets an extra interface (a veth pair inside its namespace) to track.
    for n in ["node1", "node2", "node3"] {
        let ns = c.segment.netns(n).unwrap();
        ns.ip(&[
            "link", "add", "kgt0", "type", "veth", "peer", "name", "kgt1",
        ])
        .unwrap();
        ns.ip(&["link", "set", "kgt0", "up"]).unwrap();
        ns.ip(&["link", "set", "kgt1", "up"]).unwrap();
    }
    c.start_all().unwrap();
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    let ns1 = c.segment.netns("node1").unwrap();
    ns1.ip(&["link", "set", "kgt0", "down"]).unwrap();
    // 150 − 60 = 90 < 100: node2 preempts.
    c.wait_single_holder(VIP, Some("node2"), Duration::from_secs(3))
        .unwrap();
    ns1.ip(&["link", "set", "kgt0", "up"]).unwrap();
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(3))
        .unwrap();
}

#[test]
fn new_master_announces_five_times_then_five_more_after_five_seconds() {
    let _turn = lab::serial();
    let yaml = format!(
        "{}vips:
  - name: api
    address: 198.18.0.50/24
    vrrp:
      vrid: 51
      advert_interval: 100ms
",
        nodes()
    );
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 3, &yaml).expect("building the lab");
    // Listen on the client before anyone becomes master.
    let mut capture = c
        .segment
        .netns("client")
        .unwrap()
        .command("timeout")
        .args(["8", "tcpdump", "-l", "-n", "-tt", "-i", "eth0", "arp"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tcpdump (scripts/test.sh installs it)");
    wait_listening(&mut capture);
    c.start_all().unwrap();
    let out = capture.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // Gratuitous ARP: a request for the VIP from the VIP itself.
    let times: Vec<f64> = text
        .lines()
        .filter(|l| l.contains("Request who-has 198.18.0.50 tell 198.18.0.50"))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(
        times.len(),
        10,
        "expected 5 + 5 gratuitous ARPs, saw:\n{text}"
    );
    let first = times[0];
    assert!(times[..5].iter().all(|t| t - first < 0.5), "{times:?}");
    let second = times[5] - first;
    assert!(
        (4.9..5.6).contains(&second),
        "repeat {second} s after the first: {times:?}"
    );
}

#[test]
fn vip_follows_the_node_whose_balancer_has_a_ready_backend() {
    let _turn = lab::serial();
    // Each node balances 198.18.0.50:8443 to a service on its own loopback; the VIP needs a
    // ready backend behind this node's frontend (no weight written: a node with none steps
    // aside, below every node that has one).
    let yaml = format!(
        "{}vips:
  - name: api
    address: 198.18.0.50/24
    vrrp: {{ vrid: 51, advert_interval: 100ms }}
    track:
      - frontend: api
frontends:
  - name: api
    bind: 198.18.0.50:8443
    backends: [127.0.0.1:7071]
    check: {{ tcp: true, interval: 100ms, timeout: 100ms, rise: 1, fall: 1 }}
",
        nodes()
    );
    let binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(binary, 3, &yaml).expect("building the lab");
    let backend = |c: &Cluster, node: &str| {
        c.segment
            .netns(node)
            .unwrap()
            .spawn(
                binary.to_str().unwrap(),
                &["lab-serve", "--listen", "127.0.0.1:7071", "--name", node],
            )
            .unwrap()
    };
    let node1_backend = backend(&c, "node1");
    let _node2_backend = backend(&c, "node2");
    c.start_all().unwrap();
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap();
    // The client reaches node1's backend through node1's balancer on the VIP.
    let through = |c: &Cluster| {
        let out = c
            .command_in("client")
            .unwrap()
            .args([
                "lab-probe",
                "--target",
                "198.18.0.50:8443",
                "--duration-ms",
                "200",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once(' ').map(|(_, w)| w.to_string()))
            .rfind(|w| w != "-")
    };
    assert_eq!(through(&c).as_deref(), Some("node1"));
    // node1's only backend dies: its balancer has nothing ready, so it gives the VIP away.
    drop(node1_backend);
    c.wait_single_holder(VIP, Some("node2"), Duration::from_secs(3))
        .unwrap();
    assert_eq!(through(&c).as_deref(), Some("node2"));
    // node3 has no backend at all and never takes the VIP.
    assert_eq!(c.holders(VIP).unwrap(), vec!["node2"]);
    // node1's backend returns: ready again, node1 takes the VIP back (preempt).
    let _node1_backend = backend(&c, "node1");
    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(3))
        .unwrap();
    assert_eq!(through(&c).as_deref(), Some("node1"));
}

//! The incumbent stack for `kubegate lab --compare keepalived-haproxy`: the keepalived and
//! haproxy files a balancer host of a topology gets, written the way the field writes them
//! (the collected field examples) — keepalived VRRPv2 with 1 s adverts, multicast,
//! `auth_type PASS`, a `vrrp_script` health check of haproxy; haproxy in TCP mode with
//! `check` (a TCP connect), `option redispatch`, `retries 3`, `timeout connect 10s`.
//!
//! Differences from the reference files, each forced by the lab: the check script looks for
//! haproxy's listening port with `ss` (a process check such as `ps -C haproxy` would see the
//! haproxy of every lab host: namespaces do not separate process ids), haproxy logs nowhere
//! and runs in the foreground, and keepalived runs its scripts as root.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use super::topologies::{Layout, Topology};

/// keepalived's advert interval here, as in every reference file.
pub const ADVERT_SECONDS: u8 = 1;

/// Writes `HOST-haproxy.cfg` (and `HOST-keepalived.conf` when the topology has VIPs) into
/// `dir`; returns the argument lists of haproxy and keepalived.
pub fn write_configs(
    layout: &Layout,
    host: &str,
    dir: &Path,
) -> io::Result<(Vec<String>, Option<Vec<String>>)> {
    let path = |suffix: &str| dir.join(format!("{host}-{suffix}"));
    let cfg = path("haproxy.cfg");
    std::fs::write(&cfg, haproxy_cfg(layout))?;
    let haproxy = vec![
        "-db".into(),
        "-f".into(),
        cfg.to_string_lossy().into_owned(),
    ];
    if layout.vips.is_empty() {
        return Ok((haproxy, None));
    }
    let conf = path("keepalived.conf");
    std::fs::write(&conf, keepalived_conf(layout, host))?;
    let s = |p: std::path::PathBuf| p.to_string_lossy().into_owned();
    let keepalived = vec![
        "--dont-fork".into(),
        "--log-console".into(),
        "--no-syslog".into(),
        "--vrrp".into(),
        "--use-file".into(),
        s(conf),
        "--pid".into(),
        s(path("keepalived.pid")),
        "--vrrp_pid".into(),
        s(path("vrrp.pid")),
    ];
    Ok((haproxy, Some(keepalived)))
}

/// haproxy.cfg: `haproxy-on-masters-9443.cfg` for stacked masters (bind `*:9443`, checks
/// with haproxy's defaults), `haproxy-lb-pair-with-stats.cfg`'s server lines for the LB
/// pair (`check inter 2000 rise 2 fall 5`, bound on the VIP, which needs
/// `net.ipv4.ip_nonlocal_bind=1` on the host without it).
pub fn haproxy_cfg(layout: &Layout) -> String {
    let mut c = String::from(
        "global\n    maxconn 4000\n\ndefaults\n    mode tcp\n    option redispatch\n    \
         retries 3\n    timeout connect 10s\n    timeout client 1m\n    timeout server 1m\n    \
         timeout check 10s\n    maxconn 3000\n\n",
    );
    let binds: Vec<String> = match layout.topology {
        Topology::Stacked => vec![format!("*:{}", layout.frontend_port)],
        Topology::NodeLocal | Topology::Bgp => vec![layout.target.to_string()],
        Topology::LbPair | Topology::MasterMaster => layout
            .vips
            .iter()
            .map(|v| format!("{}:{}", v.address, layout.frontend_port))
            .collect(),
    };
    let check = match layout.topology {
        Topology::Stacked => "check",
        _ => "check inter 2000 rise 2 fall 5",
    };
    c.push_str("frontend kubernetes-apiserver\n");
    for b in binds {
        let _ = writeln!(c, "    bind {b}");
    }
    c.push_str("    default_backend kubernetes-apiserver\n\n");
    c.push_str("backend kubernetes-apiserver\n    balance roundrobin\n");
    for (name, backend) in layout.apiservers.iter().zip(layout.backends()) {
        let _ = writeln!(c, "    server {name} {backend} {check}");
    }
    c
}

/// keepalived.conf: `keepalived-on-masters-weight.conf` for stacked masters (a port check
/// every 2 s with weight 11; priorities 100, 90, 80), `keepalived-master-backup-lb*.conf` /
/// `keepalived-master-master-lb*.conf` for the pair (priorities 100 and 50, a check every
/// 10 s without weight: a failure means FAULT).
pub fn keepalived_conf(layout: &Layout, host: &str) -> String {
    let (interval, weight) = match layout.topology {
        Topology::Stacked => (2, Some(11)),
        _ => (10, None),
    };
    let mut c = format!(
        "global_defs {{\n    router_id {host}\n    script_user root\n}}\n\n\
         vrrp_script chk_haproxy {{\n    script \"/bin/sh -c 'ss -ltn | grep -q :{}'\"\n    \
         interval {interval}\n",
        layout.frontend_port
    );
    if let Some(w) = weight {
        let _ = writeln!(c, "    weight {w}");
    }
    c.push_str("}\n\n");
    let priorities: &[u8] = match layout.topology {
        Topology::Stacked => &[100, 90, 80],
        _ => &[100, 50],
    };
    for (i, v) in layout.vips.iter().enumerate() {
        let rank = v.by_priority.iter().position(|h| *h == host).unwrap_or(0);
        let state = if rank == 0 { "MASTER" } else { "BACKUP" };
        let _ = write!(
            c,
            "vrrp_instance VI_{n} {{\n    state {state}\n    interface eth0\n    \
             virtual_router_id {vrid}\n    priority {prio}\n    advert_int {ADVERT_SECONDS}\n    \
             authentication {{\n        auth_type PASS\n        auth_pass 1111\n    }}\n    \
             track_script {{\n        chk_haproxy\n    }}\n    \
             virtual_ipaddress {{\n        {vip}/24 dev eth0\n    }}\n}}\n\n",
            n = i + 1,
            vrid = v.vrid,
            prio = priorities[rank.min(priorities.len() - 1)],
            vip = v.address,
        );
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_follow_the_reference_setups() {
        let stacked = Layout::of(Topology::Stacked);
        let h = haproxy_cfg(&stacked);
        assert!(h.contains("bind *:9443") && h.contains("server master2 198.18.0.12:6443 check\n"));
        let k = keepalived_conf(&stacked, "master2");
        assert!(k.contains("weight 11") && k.contains("priority 90") && k.contains("state BACKUP"));
        assert!(k.contains("advert_int 1\n") && k.contains("grep -q :9443"));

        let mm = Layout::of(Topology::MasterMaster);
        let h = haproxy_cfg(&mm);
        assert!(h.contains("bind 198.18.0.50:6443") && h.contains("bind 198.18.0.60:6443"));
        assert!(h.contains("server api3 198.18.0.13:6443 check inter 2000 rise 2 fall 5"));
        let k = keepalived_conf(&mm, "lb2");
        let vi1 = &k[k.find("VI_1").unwrap()..k.find("VI_2").unwrap()];
        assert!(
            vi1.contains("state BACKUP") && vi1.contains("priority 50"),
            "{k}"
        );
        let vi2 = &k[k.find("VI_2").unwrap()..];
        assert!(
            vi2.contains("state MASTER") && vi2.contains("priority 100"),
            "{k}"
        );
        assert!(!k.contains("weight"), "a pair's check has no weight: {k}");
    }
}

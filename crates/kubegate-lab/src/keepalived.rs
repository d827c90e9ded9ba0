//! Real keepalived as a lab peer: writes a keepalived.conf for one node of a `Cluster` and
//! runs the distribution's keepalived (VRRP subsystem only, in the foreground) in that node's
//! namespace, so interop tests and benchmarks put kubegate and keepalived on one segment.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One keepalived `vrrp_instance`, as a lab node runs it.
#[derive(Debug, Clone)]
pub struct KeepalivedPeer {
    pub instance: String,
    /// 2 or 3.
    pub version: u8,
    pub vrid: u8,
    pub priority: u8,
    /// v2: whole seconds; v3: multiples of 10 ms.
    pub advert_interval: Duration,
    /// `None`: multicast. `Some`: `unicast_src_ip` and `unicast_peer`.
    pub unicast: Option<(Ipv4Addr, Vec<Ipv4Addr>)>,
    pub auth_pass: Option<String>,
    pub preempt: bool,
    pub vip: Ipv4Addr,
    pub prefix_len: u8,
    pub interface: String,
}

impl KeepalivedPeer {
    /// The keepalived.conf text. Every instance starts as BACKUP (as `nopreempt` requires;
    /// kubegate nodes start that way too) and all timing comes from the priority.
    pub fn config(&self) -> String {
        let mut c = String::new();
        let advert = self.advert_interval.as_secs_f64();
        let _ = writeln!(
            c,
            "global_defs {{\n    router_id {}\n    vrrp_version {}\n}}",
            self.instance, self.version
        );
        let _ = writeln!(c, "vrrp_instance {} {{", self.instance);
        let _ = writeln!(c, "    state BACKUP");
        let _ = writeln!(c, "    interface {}", self.interface);
        let _ = writeln!(c, "    virtual_router_id {}", self.vrid);
        let _ = writeln!(c, "    priority {}", self.priority);
        let _ = writeln!(c, "    advert_int {advert}");
        if !self.preempt {
            let _ = writeln!(c, "    nopreempt");
        }
        if let Some(pass) = &self.auth_pass {
            let _ = writeln!(
                c,
                "    authentication {{\n        auth_type PASS\n        auth_pass {pass}\n    }}"
            );
        }
        if let Some((src, peers)) = &self.unicast {
            let _ = writeln!(c, "    unicast_src_ip {src}");
            let _ = writeln!(c, "    unicast_peer {{");
            for p in peers {
                let _ = writeln!(c, "        {p}");
            }
            let _ = writeln!(c, "    }}");
        }
        let _ = writeln!(
            c,
            "    virtual_ipaddress {{\n        {}/{} dev {}\n    }}",
            self.vip, self.prefix_len, self.interface
        );
        let _ = writeln!(c, "}}");
        c
    }
}

/// Writes the config into `dir` and returns the program and arguments that run keepalived
/// for it in the foreground, logging to the console, with pid files in `dir`.
pub fn command_line(
    peer: &KeepalivedPeer,
    dir: &Path,
    node: &str,
) -> std::io::Result<(PathBuf, Vec<String>)> {
    let conf = dir.join(format!("{node}-keepalived.conf"));
    std::fs::write(&conf, peer.config())?;
    let path = |suffix: &str| {
        dir.join(format!("{node}-{suffix}"))
            .to_string_lossy()
            .into_owned()
    };
    let args = vec![
        "--dont-fork".into(),
        "--log-console".into(),
        "--log-detail".into(),
        "--no-syslog".into(),
        "--vrrp".into(),
        "--use-file".into(),
        conf.to_string_lossy().into_owned(),
        "--pid".into(),
        path("keepalived.pid"),
        "--vrrp_pid".into(),
        path("vrrp.pid"),
    ];
    Ok((PathBuf::from("keepalived"), args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicast_v2_config_has_the_keepalived_keywords() {
        let peer = KeepalivedPeer {
            instance: "VI_1".into(),
            version: 2,
            vrid: 51,
            priority: 100,
            advert_interval: Duration::from_secs(1),
            unicast: Some((
                Ipv4Addr::new(198, 18, 0, 12),
                vec![Ipv4Addr::new(198, 18, 0, 11)],
            )),
            auth_pass: Some("1111".into()),
            preempt: false,
            vip: Ipv4Addr::new(198, 18, 0, 50),
            prefix_len: 24,
            interface: "eth0".into(),
        };
        let c = peer.config();
        for needle in [
            "vrrp_version 2",
            "state BACKUP",
            "virtual_router_id 51",
            "priority 100",
            "advert_int 1\n",
            "nopreempt",
            "auth_type PASS",
            "auth_pass 1111",
            "unicast_src_ip 198.18.0.12",
            "        198.18.0.11",
            "198.18.0.50/24 dev eth0",
        ] {
            assert!(c.contains(needle), "missing {needle:?} in\n{c}");
        }
        let v3 = KeepalivedPeer {
            version: 3,
            advert_interval: Duration::from_millis(100),
            ..peer
        };
        assert!(v3.config().contains("advert_int 0.1\n"));
    }
}

//! FRR's `vrrpd` as a lab peer: a second independent VRRP implementation for interop tests.
//!
//! FRR does not add the VIP itself. The VIP lives on a macvlan of the segment's interface that
//! carries the virtual router MAC (RFC 5798 §7.3); vrrpd, through zebra, keeps that macvlan in
//! "protodown" (no carrier) while it is not master. So the node holds the VIP exactly when the
//! macvlan is up and carries it. zebra runs beside the node's daemon (vrrpd), with its own pid
//! file, vty sockets and zserv socket in a directory of the lab, owned by FRR's user.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::netns::run;
use super::{Cluster, NetnsChild};

/// Where Debian's `frr` package keeps its daemons.
pub const FRR_DIR: &str = "/usr/lib/frr";
/// The message a test fails with when FRR is missing.
pub const NEED_FRR: &str =
    "FRR's zebra and vrrpd are not in /usr/lib/frr: install frr (scripts/test.sh does it)";

/// One FRR VRRP router on a lab node (VRRPv3, IPv4, multicast: the only transport vrrpd has).
#[derive(Debug, Clone)]
pub struct FrrPeer {
    pub vrid: u8,
    pub priority: u8,
    /// A multiple of 10 ms.
    pub advert_interval: Duration,
    pub preempt: bool,
    pub vip: Ipv4Addr,
    pub prefix_len: u8,
    /// The segment's interface in the node (`eth0`).
    pub interface: String,
}

impl FrrPeer {
    /// RFC 5798 §7.3: the IPv4 virtual router MAC is 00-00-5E-00-01-{VRID}.
    pub fn virtual_mac(&self) -> String {
        format!("00:00:5e:00:01:{:02x}", self.vrid)
    }

    /// The macvlan holding the VIP. vrrpd finds it by its MAC and parent, not by its name.
    pub fn macvlan(&self) -> String {
        format!("vrrp4-{}", self.vrid)
    }

    /// vrrpd's configuration.
    pub fn vrrpd_config(&self) -> String {
        let mut c = String::new();
        let v = self.vrid;
        let _ = writeln!(c, "debug vrrp");
        let _ = writeln!(c, "interface {}", self.interface);
        let _ = writeln!(c, " vrrp {v} version 3");
        let _ = writeln!(c, " vrrp {v} priority {}", self.priority);
        let _ = writeln!(
            c,
            " vrrp {v} advertisement-interval {}",
            self.advert_interval.as_millis()
        );
        if !self.preempt {
            let _ = writeln!(c, " no vrrp {v} preempt");
        }
        let _ = writeln!(c, " vrrp {v} ip {}", self.vip);
        c
    }
}

/// FRR on one lab node: its files and its zebra. vrrpd is the node's daemon in the
/// `Cluster` (`signal`, `wait_exit` act on it).
pub struct FrrNode {
    pub node: String,
    pub peer: FrrPeer,
    dir: PathBuf,
    zebra: Option<NetnsChild>,
}

impl FrrNode {
    /// The directory with FRR's config, pid files and sockets.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// Arguments shared by zebra and vrrpd: no vty TCP port, our own pid file, vty socket
    /// directory, zserv socket and config, logging to the console.
    fn args(&self, daemon: &str, extra: &[&str]) -> Vec<String> {
        let mut a: Vec<String> = vec![
            "-P".into(),
            "0".into(),
            "-i".into(),
            self.path(&format!("{daemon}.pid")),
            "--vty_socket".into(),
            self.path(""),
            "-z".into(),
            self.path("zserv.api"),
            "-f".into(),
            self.path(&format!("{daemon}.conf")),
            "--log".into(),
            "stdout".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    }
}

/// Fails with [`NEED_FRR`] unless zebra and vrrpd are installed.
pub fn require_frr() -> io::Result<()> {
    for d in ["zebra", "vrrpd"] {
        if !Path::new(FRR_DIR).join(d).exists() {
            return Err(io::Error::new(io::ErrorKind::NotFound, NEED_FRR));
        }
    }
    Ok(())
}

impl Cluster {
    /// Prepares `node` for FRR and starts its zebra: the macvlan with the virtual MAC holding
    /// the VIP, FRR's files, zebra up and listening. Then `start_vrrpd` runs the router.
    pub fn start_frr_zebra(&mut self, node: &str, peer: &FrrPeer) -> io::Result<FrrNode> {
        require_frr()?;
        let netns = self.segment.netns(node)?;
        let mv = peer.macvlan();
        let parent = peer.interface.as_str();
        netns.ip(&[
            "link", "add", &mv, "link", parent, "type", "macvlan", "mode", "bridge",
        ])?;
        netns.ip(&["link", "set", "dev", &mv, "address", &peer.virtual_mac()])?;
        // A random link-local address: the one derived from the shared MAC would be the same
        // on every router of this VRID.
        netns.ip(&["link", "set", "dev", &mv, "addrgenmode", "random"])?;
        let vip = format!("{}/{}", peer.vip, peer.prefix_len);
        netns.ip(&["addr", "add", &vip, "dev", &mv])?;
        netns.ip(&["link", "set", "dev", &mv, "up"])?;
        // While vrrpd is backup the VIP stays configured on the (protodown) macvlan; without
        // arp_ignore=1 the kernel would still answer ARP for it on the parent interface.
        netns.sysctl("net.ipv4.conf.all.arp_ignore", "1")?;

        let dir = self.dir().join(format!("{node}-frr"));
        fs::create_dir_all(&dir)?;
        fs::write(dir.join("zebra.conf"), "")?;
        fs::write(dir.join("vrrpd.conf"), peer.vrrpd_config())?;
        // FRR's daemons drop to the `frr` user and create their sockets here.
        run(std::process::Command::new("chown").args(["-R", "frr:frr", &dir.to_string_lossy()]))?;
        let mut frr = FrrNode {
            node: node.to_string(),
            peer: peer.clone(),
            dir,
            zebra: None,
        };
        let log = File::create(self.dir().join(format!("{node}-zebra.log")))?;
        let zebra = netns
            .command(&format!("{FRR_DIR}/zebra"))
            .args(frr.args("zebra", &[]))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let mut zebra = NetnsChild::from_child(zebra);
        let zserv = frr.dir.join("zserv.api");
        let until = Instant::now() + Duration::from_secs(5);
        while !zserv.exists() {
            if let Some(status) = zebra.try_wait()? {
                return Err(io::Error::other(format!(
                    "zebra exited ({status}) before creating {}; see {node}-zebra.log",
                    zserv.display()
                )));
            }
            if Instant::now() >= until {
                return Err(io::Error::other(
                    "zebra did not create its zserv socket in 5 s",
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        frr.zebra = Some(zebra);
        Ok(frr)
    }

    /// Starts (or restarts) FRR's vrrpd as the node's daemon, and waits until it has taken
    /// the macvlan over: a router starts as backup (RFC 5798 §6.4.1), so vrrpd puts the
    /// macvlan in protodown first. Until then the freshly made macvlan is up with the VIP, which
    /// is the lab's doing, not FRR's.
    pub fn start_vrrpd(&mut self, frr: &FrrNode) -> io::Result<()> {
        let args = frr.args("vrrpd", &["--log-level", "debug"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let program = Path::new(FRR_DIR).join("vrrpd");
        self.start_program(&frr.node, &program, &args)?;
        let netns = self.segment.netns(&frr.node)?;
        let until = Instant::now() + Duration::from_secs(5);
        loop {
            let link = netns.ip(&["-d", "-o", "link", "show", "dev", &frr.peer.macvlan()])?;
            if link.contains("protodown on") {
                return Ok(());
            }
            if Instant::now() >= until {
                return Err(io::Error::other(format!(
                    "vrrpd did not put {} in protodown within 5 s (it does so when it starts \
                     as backup); see {}.log: {link}",
                    frr.peer.macvlan(),
                    frr.node
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether FRR's node holds the VIP: its macvlan carries the VIP and is up (vrrpd lifts
    /// protodown only while master).
    pub fn frr_holds(&self, frr: &FrrNode) -> io::Result<bool> {
        let netns = self.segment.netns(&frr.node)?;
        let mv = frr.peer.macvlan();
        let link = netns.ip(&["-d", "-o", "link", "show", "dev", &mv])?;
        let up = link.contains("LOWER_UP") && !link.contains("protodown on");
        let addrs = netns.ip(&["-o", "-4", "addr", "show", "dev", &mv])?;
        let vip = format!("inet {}/", frr.peer.vip);
        Ok(up && addrs.contains(&vip))
    }

    /// Who holds `frr`'s VIP: kubegate nodes (on `eth0`) and the FRR node (on its macvlan).
    pub fn holders_with_frr(&self, frr: &FrrNode) -> io::Result<Vec<String>> {
        let mut out = self.holders(frr.peer.vip)?;
        if self.frr_holds(frr)? && !out.contains(&frr.node) {
            out.push(frr.node.clone());
            out.sort();
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vrrpd_config_and_virtual_mac() {
        let peer = FrrPeer {
            vrid: 51,
            priority: 150,
            advert_interval: Duration::from_millis(100),
            preempt: false,
            vip: Ipv4Addr::new(198, 18, 0, 50),
            prefix_len: 24,
            interface: "eth0".into(),
        };
        assert_eq!(peer.virtual_mac(), "00:00:5e:00:01:33");
        assert_eq!(peer.macvlan(), "vrrp4-51");
        assert_eq!(
            peer.vrrpd_config(),
            "debug vrrp\ninterface eth0\n vrrp 51 version 3\n vrrp 51 priority 150\n \
             vrrp 51 advertisement-interval 100\n no vrrp 51 preempt\n vrrp 51 ip 198.18.0.50\n"
        );
    }
}

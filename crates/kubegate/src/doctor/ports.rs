//! Can the daemon listen where the file says? Each frontend's bind address and the admin
//! endpoint are bound now, as the balancer binds them (`IP_FREEBIND`, so a VIP held by another
//! node is fine) but without `SO_REUSEPORT` (which would share the port with a haproxy that set
//! it too), then closed. A port held by something else is named together with the process
//! holding it, found through `/proc/net/tcp{,6}` and the sockets in `/proc/*/fd`.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

use super::finding::Finding;
use kubegate_config::model::ClusterConfig;

/// Every address the daemon will listen on, with what listens there (`admin.bind` unless it
/// is `off`).
pub fn binds(cfg: &ClusterConfig) -> Vec<(SocketAddr, String)> {
    let mut out: Vec<(SocketAddr, String)> = cfg
        .frontends
        .iter()
        .map(|f| (f.bind, format!("frontend {}", f.name)))
        .collect();
    if let Some(admin) = cfg.admin.bind {
        out.push((admin, "admin endpoint".to_string()));
    }
    out
}

/// Binds `addr` the way the balancer does, minus `SO_REUSEPORT`, and closes it again.
pub fn try_bind(addr: SocketAddr) -> io::Result<()> {
    let socket = Socket::new(
        Domain::for_address(addr),
        Type::STREAM.cloexec(),
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        socket.set_freebind_v6(true)?;
        socket.set_only_v6(false)?;
    } else {
        socket.set_freebind_v4(true)?;
    }
    socket.bind(&addr.into())
}

/// Socket inodes listening on TCP `port`, from the text of `/proc/net/tcp` or `tcp6`.
pub fn listening_inodes(proc_net_tcp: &str, port: u16) -> Vec<u64> {
    const LISTEN: &str = "0A";
    proc_net_tcp
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local = fields.get(1)?;
            let (_, hex_port) = local.rsplit_once(':')?;
            let state = fields.get(3)?;
            let inode = fields.get(9)?.parse().ok()?;
            (u16::from_str_radix(hex_port, 16).ok()? == port && *state == LISTEN).then_some(inode)
        })
        .collect()
}

/// Processes (pid, command name) holding one of `inodes`.
fn owners(inodes: &[u64]) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in procs.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let holds = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|target| {
                let t = target.to_string_lossy();
                inodes.iter().any(|i| t == format!("socket:[{i}]"))
            })
        });
        if holds {
            let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            out.push((pid, comm.trim().to_string()));
        }
    }
    out
}

/// Who listens on `port` in this network namespace, as far as `/proc` tells.
pub fn holders(port: u16) -> Vec<(u32, String)> {
    let mut inodes = Vec::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Ok(text) = std::fs::read_to_string(file) {
            inodes.extend(listening_inodes(&text, port));
        }
    }
    if inodes.is_empty() {
        return Vec::new();
    }
    owners(&inodes)
}

/// The finding for one address, from the bind attempt and the holders of its port.
pub fn finding(
    addr: SocketAddr,
    what: &str,
    bound: io::Result<()>,
    holders: &[(u32, String)],
) -> Finding {
    let subject = format!("port {addr}");
    let e = match bound {
        Ok(()) => return Finding::ok(subject, format!("free for the {what}")),
        Err(e) => e,
    };
    if e.kind() != io::ErrorKind::AddrInUse {
        return Finding::fail(
            subject,
            format!("the {what} cannot bind it: {e}"),
            "check the address in the file: it must be an address of this host, a VIP, or a \
             wildcard (0.0.0.0 / ::)",
        );
    }
    let named: Vec<String> = holders
        .iter()
        .map(|(p, c)| format!("{c} (pid {p})"))
        .collect();
    if !holders.is_empty() && holders.iter().all(|(_, c)| c == "kubegate") {
        return Finding::ok(
            subject,
            format!("held by {}: kubegate already runs here", named.join(", ")),
        );
    }
    let by = if named.is_empty() {
        "another process".to_string()
    } else {
        named.join(", ")
    };
    Finding::fail(
        subject,
        format!(
            "port {} is already in use by {by}; the {what} cannot listen",
            addr.port()
        ),
        format!(
            "stop {by} (an haproxy or nginx kubegate replaces?), or move the {what} to another \
             port; `ss -ltnp 'sport = :{}'` shows the holder",
            addr.port()
        ),
    )
}

/// Tries every address of the file.
pub fn check(cfg: &ClusterConfig) -> Vec<Finding> {
    binds(cfg)
        .into_iter()
        .map(|(addr, what)| {
            let bound = try_bind(addr);
            let holders = match &bound {
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => holders(addr.port()),
                _ => Vec::new(),
            };
            finding(addr, &what, bound, &holders)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::finding::Severity;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:235B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41234 1 0000000000000000 100 0 0 10 0\n\
   1: 0100007F:C350 0100007F:235B 01 00000000:00000000 00:00000000 00000000     0        0 41299 1 0000000000000000 20 4 30 10 -1\n";

    #[test]
    fn finds_the_listening_inode_only() {
        assert_eq!(listening_inodes(TCP, 9051), vec![41234]);
        assert_eq!(
            listening_inodes(TCP, 50000),
            Vec::<u64>::new(),
            "established, not listening"
        );
        assert_eq!(
            listening_inodes("garbage\nmore garbage", 1),
            Vec::<u64>::new()
        );
    }

    #[test]
    fn a_held_port_fails_and_names_its_holder() {
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = held.local_addr().unwrap();
        let bound = try_bind(addr);
        assert_eq!(bound.as_ref().unwrap_err().kind(), io::ErrorKind::AddrInUse);
        let who = holders(addr.port());
        assert!(
            who.iter().any(|(pid, _)| *pid == std::process::id()),
            "this test process holds it: {who:?}"
        );
        let f = finding(addr, "frontend api", bound, &who);
        assert_eq!(f.severity, Severity::Fail);
        assert!(
            f.found.contains(&format!("pid {}", std::process::id())),
            "{}",
            f.found
        );
        drop(held);
        assert!(try_bind(addr).is_ok(), "free again once closed");
    }

    #[test]
    fn kubegate_holding_it_is_fine() {
        let e = || Err(io::Error::from(io::ErrorKind::AddrInUse));
        let addr: SocketAddr = "198.18.0.50:8443".parse().unwrap();
        let f = finding(addr, "frontend api", e(), &[(42, "kubegate".into())]);
        assert_eq!(f.severity, Severity::Ok);
        let f = finding(addr, "frontend api", e(), &[(42, "haproxy".into())]);
        assert_eq!(f.severity, Severity::Fail);
        assert!(f.found.contains("haproxy (pid 42)"));
        let f = finding(addr, "frontend api", e(), &[]);
        assert!(f.found.contains("another process"));
    }
}

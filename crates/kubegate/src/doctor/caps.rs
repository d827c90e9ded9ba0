//! Capabilities: what the process may do, read from `CapEff` in `/proc/self/status`.
//! CAP_NET_ADMIN (addresses, links) and CAP_NET_RAW (VRRP and ARP sockets) are required;
//! CAP_NET_BIND_SERVICE when a frontend listens below 1024; CAP_SYS_NICE is recommended (the
//! VRRP threads run real-time so adverts leave on time on a busy host).

use super::finding::Finding;

/// Capability numbers of `linux/capability.h`.
pub const CAP_NET_BIND_SERVICE: u32 = 10;
pub const CAP_NET_ADMIN: u32 = 12;
pub const CAP_NET_RAW: u32 = 13;
pub const CAP_SYS_NICE: u32 = 23;

const SUBJECT: &str = "capabilities";

/// The effective set from the text of `/proc/PID/status` (`CapEff:\t000001ffffffffff`).
pub fn parse_cap_eff(status: &str) -> Option<u64> {
    let hex = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))?
        .trim();
    u64::from_str_radix(hex, 16).ok()
}

fn has(set: u64, cap: u32) -> bool {
    set & (1u64 << cap) != 0
}

/// Findings for the effective set `cap_eff`; `low_ports` are the frontend and admin ports below
/// 1024 the daemon will bind.
pub fn findings(cap_eff: u64, low_ports: &[u16]) -> Vec<Finding> {
    let mut out = Vec::new();
    let missing: Vec<&str> = [
        (CAP_NET_ADMIN, "CAP_NET_ADMIN"),
        (CAP_NET_RAW, "CAP_NET_RAW"),
    ]
    .into_iter()
    .filter(|(cap, _)| !has(cap_eff, *cap))
    .map(|(_, name)| name)
    .collect();
    if missing.is_empty() {
        out.push(Finding::ok(
            SUBJECT,
            "CAP_NET_ADMIN and CAP_NET_RAW are effective (VIP addresses, VRRP and ARP sockets)",
        ));
    } else {
        out.push(Finding::fail(
            SUBJECT,
            format!(
                "{} missing: kubegate cannot add VIPs or send VRRP adverts and gratuitous ARP",
                missing.join(" and ")
            ),
            "run as root, or grant them: systemd `AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW`, \
             a pod's `securityContext.capabilities.add: [NET_ADMIN, NET_RAW]` (kubegate manifest \
             does both)",
        ));
    }
    if !low_ports.is_empty() {
        let ports = low_ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if has(cap_eff, CAP_NET_BIND_SERVICE) {
            out.push(Finding::ok(
                SUBJECT,
                format!("CAP_NET_BIND_SERVICE is effective (ports {ports})"),
            ));
        } else {
            out.push(Finding::fail(
                SUBJECT,
                format!("CAP_NET_BIND_SERVICE missing, needed to listen on port {ports}"),
                "grant CAP_NET_BIND_SERVICE (systemd `AmbientCapabilities=`, a pod's \
                 `capabilities.add: [NET_BIND_SERVICE]`) or move the frontend to a port >= 1024",
            ));
        }
    }
    if has(cap_eff, CAP_SYS_NICE) {
        out.push(Finding::ok(
            SUBJECT,
            "CAP_SYS_NICE is effective (VRRP threads run real-time)",
        ));
    } else {
        out.push(Finding::warn(
            SUBJECT,
            "CAP_SYS_NICE missing: the VRRP threads cannot run real-time, and on a saturated host \
             late adverts can make a backup take over from a healthy master",
            "grant CAP_SYS_NICE (systemd `AmbientCapabilities=`, a pod's `capabilities.add: \
             [SYS_NICE]`)",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::finding::Severity;

    #[test]
    fn parses_the_effective_set() {
        let status = "Name:\tkubegate\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n\
                      CapEff:\t0000000000003000\nCapBnd:\t000001ffffffffff\n";
        assert_eq!(parse_cap_eff(status), Some(0x3000));
        assert_eq!(parse_cap_eff("CapEff:\tzz\n"), None);
        assert_eq!(parse_cap_eff("Name: x\n"), None);
    }

    fn severities(set: u64, low: &[u16]) -> Vec<(Severity, String)> {
        findings(set, low)
            .into_iter()
            .map(|f| (f.severity, f.found))
            .collect()
    }

    #[test]
    fn root_passes_everything() {
        let all = severities(0x1ff_ffff_ffff, &[443]);
        assert!(all.iter().all(|(s, _)| *s == Severity::Ok), "{all:?}");
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn missing_raw_fails_and_names_it() {
        let set = (1 << CAP_NET_ADMIN) | (1 << CAP_SYS_NICE);
        let f = severities(set, &[]);
        assert_eq!(f.len(), 2, "no low ports: no bind-service finding");
        assert_eq!(f[0].0, Severity::Fail);
        assert!(f[0].1.starts_with("CAP_NET_RAW missing"), "{}", f[0].1);
        assert_eq!(f[1].0, Severity::Ok);
    }

    #[test]
    fn low_port_without_bind_service_fails_and_no_nice_warns() {
        let set = (1 << CAP_NET_ADMIN) | (1 << CAP_NET_RAW);
        let f = severities(set, &[80, 443]);
        assert_eq!(f[0].0, Severity::Ok);
        assert_eq!(f[1].0, Severity::Fail);
        assert!(f[1].1.contains("port 80, 443"), "{}", f[1].1);
        assert_eq!(f[2].0, Severity::Warn);
        assert!(f[2].1.starts_with("CAP_SYS_NICE missing"));
    }
}

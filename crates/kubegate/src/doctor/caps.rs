//! Capabilities: what the process may do, read from `CapEff` in `/proc/self/status`, checked
//! against the one list the manifests grant (`crate::capabilities::GRANTED`).
//! CAP_NET_ADMIN (addresses, links) and CAP_NET_RAW (VRRP and ARP sockets) are required;
//! CAP_NET_BIND_SERVICE when a frontend listens below 1024; CAP_SYS_NICE is recommended (the
//! VRRP threads run real-time so adverts leave on time on a busy host).

use super::finding::Finding;
use crate::capabilities::{self as c, Capability};

/// Capability numbers of `linux/capability.h`.
pub const CAP_NET_BIND_SERVICE: u32 = c::CAP_NET_BIND_SERVICE.number;
pub const CAP_NET_ADMIN: u32 = c::CAP_NET_ADMIN.number;
pub const CAP_NET_RAW: u32 = c::CAP_NET_RAW.number;

const SUBJECT: &str = "capabilities";

/// How much doctor insists on a capability of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Without it kubegate cannot hold a VIP: a failure.
    Required,
    /// Needed only when a port below 1024 is bound: a failure then.
    LowPorts,
    /// kubegate runs without it, less well: a warning.
    Recommended,
}

/// What doctor asks of each capability the manifests grant. Exhaustive over
/// `capabilities::GRANTED` (a test holds it): doctor recommends nothing the files do not give.
pub fn need(cap: Capability) -> Need {
    match cap.number {
        CAP_NET_ADMIN | CAP_NET_RAW => Need::Required,
        CAP_NET_BIND_SERVICE => Need::LowPorts,
        _ => Need::Recommended,
    }
}

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

/// How to grant `names`, in the words of both generated files.
fn grant_hint(names: &[&str]) -> String {
    let pod: Vec<&str> = names
        .iter()
        .map(|n| n.strip_prefix("CAP_").unwrap_or(n))
        .collect();
    format!(
        "grant {} (the files of `kubegate manifest` do: systemd `AmbientCapabilities={}`, a \
         pod's `securityContext.capabilities.add: [{}]`)",
        names.join(" and "),
        c::systemd_list(),
        pod.join(", ")
    )
}

/// Findings for the effective set `cap_eff`; `low_ports` are the frontend and admin ports below
/// 1024 the daemon will bind.
pub fn findings(cap_eff: u64, low_ports: &[u16]) -> Vec<Finding> {
    let mut out = Vec::new();
    let required: Vec<Capability> = c::GRANTED
        .into_iter()
        .filter(|cap| need(*cap) == Need::Required)
        .collect();
    let missing: Vec<&str> = required
        .iter()
        .filter(|cap| !has(cap_eff, cap.number))
        .map(|cap| cap.name)
        .collect();
    if missing.is_empty() {
        let names: Vec<&str> = required.iter().map(|cap| cap.name).collect();
        out.push(Finding::ok(
            SUBJECT,
            format!(
                "{} are effective (VIP addresses, VRRP and ARP sockets)",
                names.join(" and ")
            ),
        ));
    } else {
        out.push(Finding::fail(
            SUBJECT,
            format!(
                "{} missing: kubegate cannot add VIPs or send VRRP adverts and gratuitous ARP",
                missing.join(" and ")
            ),
            format!("run as root, or {}", grant_hint(&missing)),
        ));
    }
    for cap in c::GRANTED {
        match need(cap) {
            Need::Required => {}
            Need::LowPorts if low_ports.is_empty() => {}
            Need::LowPorts => {
                let ports = low_ports
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                if has(cap_eff, cap.number) {
                    out.push(Finding::ok(
                        SUBJECT,
                        format!("{} is effective (ports {ports})", cap.name),
                    ));
                } else {
                    out.push(Finding::fail(
                        SUBJECT,
                        format!("{} missing, needed to listen on port {ports}", cap.name),
                        format!(
                            "{}, or move the frontend to a port >= 1024",
                            grant_hint(&[cap.name])
                        ),
                    ));
                }
            }
            Need::Recommended if has(cap_eff, cap.number) => out.push(Finding::ok(
                SUBJECT,
                format!("{} is effective ({})", cap.name, cap.used_for),
            )),
            Need::Recommended => out.push(Finding::warn(
                SUBJECT,
                format!(
                    "{} missing: the VRRP threads cannot run real-time, and on a saturated host \
                     late adverts can make a backup take over from a healthy master",
                    cap.name
                ),
                grant_hint(&[cap.name]),
            )),
        }
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
        let set = (1 << CAP_NET_ADMIN) | (1 << c::CAP_SYS_NICE.number);
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

    /// Every capability doctor reports on is one the manifests grant, and the other way round:
    /// a set holding exactly the granted ones passes every finding, and removing any one of
    /// them makes doctor name it.
    #[test]
    fn doctor_checks_exactly_what_the_manifests_grant() {
        let granted: u64 = c::GRANTED.iter().map(|cap| 1u64 << cap.number).sum();
        let all = severities(granted, &[443]);
        assert!(
            all.iter().all(|(s, _)| *s == Severity::Ok),
            "the granted set should pass every check, got {all:?}"
        );
        for cap in c::GRANTED {
            let without = severities(granted & !(1u64 << cap.number), &[443]);
            let named: Vec<_> = without
                .iter()
                .filter(|(s, found)| *s != Severity::Ok && found.contains(cap.name))
                .collect();
            assert_eq!(
                named.len(),
                1,
                "without {} doctor should name it once, got {without:?}",
                cap.name
            );
        }
        // What doctor would recommend beyond the list is nothing: a full set adds no finding
        // that the granted set lacks.
        assert_eq!(severities(u64::MAX, &[443]).len(), all.len());
    }
}

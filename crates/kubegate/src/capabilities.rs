//! The Linux capabilities kubegate runs with, as one list: the pod manifests and the systemd
//! unit grant exactly these, and `doctor` checks for exactly these, so what doctor recommends
//! is always what the generated files give.

/// One capability of `linux/capability.h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capability {
    /// `CAP_NET_ADMIN`: the name systemd's `AmbientCapabilities=` takes.
    pub name: &'static str,
    /// Its bit in the capability sets (`CapEff` of `/proc/PID/status`).
    pub number: u32,
    /// What kubegate does with it.
    pub used_for: &'static str,
}

impl Capability {
    /// `NET_ADMIN`: the name a pod's `securityContext.capabilities.add` takes.
    pub fn pod_name(&self) -> &'static str {
        self.name.strip_prefix("CAP_").unwrap_or(self.name)
    }
}

pub const CAP_NET_BIND_SERVICE: Capability = Capability {
    name: "CAP_NET_BIND_SERVICE",
    number: 10,
    used_for: "frontends and the admin endpoint on ports below 1024",
};
pub const CAP_NET_ADMIN: Capability = Capability {
    name: "CAP_NET_ADMIN",
    number: 12,
    used_for: "VIP addresses (netlink), TCP connection resets (sock_diag)",
};
pub const CAP_NET_RAW: Capability = Capability {
    name: "CAP_NET_RAW",
    number: 13,
    used_for: "VRRP sockets (IP protocol 112), gratuitous ARP and neighbour advertisements",
};
pub const CAP_SYS_NICE: Capability = Capability {
    name: "CAP_SYS_NICE",
    number: 23,
    used_for: "real-time (SCHED_RR) VRRP threads, so adverts leave on time on a busy host",
};

/// What the manifests grant (nothing else: the rest is dropped) and doctor checks, in this
/// order.
pub const GRANTED: [Capability; 4] = [
    CAP_NET_ADMIN,
    CAP_NET_RAW,
    CAP_NET_BIND_SERVICE,
    CAP_SYS_NICE,
];

/// `CAP_NET_ADMIN CAP_NET_RAW …`: systemd's form.
pub fn systemd_list() -> String {
    GRANTED.map(|c| c.name).join(" ")
}

/// `["NET_ADMIN", "NET_RAW", …]`: a pod's form, as a YAML flow sequence.
pub fn pod_list() -> String {
    let names = GRANTED.map(|c| format!("\"{}\"", c.pod_name()));
    format!("[{}]", names.join(", "))
}

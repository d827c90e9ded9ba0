//! The setups `kubegate lab` builds, as data: which hosts sit on the lab segment, which run a
//! fake apiserver, which run the balancer (kubegate, or keepalived + haproxy side by side),
//! the VIPs with their preferred holders, the address the client dials, and the kubegate
//! config file of each setup (written by the import's writer, the one writer of the schema).
//!
//! | topology | setup | hosts |
//! |---|---|---|
//! | `stacked` | S6 (kubeadm, k3s) | master1..3 each with an apiserver on :6443 and kubegate (VIP, frontend VIP:9443) |
//! | `lb-pair` | S3 / S4 | lb1, lb2 (one VIP, frontend VIP:6443), api1..3 apiserver hosts |
//! | `master-master` | S3 | lb1, lb2 with two VIPs, each preferred by one; api1..3 |
//! | `node-local` | S2 | kubegate on the client host on 127.0.0.1:6443; api1..3; no VIP |
//! | `bgp` | S7 | master1..3 each with an apiserver and a BGP announcer, an FRR router, the client behind it (built by [`crate::bgp_lab`]) |

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use kubegate_import::draft::{
    Draft, DraftBackend, DraftCheck, DraftCheckKind, DraftFrontend, DraftNode, DraftTrack, DraftVip,
};

/// The operator's token, in the lab's directory beside the CA (the stage writes it, 0600).
pub const TOKEN_FILE: &str = "admin.token";
/// The apiservers' port on every apiserver host.
pub const APISERVER_PORT: u16 = 6443;
/// VIP A (every VIP topology) and VIP B (master-master).
pub const VIP_A: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);
pub const VIP_B: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 60);
/// The client host.
pub const CLIENT: (&str, Ipv4Addr) = ("client", Ipv4Addr::new(198, 18, 0, 100));
/// Health checks run every this long in the lab (the product's default is 2 s): the
/// scenario's drain waits are then short. VRRP keeps its defaults.
pub const LAB_CHECK_INTERVAL: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    Stacked,
    LbPair,
    MasterMaster,
    NodeLocal,
    /// Routed: built and run by [`crate::bgp_lab`]; its [`Layout`] only names the nodes.
    Bgp,
}

impl Topology {
    pub const ALL: [Topology; 4] = [
        Topology::Stacked,
        Topology::LbPair,
        Topology::MasterMaster,
        Topology::NodeLocal,
    ];

    /// Every topology `kubegate lab --topology` takes: [`Topology::ALL`] (one segment, VRRP
    /// or none) and `bgp`.
    pub const EVERY: [Topology; 5] = [
        Topology::Stacked,
        Topology::LbPair,
        Topology::MasterMaster,
        Topology::NodeLocal,
        Topology::Bgp,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Topology::Stacked => "stacked",
            Topology::LbPair => "lb-pair",
            Topology::MasterMaster => "master-master",
            Topology::NodeLocal => "node-local",
            Topology::Bgp => "bgp",
        }
    }

    pub fn parse(name: &str) -> Option<Topology> {
        Self::EVERY.into_iter().find(|t| t.name() == name)
    }

    /// The setup of the design this topology stands for.
    pub fn setup(self) -> &'static str {
        match self {
            Topology::Stacked => "S6: three masters, apiserver :6443, balancer :9443, one VIP",
            Topology::LbPair => "S3/S4: an LB pair with one VIP in front of three apiservers",
            Topology::MasterMaster => "S3: an LB pair with two VIPs, each LB preferred for one",
            Topology::NodeLocal => "S2: a balancer on the client on 127.0.0.1:6443, no VIP",
            Topology::Bgp => "S7: three nodes announce the VIP to a router over BGP (ECMP)",
        }
    }
}

/// A VIP of a topology: its balancer hosts by priority, highest (the preferred holder) first.
#[derive(Debug, Clone)]
pub struct LabVip {
    pub name: &'static str,
    pub address: Ipv4Addr,
    pub vrid: u8,
    pub by_priority: Vec<&'static str>,
}

/// Everything about where things run in one topology.
#[derive(Debug, Clone)]
pub struct Layout {
    pub topology: Topology,
    /// Every host but the client (added by the lab).
    pub hosts: Vec<(&'static str, Ipv4Addr)>,
    pub apiservers: Vec<&'static str>,
    /// Hosts running the balancer (and the VRRP speaker when there are VIPs).
    pub balancers: Vec<&'static str>,
    pub vips: Vec<LabVip>,
    /// The port of the balancer's frontend.
    pub frontend_port: u16,
    /// The address the client dials (and the SAN it checks).
    pub target: SocketAddr,
}

fn host(name: &'static str, last: u8) -> (&'static str, Ipv4Addr) {
    (name, Ipv4Addr::new(198, 18, 0, last))
}

impl Layout {
    pub fn of(topology: Topology) -> Layout {
        let apis = vec![host("api1", 11), host("api2", 12), host("api3", 13)];
        let lbs = vec![host("lb1", 21), host("lb2", 22)];
        let vip_a = |order: Vec<&'static str>| LabVip {
            name: "api",
            address: VIP_A,
            vrid: 51,
            by_priority: order,
        };
        match topology {
            Topology::Stacked => {
                let masters = vec![
                    host("master1", 11),
                    host("master2", 12),
                    host("master3", 13),
                ];
                let names: Vec<&'static str> = masters.iter().map(|h| h.0).collect();
                Layout {
                    topology,
                    hosts: masters,
                    apiservers: names.clone(),
                    balancers: names.clone(),
                    vips: vec![vip_a(names)],
                    frontend_port: 9443,
                    target: SocketAddr::from((VIP_A, 9443)),
                }
            }
            Topology::LbPair | Topology::MasterMaster => {
                let mut vips = vec![vip_a(vec!["lb1", "lb2"])];
                if topology == Topology::MasterMaster {
                    vips.push(LabVip {
                        name: "api-b",
                        address: VIP_B,
                        vrid: 61,
                        by_priority: vec!["lb2", "lb1"],
                    });
                }
                Layout {
                    topology,
                    hosts: lbs.into_iter().chain(apis).collect(),
                    apiservers: vec!["api1", "api2", "api3"],
                    balancers: vec!["lb1", "lb2"],
                    vips,
                    frontend_port: APISERVER_PORT,
                    target: SocketAddr::from((VIP_A, APISERVER_PORT)),
                }
            }
            Topology::Bgp => {
                let nodes: Vec<(&'static str, Ipv4Addr)> = crate::bgp_lab::NODES.to_vec();
                let names: Vec<&'static str> = nodes.iter().map(|h| h.0).collect();
                Layout {
                    topology,
                    hosts: nodes,
                    apiservers: names.clone(),
                    balancers: names,
                    vips: Vec::new(),
                    frontend_port: crate::bgp_lab::PORT,
                    target: SocketAddr::from((crate::bgp_lab::VIP, crate::bgp_lab::PORT)),
                }
            }
            Topology::NodeLocal => Layout {
                topology,
                hosts: apis,
                apiservers: vec!["api1", "api2", "api3"],
                balancers: vec![CLIENT.0],
                vips: Vec::new(),
                frontend_port: APISERVER_PORT,
                target: SocketAddr::from((Ipv4Addr::LOCALHOST, APISERVER_PORT)),
            },
        }
    }

    pub fn address_of(&self, name: &str) -> Option<Ipv4Addr> {
        self.hosts
            .iter()
            .chain([&CLIENT])
            .find(|h| h.0 == name)
            .map(|h| h.1)
    }

    /// The apiservers' addresses and port, in host order.
    pub fn backends(&self) -> Vec<SocketAddr> {
        self.apiservers
            .iter()
            .filter_map(|a| self.address_of(a))
            .map(|ip| SocketAddr::from((ip, APISERVER_PORT)))
            .collect()
    }

    /// The SANs of every apiserver's certificate: its own address, the VIPs, and 127.0.0.1
    /// for node-local balancers (as kubeasz and kubespray add it).
    pub fn sans(&self, apiserver: &str) -> Vec<String> {
        let mut sans: Vec<String> = self
            .address_of(apiserver)
            .into_iter()
            .map(|a| a.to_string())
            .collect();
        sans.extend(self.vips.iter().map(|v| v.address.to_string()));
        match self.topology {
            Topology::NodeLocal => sans.push(Ipv4Addr::LOCALHOST.to_string()),
            Topology::Bgp => sans.push(self.target.ip().to_string()),
            _ => {}
        }
        sans
    }

    /// The address whose SAN the client checks.
    pub fn server_name(&self) -> IpAddr {
        self.target.ip()
    }

    /// The frontends: one per VIP bound on it, or one on 127.0.0.1 without VIPs.
    fn frontend_binds(&self) -> Vec<(String, SocketAddr)> {
        if self.vips.is_empty() {
            return vec![("api".into(), self.target)];
        }
        self.vips
            .iter()
            .map(|v| {
                (
                    v.name.to_string(),
                    SocketAddr::from((v.address, self.frontend_port)),
                )
            })
            .collect()
    }

    /// The kubegate file of this topology: VRRP with the product's defaults, each VIP
    /// tracking its frontend, https `/readyz` checks verified against `ca_file`, and the
    /// operator's token in [`TOKEN_FILE`] beside it. `without` leaves backends out (a reload
    /// that removes an apiserver).
    pub fn kubegate_config(&self, ca_file: &Path, without: &[&str]) -> String {
        self.kubegate_config_with(ca_file, without, false)
    }

    /// [`Layout::kubegate_config`], with each VIP's priorities reversed when `swapped` (its
    /// least preferred holder first): a reload that moves the VIPs.
    pub fn kubegate_config_with(&self, ca_file: &Path, without: &[&str], swapped: bool) -> String {
        kubegate_import::emit::write(&self.draft(ca_file, without, swapped))
    }

    /// The same file as data, for the import's writer.
    fn draft(&self, ca_file: &Path, without: &[&str], swapped: bool) -> Draft {
        let mut draft = Draft {
            admin_token_file: Some(ca_file.with_file_name(TOKEN_FILE).display().to_string()),
            ..Draft::default()
        };
        if !self.vips.is_empty() {
            draft.nodes = self
                .balancers
                .iter()
                .map(|name| DraftNode {
                    name: name.to_string(),
                    address: IpAddr::V4(self.address_of(name).unwrap_or(Ipv4Addr::UNSPECIFIED)),
                    origin: None,
                })
                .collect();
        }
        draft.vips = self
            .vips
            .iter()
            .map(|v| {
                let mut vip = DraftVip::new(v.name, format!("{}/24", v.address), v.vrid);
                let mut order = v.by_priority.clone();
                if swapped {
                    order.reverse();
                }
                vip.priority = order
                    .iter()
                    .zip([150, 100, 50])
                    .map(|(n, p)| (n.to_string(), p))
                    .collect();
                vip.track = vec![DraftTrack::frontend(v.name)];
                vip
            })
            .collect();
        let backends: Vec<DraftBackend> = self
            .apiservers
            .iter()
            .filter(|a| !without.contains(a))
            .filter_map(|a| self.address_of(a))
            .map(|ip| DraftBackend {
                address: SocketAddr::from((ip, APISERVER_PORT)).to_string(),
                weight: None,
                name: None,
                origin: None,
            })
            .collect();
        draft.frontends = self
            .frontend_binds()
            .into_iter()
            .map(|(name, bind)| {
                let mut f = DraftFrontend::new(name, bind.to_string());
                f.backends = backends.clone();
                f.check = Some(DraftCheck {
                    kind: DraftCheckKind::Https {
                        path: "/readyz".into(),
                    },
                    interval: Some(LAB_CHECK_INTERVAL),
                    timeout: None,
                    rise: None,
                    fall: None,
                    statuses: Vec::new(),
                    ca_file: Some(ca_file.display().to_string()),
                });
                f
            })
            .collect();
        draft
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topology_has_a_valid_kubegate_file() {
        for t in Topology::ALL {
            assert_eq!(Topology::parse(t.name()), Some(t));
            let layout = Layout::of(t);
            let text = layout.kubegate_config(Path::new("/etc/kubegate/ca.pem"), &[]);
            let parsed = kubegate_config::parse_str(&text, Path::new("lab.yaml"));
            assert!(parsed.is_ok(), "{}: {parsed:?}\n{text}", t.name());
            for api in &layout.apiservers {
                assert!(layout.sans(api).contains(&layout.server_name().to_string()));
            }
        }
        let mm = Layout::of(Topology::MasterMaster).kubegate_config(Path::new("/ca"), &["api3"]);
        assert!(mm.contains("priority: { lb2: 150, lb1: 100 }"), "{mm}");
        assert!(mm.contains("bind: 198.18.0.60:6443"), "{mm}");
        assert!(!mm.contains("198.18.0.13:6443"), "{mm}");
        assert_eq!(Topology::parse("ring"), None);
        assert_eq!(Topology::parse("bgp"), Some(Topology::Bgp));
        assert!(
            !Topology::ALL.contains(&Topology::Bgp),
            "bgp has its own scenario"
        );
        let bgp = Layout::of(Topology::Bgp);
        assert_eq!(bgp.backends().len(), 3);
        assert!(bgp.sans("master1").contains(&"198.18.10.50".to_string()));
    }

    #[test]
    fn a_ca_path_that_yaml_would_misread_is_quoted() {
        let ca = Path::new("/tmp/lab #1/ca: yes.pem");
        let text = Layout::of(Topology::LbPair).kubegate_config(ca, &[]);
        let cfg = kubegate_config::parse_str(&text, Path::new("lab.yaml"))
            .unwrap_or_else(|e| panic!("expected a valid file, got {e}\n{text}"));
        let kubegate_config::model::CheckKind::Http { tls: Some(tls), .. } =
            &cfg.frontends[0].check.kind
        else {
            panic!("expected an https check, got {:?}", cfg.frontends[0].check);
        };
        assert_eq!(tls.ca_file.as_deref(), Some(ca), "{text}");
    }
}

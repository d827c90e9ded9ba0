//! `kubegate doctor`'s certificate check, its pure parts: which backends are apiservers, which
//! names their certificates must hold, reading SubjectAltNames from real certificates (made
//! with the lab CA), and the finding with its advice.

use std::net::SocketAddr;
use std::path::Path;

use kubegate::doctor::sans::{self, Apiserver, SanName};
use kubegate::doctor::Severity;
use kubegate_config::model::ClusterConfig;
use kubegate_lab::apiserver::LabCa;

fn cfg(text: &str) -> ClusterConfig {
    kubegate_config::parse_str(text, Path::new("t.yaml")).expect("valid config")
}

const NODES: &str =
    "nodes:\n  - { name: m1, address: 198.18.0.11 }\n  - { name: m2, address: 198.18.0.12 }\n";

fn addrs(list: &[Apiserver]) -> Vec<String> {
    list.iter().map(|a| a.address.to_string()).collect()
}

fn names(cfg: &ClusterConfig) -> Vec<String> {
    sans::wanted(cfg)
        .iter()
        .map(|w| format!("{} ({})", w.name, w.why))
        .collect()
}

#[test]
fn apiservers_are_https_checked_backends_and_port_6443() {
    let c = cfg(&format!(
        "{NODES}vips:\n  - {{ name: api, address: 198.18.0.50/24, vrrp: {{ vrid: 51 }} }}\n  \
         - {{ name: ingress, address: 198.18.0.60/24, vrrp: {{ vrid: 52 }} }}\n\
         frontends:\n  - name: api\n    bind: 198.18.0.50:8443\n    backends: [198.18.0.11:9443, 198.18.0.12:9443]\n    \
         check: {{ https: /readyz }}\n  - name: raw\n    bind: 198.18.0.50:7443\n    backends: [198.18.0.13:6443, 198.18.0.14:7000]\n  \
         - name: http\n    bind: 198.18.0.60:80\n    backends: [198.18.0.11:30080]\n"
    ));
    let extra: SocketAddr = "198.18.0.20:6443".parse().unwrap();
    assert_eq!(
        addrs(&sans::apiservers(
            &c,
            &[extra, "198.18.0.11:9443".parse().unwrap()]
        )),
        [
            "198.18.0.11:9443",
            "198.18.0.12:9443",
            "198.18.0.13:6443",
            "198.18.0.20:6443"
        ],
        "the https frontend's backends, the one on 6443, then --apiserver without repeats"
    );
    assert_eq!(
        names(&c),
        ["198.18.0.50 (VIP api)"],
        "the ingress VIP fronts no apiserver"
    );
}

#[test]
fn a_vip_without_frontends_means_the_nodes_apiservers_and_every_vip() {
    let c = cfg(&format!(
        "{NODES}vips:\n  - {{ name: api, address: 198.18.0.50/24, vrrp: {{ vrid: 51 }} }}\n"
    ));
    assert_eq!(
        addrs(&sans::apiservers(&c, &[])),
        ["198.18.0.11:6443", "198.18.0.12:6443"]
    );
    assert_eq!(names(&c), ["198.18.0.50 (VIP api)"]);
}

#[test]
fn node_local_balancer_wants_its_bind_address_and_server_name() {
    let c = cfg(
        "frontends:\n  - name: local\n    bind: 127.0.0.1:6443\n    \
         backends: [198.18.0.11:6443]\n    check: { https: /readyz, server_name: Kubernetes.default }\n",
    );
    assert_eq!(
        names(&c),
        [
            "127.0.0.1 (bind address of frontend local)",
            "kubernetes.default (server_name of frontend local's check)"
        ]
    );
    let servers = sans::apiservers(&c, &[]);
    assert_eq!(
        servers[0].server_name.as_deref(),
        Some("Kubernetes.default")
    );
}

#[test]
fn a_wildcard_bind_wants_every_vip() {
    let c = cfg(&format!(
        "{NODES}vips:\n  - {{ name: a, address: 198.18.0.50/24, vrrp: {{ vrid: 51 }} }}\n  \
         - {{ name: b, address: 198.18.0.51/24, vrrp: {{ vrid: 52 }} }}\n\
         frontends:\n  - {{ name: api, bind: '0.0.0.0:8443', backends: [198.18.0.11:6443] }}\n"
    ));
    assert_eq!(names(&c), ["198.18.0.50 (VIP a)", "198.18.0.51 (VIP b)"]);
}

fn cert_sans(list: &[&str]) -> sans::Sans {
    let ca = LabCa::new("kubernetes").unwrap();
    let id = ca
        .issue_server(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .unwrap();
    let (chain, _) = id.rustls_pair();
    sans::sans_of(&chain[0]).unwrap()
}

#[test]
fn reads_ip_and_dns_sans_of_a_certificate() {
    let s = cert_sans(&[
        "198.18.0.11",
        "2001:2::11",
        "kubernetes.default.svc",
        "*.apps.lab",
    ]);
    assert_eq!(
        s.ips,
        [
            "198.18.0.11".parse::<std::net::IpAddr>().unwrap(),
            "2001:2::11".parse().unwrap()
        ]
    );
    assert_eq!(s.dns, ["kubernetes.default.svc", "*.apps.lab"]);
    assert!(
        sans::holds(&s, &SanName::Dns("API.apps.lab".into())),
        "wildcard, any case"
    );
    assert!(
        !sans::holds(&s, &SanName::Dns("a.b.apps.lab".into())),
        "one label only"
    );
    assert!(!sans::holds(
        &s,
        &SanName::Ip("198.18.0.50".parse().unwrap())
    ));
    assert!(sans::sans_of(b"not a certificate").is_err());
}

#[test]
fn missing_vip_fails_naming_it_with_kubeadm_and_k3s_advice() {
    let c = cfg(&format!(
        "{NODES}vips:\n  - {{ name: api, address: 198.18.0.50/24, vrrp: {{ vrid: 51 }} }}\n"
    ));
    let wanted = sans::wanted(&c);
    let server = &sans::apiservers(&c, &[])[1];
    let f = sans::finding(server, Ok(cert_sans(&["198.18.0.12"])), &wanted);
    assert_eq!(f.severity, Severity::Fail);
    assert_eq!(f.subject, "certificate 198.18.0.12:6443");
    assert!(
        f.found
            .starts_with("VIP api 198.18.0.50 not among its SANs (198.18.0.12)"),
        "{}",
        f.found
    );
    assert!(f.advice.contains("apiServer.certSANs"), "{}", f.advice);
    assert!(
        f.advice.contains("kubeadm init phase certs apiserver"),
        "{}",
        f.advice
    );
    assert!(f.advice.contains("--tls-san 198.18.0.50"), "{}", f.advice);

    let f = sans::finding(
        server,
        Ok(cert_sans(&["198.18.0.12", "198.18.0.50"])),
        &wanted,
    );
    assert_eq!(f.severity, Severity::Ok, "{f:?}");

    let f = sans::finding(server, Err("connection refused".into()), &wanted);
    assert_eq!(f.severity, Severity::Warn);
    assert!(f.found.contains("connection refused"));
    assert!(f.advice.contains("--apiserver"));
}

#[test]
fn every_address_of_a_vip_is_wanted() {
    let c = cfg(&format!(
        "{NODES}vips:\n  - {{ name: api, addresses: [198.18.0.50/24, 198.18.0.51/24], vrrp: {{ vrid: 51 }} }}\n"
    ));
    assert_eq!(
        names(&c),
        ["198.18.0.50 (VIP api)", "198.18.0.51 (VIP api)"]
    );
}

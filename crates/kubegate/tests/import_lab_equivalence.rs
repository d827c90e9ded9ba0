//! `kubegate import` of the files the lab writes for its keepalived + haproxy comparison (one
//! keepalived.conf and one haproxy.cfg per balancer host, as the field keeps them): the
//! translated file must describe the same cluster as the lab's own kubegate file of each
//! topology — the same nodes, VIPs, VRIDs, priority order and backends — and keep what the
//! keepalived files said about VRRP (version 2, 1 s, multicast, PASS).

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use kubegate_config::model::{ClusterConfig, TrackerKind, Transport, Version};
use kubegate_config::parse_str;
use kubegate_import::{import, ImportOptions, Imported, Source};
use kubegate_lab::compare;
use kubegate_lab::topologies::{Layout, Topology};

/// Every balancer host's files, named as they would be copied off the hosts.
fn field_files(layout: &Layout) -> Vec<Source> {
    let mut out = Vec::new();
    for host in &layout.balancers {
        if !layout.vips.is_empty() {
            out.push(Source {
                name: format!("{host}/keepalived.conf"),
                text: compare::keepalived_conf(layout, host),
            });
        }
        out.push(Source {
            name: format!("{host}/haproxy.cfg"),
            text: compare::haproxy_cfg(layout),
        });
    }
    out
}

/// What keepalived multicast files cannot say: each balancer host's address.
fn node_addresses(layout: &Layout) -> ImportOptions {
    ImportOptions {
        nodes: layout
            .balancers
            .iter()
            .filter_map(|h| Some((h.to_string(), IpAddr::V4(layout.address_of(h)?))))
            .collect(),
    }
}

fn imported(layout: &Layout, options: &ImportOptions) -> (Imported, ClusterConfig) {
    let done = import(&field_files(layout), options).unwrap_or_else(|notes| {
        let lines: Vec<String> = notes.iter().map(ToString::to_string).collect();
        panic!(
            "{:?}: import failed:\n{}",
            layout.topology,
            lines.join("\n")
        )
    });
    let cfg = parse_str(&done.text, Path::new("imported.yaml"))
        .unwrap_or_else(|e| panic!("{e}\n{}", done.text));
    (done, cfg)
}

fn lab_config(layout: &Layout) -> ClusterConfig {
    let text = layout.kubegate_config(Path::new("/etc/kubegate/ca.pem"), &[]);
    parse_str(&text, Path::new("lab.yaml")).expect("the lab's own file is valid")
}

fn backends(cfg: &ClusterConfig) -> BTreeSet<SocketAddr> {
    cfg.frontends
        .iter()
        .flat_map(|f| f.backends.iter().map(|b| b.address))
        .collect()
}

/// Node names from highest to lowest priority.
fn ranking(v: &kubegate_config::model::Vip) -> Vec<String> {
    let mut by: Vec<(&String, &u8)> = v.vrrp.priority.iter().collect();
    by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    by.into_iter().map(|(n, _)| n.clone()).collect()
}

fn assert_same_cluster(topology: Topology, options: &ImportOptions) -> ClusterConfig {
    let layout = Layout::of(topology);
    let (done, got) = imported(&layout, options);
    let want = lab_config(&layout);
    let text = &done.text;
    let nodes = |c: &ClusterConfig| -> Vec<(String, IpAddr)> {
        c.nodes
            .iter()
            .map(|n| (n.name.clone(), n.address))
            .collect()
    };
    assert_eq!(nodes(&got), nodes(&want), "{text}");
    assert_eq!(got.vips.len(), want.vips.len(), "{text}");
    for (g, w) in got.vips.iter().zip(&want.vips) {
        assert_eq!(
            (g.address, g.prefix_len),
            (w.address, w.prefix_len),
            "{text}"
        );
        assert_eq!(g.vrrp.vrid, w.vrrp.vrid, "{text}");
        assert_eq!(ranking(g), ranking(w), "{text}");
        // What the keepalived files said, kept: VRRPv2, 1 s adverts, multicast, PASS.
        assert_eq!(g.vrrp.version, Version::V2, "{text}");
        assert_eq!(g.vrrp.advert_interval, Duration::from_secs(1), "{text}");
        assert_eq!(g.vrrp.transport, Transport::Multicast, "{text}");
        assert_eq!(g.vrrp.auth_pass, Some(*b"1111\0\0\0\0"), "{text}");
        // The script that looked for haproxy's port became a tracker of the frontend.
        assert!(
            g.track
                .iter()
                .any(|t| matches!(&t.kind, TrackerKind::Frontend(f)
                    if got.frontends.iter().any(|fr| &fr.name == f))),
            "{text}"
        );
        assert!(
            !g.track
                .iter()
                .any(|t| matches!(t.kind, TrackerKind::Script(_))),
            "{text}"
        );
    }
    assert_eq!(backends(&got), backends(&want), "{text}");
    got
}

#[test]
fn stacked_masters_need_no_addresses_the_server_names_tell_them() {
    let got = assert_same_cluster(Topology::Stacked, &ImportOptions::default());
    let f = &got.frontends[0];
    assert_eq!(f.bind, "0.0.0.0:9443".parse::<SocketAddr>().unwrap());
    // keepalived-on-masters-weight.conf: weight 11 while haproxy listens; kept.
    let weights: Vec<i16> = got.vips[0].track.iter().map(|t| t.weight).collect();
    assert_eq!(weights, [11]);
}

#[test]
fn lb_pair_with_the_node_addresses_given() {
    let got = assert_same_cluster(
        Topology::LbPair,
        &node_addresses(&Layout::of(Topology::LbPair)),
    );
    let layout = Layout::of(Topology::LbPair);
    let vip = layout.vips[0].address;
    assert_eq!(
        got.frontends[0].bind,
        SocketAddr::from((vip, layout.frontend_port))
    );
    // No weight in the pair's files: the frontend tracker steps aside instead of FAULT, by
    // the pair's priority span + 2 (100 - 50 + 2), so the VIP never leaves both nodes.
    assert_eq!(
        got.vips[0].track[0].weight, -52,
        "{:?}",
        got.vips[0].track[0]
    );
}

#[test]
fn master_master_gives_each_vip_its_frontend() {
    let layout = Layout::of(Topology::MasterMaster);
    let got = assert_same_cluster(Topology::MasterMaster, &node_addresses(&layout));
    let binds: BTreeSet<SocketAddr> = got.frontends.iter().map(|f| f.bind).collect();
    let want: BTreeSet<SocketAddr> = layout
        .vips
        .iter()
        .map(|v| SocketAddr::from((v.address, layout.frontend_port)))
        .collect();
    assert_eq!(binds, want);
    for v in &got.vips {
        let TrackerKind::Frontend(name) = &v.track[0].kind else {
            panic!("{v:?}")
        };
        let f = got.frontends.iter().find(|f| &f.name == name).unwrap();
        assert_eq!(
            f.bind.ip(),
            v.address,
            "each VIP tracks the frontend on its address"
        );
    }
}

#[test]
fn node_local_is_frontends_only() {
    let got = assert_same_cluster(Topology::NodeLocal, &ImportOptions::default());
    assert!(got.nodes.is_empty() && got.vips.is_empty());
    assert_eq!(
        got.frontends[0].bind,
        "127.0.0.1:6443".parse::<SocketAddr>().unwrap()
    );
}

#[test]
fn lb_pair_without_addresses_says_how_to_give_them() {
    let layout = Layout::of(Topology::LbPair);
    let notes = import(&field_files(&layout), &ImportOptions::default())
        .expect_err("multicast keepalived files do not name the hosts' addresses");
    let text: Vec<String> = notes.iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|n| n.contains("--node lb1=")),
        "{}",
        text.join("\n")
    );
}

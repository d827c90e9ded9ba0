//! `kubegate manifest systemd`: the unit, read back as INI sections of `Key=value` lines, holds
//! what the daemon needs (Type=notify, the ambient capabilities doctor checks and nothing more, a stop
//! timeout longer than handover plus drain) and refuses paths its sandbox hides.

use std::collections::BTreeMap;
use std::path::Path;

use kubegate::manifest::{self, Kind, Options};
use kubegate_config::{self as config, model::ClusterConfig};

/// Section → key → values (a key may repeat); comments and blank lines skipped.
type Unit = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn parse_unit(text: &str) -> Unit {
    let mut unit = Unit::new();
    let mut section = None;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.to_string());
            unit.entry(name.to_string()).or_default();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not Key=value: {line}"));
        let section = section
            .as_ref()
            .unwrap_or_else(|| panic!("before a section: {line}"));
        unit.get_mut(section)
            .unwrap()
            .entry(key.to_string())
            .or_default()
            .push(value.to_string());
    }
    unit
}

fn one<'a>(unit: &'a Unit, section: &str, key: &str) -> &'a str {
    let values = &unit[section][key];
    assert_eq!(values.len(), 1, "{section}.{key}: {values:?}");
    &values[0]
}

fn load(example: &str) -> ClusterConfig {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(example);
    kubegate::host::load_config(&p).unwrap()
}

fn render(cluster: &ClusterConfig, path: &str) -> Unit {
    parse_unit(&manifest::render(Kind::Systemd, cluster, &Options::new(path)).unwrap())
}

#[test]
fn with_an_admin_token_systemctl_reload_runs_kubegate_reload() {
    let yaml = "frontends:
  - { name: api, bind: 127.0.0.1:6443, backends: [10.0.0.1:6443] }
admin:
  bind: 0.0.0.0:9099
  token_file: /etc/kubegate/admin-token
";
    let cluster = config::parse_str(yaml, Path::new("k.yaml")).unwrap();
    let unit = render(&cluster, "/etc/kubegate/kubegate.yaml");
    // The address and token are in the unit: a broken file still reaches the daemon.
    assert_eq!(
        one(&unit, "Service", "ExecReload"),
        "/usr/bin/kubegate reload --admin 127.0.0.1:9099 --token-file \
         /etc/kubegate/admin-token"
    );
}

#[test]
fn service_keys() {
    for example in [
        "three-masters.yaml",
        "node-local.yaml",
        "lb-pair-with-ingress.yaml",
    ] {
        let unit = render(&load(example), "/etc/kubegate/kubegate.yaml");
        assert_eq!(
            unit.keys().collect::<Vec<_>>(),
            ["Install", "Service", "Unit"]
        );
        let s = |k| one(&unit, "Service", k);
        assert_eq!(s("Type"), "notify");
        assert_eq!(
            s("ExecStart"),
            "/usr/bin/kubegate run --config /etc/kubegate/kubegate.yaml"
        );
        assert_eq!(s("ExecReload"), "/bin/kill -HUP $MAINPID");
        let caps = "CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE CAP_SYS_NICE";
        assert_eq!(caps, kubegate::capabilities::systemd_list());
        assert_eq!(s("AmbientCapabilities"), caps);
        assert_eq!(s("CapabilityBoundingSet"), caps);
        // The packages' system user, not root: only the ambient capabilities above.
        assert_eq!(s("User"), "kubegate");
        assert_eq!(s("Group"), "kubegate");
        assert_eq!(s("NoNewPrivileges"), "yes");
        assert_eq!(s("ProtectSystem"), "strict");
        assert_eq!(s("ProtectHome"), "yes");
        assert_eq!(s("Restart"), "always");
        assert_eq!(s("RestartSec"), "1");
        assert_eq!(s("LimitNOFILE"), "1048576");
        assert_eq!(s("KillMode"), "mixed");
        assert_eq!(one(&unit, "Install", "WantedBy"), "multi-user.target");
        assert_eq!(one(&unit, "Unit", "After"), "network-online.target");
        assert!(one(&unit, "Unit", "Before")
            .split(' ')
            .any(|u| u == "kubelet.service"));
    }
}

/// Handover plus the longest drain plus a margin, in whole seconds.
#[test]
fn stop_timeout_covers_the_drain() {
    let stop = |cluster: &ClusterConfig| -> u64 {
        one(
            &render(cluster, "/etc/kubegate/k.yaml"),
            "Service",
            "TimeoutStopSec",
        )
        .parse()
        .unwrap()
    };
    // Frontends only, default drain 30 s: 30 + 10.
    assert_eq!(stop(&load("node-local.yaml")), 40);
    // A v3 VIP at the default 200 ms tracking its frontend (the offer to ready nodes, 0.9 s,
    // then priority 0 and at most 1 s), default drain: 0.9 + 1 + 30 + 10, rounded up.
    assert_eq!(stop(&load("lb-pair-with-ingress.yaml")), 42);
    // VIPs only (v2, 1 s adverts: handover at most 4 s): 4 + 10.
    assert_eq!(stop(&load("three-masters.yaml")), 14);

    let text = "\
frontends:
  - { name: a, bind: 127.0.0.1:6443, backends: [10.0.0.51:6443], timeouts: { drain: 2m } }
  - { name: b, bind: 127.0.0.1:7443, backends: [10.0.0.51:6443], timeouts: { drain: 1500ms } }
";
    let cluster = config::parse_str(text, Path::new("drain.yaml")).unwrap();
    assert_eq!(stop(&cluster), 130);

    // A BGP VIP: its withdrawal (at most 2 s) and the routers' pause (1 s), then the default
    // drain: 3 + 30 + 10.
    let bgp = "\
nodes: [ { name: kg1, address: 198.18.0.11 } ]
bgp: { asn: 64512, peers: [ { address: 198.18.0.1, asn: 64500 } ] }
vips: [ { name: api, address: 198.18.10.50/32, bgp: {} } ]
frontends: [ { name: api, bind: \"198.18.10.50:6443\", backends: [198.18.0.11:6443] } ]
";
    let cluster = config::parse_str(bgp, Path::new("bgp.yaml")).unwrap();
    assert_eq!(stop(&cluster), 43);
}

#[test]
fn odd_paths_are_quoted_for_systemd() {
    let unit = render(&load("node-local.yaml"), "/etc/kube gate/50%.yaml");
    assert_eq!(
        one(&unit, "Service", "ExecStart"),
        "/usr/bin/kubegate run --config \"/etc/kube gate/50%%.yaml\""
    );
}

#[test]
fn paths_hidden_by_the_sandbox_are_refused() {
    let cluster = load("node-local.yaml");
    for path in ["/root/kubegate.yaml", "/home/ops/k.yaml", "/tmp/k/k.yaml"] {
        let e = manifest::render(Kind::Systemd, &cluster, &Options::new(path)).unwrap_err();
        assert!(e.to_string().contains(path), "{e}");
        assert!(e.to_string().contains("ProtectHome"), "{e}");
        // Pods mount the directory, so there it is fine.
        assert!(manifest::render(Kind::StaticPod, &cluster, &Options::new(path)).is_ok());
    }
    let text = "\
frontends:
  - name: api
    bind: 127.0.0.1:6443
    backends: [10.0.0.51:6443]
    check: { https: /readyz, ca_file: /root/ca.crt }
";
    let cluster = config::parse_str(text, Path::new("ca.yaml")).unwrap();
    let e = manifest::render(
        Kind::Systemd,
        &cluster,
        &Options::new("/etc/kubegate/k.yaml"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("/root/ca.crt"), "{e}");
}

#[test]
fn scripts_are_warned_about() {
    let w = manifest::warnings(Kind::Systemd, &load("three-masters.yaml"));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("killall -0 kube-apiserver") && w[0].contains("ProtectSystem"));
    assert!(manifest::warnings(Kind::Systemd, &load("node-local.yaml")).is_empty());
}

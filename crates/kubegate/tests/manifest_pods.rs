//! `kubegate manifest static-pod | daemonset`: for every example file, the output deserialises
//! into the Kubernetes API types, and the fields that make kubegate work (host network, exactly
//! the capabilities doctor checks, the config mounted read-only at its own path or shipped in a
//! ConfigMap, placement on control-plane nodes of old and new clusters) are there; configs the
//! image cannot run (script trackers) are refused unless an image is named.

use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kubegate::manifest::{self, Kind, Liveness, Options};
use kubegate_config::{self as config, model::ClusterConfig};

fn examples() -> Vec<(PathBuf, ClusterConfig)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let cluster =
                kubegate::host::load_config(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, cluster)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= 6,
        "examples/ should hold the six setups' files"
    );
    out
}

/// The path the file is said to have on the nodes.
fn node_path(example: &Path) -> PathBuf {
    Path::new("/etc/kubegate").join(example.file_name().unwrap())
}

/// Deserialises into the API type `T`, and checks nothing was dropped on the way: the API types
/// skip keys they do not know, so the typed value, serialised again, must equal the document.
fn parse_typed<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> T {
    let typed: T = serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let plain: serde_json::Value = serde_saphyr::from_str(text).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), plain, "{text}");
    typed
}

fn parse_pod(text: &str) -> Pod {
    parse_typed(text)
}

fn parse_daemonset(text: &str) -> DaemonSet {
    parse_typed(text)
}

/// What every kubegate pod spec must hold.
fn assert_pod_spec(spec: &PodSpec, cluster: &ClusterConfig, config: &Path, image: &str) {
    assert_eq!(spec.host_network, Some(true));
    assert_eq!(
        spec.priority_class_name.as_deref(),
        Some("system-node-critical")
    );
    assert_eq!(spec.automount_service_account_token, Some(false));
    let grace = spec.termination_grace_period_seconds.unwrap();
    assert_eq!(grace as u64, manifest::stop_timeout(cluster).as_secs());
    let drain = cluster.frontends.iter().map(|f| f.timeouts.drain).max();
    assert!(Duration::from_secs(grace as u64) > drain.unwrap_or_default());

    assert_eq!(spec.containers.len(), 1);
    let c = &spec.containers[0];
    assert_eq!(c.image.as_deref(), Some(image));
    assert_eq!(
        c.args.as_deref(),
        Some(
            &[
                "run".to_string(),
                "--config".into(),
                config.display().to_string()
            ][..]
        )
    );
    let sc = c.security_context.as_ref().unwrap();
    // Not root, not privileged: the image's binary holds the capabilities as permitted-only
    // file capabilities, which no_new_privs would void, so escalation stays allowed.
    let uid = i64::from(kubegate::manifest::POD_UID);
    assert_eq!(sc.run_as_user, Some(uid));
    assert_eq!(sc.run_as_group, Some(uid));
    assert_eq!(sc.run_as_non_root, Some(true));
    assert_eq!(sc.allow_privilege_escalation, Some(true));
    assert_eq!(sc.privileged, Some(false));
    let caps = sc.capabilities.as_ref().unwrap();
    // Exactly the list doctor checks (its own test holds that side), SYS_NICE among them: the
    // VRRP threads run real-time.
    let granted: Vec<&str> = kubegate::capabilities::GRANTED
        .iter()
        .map(|c| c.pod_name())
        .collect();
    assert_eq!(caps.add.as_deref().unwrap(), granted);
    assert_eq!(
        granted,
        ["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "SYS_NICE"]
    );
    assert_eq!(caps.drop.as_deref().unwrap(), ["ALL"]);
    let requests = c.resources.as_ref().unwrap().requests.as_ref().unwrap();
    assert!(requests.contains_key("cpu") && requests.contains_key("memory"));
    assert!(c.resources.as_ref().unwrap().limits.is_none());
    // The kubelet asks the admin endpoint (host network): live = /healthz, ready = /readyz.
    let bind = cluster
        .admin
        .bind
        .expect("the examples keep the admin endpoint on");
    for (probe, path) in [
        (c.liveness_probe.as_ref(), "/healthz"),
        (c.readiness_probe.as_ref(), "/readyz"),
    ] {
        let get = probe.unwrap().http_get.as_ref().unwrap();
        assert_eq!(get.host.as_deref(), Some(bind.ip().to_string().as_str()));
        assert_eq!(get.port, IntOrString::Int(i32::from(bind.port())));
        assert_eq!(get.path.as_deref(), Some(path));
    }

    // The config's directory, read-only, at the same path as on the host.
    let dir = config.parent().unwrap().to_str().unwrap();
    let mounts = c.volume_mounts.as_ref().unwrap();
    let mount = mounts.iter().find(|m| m.mount_path == dir).unwrap();
    assert_eq!(mount.read_only, Some(true));
    let volume = spec
        .volumes
        .as_ref()
        .unwrap()
        .iter()
        .find(|v| v.name == mount.name)
        .unwrap();
    let host = volume.host_path.as_ref().unwrap();
    assert_eq!(host.path, dir);
    assert_eq!(host.type_.as_deref(), Some("Directory"));
}

/// Whether the example has a `script:` tracker (the default image cannot run it).
fn has_script(cluster: &ClusterConfig) -> bool {
    cluster.vips.iter().any(|v| {
        v.track
            .iter()
            .any(|t| matches!(t.kind, config::model::TrackerKind::Script(_)))
    })
}

#[test]
fn static_pods_of_every_example() {
    let mut with_scripts = 0;
    for (path, cluster) in examples() {
        let config = node_path(&path);
        let mut options = Options::new(&config);
        if has_script(&cluster) {
            with_scripts += 1;
            assert!(
                manifest::render(Kind::StaticPod, &cluster, &options).is_err(),
                "{}: script trackers in the default image should be refused",
                path.display()
            );
            options.image = "registry.example/kubegate-with-tools:1".into();
        }
        let text = manifest::render(Kind::StaticPod, &cluster, &options).unwrap();
        let pod = parse_pod(&text);
        let meta = &pod.metadata;
        assert_eq!(meta.name.as_deref(), Some("kubegate"));
        assert_eq!(meta.namespace.as_deref(), Some("kube-system"));
        assert_pod_spec(
            pod.spec.as_ref().unwrap(),
            &cluster,
            &config,
            &options.image,
        );
    }
    assert!(
        with_scripts > 0,
        "some example should have a script tracker"
    );
}

#[test]
fn daemonsets_of_every_example() {
    for (path, cluster) in examples() {
        let config = node_path(&path);
        let mut options = Options::new(&config);
        options.image = "registry.example/kubegate:test".into();
        let text = manifest::render(Kind::DaemonSet, &cluster, &options).unwrap();
        let ds = parse_daemonset(&text);
        assert_eq!(ds.metadata.namespace.as_deref(), Some("kube-system"));
        let spec = ds.spec.as_ref().unwrap();

        let selector = spec.selector.match_labels.as_ref().unwrap();
        let template_labels = spec.template.metadata.as_ref().unwrap().labels.as_ref();
        assert_eq!(Some(selector), template_labels);

        let strategy = spec.update_strategy.as_ref().unwrap();
        assert_eq!(strategy.type_.as_deref(), Some("RollingUpdate"));
        let max = strategy
            .rolling_update
            .as_ref()
            .unwrap()
            .max_unavailable
            .as_ref();
        assert_eq!(max, Some(&IntOrString::Int(1)));

        let pod = spec.template.spec.as_ref().unwrap();
        assert_pod_spec(pod, &cluster, &config, "registry.example/kubegate:test");

        assert_placement(pod);
    }
}

/// Control-plane nodes, whatever the label's value (kubeadm "", k3s "true") and whichever of
/// the two labels the cluster's version sets: node selector terms are ORed, the expressions
/// of one term ANDed, so one term per label with one expression each.
fn assert_placement(pod: &PodSpec) {
    {
        let terms = &pod
            .affinity
            .as_ref()
            .unwrap()
            .node_affinity
            .as_ref()
            .unwrap()
            .required_during_scheduling_ignored_during_execution
            .as_ref()
            .unwrap()
            .node_selector_terms;
        let keys: Vec<(&str, &str)> = terms
            .iter()
            .map(|t| {
                let exprs = t.match_expressions.as_ref().unwrap();
                assert_eq!(exprs.len(), 1, "one expression per term: {t:?}");
                (exprs[0].key.as_str(), exprs[0].operator.as_str())
            })
            .collect();
        assert_eq!(
            keys,
            [
                ("node-role.kubernetes.io/control-plane", "Exists"),
                ("node-role.kubernetes.io/master", "Exists")
            ]
        );
        assert!(pod.node_selector.is_none());

        let tolerations = pod.tolerations.as_ref().unwrap();
        let tolerated = |key: &str, effect: Option<&str>| {
            tolerations.iter().any(|t| {
                t.key.as_deref() == Some(key)
                    && t.operator.as_deref() == Some("Exists")
                    && t.effect.as_deref() == effect
            })
        };
        assert!(tolerated(
            "node-role.kubernetes.io/control-plane",
            Some("NoSchedule")
        ));
        assert!(tolerated(
            "node-role.kubernetes.io/master",
            Some("NoSchedule")
        ));
        assert!(tolerated("CriticalAddonsOnly", None));
    }
}

/// HTTPS checks with a CA and a client certificate: their directory is mounted too, once.
#[test]
fn tls_files_are_mounted() {
    let text = "\
frontends:
  - name: api
    bind: 127.0.0.1:6443
    backends: [10.0.0.51:6443]
    check:
      https: /readyz
      ca_file: /etc/kubernetes/pki/ca.crt
      client_cert: /etc/kubernetes/pki/apiserver-kubelet-client.crt
      client_key: /etc/kubernetes/pki/apiserver-kubelet-client.key
";
    let cluster = config::parse_str(text, Path::new("tls.yaml")).unwrap();
    let options = Options::new("/etc/kubegate/kubegate.yaml");
    let pod = parse_pod(&manifest::render(Kind::StaticPod, &cluster, &options).unwrap());
    let spec = pod.spec.unwrap();
    let mounts: Vec<_> = spec.containers[0]
        .volume_mounts
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| (m.mount_path.as_str(), m.read_only))
        .collect();
    assert_eq!(
        mounts,
        [
            ("/etc/kubegate", Some(true)),
            ("/etc/kubernetes/pki", Some(true))
        ]
    );
    let paths: Vec<_> = spec
        .volumes
        .unwrap()
        .into_iter()
        .map(|v| v.host_path.unwrap().path)
        .collect();
    assert_eq!(paths, ["/etc/kubegate", "/etc/kubernetes/pki"]);

    // The config inside /etc/kubernetes: one mount covers both.
    let options = Options::new("/etc/kubernetes/kubegate.yaml");
    let pod = parse_pod(&manifest::render(Kind::StaticPod, &cluster, &options).unwrap());
    let volumes = pod.spec.unwrap().volumes.unwrap();
    assert_eq!(volumes.len(), 1);
    assert_eq!(
        volumes[0].host_path.as_ref().unwrap().path,
        "/etc/kubernetes"
    );
}

/// Once the admin endpoint exists: an HTTP GET of /healthz on 127.0.0.1:9099 (host network).
#[test]
fn liveness_probe_asks_the_admin_endpoint() {
    let (path, cluster) = examples().remove(0);
    let mut options = Options::new(node_path(&path));
    options.liveness = Some(Liveness::admin_default());
    let pod = parse_pod(&manifest::render(Kind::StaticPod, &cluster, &options).unwrap());
    let probe = pod.spec.unwrap().containers[0]
        .liveness_probe
        .clone()
        .unwrap();
    let get = probe.http_get.unwrap();
    assert_eq!(get.host.as_deref(), Some("127.0.0.1"));
    assert_eq!(get.port, IntOrString::Int(9099));
    assert_eq!(get.path.as_deref(), Some("/healthz"));
    assert!(probe.exec.is_none() && probe.tcp_socket.is_none());
}

/// The probes follow admin.bind: a given address as it is, 0.0.0.0 asked on loopback, none
/// when the endpoint is off; the token file's directory is mounted.
#[test]
fn probes_follow_the_admin_bind() {
    let (path, cluster) = examples().remove(0);
    let options = Options::new(node_path(&path));
    let probes = |bind: Option<&str>, token: Option<&str>| {
        let mut c = cluster.clone();
        c.admin.bind = bind.map(|b| b.parse().unwrap());
        c.admin.token_file = token.map(PathBuf::from);
        let pod = parse_pod(&manifest::render(Kind::StaticPod, &c, &options).unwrap());
        let spec = pod.spec.unwrap();
        let c = &spec.containers[0];
        let hosts: Vec<Option<String>> = [&c.liveness_probe, &c.readiness_probe]
            .into_iter()
            .map(|p| p.as_ref().and_then(|p| p.http_get.as_ref()?.host.clone()))
            .collect();
        let mounts: Vec<String> = c
            .volume_mounts
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|m| m.mount_path)
            .collect();
        (hosts, mounts)
    };
    let (hosts, mounts) = probes(Some("10.0.0.51:9099"), Some("/etc/kubegate-secret/token"));
    assert_eq!(hosts, vec![Some("10.0.0.51".to_string()); 2]);
    assert!(
        mounts.contains(&"/etc/kubegate-secret".to_string()),
        "{mounts:?}"
    );
    let (hosts, _) = probes(Some("0.0.0.0:9100"), Some("/etc/kubegate-secret/token"));
    assert_eq!(hosts, vec![Some("127.0.0.1".to_string()); 2]);
    let (hosts, _) = probes(None, None);
    assert_eq!(hosts, vec![None, None]);
}

/// Odd characters in paths stay inside their strings.
#[test]
fn paths_are_quoted() {
    let (_, cluster) = examples().remove(0);
    let config = PathBuf::from("/etc/kube gate: \"x\"/kubegate.yaml");
    let pod =
        parse_pod(&manifest::render(Kind::StaticPod, &cluster, &Options::new(&config)).unwrap());
    let spec = pod.spec.unwrap();
    assert_eq!(
        spec.containers[0].args.as_ref().unwrap()[2],
        config.to_str().unwrap()
    );
    assert_eq!(
        spec.volumes.unwrap()[0].host_path.as_ref().unwrap().path,
        "/etc/kube gate: \"x\""
    );
}

#[test]
fn unusable_config_paths_are_refused() {
    let (_, cluster) = examples().remove(0);
    for (path, words) in [
        ("kubegate.yaml", "absolute"),
        ("/kubegate.yaml", "directory of its own"),
        ("/etc/kubegate/a\nb.yaml", "control character"),
    ] {
        for kind in [Kind::StaticPod, Kind::DaemonSet, Kind::Systemd] {
            let e = manifest::render(kind, &cluster, &Options::new(path)).unwrap_err();
            assert!(e.to_string().contains(words), "{path:?}: {e}");
        }
    }
}

/// Programs the image does not hold, and a DaemonSet for a node-local balancer, are warned about.
#[test]
fn warnings_for_pods() {
    let (_, fast) = examples()
        .into_iter()
        .find(|(p, _)| p.ends_with("vip-v3-fast.yaml"))
        .unwrap();
    let w = manifest::warnings(Kind::StaticPod, &fast);
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w[0].contains("/usr/local/bin/extra-check") && w[0].contains("container"));
    assert!(w[1].contains("kubegate-notify.sh"));

    let (_, local) = examples()
        .into_iter()
        .find(|(p, _)| p.ends_with("node-local.yaml"))
        .unwrap();
    assert!(manifest::warnings(Kind::StaticPod, &local).is_empty());
    let w = manifest::warnings(Kind::DaemonSet, &local);
    assert_eq!(w.len(), 1);
    assert!(w[0].contains("node-local"), "{w:?}");
}

/// The round trip in `parse_typed` is what catches a misspelt key: the API types alone accept it.
#[test]
fn a_misspelt_key_is_caught_by_the_round_trip() {
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  hostNetwrk: true\n  containers: []\n";
    let typed: Pod = serde_saphyr::from_str(text).unwrap();
    assert_eq!(typed.spec.as_ref().unwrap().host_network, None);
    let plain: serde_json::Value = serde_saphyr::from_str(text).unwrap();
    assert_ne!(serde_json::to_value(&typed).unwrap(), plain);
}

/// The documents of a multi-document YAML text (`---` lines between them).
fn documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line == "---" {
            docs.push(String::new());
        } else {
            let last = docs.last_mut().unwrap();
            last.push_str(line);
            last.push('\n');
        }
    }
    docs
}

/// `daemonset --configmap`: a ConfigMap holding the file byte for byte, then the DaemonSet
/// reading it from the ConfigMap's volume (no hostPath for it), with the file's hash on the pod
/// template so a changed file rolls the pods.
fn configmap_daemonset(cluster: &ClusterConfig, text: &str) -> (ConfigMap, DaemonSet) {
    let mut options = Options::new("/etc/kubegate/kubegate.yaml");
    options.image = "registry.example/kubegate:test".into();
    options.config_map = Some(text.to_string());
    let out = manifest::render(Kind::DaemonSet, cluster, &options).unwrap();
    let docs = documents(&out);
    assert_eq!(docs.len(), 2, "a ConfigMap then a DaemonSet:\n{out}");
    (parse_typed(&docs[0]), parse_daemonset(&docs[1]))
}

#[test]
fn daemonset_with_the_config_in_a_configmap() {
    for (path, cluster) in examples() {
        let text = std::fs::read_to_string(&path).unwrap();
        let (cm, ds) = configmap_daemonset(&cluster, &text);
        assert_eq!(cm.metadata.name.as_deref(), Some("kubegate"));
        assert_eq!(cm.metadata.namespace.as_deref(), Some("kube-system"));
        let data = cm.data.unwrap();
        assert_eq!(
            data.get(manifest::CONFIGMAP_KEY).map(String::as_str),
            Some(text.as_str()),
            "{}: the ConfigMap should hold the file unchanged",
            path.display()
        );

        let template = &ds.spec.as_ref().unwrap().template;
        let pod = template.spec.as_ref().unwrap();
        let inside = manifest::configmap_config_path();
        assert_pod_spec_configmap(pod, &cluster, &inside);
        assert_placement(pod);
        let annotations = template.metadata.as_ref().unwrap().annotations.as_ref();
        let hash = annotations
            .and_then(|a| a.get(manifest::CONFIG_HASH))
            .cloned();
        assert!(hash.is_some(), "the template should carry the file's hash");

        // Another file, another template: a DaemonSet rolls on a template change only.
        let (_, changed) = configmap_daemonset(&cluster, &format!("{text}# edited\n"));
        let changed_hash = changed.spec.unwrap().template.metadata.unwrap().annotations;
        assert_ne!(
            changed_hash.and_then(|a| a.get(manifest::CONFIG_HASH).cloned()),
            hash
        );
    }
}

/// The pod reads the config at its path inside the ConfigMap's volume, and no host directory
/// is mounted for it.
fn assert_pod_spec_configmap(pod: &PodSpec, cluster: &ClusterConfig, inside: &Path) {
    assert_eq!(pod.host_network, Some(true));
    let c = &pod.containers[0];
    let args = c.args.as_ref().unwrap();
    assert_eq!(args[2], inside.to_str().unwrap());
    let mount = c
        .volume_mounts
        .as_ref()
        .unwrap()
        .iter()
        .find(|m| Path::new(&m.mount_path) == inside.parent().unwrap())
        .expect("the ConfigMap's volume mounted at the config's directory");
    assert_eq!(mount.read_only, Some(true));
    let volumes = pod.volumes.as_ref().unwrap();
    let volume = volumes.iter().find(|v| v.name == mount.name).unwrap();
    assert_eq!(
        volume.config_map.as_ref().map(|c| c.name.as_str()),
        Some("kubegate")
    );
    assert!(volume.host_path.is_none());
    // Only the TLS and token files' directories come from the host.
    let host_paths = volumes.iter().filter(|v| v.host_path.is_some()).count();
    let expected = manifest::render(Kind::StaticPod, cluster, &{
        let mut o = Options::new("/etc/kubegate/kubegate.yaml");
        o.image = "x".into();
        o
    })
    .map(|t| parse_pod(&t).spec.unwrap().volumes.unwrap().len() - 1)
    .unwrap();
    assert_eq!(host_paths, expected);
}

/// Texts a block scalar cannot carry as they are still arrive unchanged.
#[test]
fn configmap_keeps_odd_files_unchanged() {
    let (_, cluster) = examples().remove(0);
    for text in [
        "nodes: []\n",
        "nodes: []",
        "nodes: []\n\n\n",
        "  nodes: []\n",
        "\nnodes: []\n",
        "nodes: []\r\n",
        "# tab\there: \"q\" 'q' \\ ünïcödé\n\n  indented: 1\n",
        "key: |\n  nested block\n",
    ] {
        let (cm, _) = configmap_daemonset(&cluster, text);
        assert_eq!(
            cm.data.unwrap()[manifest::CONFIGMAP_KEY],
            text,
            "the ConfigMap should hold {text:?} unchanged"
        );
    }
}

/// A ConfigMap only beside a DaemonSet; a host file where the ConfigMap is mounted is refused.
#[test]
fn configmap_is_refused_where_it_cannot_work() {
    let (_, cluster) = examples().remove(0);
    for kind in [Kind::StaticPod, Kind::Systemd] {
        let mut options = Options::new("/etc/kubegate/kubegate.yaml");
        options.config_map = Some("nodes: []\n".into());
        let e = manifest::render(kind, &cluster, &options).unwrap_err();
        assert!(
            e.to_string().contains("`daemonset` only"),
            "{kind:?}: expected a refusal naming daemonset, got: {e}"
        );
    }
    let mut c = cluster.clone();
    c.admin.token_file = Some(PathBuf::from("/run/kubegate/token"));
    let mut options = Options::new("/etc/kubegate/kubegate.yaml");
    options.config_map = Some("nodes: []\n".into());
    let e = manifest::render(Kind::DaemonSet, &c, &options).unwrap_err();
    assert!(
        e.to_string().contains("/run/kubegate/token"),
        "expected the clashing file named, got: {e}"
    );
}

/// A script tracker in the default image always fails (no shell, no programs): refused, with
/// what to do; with an image named, the pod is written (and the warning stays).
#[test]
fn script_trackers_need_a_named_image() {
    let (_, three) = examples()
        .into_iter()
        .find(|(p, _)| p.ends_with("three-masters.yaml"))
        .unwrap();
    for kind in [Kind::StaticPod, Kind::DaemonSet] {
        let e = manifest::render(kind, &three, &Options::new("/etc/kubegate/kubegate.yaml"))
            .unwrap_err()
            .to_string();
        for words in [
            "vip api: track script `killall -0 kube-apiserver`",
            "holds only kubegate",
            "lose its priority",
            "--image",
            "tcp:",
            "manifest systemd",
        ] {
            assert!(e.contains(words), "{kind:?}: expected {words:?} in: {e}");
        }
        let mut options = Options::new("/etc/kubegate/kubegate.yaml");
        options.image = "registry.example/kubegate-with-procps:1".into();
        assert!(manifest::render(kind, &three, &options).is_ok());
        assert!(manifest::warnings(kind, &three)
            .iter()
            .any(|w| w.contains("killall")));
    }
    // The systemd unit runs on the host, where the script's programs are.
    assert!(manifest::render(
        Kind::Systemd,
        &three,
        &Options::new("/etc/kubegate/kubegate.yaml")
    )
    .is_ok());
}

/// The directory of each BGP peer's TCP-MD5 key file is mounted from the host, read-only.
#[test]
fn bgp_key_files_are_mounted() {
    let text = "\
nodes: [ { name: kg1, address: 198.18.0.11 } ]
bgp:
  asn: 64512
  peers: [ { address: 198.18.0.1, asn: 64500, password_file: /etc/kubegate-bgp/leaf.key } ]
vips: [ { name: api, address: 198.18.10.50/32, bgp: {} } ]
frontends: [ { name: api, bind: \"198.18.10.50:6443\", backends: [198.18.0.11:6443] } ]
";
    let cluster = config::parse_str(text, Path::new("bgp.yaml")).unwrap();
    let pod = parse_pod(
        &manifest::render(
            Kind::StaticPod,
            &cluster,
            &Options::new("/etc/kubegate/kubegate.yaml"),
        )
        .unwrap(),
    );
    let spec = pod.spec.unwrap();
    let mount = spec.containers[0]
        .volume_mounts
        .clone()
        .unwrap_or_default()
        .into_iter()
        .find(|m| m.mount_path == "/etc/kubegate-bgp")
        .unwrap_or_else(|| {
            panic!(
                "the key's directory is mounted: {:?}",
                spec.containers[0].volume_mounts
            )
        });
    assert_eq!(mount.read_only, Some(true));
    let volume = spec
        .volumes
        .unwrap()
        .into_iter()
        .find(|v| v.name == mount.name)
        .unwrap();
    assert_eq!(
        volume.host_path.map(|h| h.path),
        Some("/etc/kubegate-bgp".to_string())
    );
}

//! The `kubegate` command line: parses arguments and hands over to the library.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "kubegate",
    version = kubegate::build_info::short_version(),
    long_version = kubegate::build_info::long_version(),
    about = "One highly available, load-balanced address for a Kubernetes control plane"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The daemon's log: error, warn, info, debug or trace (stderr; the per-connection log is
    /// --log-format of `run`).
    #[arg(long, global = true, default_value = "info", value_parser = kubegate::log::parse_level)]
    log_level: tracing_subscriber::filter::LevelFilter,
    /// Write the daemon's log as one JSON object per line instead of text.
    #[arg(long, global = true)]
    log_json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon: VIPs (VRRP), trackers.
    Run {
        #[arg(long, short)]
        config: PathBuf,
        /// This node's name in the file (default: the node whose address is local).
        #[arg(long)]
        node: Option<String>,
        /// One line per finished connection on stdout: text (tcplog-like), json, or none.
        #[arg(long, default_value = "text", value_parser = ["text", "json", "none"])]
        log_format: String,
        /// Balancer worker threads (default: one per core).
        #[arg(long)]
        workers: Option<usize>,
    },
    /// Validate the file and say in plain words what this node will do.
    Check {
        #[arg(long, short)]
        config: PathBuf,
        #[arg(long)]
        node: Option<String>,
    },
    /// Ask the running daemon: VIP states, frontends and backends, recent events.
    Status {
        #[command(flatten)]
        admin: AdminOpts,
        /// Print the JSON of /api/v1/status instead of the table.
        #[arg(long)]
        json: bool,
        /// Ask every node of --config at once and show them side by side with their drift
        /// (exit 1 when there is drift).
        #[arg(long)]
        cluster: bool,
    },
    /// Change a backend: drain (no new connections while another backend is ready), maint (no
    /// new connections at all), or ready again. Reloads keep it; `ready` (or a restart) ends
    /// it.
    Backend {
        #[arg(value_parser = ["drain", "ready", "maint"])]
        action: String,
        frontend: String,
        /// The backend's ADDRESS:PORT as in the config.
        backend: String,
        /// On every node of --config, reported node by node (exit 1 when any failed).
        #[arg(long)]
        cluster: bool,
        #[command(flatten)]
        admin: AdminOpts,
    },
    /// Give a VIP away now (maintenance): another node takes it; this one stays backup until
    /// `--release` (or a restart; reloads keep it).
    Handover {
        vip: String,
        /// End the handover: the node runs at its own priority again.
        #[arg(long)]
        release: bool,
        #[command(flatten)]
        admin: AdminOpts,
    },
    /// Ask the running daemon to reload its config file (as SIGHUP does) and say how it went:
    /// exit 0 with a one-line summary, or non-zero with every error located (file:line:col);
    /// a rejected file leaves the running config in place.
    Reload {
        #[command(flatten)]
        admin: AdminOpts,
    },
    /// Preflight checks: certificate SANs, VRID on the segment, interface, ports, capabilities,
    /// BGP peers.
    ///
    /// Connects to every apiserver and reads its certificate (the VIP must be among its SANs),
    /// listens for VRRP adverts using the VIPs' VRIDs, checks each VIP's interface and subnet,
    /// binds every listening address once, and reads the process's capabilities. In BGP mode
    /// it checks that router ids are unique and exchanges OPENs with every peer of this node
    /// (its AS, router id, families). One line per finding with what to do; exits non-zero
    /// when a finding is FAIL.
    Doctor {
        /// The cluster's config file (the one the daemon reads).
        #[arg(long, short)]
        config: PathBuf,
        /// This node's name in the file (default: the node whose address is local).
        #[arg(long)]
        node: Option<String>,
        /// Another apiserver whose certificate must hold the VIP (repeatable). Apiservers of
        /// the file: backends of frontends with an https check, and backends on port 6443.
        #[arg(long, value_name = "ADDR:PORT")]
        apiserver: Vec<std::net::SocketAddr>,
        /// Longest time to listen for VRRP adverts of other routers (default 10s; each VIP is
        /// listened to for 3 advert intervals, at least 1s).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        listen: Option<std::time::Duration>,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a deployment file: a static pod, a DaemonSet (k3s) or a systemd unit.
    Manifest {
        #[arg(value_enum)]
        kind: ManifestKind,
        /// The cluster's config file; validated first.
        #[arg(long, short)]
        config: PathBuf,
        /// Container image (default: ghcr.io/kubegate/kubegate:VERSION of this build, the name
        /// the image archive of the packages carries).
        #[arg(long)]
        image: Option<String>,
        /// Where the file lives on the nodes (default: --config made absolute).
        #[arg(long)]
        node_path: Option<PathBuf>,
        /// daemonset only: put the config file in a ConfigMap beside the DaemonSet (for k3s's
        /// auto-deploy directory) instead of reading it from every node.
        #[arg(long, conflicts_with = "node_path")]
        configmap: bool,
    },
    /// Translate keepalived, haproxy and nginx (stream) files into one kubegate file.
    ///
    /// Give every node's keepalived.conf (one file per node) and the balancer files; the kind of
    /// each file is told from its words. The kubegate file goes to stdout (or --output), notes on
    /// what was assumed or left out to stderr, each with its file and line. Exits non-zero,
    /// writing nothing, when something cannot be translated.
    Import {
        /// keepalived.conf, haproxy.cfg and nginx.conf files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// A node's address when no file tells it (keepalived multicast setups), as
        /// NAME=ADDRESS; NAME is the file's router_id, or its name without the extension.
        #[arg(long, value_name = "NAME=ADDRESS", value_parser = parse_node)]
        node: Vec<(String, std::net::IpAddr)>,
        /// Write the kubegate file here instead of stdout (an existing file is not replaced).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    #[cfg(feature = "lab")]
    /// Build a small HA cluster in network namespaces, run a failover scenario, report timings.
    Lab {
        /// The setup to build: stacked (S6), lb-pair (S3/S4), master-master (S3),
        /// node-local (S2) or bgp (S7: three nodes announce the VIP to an FRR router).
        /// (Default: stacked; a replayed schedule: the topology it names.)
        #[arg(long, value_parser = ["stacked", "lb-pair", "master-master", "node-local", "bgp"])]
        topology: Option<String>,
        /// Leave the lab running (Ctrl-C removes it).
        #[arg(long)]
        keep: bool,
        /// Run the same scenario again with the reference and print both side by side:
        /// keepalived + haproxy, or for bgp, GoBGP configured as kube-vip documents it.
        #[arg(long, value_parser = ["keepalived-haproxy", "gobgp"], conflicts_with = "keep")]
        compare: Option<String>,
        /// bgp: run kubegate with `bfd: false` on its peer (the router then notices a hung
        /// node at the hold time).
        #[arg(long, conflicts_with = "chaos")]
        no_bfd: bool,
        /// kubegate binary to run in the nodes (default: this one).
        #[arg(long)]
        binary: Option<PathBuf>,
        /// Instead of the scenario, a fault campaign: a seeded random schedule of faults with
        /// the HA promises checked throughout (exit 1 on any violation).
        #[arg(long)]
        chaos: bool,
        /// The campaign's seed (default: drawn from the clock and printed).
        #[arg(long, requires = "chaos", conflicts_with = "schedule")]
        seed: Option<u64>,
        /// How long the campaign's faults go on, in minutes.
        #[arg(
            long,
            requires = "chaos",
            default_value_t = 2.0,
            conflicts_with = "schedule"
        )]
        minutes: f64,
        /// Replay a printed schedule (the file a campaign writes, or its lines) instead of
        /// drawing one.
        #[arg(long, requires = "chaos")]
        schedule: Option<PathBuf>,
        /// A soak instead of random faults: steady churn (a reload a minute, apiservers
        /// flapping, the VIP moved by link loss and SIGTERM) with the daemons' memory, open
        /// files and threads sampled every 10 s.
        #[arg(long, requires = "chaos", conflicts_with_all = ["seed", "schedule"])]
        soak: bool,
    },
    #[cfg(feature = "lab")]
    /// Lab benchmark: `failover` measures VIP failover, kubegate and keepalived side by side.
    #[command(hide = true)]
    LabBench {
        #[arg(value_parser = ["failover"])]
        which: String,
        /// Repetitions of each case.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Bound on one connection attempt of the client, in ms.
        #[arg(long, default_value_t = kubegate_lab::bench::DEFAULT_ATTEMPT_TIMEOUT.as_millis() as u64)]
        attempt_timeout_ms: u64,
        /// Print the tables as markdown.
        #[arg(long)]
        markdown: bool,
        /// Run only the setups whose label contains this text (e.g. "kubegate v3").
        #[arg(long)]
        only: Option<String>,
        /// kubegate binary to run in the nodes (default: this one).
        #[arg(long)]
        binary: Option<PathBuf>,
    },
    #[cfg(feature = "lab")]
    /// Lab helper: a TCP service answering each connection with a name.
    #[command(hide = true)]
    LabServe {
        #[arg(long)]
        listen: std::net::SocketAddr,
        #[arg(long)]
        name: String,
    },
    #[cfg(feature = "lab")]
    /// Lab helper: HTTPS GET /version through TARGET every period and a held watch; one
    /// line per event.
    #[command(hide = true)]
    LabHttpsProbe {
        #[arg(long)]
        target: std::net::SocketAddr,
        /// The lab CA (PEM); the certificate must hold TARGET's address as a SAN.
        #[arg(long)]
        ca: PathBuf,
        #[arg(long, default_value_t = 20)]
        period_ms: u64,
        #[arg(long, default_value_t = 4000)]
        duration_ms: u64,
        #[arg(long, default_value_t = 2000)]
        timeout_ms: u64,
    },
    #[cfg(feature = "lab")]
    /// Lab helper: connect to TARGET every period; print `ms answer|-` per attempt.
    #[command(hide = true)]
    LabProbe {
        #[arg(long)]
        target: std::net::SocketAddr,
        #[arg(long, default_value_t = 20)]
        period_ms: u64,
        #[arg(long, default_value_t = 4000)]
        duration_ms: u64,
        #[arg(long, default_value_t = 200)]
        timeout_ms: u64,
    },
}

/// Where the admin endpoint answers.
#[derive(clap::Args)]
struct AdminOpts {
    /// The daemon's admin endpoint (default: admin.bind of --config, else 127.0.0.1:9099).
    #[arg(long, value_name = "ADDR")]
    admin: Option<std::net::SocketAddr>,
    /// Take admin.bind and admin.token_file from this file.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// The operator token (default: admin.token_file of --config).
    #[arg(long)]
    token_file: Option<PathBuf>,
}

impl From<AdminOpts> for kubegate::cli::AdminArgs {
    fn from(o: AdminOpts) -> Self {
        kubegate::cli::AdminArgs {
            admin: o.admin,
            config: o.config,
            token_file: o.token_file,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ManifestKind {
    /// A Pod for /etc/kubernetes/manifests.
    StaticPod,
    /// A DaemonSet on the control-plane nodes.
    #[value(name = "daemonset")]
    DaemonSet,
    /// A systemd service unit.
    Systemd,
}

/// `250ms`, `2s`, `1h`, as in the config file.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    kubegate_config::duration::parse_duration(text)
}

/// `--node NAME=ADDRESS`.
fn parse_node(text: &str) -> Result<(String, std::net::IpAddr), String> {
    let (name, address) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: write NAME=ADDRESS, like master1=10.0.0.51"))?;
    let address = address
        .trim()
        .parse()
        .map_err(|_| format!("{address:?} is not an IP address (in {text:?})"))?;
    if name.trim().is_empty() {
        return Err(format!("{text:?}: the node name is missing before '='"));
    }
    Ok((name.trim().to_string(), address))
}

fn main() -> ExitCode {
    // Before any thread starts: the image's binary carries its capabilities as permitted-only
    // file capabilities (so it starts under any capability set); use them.
    let _ = kubegate_sys::raise_effective_capabilities();
    let cli = Cli::parse();
    kubegate::log::init(
        cli.log_level,
        if cli.log_json {
            kubegate::log::Style::Json
        } else {
            kubegate::log::Style::Text
        },
    );
    let result = match cli.command {
        Command::Run {
            config,
            node,
            log_format,
            workers,
        } => kubegate::cli::run(
            &config,
            node.as_deref(),
            kubegate_balancer::runtime::RuntimeOptions {
                workers: workers
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
                log: match log_format.as_str() {
                    "json" => kubegate_balancer::logsink::LogFormat::Json,
                    "none" => kubegate_balancer::logsink::LogFormat::None,
                    _ => kubegate_balancer::logsink::LogFormat::Text,
                },
                hook: None,
            },
        ),
        Command::Check { config, node } => kubegate::cli::check(&config, node.as_deref()),
        Command::Status {
            admin,
            json,
            cluster: false,
        } => kubegate::cli::status(&admin.into(), json),
        Command::Status { admin, json, .. } => kubegate::cli::status_cluster(&admin.into(), json),
        Command::Backend {
            action,
            frontend,
            backend,
            cluster,
            admin,
        } => {
            let args = admin.into();
            if cluster {
                kubegate::cli::backend_cluster(&args, &action, &frontend, &backend)
            } else {
                kubegate::cli::backend(&args, &action, &frontend, &backend)
            }
        }
        Command::Handover {
            vip,
            release,
            admin,
        } => kubegate::cli::handover(&admin.into(), &vip, release),
        Command::Reload { admin } => kubegate::cli::reload(&admin.into()),
        Command::Doctor {
            config,
            node,
            apiserver,
            listen,
            json,
        } => {
            let mut options = kubegate::doctor::Options {
                extra_apiservers: apiserver,
                ..Default::default()
            };
            if let Some(listen) = listen {
                options.listen_cap = listen;
            }
            kubegate::cli::doctor(&config, node.as_deref(), &options, json)
        }
        Command::Manifest {
            kind,
            config,
            image,
            node_path,
            configmap,
        } => kubegate::cli::manifest(
            match kind {
                ManifestKind::StaticPod => kubegate::manifest::Kind::StaticPod,
                ManifestKind::DaemonSet => kubegate::manifest::Kind::DaemonSet,
                ManifestKind::Systemd => kubegate::manifest::Kind::Systemd,
            },
            &config,
            image,
            node_path,
            configmap,
        ),
        Command::Import {
            files,
            node,
            output,
        } => kubegate::cli::import(&files, node, output.as_deref()),
        #[cfg(feature = "lab")]
        Command::Lab {
            topology,
            keep,
            compare,
            binary,
            no_bfd: _,
            chaos: true,
            seed,
            minutes,
            schedule,
            soak,
        } => kubegate::lab_interrupt::run(keep, || {
            if let Some(other) = compare.as_deref().filter(|c| *c != "keepalived-haproxy") {
                anyhow::bail!(
                    "--chaos compares with keepalived-haproxy only, not {other}: the gobgp \
                     reference runs in the bgp scenario (kubegate lab --topology bgp --compare \
                     gobgp)"
                );
            }
            kubegate::lab_cli::lab_chaos(&kubegate::lab_cli::ChaosRequest {
                topology,
                seed,
                minutes,
                schedule,
                compare: compare.is_some(),
                keep,
                binary,
                soak,
            })
        }),
        #[cfg(feature = "lab")]
        Command::Lab {
            topology,
            keep,
            compare,
            no_bfd,
            binary,
            ..
        } => kubegate::lab_interrupt::run(keep, || {
            kubegate::lab_cli::lab(
                topology.as_deref().unwrap_or("stacked"),
                keep,
                compare.as_deref(),
                !no_bfd,
                binary,
            )
        }),
        #[cfg(feature = "lab")]
        Command::LabBench {
            which: _,
            runs,
            attempt_timeout_ms,
            markdown,
            only,
            binary,
        } => kubegate::lab_cli::lab_bench_failover(
            kubegate_lab::bench::Options {
                runs,
                attempt_timeout: std::time::Duration::from_millis(attempt_timeout_ms),
                markdown,
                only,
            },
            binary,
        ),
        #[cfg(feature = "lab")]
        Command::LabHttpsProbe {
            target,
            ca,
            period_ms,
            duration_ms,
            timeout_ms,
        } => kubegate::lab_cli::lab_https_probe(target, &ca, period_ms, duration_ms, timeout_ms),
        #[cfg(feature = "lab")]
        Command::LabServe { listen, name } => kubegate::lab_cli::lab_serve(listen, &name),
        #[cfg(feature = "lab")]
        Command::LabProbe {
            target,
            period_ms,
            duration_ms,
            timeout_ms,
        } => kubegate::lab_cli::lab_probe(target, period_ms, duration_ms, timeout_ms),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kubegate: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! The subcommands' bodies, kept out of `main.rs` so tests can call them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Result};

use crate::host::{load_config, local_addresses};
use kubegate_config::local_addrs::LocalAddr;
use kubegate_config::{self as config, model::ClusterConfig, model::Node};

/// The file, this node (`None` for a file without VIPs that needs no identity) and the
/// local addresses.
fn load_and_identify(
    path: &Path,
    node: Option<&str>,
) -> Result<(ClusterConfig, Option<Node>, Vec<LocalAddr>)> {
    let cluster = load_config(path).map_err(|e| anyhow!("{e}"))?;
    let local = local_addresses().map_err(|e| anyhow!("listing local addresses: {e}"))?;
    let me = config::identity::resolve_if_needed(&cluster, node, &config::local_addrs::ips(&local))
        .map_err(|e| anyhow!("{e}"))?
        .cloned();
    Ok((cluster, me, local))
}

/// `kubegate run`: the daemon until SIGTERM/SIGINT (planned handover, then drain); SIGHUP
/// reloads the file.
pub fn run(
    path: &Path,
    node: Option<&str>,
    balancer: kubegate_balancer::runtime::RuntimeOptions,
) -> Result<ExitCode> {
    // Signals first: a SIGHUP or SIGTERM that comes while the file is read waits in the inbox
    // instead of ending the process (their default action).
    let (control, inbox) = crate::daemon::channel();
    let signals = forward_signals(control)?;
    let (cluster, me, _) = load_and_identify(path, node)?;
    let options = crate::daemon::RunOptions {
        config_path: path.to_path_buf(),
        balancer,
        binds: crate::daemon::Binds::AsConfigured,
    };
    let result = crate::daemon::run(
        cluster,
        me,
        options,
        inbox,
        crate::daemon::StatusHandle::new(),
    );
    signals.close();
    result?;
    Ok(ExitCode::SUCCESS)
}

/// SIGHUP asks the daemon for a reload, SIGTERM and SIGINT for a stop, from a thread of its
/// own; closing the handle ends it.
fn forward_signals(control: crate::daemon::Control) -> Result<signal_hook::iterator::Handle> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])
        .map_err(|e| anyhow!("installing signal handlers: {e}"))?;
    let handle = signals.handle();
    std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || {
            for sig in signals.forever() {
                match sig {
                    SIGHUP => control.reload(),
                    _ => control.stop(format!("signal {sig}")),
                }
            }
        })?;
    Ok(handle)
}

/// `kubegate check`: exit 0 with the plan, or non-zero with every error located.
pub fn check(path: &Path, node: Option<&str>) -> Result<ExitCode> {
    let (cluster, me, local) = load_and_identify(path, node)?;
    let mut text = kubegate_config::plan::report(&cluster, me.as_ref(), &local);
    if let Some(warning) = token_warning(&cluster)? {
        text.push_str(&warning);
        text.push('\n');
    }
    for warning in md5_key_warnings(&cluster)? {
        text.push_str(&warning);
        text.push('\n');
    }
    if let Some(note) = crate::admin::peers::loopback_note(&cluster) {
        text.push_str(&note);
        text.push('\n');
    }
    crate::out::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// What the (pure) plan cannot tell: `kubegate run` reads `admin.token_file` first and refuses
/// to start when it cannot; `check` says so beforehand, with run's own reason. A file that
/// cannot be read may not be there yet on this machine (a warning); one that others may read
/// is a leaked secret here and now (an error, as `run` says it).
fn token_warning(cluster: &ClusterConfig) -> Result<Option<String>> {
    let Some(path) = cluster.admin.token_file.as_ref() else {
        return Ok(None);
    };
    let Err(e) = crate::admin::auth::Token::load(path) else {
        return Ok(None);
    };
    if let Some(open) = e.downcast_ref::<crate::admin::auth::TooOpen>() {
        return Err(anyhow!("{open}"));
    }
    Ok(Some(format!(
        "warning: {e:#}; `kubegate run` refuses to start until it can read the token"
    )))
}

/// The TCP-MD5 key files of `bgp.peers`, read as the BGP driver reads them: one that others
/// may access is an error (a leaked secret, as for `admin.token_file`); one that cannot be
/// read or holds no usable key, a warning naming the peers that use it.
fn md5_key_warnings(cluster: &ClusterConfig) -> Result<Vec<String>> {
    let Some(bgp) = &cluster.bgp else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut files: Vec<&Path> = Vec::new();
    for file in bgp.peers.iter().filter_map(|p| p.password_file.as_deref()) {
        if files.contains(&file) {
            continue;
        }
        files.push(file);
        let Err(e) = crate::bgp_key::Md5Key::load(file) else {
            continue;
        };
        if let Some(open) = e.downcast_ref::<crate::bgp_key::KeyTooOpen>() {
            return Err(anyhow!("{open}"));
        }
        let peers: Vec<String> = bgp
            .peers
            .iter()
            .filter(|p| p.password_file.as_deref() == Some(file))
            .map(|p| p.address.to_string())
            .collect();
        out.push(format!(
            "warning: {e:#}; the BGP session with {} needs it",
            peers.join(", ")
        ));
    }
    Ok(out)
}

/// `kubegate doctor`: every finding on stdout (text or JSON); exit non-zero when one fails. A
/// machine that is none of the nodes is a finding, not an error: the other checks still run.
pub fn doctor(
    path: &Path,
    node: Option<&str>,
    options: &crate::doctor::Options,
    json: bool,
) -> Result<ExitCode> {
    let cluster = load_config(path).map_err(|e| anyhow!("{e}"))?;
    let local = local_addresses().map_err(|e| anyhow!("listing local addresses: {e}"))?;
    let me = config::identity::resolve_if_needed(&cluster, node, &config::local_addrs::ips(&local))
        .map_err(|e| e.to_string());
    let report = crate::doctor::run(&cluster, me, &local, options);
    crate::out::print(&if json {
        report.render_json()
    } else {
        report.render_text()
    })?;
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `kubegate import`: the kubegate file on stdout (or in `output`), notes on stderr; on an
/// error nothing is written and the exit status is non-zero.
pub fn import(
    files: &[PathBuf],
    nodes: Vec<(String, std::net::IpAddr)>,
    output: Option<&Path>,
) -> Result<ExitCode> {
    use kubegate_import::{self as import, ImportOptions, Source};
    let mut sources = Vec::new();
    for path in files {
        let bytes = crate::host::read_bounded(path, crate::host::MAX_CONFIG_BYTES)
            .map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
        sources.push(Source {
            name: path.display().to_string(),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        });
    }
    match import::import(&sources, &ImportOptions { nodes }) {
        Ok(done) => {
            for note in &done.notes {
                eprintln!("{note}");
            }
            match output {
                Some(path) => {
                    use std::io::Write as _;
                    let mut file = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(path)
                        .map_err(|e| {
                            anyhow!(
                                "{}: cannot create: {e} (an existing file is not replaced;                                  remove it or choose another name)",
                                path.display()
                            )
                        })?;
                    file.write_all(done.text.as_bytes())?;
                    eprintln!(
                        "wrote {}; next: kubegate check --config {}",
                        path.display(),
                        path.display()
                    );
                }
                None => crate::out::print(&done.text)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(notes) => {
            for note in &notes {
                eprintln!("{note}");
            }
            let errors = notes
                .iter()
                .filter(|n| n.severity == import::draft::Severity::Error)
                .count();
            eprintln!("import failed: {errors} error(s) above; nothing was written");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `kubegate manifest`: the file on stdout, warnings on stderr; the config is validated first
/// and its errors located as `kubegate check` does.
pub fn manifest(
    kind: crate::manifest::Kind,
    path: &Path,
    image: Option<String>,
    node_path: Option<PathBuf>,
    configmap: bool,
) -> Result<ExitCode> {
    let cluster = load_config(path).map_err(|e| anyhow!("{e}"))?;
    let config_path = match node_path {
        Some(p) => p,
        None => std::path::absolute(path)?,
    };
    let mut options = crate::manifest::Options::new(config_path);
    if let Some(image) = image {
        options.image = image;
    }
    if configmap {
        options.config_map = Some(std::fs::read_to_string(path)?);
    }
    let text = crate::manifest::render(kind, &cluster, &options)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    for warning in crate::manifest::warnings(kind, &cluster) {
        eprintln!("kubegate: warning: {warning}");
    }
    crate::out::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Where the admin CLI asks: `--admin`, `--config` and `--token-file` as given.
#[derive(Clone)]
pub struct AdminArgs {
    pub admin: Option<std::net::SocketAddr>,
    pub config: Option<PathBuf>,
    pub token_file: Option<PathBuf>,
}

impl AdminArgs {
    fn target(&self) -> Result<crate::admin::client::Target> {
        crate::admin::client::Target::resolve(
            self.admin,
            self.config.as_deref(),
            self.token_file.as_deref(),
        )
    }
}

/// `kubegate status`: the daemon's status as a table, or its JSON with `--json`.
pub fn status(args: &AdminArgs, json: bool) -> Result<ExitCode> {
    let body = args.target()?.expect_ok("GET", "/api/v1/status")?;
    if json {
        crate::out::print(&body)?;
        if !body.ends_with('\n') {
            crate::out::println("")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let status: crate::admin::snapshot::Status = serde_json::from_str(&body)
        .map_err(|e| anyhow!("the daemon's status is not what this kubegate reads: {e}"))?;
    crate::out::print(&crate::admin::table::render(&status))?;
    Ok(ExitCode::SUCCESS)
}

/// `kubegate backend drain|ready|maint FRONTEND BACKEND`.
pub fn backend(args: &AdminArgs, action: &str, frontend: &str, backend: &str) -> Result<ExitCode> {
    use crate::admin::client::segment;
    let path = format!(
        "/api/v1/frontends/{}/backends/{}/{}",
        segment(frontend),
        segment(backend),
        segment(action)
    );
    print_message(&args.target()?.expect_ok("POST", &path)?)?;
    Ok(ExitCode::SUCCESS)
}

/// `kubegate status --cluster`: every node of `--config` asked at once, side by side, with the
/// drift; exit 1 when there is drift.
pub fn status_cluster(args: &AdminArgs, json: bool) -> Result<ExitCode> {
    let (peers, token) = cluster_peers(args)?;
    let answers =
        crate::admin::peers::statuses(&peers, token.as_ref(), crate::admin::peers::CLI_WAIT);
    let view = crate::admin::cluster::compare(&answers);
    if json {
        crate::out::println(&serde_json::to_string_pretty(&view)?)?;
    } else {
        crate::out::print(&crate::admin::cluster_table::render(&view))?;
    }
    Ok(if view.drift.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `kubegate backend drain|ready|maint FRONTEND BACKEND --cluster`: the action on every node
/// at once, one line per node; exit 1 when any node did not carry it out.
pub fn backend_cluster(
    args: &AdminArgs,
    action: &str,
    frontend: &str,
    backend: &str,
) -> Result<ExitCode> {
    use crate::admin::client::segment;
    let (peers, token) = cluster_peers(args)?;
    let path = format!(
        "/api/v1/frontends/{}/backends/{}/{}",
        segment(frontend),
        segment(backend),
        segment(action)
    );
    let outcomes = crate::admin::peers::ask_all(
        &peers,
        token.as_ref(),
        "POST",
        &path,
        crate::admin::peers::CLI_WAIT,
    );
    let mut failed = 0;
    let mut text = String::new();
    for (p, outcome) in peers.iter().zip(outcomes) {
        let line = match outcome {
            Ok((200, body)) => format!("{}: ok: {}", p.name, message_of(&body)),
            Ok((code, body)) => {
                failed += 1;
                format!("{}: FAILED: answered {code}: {}", p.name, error_of(&body))
            }
            Err(why) => {
                failed += 1;
                format!("{}: FAILED: {why}", p.name)
            }
        };
        text.push_str(&line);
        text.push('\n');
    }
    if failed > 0 {
        text.push_str(&format!(
            "{failed} of {} node(s) failed; the others carried it out\n",
            peers.len()
        ));
    }
    crate::out::print(&text)?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The nodes of `--config` with their endpoints, and the token to ask them with.
fn cluster_peers(
    args: &AdminArgs,
) -> Result<(
    Vec<crate::admin::peers::Peer>,
    Option<crate::admin::auth::Token>,
)> {
    if args.admin.is_some() {
        return Err(anyhow!(
            "--cluster asks every node of --config FILE at its address in nodes:; drop --admin"
        ));
    }
    let path = args.config.as_deref().ok_or_else(|| {
        anyhow!("--cluster needs --config FILE: the nodes and admin.bind are read from it")
    })?;
    let cluster = load_config(path).map_err(|e| anyhow!("{e}"))?;
    // Which node this machine is matters only for a loopback bind (it is asked on loopback).
    let me = local_addresses().ok().and_then(|local| {
        config::identity::resolve_if_needed(&cluster, None, &config::local_addrs::ips(&local))
            .ok()
            .flatten()
            .map(|n| n.name.clone())
    });
    let token_path = args
        .token_file
        .clone()
        .or_else(|| cluster.admin.token_file.clone());
    let token = match token_path {
        Some(p) => Some(crate::admin::auth::Token::load(&p)?),
        None => None,
    };
    Ok((crate::admin::peers::all(&cluster, me.as_deref()), token))
}

fn message_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| body.trim().to_string())
}

/// `kubegate handover [--release] VIP`.
pub fn handover(args: &AdminArgs, vip: &str, release: bool) -> Result<ExitCode> {
    let path = format!(
        "/api/v1/vips/{}/{}",
        crate::admin::client::segment(vip),
        if release { "release" } else { "handover" }
    );
    print_message(&args.target()?.expect_ok("POST", &path)?)?;
    Ok(ExitCode::SUCCESS)
}

/// `kubegate reload`: the daemon reloads its file (as on SIGHUP); exit 0 with its summary,
/// or non-zero with its located errors. With `--admin` and `--token-file` the config file is
/// not read here, so a broken file is still sent to the daemon (as systemd's `ExecReload`
/// does: the daemon's rejection is then in its events and metrics).
pub fn reload(args: &AdminArgs) -> Result<ExitCode> {
    let target = match (args.admin, &args.token_file) {
        (Some(_), Some(_)) => AdminArgs {
            config: None,
            ..args.clone()
        }
        .target(),
        _ => args.target(),
    };
    let target = target.map_err(|e| {
        anyhow!(
            "{e}\n(the daemon was not asked: its address and token are read from this file; \
             fix it, or pass --admin ADDR and --token-file FILE)"
        )
    })?;
    let (code, body) = target.request("POST", "/api/v1/reload")?;
    match code {
        200 => {
            print_message(&body)?;
            Ok(ExitCode::SUCCESS)
        }
        422 => {
            eprintln!(
                "kubegate: the daemon at {} rejected its config file and keeps running the \
                 previous one:\n{}",
                target.addr,
                error_of(&body)
            );
            Ok(ExitCode::FAILURE)
        }
        // 401, 403, 503 …: the daemon's words with a hint, as the other commands say them.
        _ => Err(target.refusal(code, &body)),
    }
}

fn error_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| body.trim().to_string())
}

fn print_message(body: &str) -> Result<()> {
    crate::out::println(&message_of(body))
}

//! `kubegate run`: the VIPs and the frontends of one file in one process. SIGHUP reloads the
//! file (an invalid file is rejected and the running config kept); SIGTERM/SIGINT hand every
//! VIP over first, then drain the balancer's connections (bounded) and exit 0. The admin
//! endpoint (`admin.bind`) serves the status and the operator's actions; a reload clears
//! those actions (backend drain/maint, VIP handovers).

mod admin;
mod frontends;
mod vips;

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;

use anyhow::{anyhow, Context, Result};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::vip::driver::Control;
use frontends::Frontends;
use kubegate_balancer::runtime::RuntimeOptions;
use kubegate_config::model::{ClusterConfig, Node};

/// Something the main loop must react to.
pub enum Event {
    Signal(i32),
    VipEnded {
        name: String,
        result: std::io::Result<()>,
    },
    /// `/healthz`: the main loop answers by beating its heartbeat.
    Ping,
}

/// How the process runs, beside the file.
pub struct RunOptions {
    pub config_path: PathBuf,
    pub balancer: RuntimeOptions,
}

/// Run until SIGTERM/SIGINT (exit 0 after handing over and draining) or until a VIP fails.
pub fn run(cluster: ClusterConfig, me: Option<Node>, options: RunOptions) -> Result<()> {
    if let Some(me) = &me {
        crate::log::set_node(&me.name);
    }
    // The token first: a daemon that would serve a non-loopback endpoint without one must
    // not start (validation refuses such a file; this guards any other way in).
    let token = match &cluster.admin.token_file {
        Some(path) => Some(crate::admin::auth::Token::load(path)?),
        None => None,
    };
    if let Some(bind) = cluster.admin.bind {
        if !bind.ip().is_loopback() && token.is_none() {
            return Err(anyhow!(
                "admin.bind {bind} is not loopback and there is no admin.token_file: refusing \
                 to start; add a token_file or bind 127.0.0.1"
            ));
        }
    }
    let hub = crate::admin::hub::Hub::new(me.as_ref().map(|m| m.name.clone()));
    let main_beat = Arc::new(crate::admin::hub::Heartbeat::default());
    main_beat.beat();
    let (events, inbox) = mpsc::channel::<Event>();
    let mut signals =
        Signals::new([SIGTERM, SIGINT, SIGHUP]).context("installing signal handlers")?;
    {
        let events = events.clone();
        thread::spawn(move || {
            for sig in signals.forever() {
                if events.send(Event::Signal(sig)).is_err() {
                    return;
                }
            }
        });
    }

    let mut frontends = Frontends::start(&cluster, options.balancer)?;
    let vips = match &me {
        Some(me) => vips::start(&cluster, me, frontends.ready_lookup(), &events, &hub)?,
        None => Vec::new(),
    };
    let vip_controls: Vec<vips::VipControl> = vips.iter().map(|v| v.control.clone()).collect();
    let _admin = match cluster.admin.bind {
        Some(bind) => {
            let api = admin::DaemonApi {
                hub: hub.clone(),
                frontends: frontends.states(),
                health: frontends.health_view(),
                vips: vip_controls.clone(),
                main: events.clone(),
                main_beat: main_beat.clone(),
                checker_beat: Arc::new(crate::admin::hub::Heartbeat::default()),
            };
            // The VIPs and frontends matter more than their status page: a port taken by
            // something else is reported loudly, and the daemon runs on without it.
            match crate::admin::server::AdminServer::start(bind, token, Arc::new(api)) {
                Ok(server) => {
                    tracing::info!("admin endpoint on http://{}/", server.local_addr());
                    Some(server)
                }
                Err(e) => {
                    tracing::warn!(
                        "admin endpoint: cannot listen on {bind}: {e}; running WITHOUT it (no \
                         status, metrics, probes or runtime control): free the port or change \
                         admin.bind, then restart kubegate"
                    );
                    None
                }
            }
        }
        None => None,
    };
    hub.set_ready(true);
    // Listeners are bound and VIP threads started: tell systemd (Type=notify) we are up.
    if let Err(e) = kubegate_sys::notify::ready() {
        tracing::warn!("cannot tell systemd we are ready: {e}");
    }
    let mut cluster = cluster;
    let mut running = vips.len();
    let mut stopping = false;
    let mut failure = None;
    while !(stopping && running == 0) {
        match inbox.recv() {
            Ok(Event::Ping) => main_beat.beat(),
            Ok(Event::Signal(SIGHUP)) => {
                if reload(
                    &options.config_path,
                    &mut cluster,
                    &mut frontends,
                    me.as_ref(),
                ) {
                    admin::clear_operator_states(&hub, &frontends.states(), &vip_controls);
                }
            }
            Ok(Event::Signal(sig)) => {
                if stopping {
                    tracing::warn!("signal {sig} again while stopping; still handing over");
                    continue;
                }
                stopping = true;
                hub.set_ready(false);
                let _ = kubegate_sys::notify::stopping();
                tracing::info!(
                    "signal {sig}: handing over {} VIP(s), then draining",
                    vips.len()
                );
                for h in &vips {
                    h.send(Control::Shutdown);
                }
            }
            Ok(Event::VipEnded { name, result }) => {
                running -= 1;
                match result {
                    Ok(()) => tracing::info!("vip {name}: stopped"),
                    Err(e) => {
                        tracing::error!("vip {name}: failed: {e}");
                        failure.get_or_insert_with(|| anyhow!("vip {name}: {e}"));
                        // Never a VIP without its peers' handover: stop the others too.
                        stopping = true;
                        hub.set_ready(false);
                        for h in vips.iter().filter(|h| h.name() != name) {
                            h.send(Control::Shutdown);
                        }
                    }
                }
            }
            Err(_) => break,
        }
    }
    let drain = frontends.drain_bound();
    if !cluster.frontends.is_empty() {
        tracing::info!("draining established connections for at most {drain:?}");
    }
    frontends.shutdown(drain);
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// SIGHUP: parse → validate → apply the frontends; keep everything on error. True when the
/// new file was applied.
fn reload(
    path: &std::path::Path,
    cluster: &mut ClusterConfig,
    frontends: &mut Frontends,
    me: Option<&Node>,
) -> bool {
    let next = match crate::host::load_config(path) {
        Ok(next) => next,
        Err(e) => {
            tracing::warn!("reload rejected, the running config is kept:\n{e}");
            return false;
        }
    };
    if let Err(e) = frontends.reload(&next) {
        tracing::warn!("reload rejected, the running config is kept: {e:#}");
        return false;
    }
    if next.admin != cluster.admin {
        tracing::info!("reload: admin endpoint changes take effect when kubegate restarts");
    }
    if next.vips != cluster.vips || next.nodes != cluster.nodes {
        tracing::info!(
            "reload: VIP and node changes take effect when kubegate restarts{}",
            me.map(|m| format!(" (this node: {})", m.name))
                .unwrap_or_default()
        );
    }
    tracing::info!(
        "reloaded {}: {} frontend(s)",
        path.display(),
        next.frontends.len()
    );
    cluster.frontends = next.frontends;
    true
}

//! `kubegate run`: the VIPs and the frontends of one file in one process, until its caller
//! asks it to stop. The caller gives what to serve (the file, where to bind), an [`Inbox`]
//! whose [`Control`] asks for a reload (an invalid file is rejected and the running config
//! kept; a valid one changes VIPs, nodes, frontends and the admin endpoint live) or a stop (every VIP is handed over first, then the balancer's connections drain,
//! bounded), and a [`StatusHandle`] where the daemon says where it listens and whether it is
//! ready. `kubegate run` sends SIGHUP and SIGTERM/SIGINT here; tests run it in-process. The
//! admin endpoint (`admin.bind`) serves the status and the operator's actions, which a reload
//! keeps (backend drain/maint, VIP handovers), and asks for reloads (`kubegate reload`) that
//! take the same path as SIGHUP.

mod admin;
mod admin_rebind;
pub mod bgp_vips;
mod binds;
mod control;
mod frontends;
mod reload;
mod status;
pub(crate) mod vip_group;
mod vip_set;
mod vips;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{anyhow, Result};

pub use binds::Binds;
pub use control::{channel, Control, Inbox, ReloadOutcome};
pub use status::{Status, StatusHandle};

use crate::admin::hub::{Heartbeat, Hub};
use admin_rebind::Endpoint;
use control::Event;
use frontends::Frontends;
use kubegate_balancer::runtime::RuntimeOptions;
use kubegate_config::model::{ClusterConfig, Node};
use vip_set::{Ended, VipSet};

/// How the process runs, beside the file.
pub struct RunOptions {
    /// Read again on every reload.
    pub config_path: PathBuf,
    pub balancer: RuntimeOptions,
    pub binds: Binds,
}

/// Runs until a stop is asked on `inbox` (`Ok` after handing over and draining) or until a
/// VIP fails (`Err` once every VIP has stopped and the connections drained). What it does is
/// published on `status`.
pub fn run(
    cluster: ClusterConfig,
    me: Option<Node>,
    options: RunOptions,
    inbox: Inbox,
    status: StatusHandle,
) -> Result<()> {
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
    let hub = Hub::new(me.as_ref().map(|m| m.name.clone()));
    reload::publish_start(&hub, &options.config_path);
    let main_beat = Arc::new(Heartbeat::default());
    main_beat.beat();

    let mut frontends = Frontends::start(&cluster, options.balancer, options.binds)?;
    let mut vips = VipSet::start(
        &cluster,
        me.as_ref(),
        frontends.ready_lookup(),
        &inbox.sender,
        &hub,
    )?;
    let bgp =
        bgp_vips::BgpVips::start(&cluster, me.as_ref(), frontends.ready_lookup())?.map(Arc::new);
    let api = admin::DaemonApi {
        bgp: bgp.clone(),
        hub: hub.clone(),
        frontends: frontends.states(),
        health: frontends.health_view(),
        vips: vips.controls(),
        main: inbox.sender.clone(),
        main_beat: main_beat.clone(),
        checker_beat: Arc::new(Heartbeat::default()),
        peers: crate::admin::peers::all(&cluster, me.as_ref().map(|n| n.name.as_str())),
    };
    let admin = cluster
        .admin
        .bind
        .map(|bind| admin::start(options.binds.address(bind), token, api.clone()));
    hub.set_ready(true);
    status.update(|s| {
        s.ready = true;
        s.frontends = frontends.bound();
        match &admin {
            Some(Ok(server)) => s.admin = Some(server.local_addr()),
            Some(Err(e)) => s.admin_error = Some(e.clone()),
            None => {}
        }
    });
    let mut admin = Endpoint::new(
        admin.and_then(Result::ok),
        api,
        options.binds,
        cluster.admin.token_file.clone(),
    );
    // Listeners are bound and VIP threads started: tell systemd (Type=notify) we are up.
    if let Err(e) = kubegate_sys::notify::ready() {
        tracing::warn!("cannot tell systemd we are ready: {e}");
    }
    let mut cluster = cluster;
    let mut stopping = false;
    let mut failure = None;
    while !(stopping && vips.threads() == 0) {
        match inbox.receiver.recv() {
            Ok(Event::Ping) => main_beat.beat(),
            Ok(Event::Reload { reply }) => {
                let running = reload::Running {
                    cluster: &mut cluster,
                    frontends: &mut frontends,
                    vips: &mut vips,
                    admin: &mut admin,
                    me: me.as_ref(),
                    bgp: bgp.as_deref(),
                };
                let (outcome, after) = reload::reload(&options.config_path, running);
                let outcome = reload::publish(&hub, outcome);
                status.update(|s| {
                    s.frontends = frontends.bound();
                    s.admin = admin.local_addr();
                    s.reloads.push(outcome.clone().map(|_| ()));
                });
                if let Some(reply) = reply {
                    let _ = reply.send(outcome);
                }
                if let Some(e) = admin.after(after) {
                    tracing::error!("admin endpoint: {e}");
                    status.update(|s| (s.admin, s.admin_error) = (None, Some(e)));
                }
            }
            Ok(Event::Stop { why }) => {
                if stopping {
                    tracing::warn!("{why} again while stopping; still handing over");
                    continue;
                }
                stopping = true;
                hub.set_ready(false);
                status.update(|s| (s.ready, s.stopping) = (false, true));
                let _ = kubegate_sys::notify::stopping();
                tracing::info!(
                    "{why}: handing over {} VIP(s), then draining",
                    vips.threads()
                );
                vips.shutdown(None);
                // The routers move the flows away before the listeners close.
                if let Some(bgp) = &bgp {
                    bgp.withdraw_for_stop();
                }
            }
            Ok(Event::VipEnded { name, id, result }) => match (vips.ended(&name, id), result) {
                (Ended::Retired, Ok(())) => tracing::info!("vip {name}: stopped (reload)"),
                (Ended::Retired, Err(e)) => {
                    tracing::warn!("vip {name}: failed while stopping (reload): {e}")
                }
                (Ended::Unknown, _) => {}
                (Ended::Running, Ok(())) => tracing::info!("vip {name}: stopped"),
                (Ended::Running, Err(e)) => {
                    tracing::error!("vip {name}: failed: {e}");
                    failure.get_or_insert_with(|| anyhow!("vip {name}: {e}"));
                    // Never a VIP without its peers' handover: stop the others too.
                    stopping = true;
                    hub.set_ready(false);
                    status.update(|s| (s.ready, s.stopping) = (false, true));
                    vips.shutdown(Some(&name));
                }
            },
            Err(_) => break,
        }
    }
    let drain = frontends.drain_bound();
    if !cluster.frontends.is_empty() {
        tracing::info!("draining established connections for at most {drain:?}");
    }
    frontends.shutdown(drain);
    drop(admin);
    if let Some(bgp) = &bgp {
        bgp.shutdown();
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

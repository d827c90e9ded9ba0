//! The daemon's side of the admin endpoint: starting it (optional: a port taken by something
//! else is reported loudly and the daemon runs on), the [`Api`] over its hub, frontends,
//! health checker and VIP threads, the operator's actions (backend admin states, VIP
//! handover and its release; they last until undone or restart, reloads keep them), and
//! reloads asked through the endpoint (sent to the main loop, as SIGHUP is).

use std::net::SocketAddr;
use std::sync::mpsc::Sender;
use std::sync::{Arc, RwLock};
use std::time::{Instant, SystemTime};

use crate::admin::api::{ActionError, Api, BackendAction, Snapshot};
use crate::admin::auth::Token;
use crate::admin::bgp_build::BgpSample;
use crate::admin::build::snapshot;
use crate::admin::gather::{FrontendSample, Gathered};
use crate::admin::hub::{Heartbeat, Hub};
use crate::admin::server::AdminServer;
use crate::admin::snapshot::{BgpRouteStatus, EventKind, VipState};
use crate::vip::driver::Control;
use kubegate_balancer::health::HealthView;
use kubegate_balancer::pool::AdminState;
use kubegate_balancer::shared::FrontendState;

use super::control::{Event, ReloadOutcome};
use super::vip_set::VipControls;
use super::vips::VipControl;

#[derive(Clone)]
pub struct DaemonApi {
    pub hub: Arc<Hub>,
    pub frontends: Arc<RwLock<Vec<Arc<FrontendState>>>>,
    pub health: HealthView,
    /// The running VIPs, as the last reload left them.
    pub vips: VipControls,
    /// The main loop's inbox and heartbeat (it beats on `Event::Ping`).
    pub main: Sender<Event>,
    pub main_beat: Arc<Heartbeat>,
    /// Beaten on the health checker's event loop when pinged.
    pub checker_beat: Arc<Heartbeat>,
    /// Every node's admin endpoint, for the cluster view (fixed at start, as `nodes:` is).
    pub peers: Vec<crate::admin::peers::Peer>,
    /// The BGP VIPs of this node (fixed at start).
    pub bgp: Option<Arc<super::bgp_vips::BgpVips>>,
}

/// Serves `api` on `bind`. The VIPs and frontends matter more than their status page: when
/// `bind` cannot be listened on, the error is logged loudly and returned for the status, and
/// the daemon runs on without the endpoint.
pub fn start(
    bind: SocketAddr,
    token: Option<Token>,
    api: DaemonApi,
) -> Result<AdminServer, String> {
    match AdminServer::start(bind, token, Arc::new(api)) {
        Ok(server) => {
            tracing::info!("admin endpoint on http://{}/", server.local_addr());
            Ok(server)
        }
        Err(e) => {
            tracing::warn!(
                "admin endpoint: cannot listen on {bind}: {e}; running WITHOUT it (no status, \
                 metrics, probes or runtime control): free the port or change admin.bind, then \
                 reload or restart kubegate"
            );
            Err(format!("cannot listen on {bind}: {e}"))
        }
    }
}

impl DaemonApi {
    fn frontend(&self, name: &str) -> Result<Arc<FrontendState>, ActionError> {
        let all = self.frontends.read().unwrap_or_else(|p| p.into_inner());
        all.iter().find(|f| f.name == name).cloned().ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
            ActionError::NotFound(format!(
                "no frontend {name:?}; this daemon has: {}",
                list(&names)
            ))
        })
    }
}

impl DaemonApi {
    fn vips(&self) -> Vec<VipControl> {
        self.vips.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn vip(&self, vip: &str) -> Result<VipControl, ActionError> {
        let all = self.vips();
        all.iter().find(|v| v.name == vip).cloned().ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|v| v.name.as_str()).collect();
            ActionError::NotFound(format!(
                "no VIP {vip:?} on this node; it runs: {}",
                list(&names)
            ))
        })
    }
}

/// What BGP mode reports now: the speaker's sessions, the routes, BFD.
fn bgp_sample(b: &super::bgp_vips::BgpVips) -> BgpSample {
    BgpSample {
        asn: b.identity().0,
        router_id: Some(b.identity().1),
        sessions: b.speaker().map(|s| s.status()).unwrap_or_default(),
        routes: b
            .routes()
            .into_iter()
            .map(|r| BgpRouteStatus {
                vip: r.name,
                prefix: format!("{}/{}", r.address, r.prefix_len),
                announced: r.announced,
                reason: r.reason,
            })
            .collect(),
        bfd: b.bfd_status(),
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

impl Api for DaemonApi {
    fn peers(&self) -> Vec<crate::admin::peers::Peer> {
        self.peers.clone()
    }

    fn snapshot(&self) -> Snapshot {
        let (now, wall) = (Instant::now(), SystemTime::now());
        let frontends: Vec<FrontendSample> = self
            .frontends
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|f| FrontendSample::take(f, now, wall))
            .collect();
        let checks = self.health.last_results();
        let gathered = Gathered {
            now: wall,
            started: self.hub.started,
            node: self.hub.node.clone(),
            vips: self.hub.vips(),
            frontends,
            checks,
            health_events: self.health.events(),
            events: self.hub.events(),
            bgp: self.bgp.as_deref().map(bgp_sample),
        };
        let mut snap = snapshot(&gathered);
        snap.status.config = self.hub.config();
        snap
    }

    fn ready(&self) -> Result<(), String> {
        if self.hub.is_ready() {
            Ok(())
        } else {
            Err("starting or stopping".to_string())
        }
    }

    fn ping(&self) {
        let _ = self.main.send(Event::Ping);
        let beat = self.checker_beat.clone();
        self.health.run_on_loop(move || beat.beat());
        for v in &self.vips() {
            v.send(Control::Ping);
        }
    }

    fn alive_since(&self, since_ms: u64) -> Result<(), String> {
        let mut late = Vec::new();
        if self.main_beat.last_ms() < since_ms {
            late.push("main loop".to_string());
        }
        if self.checker_beat.last_ms() < since_ms {
            late.push("health checker".to_string());
        }
        let stopped: Vec<String> = self
            .hub
            .vips()
            .into_iter()
            .filter(|v| v.state == VipState::Stopped)
            .map(|v| v.name)
            .collect();
        for v in &self.vips() {
            if v.heartbeat.last_ms() < since_ms && !stopped.contains(&v.name) {
                late.push(format!("vip {}", v.name));
            }
        }
        if late.is_empty() {
            Ok(())
        } else {
            Err(late.join(", "))
        }
    }

    fn backend(
        &self,
        frontend: &str,
        backend: &str,
        action: BackendAction,
    ) -> Result<String, ActionError> {
        let f = self.frontend(frontend)?;
        let address: Option<SocketAddr> = backend.parse().ok();
        let changed = {
            let mut pool = f.pool();
            let Some(i) = address.and_then(|a| pool.index_of(a)) else {
                let names: Vec<String> = pool
                    .members()
                    .iter()
                    .map(|m| m.address().to_string())
                    .collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                return Err(ActionError::NotFound(format!(
                    "frontend {frontend} has no backend {backend:?}; its backends: {}",
                    list(&names)
                )));
            };
            pool.set_admin(i, admin_state(action))
        };
        let message = match action {
            BackendAction::Drain => {
                "drain: no new connections while another backend is ready, established ones \
                 continue"
            }
            BackendAction::Maint => "maint: no new connections, established ones continue",
            BackendAction::Ready => "ready: takes new connections when healthy",
        };
        let subject = format!(
            "{frontend}/{}",
            address.map_or(backend.to_string(), |a| a.to_string())
        );
        if changed {
            self.hub.push_event(
                EventKind::Operator,
                &subject,
                format!("{} (by the operator)", action.word()),
            );
            tracing::info!("admin: backend {subject} set to {message} (by the operator)");
            Ok(format!("backend {subject}: {message}{}", until(action)))
        } else {
            Ok(format!("backend {subject}: already {}", action.word()))
        }
    }

    fn release(&self, vip: &str) -> Result<String, ActionError> {
        if let Some(bgp) = self.bgp.as_ref().filter(|b| b.has(vip)) {
            if !bgp.handed_over(vip) {
                return Ok(format!("VIP {vip}: not handed over; nothing to release"));
            }
            bgp.hand_over(vip, false);
            self.hub.push_event(
                EventKind::Operator,
                vip,
                "handover released (by the operator)".to_string(),
            );
            tracing::info!("admin: bgp vip {vip}: handover released by the operator");
            return Ok(format!(
                "VIP {vip}: handover released; this node announces it again while its trackers \
                 pass"
            ));
        }
        let control = self.vip(vip)?;
        let handed_over = self
            .hub
            .vips()
            .into_iter()
            .any(|v| v.name == vip && v.handed_over);
        if !handed_over {
            return Ok(format!("VIP {vip}: not handed over; nothing to release"));
        }
        control.send(Control::EndHandOver);
        self.hub.push_event(
            EventKind::Operator,
            vip,
            "handover released (by the operator)".to_string(),
        );
        tracing::info!("admin: vip {vip}: handover released by the operator");
        Ok(format!(
            "VIP {vip}: handover released; this node runs at its own priority again (with \
             preempt it takes the VIP back if it ranks first)"
        ))
    }

    fn reload(&self) -> tokio::sync::oneshot::Receiver<ReloadOutcome> {
        let (reply, outcome) = tokio::sync::oneshot::channel();
        tracing::info!("admin: reload asked through the admin endpoint");
        // If the main loop is gone the reply is dropped and the caller hears so.
        let _ = self.main.send(Event::Reload { reply: Some(reply) });
        outcome
    }

    fn hand_over(&self, vip: &str) -> Result<String, ActionError> {
        if let Some(bgp) = self.bgp.as_ref().filter(|b| b.has(vip)) {
            bgp.hand_over(vip, true);
            self.hub.push_event(
                EventKind::Operator,
                vip,
                "withdrawn (by the operator, until kubegate handover --release)".to_string(),
            );
            tracing::info!("admin: bgp vip {vip}: handover requested by the operator");
            return Ok(format!(
                "VIP {vip}: this node withdrew its route; the other nodes whose trackers pass \
                 keep announcing it, until `kubegate handover --release {vip}` or a restart"
            ));
        }
        let control = self.vip(vip)?;
        let sample = self.hub.vips().into_iter().find(|v| v.name == vip);
        if sample
            .as_ref()
            .is_some_and(|s| s.state == VipState::Stopped)
        {
            return Err(ActionError::Conflict(format!("VIP {vip} has stopped")));
        }
        control.send(Control::HandOver);
        let was_master = sample.is_some_and(|s| s.state == VipState::Master);
        self.hub.push_event(
            EventKind::Operator,
            vip,
            "handover (by the operator, until kubegate handover --release)".to_string(),
        );
        tracing::info!("admin: vip {vip}: handover requested by the operator");
        Ok(if was_master {
            format!(
                "VIP {vip}: handed over; another node takes it now, this one stays backup at \
                 the lowest priority until `kubegate handover --release {vip}` or a restart \
                 (it still takes the VIP if nobody else can)"
            )
        } else {
            format!(
                "VIP {vip}: this node was not master; it now stays backup at the lowest \
                 priority until `kubegate handover --release {vip}` or a restart"
            )
        })
    }
}

/// How a backend's operator state ends (reloads keep it).
fn until(action: BackendAction) -> &'static str {
    match action {
        BackendAction::Ready => "",
        _ => " (kept across reloads; `kubegate backend ready` ends it)",
    }
}

fn admin_state(a: BackendAction) -> AdminState {
    match a {
        BackendAction::Drain => AdminState::Drain,
        BackendAction::Ready => AdminState::Ready,
        BackendAction::Maint => AdminState::Maint,
    }
}

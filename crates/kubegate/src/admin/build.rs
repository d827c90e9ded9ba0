//! The snapshot as a pure function of the gathered data ([`Gathered`] → [`Status`]): state
//! names, reasons, backend rows (health combined with the operator's state), and the last
//! [`EVENTS_SHOWN`] events merged from the VIPs, the health checker and the operators.

use kubegate_balancer::health_events::{BackendCheck, CheckState, HealthEvent};
use kubegate_balancer::pool::{AdminState, Health};
use kubegate_config::model::Balance;

use super::api::{BackendExtra, Snapshot};
use super::gather::{epoch_ms, FrontendSample, Gathered, MemberSample, VipSample};
use super::snapshot::{
    BackendState, BackendStatus, CheckStatus, Event, EventKind, FrontendStatus, Status, VipStatus,
    EVENTS_SHOWN,
};

/// The status and what `/metrics` needs beside it.
pub fn snapshot(g: &Gathered) -> Snapshot {
    let backends = g
        .frontends
        .iter()
        .flat_map(|f| {
            f.members.iter().map(|m| BackendExtra {
                frontend: f.name.clone(),
                backend: m.address.to_string(),
                healthy: m.health == Health::Up,
                latency: g
                    .checks
                    .iter()
                    .find(|c| c.frontend == f.name && c.backend == m.address)
                    .map(|c| c.latency.clone()),
            })
        })
        .collect();
    Snapshot {
        status: build(g),
        backends,
    }
}

/// The whole status.
pub fn build(g: &Gathered) -> Status {
    Status {
        version: env!("CARGO_PKG_VERSION").to_string(),
        node: g.node.clone(),
        now_ms: epoch_ms(g.now),
        started_ms: epoch_ms(g.started),
        vips: g.vips.iter().map(vip).collect(),
        frontends: g.frontends.iter().map(|f| frontend(f, &g.checks)).collect(),
        events: events(&g.events, &g.health_events),
        // The hub's, set by the daemon beside the gathered data.
        config: Default::default(),
        bgp: g
            .bgp
            .as_ref()
            .map(|b| super::bgp_build::bgp_status(b, g.now)),
    }
}

fn vip(v: &VipSample) -> VipStatus {
    let mut reasons = v.tracker_reasons.clone();
    if v.handed_over {
        reasons.push("handed over by the operator (until kubegate handover --release)".to_string());
    }
    VipStatus {
        name: v.name.clone(),
        address: v.address.clone(),
        interface: v.interface.clone(),
        vrid: v.vrid,
        state: v.state,
        priority: v.priority,
        base_priority: v.base_priority,
        reasons,
        master: v.master.clone(),
        since_ms: epoch_ms(v.since),
        transitions: v.transitions,
        handed_over: v.handed_over,
        vrrp: v.vrrp.clone(),
    }
}

/// `round-robin` … as written in the file.
pub fn balance_name(b: Balance) -> &'static str {
    match b {
        Balance::RoundRobin => "round-robin",
        Balance::LeastConn => "least-conn",
        Balance::RandomTwo => "random-two",
        Balance::SourceHash => "source-hash",
    }
}

fn frontend(f: &FrontendSample, checks: &[BackendCheck]) -> FrontendStatus {
    FrontendStatus {
        name: f.name.clone(),
        bind: f.bind.to_string(),
        balance: balance_name(f.balance).to_string(),
        sessions_current: f.current,
        sessions_total: f.accepted,
        bytes_in: f.bytes_from_clients,
        bytes_out: f.bytes_from_backends,
        refused_no_backend: f.refused_no_backend,
        refused_limit: f.refused_limit,
        connect_failed: f.connect_failed,
        backends: f
            .members
            .iter()
            .map(|m| {
                let check = checks
                    .iter()
                    .find(|c| c.frontend == f.name && c.backend == m.address);
                backend(m, check)
            })
            .collect(),
    }
}

fn backend(m: &MemberSample, check: Option<&BackendCheck>) -> BackendStatus {
    BackendStatus {
        address: m.address.to_string(),
        weight: m.weight,
        state: backend_state(m, check.map(|c| c.state)),
        sessions_current: m.active,
        sessions_total: m.connections,
        bytes_in: m.bytes_from_clients,
        bytes_out: m.bytes_from_backend,
        connect_failures: m.failures,
        last_check: check.and_then(|c| {
            let last = c.last.as_ref()?;
            Some(CheckStatus {
                ok: last.ok,
                detail: last.detail.clone(),
                latency_ms: last.latency.as_secs_f64() * 1000.0,
                at_ms: c.last_at.map_or(0, epoch_ms),
            })
        }),
        checks: check.map_or(0, |c| c.checks),
        last_change_ms: m.since.map(epoch_ms),
        downtime_ms: u64::try_from(m.downtime.as_millis()).unwrap_or(u64::MAX),
    }
}

/// The operator's state wins; then the pool's health, refined by the checker's transitional
/// states (the pool may be Down from failed connects while the checker still says Up).
pub fn backend_state(m: &MemberSample, check: Option<CheckState>) -> BackendState {
    match (m.admin, m.health, check) {
        (AdminState::Drain, _, _) => BackendState::Drain,
        (AdminState::Maint, _, _) => BackendState::Maint,
        (AdminState::Ready, Health::Up, Some(CheckState::GoingDown)) => BackendState::GoingDown,
        (AdminState::Ready, Health::Up, _) => BackendState::Up,
        (AdminState::Ready, Health::Down, Some(CheckState::GoingUp)) => BackendState::GoingUp,
        (AdminState::Ready, Health::Down, _) => BackendState::Down,
    }
}

fn health_word(h: Health) -> &'static str {
    match h {
        Health::Up => "up",
        Health::Down => "down",
    }
}

/// The hub's events and the checker's, by time (stable: equal times keep their order), the
/// last [`EVENTS_SHOWN`].
fn events(own: &[Event], health: &[HealthEvent]) -> Vec<Event> {
    let mut all: Vec<Event> = own.to_vec();
    all.extend(health.iter().map(|e| Event {
        at_ms: epoch_ms(e.at),
        kind: EventKind::Backend,
        subject: format!("{}/{}", e.frontend, e.backend),
        message: format!(
            "{} -> {}: {}",
            health_word(e.from),
            health_word(e.to),
            e.reason
        ),
    }));
    all.sort_by_key(|e| e.at_ms);
    let skip = all.len().saturating_sub(EVENTS_SHOWN);
    all.split_off(skip)
}

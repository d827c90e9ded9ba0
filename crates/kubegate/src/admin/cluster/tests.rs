//! The comparison of node statuses: every drift flag, and none when the nodes agree.

use super::*;
use crate::admin::snapshot::{BackendStatus, ConfigStatus, FrontendStatus, VipStatus};

fn vip(state: VipState, priority: u8) -> VipStatus {
    VipStatus {
        name: "api".into(),
        address: "198.18.0.50/24".into(),
        interface: "eth0".into(),
        vrid: 51,
        state,
        priority,
        base_priority: 150,
        reasons: if priority < 150 {
            vec!["frontend api: no ready backend (-50)".into()]
        } else {
            vec![]
        },
        master: None,
        since_ms: 0,
        transitions: 1,
        handed_over: false,
        vrrp: Default::default(),
    }
}

fn backend(address: &str, state: BackendState) -> BackendStatus {
    BackendStatus {
        address: address.into(),
        weight: 1,
        state,
        sessions_current: 0,
        sessions_total: 0,
        bytes_in: 0,
        bytes_out: 0,
        connect_failures: 0,
        last_check: None,
        checks: 0,
        last_change_ms: None,
        downtime_ms: 0,
    }
}

fn status(node: &str, state: VipState, fingerprint: &str, backends: Vec<BackendStatus>) -> Status {
    Status {
        version: "0.1.0".into(),
        node: Some(node.into()),
        now_ms: 1,
        started_ms: 0,
        vips: vec![vip(state, 150)],
        frontends: vec![FrontendStatus {
            name: "api".into(),
            bind: "198.18.0.50:6443".into(),
            balance: "round-robin".into(),
            sessions_current: 0,
            sessions_total: 0,
            bytes_in: 0,
            bytes_out: 0,
            refused_no_backend: 0,
            refused_limit: 0,
            connect_failed: 0,
            backends,
        }],
        events: vec![],
        config: ConfigStatus {
            path: "/etc/kubegate.yaml".into(),
            fingerprint: fingerprint.into(),
            loaded_ms: 0,
            last_reload_ok: true,
            last_reload_ms: None,
            last_reload_error: None,
        },
        bgp: None,
    }
}

fn two_up() -> Vec<BackendStatus> {
    vec![
        backend("10.0.0.1:6443", BackendState::Up),
        backend("10.0.0.2:6443", BackendState::Up),
    ]
}

fn answer(node: &str, status: Result<Status, String>) -> Answer {
    Answer {
        node: node.into(),
        admin: format!("{node}:9099"),
        status,
    }
}

fn agreeing() -> Vec<Answer> {
    vec![
        answer("n1", Ok(status("n1", VipState::Master, "aaaa", two_up()))),
        answer("n2", Ok(status("n2", VipState::Backup, "aaaa", two_up()))),
        answer("n3", Ok(status("n3", VipState::Backup, "aaaa", two_up()))),
    ]
}

fn kinds(v: &ClusterView) -> Vec<(DriftKind, String)> {
    v.drift
        .iter()
        .map(|d| (d.kind, d.subject.clone()))
        .collect()
}

#[test]
fn agreeing_nodes_show_side_by_side_without_drift() {
    let v = compare(&agreeing());
    assert_eq!(v.drift, vec![], "expected no drift");
    assert_eq!(
        v.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
        ["n1", "n2", "n3"]
    );
    assert_eq!(v.vips.len(), 1);
    let states: Vec<VipState> = v.vips[0]
        .cells
        .iter()
        .map(|c| c.as_ref().unwrap().state)
        .collect();
    assert_eq!(
        states,
        [VipState::Master, VipState::Backup, VipState::Backup]
    );
    assert_eq!(v.backends.len(), 2);
    assert_eq!(v.backends[0].states, vec![Some(BackendState::Up); 3]);
}

#[test]
fn a_different_fingerprint_is_flagged_on_the_odd_node_only() {
    let mut a = agreeing();
    a[2] = answer("n3", Ok(status("n3", VipState::Backup, "bbbb", two_up())));
    let v = compare(&a);
    assert_eq!(kinds(&v), [(DriftKind::Fingerprint, "n3".to_string())]);
    assert!(
        v.drift[0].message.contains("bbbb") && v.drift[0].message.contains("aaaa"),
        "the message names both fingerprints: {}",
        v.drift[0].message
    );
}

#[test]
fn an_unreachable_node_is_flagged_and_its_cells_are_empty() {
    let mut a = agreeing();
    a[1] = answer("n2", Err("connection refused".into()));
    let v = compare(&a);
    assert_eq!(kinds(&v), [(DriftKind::Unreachable, "n2".to_string())]);
    assert!(
        v.drift[0].message.contains("connection refused"),
        "{:?}",
        v.drift
    );
    assert_eq!(v.vips[0].cells[1], None);
    assert_eq!(v.backends[0].states[1], None);
    assert_eq!(v.nodes[1].error.as_deref(), Some("connection refused"));
}

#[test]
fn two_holders_are_flagged_and_no_holder_too() {
    let mut a = agreeing();
    a[1] = answer("n2", Ok(status("n2", VipState::Master, "aaaa", two_up())));
    let v = compare(&a);
    assert_eq!(kinds(&v), [(DriftKind::TwoHolders, "api".to_string())]);
    assert!(v.drift[0].message.contains("n1, n2"), "{:?}", v.drift);

    let mut a = agreeing();
    a[0] = answer("n1", Ok(status("n1", VipState::Backup, "aaaa", two_up())));
    assert_eq!(
        kinds(&compare(&a)),
        [(DriftKind::NoHolder, "api".to_string())]
    );
    // A holder that does not answer is not "no holder": it is unreachable.
    a[0] = answer("n1", Err("timed out".into()));
    assert_eq!(
        kinds(&compare(&a)),
        [(DriftKind::Unreachable, "n1".to_string())]
    );
}

#[test]
fn a_backend_drained_on_some_nodes_only_is_flagged() {
    let mut a = agreeing();
    let drained = vec![
        backend("10.0.0.1:6443", BackendState::Drain),
        backend("10.0.0.2:6443", BackendState::Up),
    ];
    a[0] = answer(
        "n1",
        Ok(status("n1", VipState::Master, "aaaa", drained.clone())),
    );
    let v = compare(&a);
    assert_eq!(
        kinds(&v),
        [(DriftKind::Operator, "api/10.0.0.1:6443".to_string())]
    );
    assert!(
        v.drift[0].message.contains("drained on n1")
            && v.drift[0]
                .message
                .contains("not set by the operator on n2, n3"),
        "{}",
        v.drift[0].message
    );
    // Health differs between nodes all the time; only the operator's state is drift.
    a[1] = answer(
        "n2",
        Ok(status("n2", VipState::Backup, "aaaa", drained.clone())),
    );
    let mut down = drained;
    down[1].state = BackendState::Down;
    a[2] = answer("n3", Ok(status("n3", VipState::Backup, "aaaa", down)));
    assert_eq!(compare(&a).drift, vec![]);
}

#[test]
fn a_backend_missing_from_a_node_and_a_node_answering_as_another_are_flagged() {
    let mut a = agreeing();
    a[2] = answer(
        "n3",
        Ok(status(
            "n3",
            VipState::Backup,
            "aaaa",
            vec![backend("10.0.0.1:6443", BackendState::Up)],
        )),
    );
    a[1] = answer("n2", Ok(status("n1", VipState::Backup, "aaaa", two_up())));
    let v = compare(&a);
    assert_eq!(
        kinds(&v),
        [
            (DriftKind::Identity, "n2".to_string()),
            (DriftKind::Backends, "api/10.0.0.2:6443".to_string()),
        ]
    );
    assert!(
        v.drift[1].message.contains("not in the config of n3"),
        "{:?}",
        v.drift
    );
}

#[test]
fn the_view_round_trips_through_json() {
    let mut a = agreeing();
    a[2] = answer("n3", Err("refused".into()));
    let v = compare(&a);
    let json = serde_json::to_string(&v).unwrap();
    assert!(json.contains("\"kind\":\"unreachable\""), "{json}");
    let back: ClusterView = serde_json::from_str(&json).unwrap();
    assert_eq!(back, v);
}

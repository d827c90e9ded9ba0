//! The BGP lines of `kubegate status`: this node's sessions with the routers, its BGP VIPs
//! (announced, or why not) and its BFD sessions, as aligned tables.

use super::snapshot::Status;
use super::table::{ago, aligned};

/// Nothing when BGP mode does not run.
pub(crate) fn render(s: &Status) -> String {
    let Some(bgp) = &s.bgp else {
        return String::new();
    };
    let mut out = format!(
        "\nbgp AS {}, router id {}\n",
        bgp.asn,
        bgp.router_id.as_deref().unwrap_or("-")
    );
    let dash = || "-".to_string();
    let mut rows = vec![vec![
        "PEER".to_string(),
        "STATE".into(),
        "SINCE".into(),
        "ROUTES".into(),
        "MSGS IN/OUT".into(),
        "FLAPS".into(),
        "LAST ERROR".into(),
    ]];
    for p in &bgp.sessions {
        rows.push(vec![
            p.peer.clone(),
            p.state.clone(),
            ago(s.now_ms.saturating_sub(p.since_ms)),
            p.routes_announced.to_string(),
            format!("{}/{}", p.messages_in, p.messages_out),
            p.flaps.to_string(),
            p.last_error.clone().unwrap_or_else(dash),
        ]);
    }
    out.push_str(&aligned(&rows, "  "));
    let mut rows = vec![vec![
        "BGP VIP".to_string(),
        "PREFIX".into(),
        "ANNOUNCED".into(),
        "WHY NOT".into(),
    ]];
    for r in &bgp.routes {
        rows.push(vec![
            r.vip.clone(),
            r.prefix.clone(),
            if r.announced { "yes" } else { "NO" }.into(),
            r.reason.clone().unwrap_or_else(dash),
        ]);
    }
    out.push_str(&aligned(&rows, "  "));
    if !bgp.bfd.is_empty() {
        let mut rows = vec![vec![
            "BFD PEER".to_string(),
            "STATE".into(),
            "SINCE".into(),
            "DETECT".into(),
            "PKTS IN/OUT".into(),
            "DIAGNOSTIC".into(),
        ]];
        for b in &bgp.bfd {
            rows.push(vec![
                b.peer.clone(),
                b.state.clone(),
                ago(s.now_ms.saturating_sub(b.since_ms)),
                b.detect_ms.map_or_else(dash, |ms| format!("{ms} ms")),
                format!("{}/{}", b.packets_in, b.packets_out),
                b.diagnostic.clone(),
            ]);
        }
        out.push_str(&aligned(&rows, "  "));
    }
    out
}

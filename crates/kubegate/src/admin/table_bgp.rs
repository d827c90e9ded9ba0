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

#[cfg(test)]
mod tests {
    use crate::admin::snapshot::{
        BfdSessionStatus, BgpRouteStatus, BgpSessionStatus, BgpStatus, Status,
    };

    fn status(bgp: Option<BgpStatus>) -> Status {
        Status {
            version: "0".into(),
            node: Some("node1".into()),
            now_ms: 100_000,
            started_ms: 0,
            vips: vec![],
            frontends: vec![],
            events: vec![],
            config: Default::default(),
            bgp,
        }
    }

    #[test]
    fn sessions_routes_and_bfd_each_get_a_line() {
        let bgp = BgpStatus {
            asn: 64512,
            router_id: Some("198.18.0.11".into()),
            sessions: vec![BgpSessionStatus {
                peer: "198.18.0.100".into(),
                state: "Active".into(),
                since_ms: 90_000,
                uptime_s: None,
                last_error: Some("connection refused".into()),
                local_address: None,
                routes_announced: 0,
                messages_in: 3,
                messages_out: 4,
                flaps: 1,
                connect_attempts: 2,
            }],
            routes: vec![BgpRouteStatus {
                vip: "api".into(),
                prefix: "198.18.10.50/32".into(),
                announced: false,
                reason: Some("handed over by the operator".into()),
            }],
            bfd: vec![BfdSessionStatus {
                peer: "198.18.0.100".into(),
                state: "Down".into(),
                since_ms: 95_000,
                remote_state: "Down".into(),
                diagnostic: "control detection time expired".into(),
                tx_ms: Some(1000),
                rx_ms: None,
                detect_ms: None,
                packets_in: 7,
                packets_out: 9,
                dropped: 0,
                last_drop: None,
            }],
        };
        let text = crate::admin::table::render(&status(Some(bgp)));
        assert!(
            text.contains("bgp AS 64512, router id 198.18.0.11\n"),
            "{text}"
        );
        let line = |start: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(start))
                .unwrap_or_else(|| panic!("no line {start:?} in\n{text}"))
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            line("198.18.0.100  Active"),
            "198.18.0.100 Active 10s 0 3/4 1 connection refused"
        );
        assert_eq!(
            line("api"),
            "api 198.18.10.50/32 NO handed over by the operator"
        );
        assert_eq!(
            line("198.18.0.100  Down"),
            "198.18.0.100 Down 5s - 7/9 control detection time expired"
        );
        let without = crate::admin::table::render(&status(None));
        assert!(!without.contains("bgp"), "{without}");
    }
}

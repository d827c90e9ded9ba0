//! The BGP and BFD families of `/metrics`, present while BGP mode runs: per session whether
//! it is Established, its RFC 4271 §8.2.2 state, how often it came up, its messages; per BGP
//! VIP whether this node announces it; per BFD session (RFC 5880) whether it is Up and its
//! packets.

use super::Family;
use crate::admin::bgp_build::SESSION_STATES;
use crate::admin::snapshot::BgpStatus;

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// Every BGP and BFD family.
pub(super) fn families(out: &mut String, bgp: &BgpStatus) {
    sessions(out, bgp);
    let name = "kubegate_bgp_route_announced";
    let mut fam = Family::new(
        out,
        name,
        "gauge",
        "1 while this node announces the BGP VIP's host route (its trackers pass, not handed \
         over, not stopping), else 0.",
    );
    for r in &bgp.routes {
        fam.sample(
            name,
            &[("vip", &r.vip), ("prefix", &r.prefix)],
            flag(r.announced),
        );
    }
    bfd(out, bgp);
}

fn sessions(out: &mut String, bgp: &BgpStatus) {
    let name = "kubegate_bgp_session_established";
    let mut fam = Family::new(
        out,
        name,
        "gauge",
        "1 while the BGP session with the peer is Established, else 0.",
    );
    for s in &bgp.sessions {
        fam.sample(name, &[("peer", &s.peer)], flag(s.state == "Established"));
    }
    let name = "kubegate_bgp_session_state";
    let mut fam = Family::new(
        out,
        name,
        "gauge",
        "1 for the session's current RFC 4271 state (Idle, Connect, Active, OpenSent, \
         OpenConfirm, Established), 0 for the others.",
    );
    for s in &bgp.sessions {
        for state in SESSION_STATES {
            fam.sample(
                name,
                &[("peer", &s.peer), ("state", state)],
                flag(s.state == state),
            );
        }
    }
    type SessionValue = fn(&crate::admin::snapshot::BgpSessionStatus) -> u64;
    let counters: [(&str, &str, &str, SessionValue); 3] = [
        (
            "kubegate_bgp_session_flaps_total",
            "counter",
            "Times the BGP session reached Established since the daemon started.",
            |s| s.flaps,
        ),
        (
            "kubegate_bgp_session_connect_attempts_total",
            "counter",
            "TCP connections tried to the peer.",
            |s| s.connect_attempts,
        ),
        (
            "kubegate_bgp_session_routes_announced",
            "gauge",
            "Routes announced on the session now (0 unless Established).",
            |s| s.routes_announced,
        ),
    ];
    for (name, kind, help, value) in counters {
        let mut fam = Family::new(out, name, kind, help);
        for s in &bgp.sessions {
            fam.sample(name, &[("peer", &s.peer)], value(s) as f64);
        }
    }
    let name = "kubegate_bgp_messages_total";
    let mut fam = Family::new(
        out,
        name,
        "counter",
        "BGP messages received (direction=\"in\") and sent (direction=\"out\") on the session.",
    );
    for s in &bgp.sessions {
        fam.sample(
            name,
            &[("peer", &s.peer), ("direction", "in")],
            s.messages_in as f64,
        );
        fam.sample(
            name,
            &[("peer", &s.peer), ("direction", "out")],
            s.messages_out as f64,
        );
    }
}

fn bfd(out: &mut String, bgp: &BgpStatus) {
    let name = "kubegate_bfd_session_up";
    let mut fam = Family::new(
        out,
        name,
        "gauge",
        "1 while the BFD session with the peer is Up, else 0.",
    );
    for b in &bgp.bfd {
        fam.sample(name, &[("peer", &b.peer)], flag(b.state == "Up"));
    }
    let name = "kubegate_bfd_packets_total";
    let mut fam = Family::new(
        out,
        name,
        "counter",
        "BFD control packets received (direction=\"in\", dropped ones included) and sent \
         (direction=\"out\").",
    );
    for b in &bgp.bfd {
        fam.sample(
            name,
            &[("peer", &b.peer), ("direction", "in")],
            b.packets_in as f64,
        );
        fam.sample(
            name,
            &[("peer", &b.peer), ("direction", "out")],
            b.packets_out as f64,
        );
    }
    let name = "kubegate_bfd_dropped_total";
    let mut fam = Family::new(
        out,
        name,
        "counter",
        "Received BFD packets of the session dropped (malformed, wrong TTL, failed \
         authentication).",
    );
    for b in &bgp.bfd {
        fam.sample(name, &[("peer", &b.peer)], b.dropped as f64);
    }
}

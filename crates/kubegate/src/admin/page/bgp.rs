//! The BGP section, shown only while this node runs BGP mode: its sessions with the routers
//! (RFC 4271 state, uptime, last error, messages), its BGP VIPs (announced, or why not), and
//! the BFD sessions (RFC 5880) that bring a session down when the peer goes silent.

use std::fmt::Write;

use super::format::{count, escape};
use super::time_cell;
use crate::admin::snapshot::{BfdSessionStatus, BgpSessionStatus, BgpStatus, Status};

/// `<section id="bgp">`, or nothing when BGP mode does not run.
pub fn section(html: &mut String, status: &Status) {
    let Some(bgp) = &status.bgp else {
        return;
    };
    let established = bgp
        .sessions
        .iter()
        .filter(|s| s.state == "Established")
        .count();
    let announced = bgp.routes.iter().filter(|r| r.announced).count();
    let router_id = bgp.router_id.as_deref().unwrap_or("none");
    let _ = write!(
        html,
        "<section id=\"bgp\" data-asn=\"{asn}\" data-router-id=\"{id}\"><h2>BGP\
         <span class=\"meta\">AS {asn} · router id {id} · {established} of {} sessions \
         established · announcing {announced} of {} VIPs</span></h2>",
        bgp.sessions.len(),
        bgp.routes.len(),
        asn = bgp.asn,
        id = escape(router_id),
    );
    sessions(html, bgp, status.now_ms);
    routes(html, bgp);
    if !bgp.bfd.is_empty() {
        bfd(html, bgp, status.now_ms);
    }
    html.push_str("</section>");
}

/// The row's colour class: good, bad, or on its way.
fn shade(good: bool, bad: bool) -> &'static str {
    if good {
        "g-good"
    } else if bad {
        "g-bad"
    } else {
        "g-wait"
    }
}

fn sessions(html: &mut String, bgp: &BgpStatus, now_ms: u64) {
    html.push_str("<h3>Sessions</h3>");
    if bgp.sessions.is_empty() {
        html.push_str("<p class=\"empty\">No session: this node has no peer (or is stopping).</p>");
        return;
    }
    html.push_str(
        "<div class=\"scroll\"><table class=\"bgp-sessions\"><thead><tr><th>peer</th>\
         <th>state</th><th>since</th><th>our address</th><th class=\"num\">routes</th>\
         <th class=\"num\">messages in</th><th class=\"num\">messages out</th>\
         <th class=\"num\">flaps</th><th>last error</th></tr></thead><tbody>",
    );
    for s in &bgp.sessions {
        session_row(html, s, now_ms);
    }
    html.push_str("</tbody></table></div>");
}

fn session_row(html: &mut String, s: &BgpSessionStatus, now_ms: u64) {
    let up = s.state == "Established";
    let _ = write!(
        html,
        "<tr class=\"bgp-session {shade}\" data-peer=\"{peer}\" data-state=\"{state}\">\
         <td class=\"addr\"><b>{peer}</b></td><td class=\"state\">{state}</td>",
        shade = shade(up, s.state == "Idle" || s.state == "Active"),
        peer = escape(&s.peer),
        state = escape(&s.state),
    );
    time_cell(html, "since", now_ms, s.since_ms);
    let _ = write!(
        html,
        "<td class=\"addr\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
         <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"last-error wrap\">{}</td></tr>",
        s.local_address
            .as_deref()
            .map_or_else(|| "<span class=\"muted\">-</span>".to_string(), escape),
        count(s.routes_announced),
        count(s.messages_in),
        count(s.messages_out),
        count(s.flaps),
        s.last_error
            .as_deref()
            .map_or_else(|| "<span class=\"muted\">none</span>".to_string(), escape),
    );
}

fn routes(html: &mut String, bgp: &BgpStatus) {
    html.push_str("<h3>Routes</h3>");
    if bgp.routes.is_empty() {
        html.push_str("<p class=\"empty\">No BGP VIP.</p>");
        return;
    }
    html.push_str(
        "<div class=\"scroll\"><table class=\"bgp-routes\"><thead><tr><th>VIP</th>\
         <th>prefix</th><th>announced</th><th>why not</th></tr></thead><tbody>",
    );
    for r in &bgp.routes {
        let _ =
            write!(
            html,
            "<tr class=\"bgp-route {shade}\" data-vip=\"{vip}\" data-announced=\"{announced}\">\
             <td class=\"name\"><b>{vip}</b></td><td class=\"addr\">{prefix}</td>\
             <td class=\"state\">{word}</td><td class=\"reason wrap\">{reason}</td></tr>",
            shade = shade(r.announced, !r.announced),
            vip = escape(&r.vip),
            announced = r.announced,
            prefix = escape(&r.prefix),
            word = if r.announced { "announced" } else { "withdrawn" },
            reason = r.reason.as_deref().map_or_else(String::new, escape),
        );
    }
    html.push_str("</tbody></table></div>");
}

fn bfd(html: &mut String, bgp: &BgpStatus, now_ms: u64) {
    html.push_str(
        "<h3>BFD</h3><div class=\"scroll\"><table class=\"bfd-sessions\"><thead><tr>\
         <th>peer</th><th>state</th><th>peer's state</th><th>since</th><th>diagnostic</th>\
         <th class=\"num\">tx ms</th><th class=\"num\">rx ms</th><th class=\"num\">detect ms</th>\
         <th class=\"num\">packets in</th><th class=\"num\">packets out</th>\
         <th class=\"num\">dropped</th><th>last drop</th></tr></thead><tbody>",
    );
    for b in &bgp.bfd {
        bfd_row(html, b, now_ms);
    }
    html.push_str("</tbody></table></div>");
}

fn bfd_row(html: &mut String, b: &BfdSessionStatus, now_ms: u64) {
    let ms = |v: Option<u64>| v.map_or_else(|| "-".to_string(), count);
    let _ = write!(
        html,
        "<tr class=\"bfd-session {shade}\" data-peer=\"{peer}\" data-state=\"{state}\">\
         <td class=\"addr\"><b>{peer}</b></td><td class=\"state\">{state}</td>\
         <td>{remote}</td>",
        shade = shade(b.state == "Up", b.state == "Down" || b.state == "AdminDown"),
        peer = escape(&b.peer),
        state = escape(&b.state),
        remote = escape(&b.remote_state),
    );
    time_cell(html, "since", now_ms, b.since_ms);
    let _ = write!(
        html,
        "<td class=\"wrap\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
         <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
         <td class=\"num\">{}</td><td class=\"wrap\">{}</td></tr>",
        escape(&b.diagnostic),
        ms(b.tx_ms),
        ms(b.rx_ms),
        ms(b.detect_ms),
        count(b.packets_in),
        count(b.packets_out),
        count(b.dropped),
        b.last_drop.as_deref().map_or_else(String::new, escape),
    );
}

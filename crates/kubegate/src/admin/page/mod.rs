//! The status page served at `/`: one self-contained HTML document (inline style sheet, no
//! script, no external resource) rendered from a [`Status`] snapshot. Rendering is pure: every
//! relative time is computed from `status.now_ms`.
//!
//! Hooks for tests and scripts: `body[data-now-ms]`, `#summary`, `#legend`,
//! `tr.vip[data-vip][data-state]`, `section.frontend[data-frontend]`,
//! `tr.backend[data-frontend][data-backend][data-state]` (with `td.check .detail`),
//! `tr.event[data-kind]`, `#config[data-fingerprint][data-last-reload]`, in BGP mode
//! `section#bgp[data-asn][data-router-id]` (`tr.bgp-session[data-peer][data-state]` with
//! `td.last-error`, `tr.bgp-route[data-vip][data-announced]` with `td.reason`,
//! `tr.bfd-session[data-peer][data-state]`), and with several
//! nodes `section#cluster[data-drift]` (`li.drift[data-kind][data-subject]`,
//! `td.cluster-node[data-node][data-reachable][data-fingerprint]`).

use std::fmt::Write;

use super::snapshot::{Status, VipState};

mod bgp;
mod cluster;
mod events;
mod format;
mod frontends;
mod style;
mod vips;

pub use format::escape;
pub use style::{Shade, BACKEND_SHADES, VIP_SHADES};

/// How often the page reloads itself, in seconds.
pub const REFRESH_SECONDS: u32 = 5;

/// The whole page for `status`.
pub fn render(status: &Status) -> String {
    render_with_cluster(status, None)
}

/// The whole page, with the cluster section when there is a cluster view.
pub fn render_with_cluster(
    status: &Status,
    cluster_view: Option<&crate::admin::cluster::ClusterView>,
) -> String {
    let mut html = String::with_capacity(16 * 1024);
    let title = match &status.node {
        Some(node) => format!("kubegate · {}", escape(node)),
        None => "kubegate".to_owned(),
    };
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{css}</style></head>\
         <body data-now-ms=\"{now}\" data-refresh-seconds=\"{REFRESH_SECONDS}\">",
        css = style::css(),
        now = status.now_ms,
    );
    header(&mut html, status);
    html.push_str("<main>");
    summary(&mut html, status);
    config(&mut html, status);
    if let Some(view) = cluster_view {
        cluster::section(&mut html, view);
    }
    vips::section(&mut html, status);
    bgp::section(&mut html, status);
    frontends::sections(&mut html, status);
    legend(&mut html);
    events::section(&mut html, status);
    html.push_str("</main>");
    let _ = write!(
        html,
        "<footer>kubegate {} · the same data as JSON: <a href=\"/api/v1/status\">/api/v1/status</a> \
         · Prometheus: <a href=\"/metrics\">/metrics</a></footer></body></html>",
        escape(&status.version)
    );
    html
}

fn header(html: &mut String, status: &Status) {
    let now = format::Utc::from_ms(status.now_ms);
    html.push_str("<header><h1>kubegate</h1>");
    match &status.node {
        Some(node) => {
            let _ = write!(
                html,
                "<span class=\"node\">node <b>{}</b></span>",
                escape(node)
            );
        }
        None => html.push_str("<span class=\"node\">frontends only</span>"),
    }
    let _ = write!(
        html,
        "<span class=\"meta\">version {} · up {} · as of <time datetime=\"{}\">{}</time> · \
         refreshes every {REFRESH_SECONDS} s</span></header>",
        escape(&status.version),
        format::duration(status.now_ms.saturating_sub(status.started_ms) / 1000 * 1000),
        now.iso(),
        now.short(&now),
    );
}

/// The figures to read first: VIPs held, backends serving, sessions open.
fn summary(html: &mut String, status: &Status) {
    let masters = status
        .vips
        .iter()
        .filter(|v| v.state == VipState::Master)
        .count();
    let faults = status
        .vips
        .iter()
        .filter(|v| v.state == VipState::Fault)
        .count();
    let backends = status.frontends.iter().flat_map(|f| &f.backends);
    let total = backends.clone().count();
    let serving = backends.filter(|b| style::serving(b.state)).count();
    let sessions: u64 = status.frontends.iter().map(|f| f.sessions_current).sum();
    html.push_str("<ul id=\"summary\" class=\"summary\">");
    let _ = write!(
        html,
        "<li id=\"summary-vips\"{}><b>{masters} / {}</b><span>VIPs held by this node{}</span></li>",
        if faults > 0 { " class=\"bad\"" } else { "" },
        status.vips.len(),
        if faults > 0 {
            format!(", {faults} in fault")
        } else {
            String::new()
        },
    );
    let _ = write!(
        html,
        "<li id=\"summary-backends\"{}><b>{serving} / {total}</b><span>backends serving</span></li>",
        if serving < total { " class=\"bad\"" } else { "" },
    );
    let _ = write!(
        html,
        "<li id=\"summary-sessions\"><b>{}</b><span>sessions open</span></li></ul>",
        format::count(sessions)
    );
}

/// The running config's file and fingerprint; a rejected last reload and its errors.
fn config(html: &mut String, status: &Status) {
    let c = &status.config;
    if c.path.is_empty() {
        return;
    }
    let rejected = !c.last_reload_ok;
    let _ = write!(
        html,
        "<p id=\"config\" data-fingerprint=\"{fp}\" data-last-reload=\"{outcome}\"{class}>\
         config <code>{path}</code> · fingerprint <code>{fp}</code> · loaded {ago} ago",
        fp = escape(&c.fingerprint),
        outcome = if rejected { "rejected" } else { "ok" },
        class = if rejected { " class=\"bad\"" } else { "" },
        path = escape(&c.path),
        ago = format::duration(status.now_ms.saturating_sub(c.loaded_ms) / 1000 * 1000),
    );
    if let (true, Some(errors)) = (rejected, &c.last_reload_error) {
        let _ = write!(
            html,
            "<br><b>the last reload was rejected</b>; the config above still runs:\
             <pre>{}</pre>",
            escape(errors)
        );
    }
    html.push_str("</p>");
}

/// What the colours mean.
fn legend(html: &mut String) {
    html.push_str("<section id=\"legend-section\"><ul id=\"legend\" class=\"legend\">");
    html.push_str("<li class=\"legend-group\">backends</li>");
    for shade in &BACKEND_SHADES {
        let _ = write!(
            html,
            "<li><span class=\"swatch b-{name}\" data-state=\"{name}\">{label}</span>\
             <span class=\"muted\">{meaning}</span></li>",
            name = shade.name,
            label = shade.name.replace('-', " "),
            meaning = shade.meaning,
        );
    }
    html.push_str(
        "</ul><ul id=\"legend-vips\" class=\"legend\"><li class=\"legend-group\">VIPs</li>",
    );
    for shade in &VIP_SHADES {
        let _ = write!(
            html,
            "<li><span class=\"swatch v-{name}\" data-state=\"{name}\">{name}</span>\
             <span class=\"muted\">{meaning}</span></li>",
            name = shade.name,
            meaning = shade.meaning,
        );
    }
    html.push_str("</ul></section>");
}

/// A `<td class="{class}">` with "3 m 12 s ago" and the UTC time beside it.
fn time_cell(html: &mut String, class: &str, now_ms: u64, at_ms: u64) {
    let at = format::Utc::from_ms(at_ms);
    let _ = write!(
        html,
        "<td class=\"{class}\"><time datetime=\"{}\">{}</time> \
         <span class=\"muted small\">{}</span></td>",
        at.iso(),
        format::ago(now_ms, at_ms),
        at.short(&format::Utc::from_ms(now_ms)),
    );
}

#[cfg(test)]
mod tests;

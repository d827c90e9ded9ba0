//! The cluster section: every node side by side (endpoint, config fingerprint, each VIP's
//! state and priority, each backend's state) and the drift between them, first.

use std::fmt::Write;

use super::format::escape;
use crate::admin::cluster::ClusterView;
use crate::admin::snapshot::VipState;
use crate::admin::table::backend_state;

/// The `<section id="cluster">`.
pub fn section(html: &mut String, v: &ClusterView) {
    let _ = write!(
        html,
        "<section id=\"cluster\" data-drift=\"{}\"><h2>Cluster <span class=\"meta\">every node \
         as it answers now</span></h2>",
        v.drift.len()
    );
    if v.drift.is_empty() {
        html.push_str(
            "<p class=\"ok\" id=\"drift-none\">no drift: every node answered, runs the same \
             config and agrees</p>",
        );
    } else {
        html.push_str("<ul id=\"drift\" class=\"bad\">");
        for d in &v.drift {
            let kind = serde_json::to_value(d.kind)
                .ok()
                .and_then(|k| k.as_str().map(str::to_string))
                .unwrap_or_default();
            let _ = write!(
                html,
                "<li class=\"drift\" data-kind=\"{}\" data-subject=\"{}\">{}</li>",
                escape(&kind),
                escape(&d.subject),
                escape(&d.message)
            );
        }
        html.push_str("</ul>");
    }
    html.push_str("<div class=\"scroll\"><table class=\"cluster\"><thead><tr><th></th>");
    for n in &v.nodes {
        let _ = write!(html, "<th>{}</th>", escape(&n.name));
    }
    html.push_str("</tr></thead><tbody><tr class=\"cluster-admin\"><td>admin</td>");
    for n in &v.nodes {
        let _ = write!(html, "<td>{}</td>", escape(&n.admin));
    }
    html.push_str("</tr><tr class=\"cluster-config\"><td>config</td>");
    for n in &v.nodes {
        let _ = write!(
            html,
            "<td class=\"cluster-node\" data-node=\"{}\" data-reachable=\"{}\" \
             data-fingerprint=\"{}\"{}>{}</td>",
            escape(&n.name),
            n.error.is_none(),
            escape(n.fingerprint.as_deref().unwrap_or("")),
            if n.error.is_some() {
                " class=\"bad\""
            } else {
                ""
            },
            match (&n.fingerprint, &n.error) {
                (Some(fp), _) => format!("<code>{}</code>", escape(fp)),
                (None, Some(e)) => format!("unreachable: {}", escape(e)),
                (None, None) => "-".to_string(),
            }
        );
    }
    html.push_str("</tr>");
    for vip in &v.vips {
        let _ = write!(
            html,
            "<tr class=\"cluster-vip\" data-vip=\"{}\"><td>VIP {}</td>",
            escape(&vip.name),
            escape(&vip.name)
        );
        for c in &vip.cells {
            match c {
                None => html.push_str("<td>-</td>"),
                Some(c) => {
                    let _ = write!(
                        html,
                        "<td data-state=\"{}\">{} {}/{}{}</td>",
                        state_word(c.state),
                        state_word(c.state),
                        c.priority,
                        c.base_priority,
                        if c.reasons.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " <span class=\"muted small\">{}</span>",
                                escape(&c.reasons.join("; "))
                            )
                        }
                    );
                }
            }
        }
        html.push_str("</tr>");
    }
    for b in &v.backends {
        let _ = write!(
            html,
            "<tr class=\"cluster-backend\" data-frontend=\"{}\" data-backend=\"{}\"><td>{} \
             {}</td>",
            escape(&b.frontend),
            escape(&b.backend),
            escape(&b.frontend),
            escape(&b.backend)
        );
        for s in &b.states {
            let word = s.map_or("-", backend_state);
            let _ = write!(html, "<td>{}</td>", escape(word));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></div></section>");
}

fn state_word(s: VipState) -> &'static str {
    match s {
        VipState::Init => "init",
        VipState::Backup => "backup",
        VipState::Master => "master",
        VipState::Fault => "fault",
        VipState::Stopped => "stopped",
    }
}

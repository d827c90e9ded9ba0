//! The VIP table: per VIP its state on this node, the priority it advertises and why, who is
//! master and since when.

use std::fmt::Write;

use super::format::{count, escape, slug};
use super::style::vip_shade;
use super::time_cell;
use crate::admin::snapshot::{Status, VipState, VipStatus};

/// The `<section id="vips">`.
pub fn section(html: &mut String, status: &Status) {
    html.push_str("<section id=\"vips\"><h2>Virtual IPs");
    let masters = status
        .vips
        .iter()
        .filter(|v| v.state == VipState::Master)
        .count();
    if !status.vips.is_empty() {
        let _ = write!(
            html,
            " <span class=\"meta\">this node is master of {masters} of {}</span>",
            status.vips.len()
        );
    }
    html.push_str("</h2>");
    if status.vips.is_empty() {
        html.push_str("<p class=\"empty\">This node runs no VIP.</p></section>");
        return;
    }
    html.push_str(
        "<div class=\"scroll\"><table class=\"vips\"><thead><tr><th>VIP</th><th>address</th><th>interface</th>\
         <th class=\"num\">VRID</th><th>state</th><th>priority</th><th>master</th>\
         <th>since</th><th class=\"num\">transitions</th></tr></thead><tbody>",
    );
    for vip in &status.vips {
        row(html, vip, status.now_ms);
    }
    html.push_str("</tbody></table></div></section>");
}

fn row(html: &mut String, vip: &VipStatus, now_ms: u64) {
    let shade = vip_shade(vip.state);
    let name = escape(&vip.name);
    let _ = write!(
        html,
        "<tr id=\"vip-{id}\" class=\"vip v-{state}\" data-vip=\"{name}\" data-state=\"{state}\">\
         <td class=\"name\"><b>{name}</b>",
        id = slug(&vip.name),
        state = shade.name,
    );
    if vip.handed_over {
        html.push_str("<span class=\"tag handed-over\">handed over</span>");
    }
    let _ = write!(
        html,
        "</td><td class=\"addr\">{}</td><td>{}</td><td class=\"num\">{}</td>\
         <td class=\"state\">{}</td>",
        escape(&vip.address),
        escape(&vip.interface),
        vip.vrid,
        shade.name,
    );
    priority(html, vip);
    html.push_str("<td class=\"master\">");
    match &vip.master {
        Some(master) if vip.state == VipState::Master => {
            let _ = write!(
                html,
                "{} <span class=\"muted\">(this node)</span>",
                escape(master)
            );
        }
        Some(master) => html.push_str(&escape(master)),
        None => html.push_str("<span class=\"muted\">none heard</span>"),
    }
    html.push_str("</td>");
    time_cell(html, "since", now_ms, vip.since_ms);
    let _ = write!(
        html,
        "<td class=\"num\">{}</td></tr>",
        count(vip.transitions)
    );
}

/// The advertised priority, the configured one when they differ, and the reasons.
fn priority(html: &mut String, vip: &VipStatus) {
    html.push_str("<td class=\"priority wrap\">");
    if vip.priority == vip.base_priority {
        let _ = write!(html, "<b>{}</b>", vip.priority);
    } else {
        let _ = write!(
            html,
            "<b>{}</b> <span class=\"muted\">of {} configured</span>",
            vip.priority, vip.base_priority
        );
    }
    if vip.reasons.is_empty() {
        if vip.priority == vip.base_priority {
            html.push_str(" <span class=\"muted small\">nothing lowers it</span>");
        }
    } else {
        html.push_str("<ul class=\"reasons\">");
        for reason in &vip.reasons {
            let _ = write!(html, "<li>{}</li>", escape(reason));
        }
        html.push_str("</ul>");
    }
    html.push_str("</td>");
}

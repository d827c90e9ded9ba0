//! The recent events, newest first: VIP transitions, backends going up and down with the
//! reason, operator actions.

use std::fmt::Write;

use super::format::escape;
use super::time_cell;
use crate::admin::snapshot::{EventKind, Status};

/// The `<section id="events">`.
pub fn section(html: &mut String, status: &Status) {
    let _ = write!(
        html,
        "<section id=\"events\"><h2>Events <span class=\"meta\">the last {}, newest first</span>\
         </h2>",
        status.events.len()
    );
    if status.events.is_empty() {
        html.push_str("<p class=\"empty\">Nothing has happened yet.</p></section>");
        return;
    }
    html.push_str(
        "<div class=\"scroll\"><table class=\"events\"><thead><tr><th>when</th><th>kind</th><th>subject</th>\
         <th>what happened</th></tr></thead><tbody>",
    );
    // The snapshot keeps them oldest first; people read the latest first.
    for event in status.events.iter().rev() {
        let kind = match event.kind {
            EventKind::Vip => "vip",
            EventKind::Backend => "backend",
            EventKind::Operator => "operator",
            EventKind::Config => "config",
        };
        let _ = write!(
            html,
            "<tr class=\"event ev-{kind}\" data-kind=\"{kind}\" data-at-ms=\"{at}\">",
            at = event.at_ms
        );
        time_cell(html, "when", status.now_ms, event.at_ms);
        let _ = write!(
            html,
            "<td><span class=\"kind\">{kind}</span></td><td class=\"subject\">{}</td>\
             <td class=\"message\">{}</td></tr>",
            escape(&event.subject),
            escape(&event.message),
        );
    }
    html.push_str("</tbody></table></div></section>");
}

//! The status page served at `/`: one HTML document rendered from a [`Status`] snapshot, no
//! JavaScript framework.

use std::fmt::Write;

use super::snapshot::Status;

/// The whole page for `status`.
pub fn render(status: &Status) -> String {
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>kubegate</title></head><body>",
    );
    let _ = write!(html, "<h1>kubegate {}</h1>", escape(&status.version));
    html.push_str("<table id=\"vips\"><tr><th>VIP</th><th>address</th><th>state</th></tr>");
    for vip in &status.vips {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{:?}</td></tr>",
            escape(&vip.name),
            escape(&vip.address),
            vip.state
        );
    }
    html.push_str("</table>");
    for frontend in &status.frontends {
        let _ = write!(html, "<h2>{}</h2><table>", escape(&frontend.name));
        for backend in &frontend.backends {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{:?}</td></tr>",
                escape(&backend.address),
                backend.state
            );
        }
        html.push_str("</table>");
    }
    html.push_str("</body></html>");
    html
}

/// Text made safe for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

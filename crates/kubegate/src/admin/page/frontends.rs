//! One section per frontend: its backends as rows coloured by state, with sessions, bytes,
//! errors, the last check, downtime and last change, and the frontend's totals underneath.

use std::fmt::Write;

use super::format::{ago, bytes, count, duration, escape, slug};
use super::style::{backend_shade, serving};
use super::time_cell;
use crate::admin::snapshot::{BackendStatus, FrontendStatus, Status};

/// Every frontend's `<section class="frontend">`, or a note that there is none.
pub fn sections(html: &mut String, status: &Status) {
    if status.frontends.is_empty() {
        html.push_str(
            "<section id=\"frontends\"><h2>Frontends</h2>\
             <p class=\"empty\">This node runs no frontend.</p></section>",
        );
        return;
    }
    for frontend in &status.frontends {
        section(html, frontend, status.now_ms);
    }
}

fn section(html: &mut String, frontend: &FrontendStatus, now_ms: u64) {
    let name = escape(&frontend.name);
    let total = frontend.backends.len();
    let up = frontend
        .backends
        .iter()
        .filter(|b| serving(b.state))
        .count();
    let pill = if up == 0 {
        "bad"
    } else if up < total {
        "warn"
    } else {
        "good"
    };
    let _ = write!(
        html,
        "<section id=\"frontend-{id}\" class=\"frontend\" data-frontend=\"{name}\">\
         <h2>Frontend {name} <span class=\"meta\"><span class=\"addr\">{bind}</span> · {balance}\
         </span> <span class=\"pill {pill}\">{up} of {total} serving</span></h2>",
        id = slug(&frontend.name),
        bind = escape(&frontend.bind),
        balance = escape(&frontend.balance),
    );
    html.push_str(
        "<div class=\"scroll\"><table class=\"backends\"><thead>\
         <tr><th rowspan=\"2\">backend</th><th rowspan=\"2\" class=\"num\">weight</th>\
         <th rowspan=\"2\">state</th><th colspan=\"2\" class=\"group\">sessions</th>\
         <th colspan=\"2\" class=\"group\">bytes</th><th rowspan=\"2\" class=\"num\">errors</th>\
         <th rowspan=\"2\">last check</th><th rowspan=\"2\" class=\"num\">checks</th>\
         <th rowspan=\"2\" class=\"num\">downtime</th><th rowspan=\"2\">last change</th></tr>\
         <tr><th class=\"num\">now</th><th class=\"num\">total</th><th class=\"num\">in</th>\
         <th class=\"num\">out</th></tr></thead><tbody>",
    );
    if frontend.backends.is_empty() {
        html.push_str("<tr><td colspan=\"12\" class=\"empty\">no backend configured</td></tr>");
    }
    for backend in &frontend.backends {
        row(html, &frontend.name, backend, now_ms);
    }
    html.push_str("</tbody>");
    totals(html, frontend);
    html.push_str("</table></div></section>");
}

fn row(html: &mut String, frontend: &str, backend: &BackendStatus, now_ms: u64) {
    let shade = backend_shade(backend.state);
    let _ = write!(
        html,
        "<tr id=\"backend-{fid}-{bid}\" class=\"backend b-{state}\" data-frontend=\"{frontend}\" \
         data-backend=\"{address}\" data-state=\"{state}\" title=\"{state}: {meaning}\">\
         <td class=\"addr\">{address}</td><td class=\"num\">{weight}</td>\
         <td class=\"state\">{label}</td>\
         <td class=\"num sessions-current\">{cur}</td><td class=\"num sessions-total\">{tot}</td>\
         <td class=\"num bytes-in\">{bin}</td><td class=\"num bytes-out\">{bout}</td>\
         <td class=\"num errors\" title=\"connect attempts that failed\">{err}</td>",
        fid = slug(frontend),
        bid = slug(&backend.address),
        state = shade.name,
        meaning = shade.meaning,
        frontend = escape(frontend),
        address = escape(&backend.address),
        weight = backend.weight,
        label = shade.name.replace('-', " "),
        cur = count(backend.sessions_current),
        tot = count(backend.sessions_total),
        bin = bytes(backend.bytes_in),
        bout = bytes(backend.bytes_out),
        err = count(backend.connect_failures),
    );
    match &backend.last_check {
        Some(check) => {
            let (class, mark) = if check.ok {
                ("check-ok", "✓")
            } else {
                ("check-fail", "✗")
            };
            let _ = write!(
                html,
                "<td class=\"check {class}\" data-ok=\"{ok}\" title=\"{latency:.2} ms\">\
                 <span class=\"mark\">{mark}</span> <span class=\"detail\">{detail}</span> \
                 <span class=\"muted small\">{when}</span></td>",
                ok = check.ok,
                latency = check.latency_ms,
                detail = escape(&check.detail),
                when = ago(now_ms, check.at_ms),
            );
        }
        None => html.push_str("<td class=\"check\"><span class=\"muted\">not yet</span></td>"),
    }
    let downtime = if backend.downtime_ms == 0 {
        "<span class=\"muted\">—</span>".to_owned()
    } else {
        duration(backend.downtime_ms)
    };
    let _ = write!(
        html,
        "<td class=\"num checks\">{}</td><td class=\"num downtime\">{downtime}</td>",
        count(backend.checks)
    );
    match backend.last_change_ms {
        Some(at) => time_cell(html, "last-change", now_ms, at),
        None => html.push_str("<td class=\"last-change\"><span class=\"muted\">never</span></td>"),
    }
    html.push_str("</tr>");
}

/// The frontend's own counters, under its backends; the errors are broken down beside them.
fn totals(html: &mut String, frontend: &FrontendStatus) {
    let kinds = [
        (frontend.refused_no_backend, "refused: no backend"),
        (frontend.refused_limit, "refused: connection limit"),
        (frontend.connect_failed, "every connect attempt failed"),
    ];
    let errors: u64 = kinds.iter().map(|(n, _)| n).sum();
    let breakdown: Vec<String> = kinds
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{} {what}", count(*n)))
        .collect();
    let _ = write!(
        html,
        "<tfoot><tr class=\"frontend-total\"><td>frontend</td><td></td><td></td>\
         <td class=\"num sessions-current\">{}</td><td class=\"num sessions-total\">{}</td>\
         <td class=\"num bytes-in\">{}</td><td class=\"num bytes-out\">{}</td>\
         <td class=\"num errors\">{}</td><td class=\"errors-detail\">{}</td>\
         <td></td><td></td><td></td></tr></tfoot>",
        count(frontend.sessions_current),
        count(frontend.sessions_total),
        bytes(frontend.bytes_in),
        bytes(frontend.bytes_out),
        count(errors),
        breakdown.join(" · "),
    );
}

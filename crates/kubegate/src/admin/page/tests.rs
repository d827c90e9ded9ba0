//! Tests of the rendered document: hooks, states, human units, order, escaping and balance.

use super::*;
use crate::admin::snapshot::{
    BackendState, BackendStatus, CheckStatus, Event, EventKind, FrontendStatus, VipStatus,
};

const NOW: u64 = 1_795_325_660_000; // 2026-11-22 05:34:20 UTC

fn vip(name: &str, state: VipState, priority: u8, reasons: &[&str]) -> VipStatus {
    VipStatus {
        name: name.to_owned(),
        address: "198.18.0.100/24".to_owned(),
        interface: "eth0".to_owned(),
        vrid: 51,
        state,
        priority,
        base_priority: 100,
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        master: Some("198.18.0.2".to_owned()),
        since_ms: NOW - 192_000,
        transitions: 3,
        handed_over: false,
        vrrp: Default::default(),
    }
}

fn backend(address: &str, state: BackendState, check: Option<(bool, &str)>) -> BackendStatus {
    BackendStatus {
        address: address.to_owned(),
        weight: 1,
        state,
        sessions_current: 2,
        sessions_total: 1234,
        bytes_in: 1536,
        bytes_out: 12_900_000,
        connect_failures: 0,
        last_check: check.map(|(ok, detail)| CheckStatus {
            ok,
            detail: detail.to_owned(),
            latency_ms: 2.3,
            at_ms: NOW - 12_000,
        }),
        checks: 40,
        last_change_ms: Some(NOW - 60_000),
        downtime_ms: 0,
    }
}

fn status() -> Status {
    let states = [
        BackendState::Up,
        BackendState::Down,
        BackendState::Drain,
        BackendState::Maint,
        BackendState::GoingUp,
        BackendState::GoingDown,
    ];
    Status {
        version: "0.1.0".to_owned(),
        node: Some("cp1".to_owned()),
        now_ms: NOW,
        started_ms: NOW - 7_500_000,
        vips: vec![
            vip("api", VipState::Master, 100, &[]),
            vip(
                "ingress",
                VipState::Backup,
                50,
                &["frontend web: no ready backend (-50)"],
            ),
        ],
        frontends: vec![FrontendStatus {
            name: "api".to_owned(),
            bind: "198.18.0.100:6443".to_owned(),
            balance: "round-robin".to_owned(),
            sessions_current: 12,
            sessions_total: 5000,
            bytes_in: 2048,
            bytes_out: 4096,
            refused_no_backend: 3,
            refused_limit: 0,
            connect_failed: 1,
            backends: states
                .iter()
                .enumerate()
                .map(|(i, &s)| {
                    let check = (s != BackendState::Maint)
                        .then_some((s != BackendState::Down, "HTTPS 200 in 3 ms"));
                    backend(&format!("198.18.0.{}:6443", 11 + i), s, check)
                })
                .collect(),
        }],
        events: (0..3)
            .map(|i| Event {
                at_ms: NOW - 30_000 + i * 10_000,
                kind: EventKind::Backend,
                subject: format!("api/event-{i}"),
                message: "up -> down: HTTPS 500 in 2 ms".to_owned(),
            })
            .collect(),
        config: Default::default(),
        bgp: None,
    }
}

/// The `<tr ...>` start tag of the backend row for `address`.
fn backend_tag<'a>(html: &'a str, address: &str) -> &'a str {
    let hook = format!("data-backend=\"{address}\"");
    let at = html.find(&hook).expect("backend row");
    let start = html[..at].rfind("<tr").unwrap();
    &html[start..start + html[start..].find('>').unwrap()]
}

#[test]
fn backend_rows_carry_their_state_as_hook_and_class() {
    let html = render(&status());
    for (i, state) in ["up", "down", "drain", "maint", "going-up", "going-down"]
        .iter()
        .enumerate()
    {
        let tag = backend_tag(&html, &format!("198.18.0.{}:6443", 11 + i));
        assert!(tag.contains(&format!("data-state=\"{state}\"")), "{tag}");
        assert!(
            tag.contains(&format!("class=\"backend b-{state}\"")),
            "{tag}"
        );
        assert!(tag.contains("data-frontend=\"api\""), "{tag}");
    }
}

#[test]
fn every_state_has_its_own_colour_in_the_style_sheet_and_legend() {
    let css = style::css();
    let html = render(&status());
    for (i, shade) in BACKEND_SHADES.iter().enumerate() {
        assert!(css.contains(&format!(".b-{}{{background:{}}}", shade.name, shade.colour)));
        assert!(html.contains(&format!(
            "<span class=\"swatch b-{0}\" data-state=\"{0}\">",
            shade.name
        )));
        for other in &BACKEND_SHADES[i + 1..] {
            assert_ne!(
                shade.colour, other.colour,
                "{} and {}",
                shade.name, other.name
            );
        }
    }
    for shade in &VIP_SHADES {
        assert!(css.contains(&format!(".v-{}{{background:{}}}", shade.name, shade.colour)));
    }
}

#[test]
fn vips_show_state_priority_reasons_master_and_since() {
    let html = render(&status());
    assert!(html.contains(
        "<tr id=\"vip-api\" class=\"vip v-master\" data-vip=\"api\" data-state=\"master\">"
    ));
    assert!(html.contains("198.18.0.2 <span class=\"muted\">(this node)</span>"));
    assert!(html.contains("nothing lowers it"));
    assert!(html.contains("data-vip=\"ingress\" data-state=\"backup\""));
    assert!(html.contains("<b>50</b> <span class=\"muted\">of 100 configured</span>"));
    assert!(html.contains("<li>frontend web: no ready backend (-50)</li>"));
    assert!(html.contains("<time datetime=\"2026-11-22T05:31:08Z\">3 m 12 s ago</time>"));
    assert!(html.contains("master of 1 of 2"));
}

#[test]
fn a_handed_over_vip_is_tagged() {
    let mut status = status();
    assert!(!render(&status).contains("handed over"));
    status.vips[1].handed_over = true;
    let html = render(&status);
    let row = &html[html.find("data-vip=\"ingress\"").unwrap()..];
    assert!(row[..row.find("</tr>").unwrap()]
        .contains("<span class=\"tag handed-over\">handed over</span>"));
}

#[test]
fn numbers_are_in_human_units() {
    let html = render(&status());
    assert!(html.contains("<td class=\"num bytes-in\">1.5 KiB</td>"));
    assert!(html.contains("<td class=\"num bytes-out\">12.3 MiB</td>"));
    assert!(html.contains("<td class=\"num sessions-total\">1\u{202f}234</td>"));
    assert!(html.contains("<span class=\"detail\">HTTPS 200 in 3 ms</span>"));
    assert!(html.contains("12 s ago"));
    assert!(html.contains("up 2 h 5 m"));
    assert!(html.contains(
        "<td class=\"num errors\">4</td><td class=\"errors-detail\">3 refused: no backend · \
         1 every connect attempt failed</td>"
    ));
    // Up and going down get connections.
    assert!(html.contains("2 of 6 serving"));
}

#[test]
fn a_failed_check_is_marked() {
    let html = render(&status());
    let row = &html[html.find("data-backend=\"198.18.0.12:6443\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("class=\"check check-fail\" data-ok=\"false\""),
        "{row}"
    );
    let maint = &html[html.find("data-backend=\"198.18.0.14:6443\"").unwrap()..];
    assert!(maint[..maint.find("</tr>").unwrap()].contains("not yet"));
}

#[test]
fn events_are_listed_newest_first() {
    let html = render(&status());
    let newest = html.find("api/event-2").unwrap();
    let oldest = html.find("api/event-0").unwrap();
    assert!(newest < oldest);
    assert_eq!(
        html.matches("<tr class=\"event ev-backend\" data-kind=\"backend\"")
            .count(),
        3
    );
    assert!(html.contains("the last 3, newest first"));
}

#[test]
fn the_page_refreshes_itself_and_loads_nothing() {
    let html = render(&status());
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<meta http-equiv=\"refresh\" content=\"5\">"));
    assert!(html.contains(&format!("<body data-now-ms=\"{NOW}\"")));
    for external in [
        "<script", "<link", "src=", "@import", "url(", "http://", "https://",
    ] {
        assert!(!html.contains(external), "{external}");
    }
}

#[test]
fn rendering_is_pure() {
    assert_eq!(render(&status()), render(&status()));
}

#[test]
fn an_empty_snapshot_says_so() {
    let mut status = status();
    status.node = None;
    status.vips.clear();
    status.frontends.clear();
    status.events.clear();
    let html = render(&status);
    assert!(html.contains("This node runs no VIP."));
    assert!(html.contains("This node runs no frontend."));
    assert!(html.contains("Nothing has happened yet."));
    assert!(html.contains("frontends only"));
    assert_balanced(&html);
}

const HOSTILE: &str = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>&amp;";

#[test]
fn everything_from_the_snapshot_is_escaped() {
    let mut status = status();
    let h = HOSTILE.to_owned();
    status.version = h.clone();
    status.node = Some(h.clone());
    let v = &mut status.vips[1];
    (v.name, v.address, v.interface) = (h.clone(), h.clone(), h.clone());
    (v.reasons, v.master) = (vec![h.clone()], Some(h.clone()));
    let f = &mut status.frontends[0];
    (f.name, f.bind, f.balance) = (h.clone(), h.clone(), h.clone());
    f.backends[0].address = h.clone();
    f.backends[0].last_check.as_mut().unwrap().detail = h.clone();
    status.events[0].subject = h.clone();
    status.events[0].message = h.clone();
    let html = render(&status);
    assert!(!html.contains("<script"), "a tag got through");
    assert!(!html.contains("<img"), "a tag got through");
    assert!(!html.contains("\"'>"), "an attribute was closed");
    let escaped = "&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x \
                   onerror=alert(2)&gt;&amp;amp;";
    // Version (title and footer), node (title and header), VIP name (attribute and cell),
    // address, interface, reason, master, frontend (section hook, heading, backend hook),
    // bind, balance, backend address (hook and cell), check detail, event subject and message.
    assert!(
        html.matches(escaped).count() >= 18,
        "{}",
        html.matches(escaped).count()
    );
    let id = format::slug(HOSTILE);
    assert!(
        id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "{id}"
    );
    assert!(html.contains(&format!("<tr id=\"vip-{id}\" class=\"vip v-backup\"")));
    assert_balanced(&html);
}

#[test]
fn the_document_is_balanced() {
    assert_balanced(&render(&status()));
}

/// Every element but the void ones is closed, in order.
fn assert_balanced(html: &str) {
    const VOID: [&str; 3] = ["meta", "br", "!doctype"];
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').expect("an unterminated tag");
        let tag = &rest[..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name), "</{name}> closes the wrong element");
        } else {
            let name = tag.split([' ', '\n']).next().unwrap();
            if !VOID.contains(&name) {
                open.push(name);
            }
        }
        // Raw text inside <style> holds no '<'.
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "unclosed: {open:?}");
}

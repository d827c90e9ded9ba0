//! The status page of a running `kubegate run`, in headless chromium: frontend `api` with one
//! live backend, one dead (its check fails) and one drained by `POST …/drain`; the rows, their
//! states and colours, the failing check and the events are read from the DOM of the page the
//! daemon serves. A screenshot is saved in the cargo target dir.

mod admin_support;
mod browser_support;

use std::path::PathBuf;
use std::time::Duration;

use admin_support::*;
use browser_support::Browser;
use kubegate::admin::page::BACKEND_SHADES;
use kubegate::admin::snapshot::BackendState;

#[test]
fn the_daemon_page_shows_a_down_backend_in_its_colour() {
    let (live, dead, drained) = (name_server("live"), dead_backend(), name_server("drained"));
    let d = Daemon::start("page", &[live, dead, drained], true);
    let (code, body) = d.post(
        &format!("/api/v1/frontends/api/backends/{drained}/drain"),
        Some(TOKEN),
    );
    assert_eq!(code, 200, "{body}");
    d.wait_status("dead backend down", Duration::from_secs(3), |s| {
        s.frontends[0].backends[1].state == BackendState::Down
    });
    for _ in 0..3 {
        assert_eq!(d.ask(), "live");
    }

    let browser = Browser::start();
    browser.goto(&format!("http://{}/", d.admin));
    assert!(browser.title().contains("kubegate"), "{}", browser.title());

    let rows = browser.find_all("section.frontend[data-frontend='api'] tr.backend");
    let seen: Vec<_> = rows
        .iter()
        .map(|r| (r.attribute("data-backend"), r.attribute("data-state")))
        .collect();
    let expected: Vec<_> = [(live, "up"), (dead, "down"), (drained, "drain")]
        .iter()
        .map(|(a, s)| (Some(a.to_string()), Some(s.to_string())))
        .collect();
    assert_eq!(seen, expected);
    let mut colours = Vec::new();
    for (row, state) in rows.iter().zip(["up", "down", "drain"]) {
        let colour = row.colour("background-color");
        let swatch = browser.find(&format!("#legend [data-state='{state}']"));
        assert_eq!(colour, swatch.colour("background-color"), "{state}");
        let shade = BACKEND_SHADES.iter().find(|s| s.name == state).unwrap();
        assert_eq!(
            Some(colour),
            browser_support::Rgba::parse(shade.colour),
            "{state}"
        );
        assert!(
            !colours.contains(&colour),
            "{state}: another state's colour"
        );
        colours.push(colour);
    }

    // The dead backend's check failed over TCP; the live one served the three connections.
    let down = browser.find(&format!("tr.backend[data-backend='{dead}']"));
    assert_eq!(down.find("td.state").text(), "DOWN");
    let check = down.find("td.check");
    assert_eq!(check.attribute("data-ok").as_deref(), Some("false"));
    assert!(
        check.find(".detail").text().starts_with("TCP"),
        "{}",
        check.text()
    );
    let up = browser.find(&format!("tr.backend[data-backend='{live}']"));
    assert_eq!(up.find("td.sessions-total").text(), "3");

    // The events hold the backend going down and the operator's drain.
    let events = browser.find_all("#events tr.event");
    let subjects: Vec<(Option<String>, String)> = events
        .iter()
        .map(|e| (e.attribute("data-kind"), e.find(".message").text()))
        .collect();
    assert!(
        subjects
            .iter()
            .any(|(k, m)| k.as_deref() == Some("backend") && m.starts_with("up -> down")),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|(k, m)| k.as_deref() == Some("operator") && m.starts_with("drain")),
        "{subjects:?}"
    );

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("admin-page-daemon.png");
    browser.screenshot_full_page(&shot);
    println!("screenshot: {}", shot.display());
    drop(browser);
    assert_eq!(d.stop(), Ok(()));
}

//! The status page in a real browser: the rendered page of a realistic snapshot (one VIP
//! master, one backup lowered by a tracker, a frontend with a backend up, one down and one
//! draining, a few events) is served over loopback HTTP to headless chromium, and the rows,
//! their states and colours, the last check, the events and the self-refresh are read back from
//! the DOM. A screenshot of the whole page is saved in the cargo target dir.

mod browser_support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use browser_support::{Browser, Rgba};
use kubegate::admin::page::{self, BACKEND_SHADES, REFRESH_SECONDS, VIP_SHADES};
use kubegate::admin::snapshot::*;

/// 2026-11-22 05:34:20 UTC.
const NOW: u64 = 1_795_325_660_000;

#[test]
fn the_status_page_shows_states_colours_checks_and_events_and_refreshes() {
    let server = PageServer::start(|n| page::render(&fixture(NOW + n as u64 * 5_000)));
    let browser = Browser::start();
    browser.goto(&format!("http://{}/", server.addr));
    assert!(browser.title().contains("kubegate"), "{}", browser.title());

    // VIPs: state, priority and why, master.
    let api = browser.find("tr.vip[data-vip='api']");
    assert_eq!(api.attribute("data-state").as_deref(), Some("master"));
    assert_eq!(api.find("td.state").text(), "MASTER");
    assert!(api.text().contains("nothing lowers it"), "{}", api.text());
    let ingress = browser.find("tr.vip[data-vip='ingress']");
    assert_eq!(ingress.attribute("data-state").as_deref(), Some("backup"));
    let priority = ingress.find("td.priority").text();
    assert!(priority.contains("50 of 100 configured"), "{priority}");
    assert!(
        priority.contains("frontend web: no ready backend (-50)"),
        "{priority}"
    );
    assert!(ingress.find("td.master").text().contains("198.18.0.3"));
    assert!(api.find("td.since").text().starts_with("3 m 12 s ago"));
    for (row, state) in [(&api, "master"), (&ingress, "backup")] {
        let legend = browser.find(&format!("#legend-vips [data-state='{state}']"));
        assert_eq!(
            row.colour("background-color"),
            legend.colour("background-color")
        );
    }

    // Backends: one row each, in order, with its state, coloured as the legend says.
    let rows = browser.find_all("section.frontend[data-frontend='api'] tr.backend");
    let states: Vec<_> = rows.iter().map(|r| r.attribute("data-state")).collect();
    let expected = ["up", "down", "drain"].map(|s| Some(s.to_owned()));
    assert_eq!(states, expected);
    let mut colours = Vec::new();
    for (row, state) in rows.iter().zip(["up", "down", "drain"]) {
        let colour = row.colour("background-color");
        let swatch = browser.find(&format!("#legend [data-state='{state}']"));
        assert_eq!(colour, swatch.colour("background-color"), "{state}");
        let shade = BACKEND_SHADES.iter().find(|s| s.name == state).unwrap();
        assert_eq!(Some(colour), Rgba::parse(shade.colour), "{state}");
        assert!(
            !colours.contains(&colour),
            "{state} has another state's colour"
        );
        colours.push(colour);
        assert!(row.is_displayed());
    }
    assert_eq!(browser.find_all("#legend [data-state]").len(), 6);
    assert_eq!(
        browser.find_all("#legend-vips [data-state]").len(),
        VIP_SHADES.len()
    );

    // The down backend's failing check, downtime and last change.
    let down = browser.find("tr.backend[data-backend='198.18.0.12:6443']");
    assert_eq!(down.find("td.state").text(), "DOWN");
    let check = down.find("td.check");
    assert_eq!(check.attribute("data-ok").as_deref(), Some("false"));
    assert_eq!(check.find(".detail").text(), "HTTPS 500 in 2 ms");
    assert!(check.text().contains("1 s ago"), "{}", check.text());
    assert_eq!(down.find("td.downtime").text(), "1 m 24 s");
    assert!(down
        .find("td.last-change")
        .text()
        .starts_with("1 m 24 s ago"));
    let up = browser.find("tr.backend[data-backend='198.18.0.11:6443']");
    assert_eq!(up.find("td.check .detail").text(), "HTTPS 200 in 3 ms");
    assert_eq!(up.find("td.bytes-out").text(), "48.0 MiB");
    assert_eq!(up.find("td.sessions-total").text(), "1\u{202f}873");
    let pill = browser.find("section.frontend[data-frontend='api'] h2 .pill");
    assert_eq!(pill.text(), "1 of 3 serving");

    // Events, newest first.
    let events = browser.find_all("#events tr.event");
    assert_eq!(events.len(), fixture(NOW).events.len());
    assert_eq!(events[0].attribute("data-kind").as_deref(), Some("backend"));
    assert_eq!(events[0].find(".subject").text(), "api/198.18.0.12:6443");
    assert_eq!(
        events[0].find(".message").text(),
        "up -> down: HTTPS 500 in 2 ms"
    );
    let last = events.last().unwrap();
    assert_eq!(
        last.find(".message").text(),
        "init -> master (no master heard)"
    );

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("admin-page.png");
    browser.screenshot_full_page(&shot);
    println!("screenshot: {}", shot.display());

    // It refreshes itself: the document is replaced by a newer snapshot, without anyone asking.
    let refresh = browser.find("meta[http-equiv='refresh']");
    assert_eq!(
        refresh.attribute("content"),
        Some(REFRESH_SECONDS.to_string())
    );
    let first = browser.find("body").attribute("data-now-ms");
    browser.execute("window.kubegateOldDocument = true;", vec![]);
    let timeout = Duration::from_secs(u64::from(REFRESH_SECONDS) + 8);
    let now = browser.wait_until(timeout, "the page to reload itself", |b| {
        // One script reads both, so they come from the same document.
        let seen = b
            .try_execute(
                "return document.readyState === 'complete' && !window.kubegateOldDocument \
                 ? document.body.dataset.nowMs : null;",
                vec![],
            )
            .ok()?;
        seen.as_str().map(str::to_owned)
    });
    assert_ne!(Some(&now), first.as_ref());
    assert_eq!(now, (NOW + 5_000).to_string());
    assert!(server.pages() >= 2);
    assert_eq!(
        browser
            .find("tr.backend[data-backend='198.18.0.12:6443'] td.downtime")
            .text(),
        "1 m 29 s"
    );

    // Nothing is left behind: no process, no profile.
    let dir = browser.dir().to_owned();
    assert!(
        !browser.processes().is_empty(),
        "chromedriver and chromium run"
    );
    drop(browser);
    assert!(!dir.exists(), "{} is left", dir.display());
    let left = browser_support::processes_mentioning(&dir);
    assert!(left.is_empty(), "processes left: {left:?}");
}

/// A node `cp1` in the middle of a day: it holds `api`, stands by for `ingress` (lowered by a
/// tracker), and balances `api` over three apiservers, the second of which just went down.
fn fixture(now: u64) -> Status {
    let backend = |n: u8, state, sessions, total, bytes: u64, check: (bool, &str)| BackendStatus {
        address: format!("198.18.0.{n}:6443"),
        weight: 1,
        state,
        sessions_current: sessions,
        sessions_total: total,
        bytes_in: bytes / 9,
        bytes_out: bytes,
        connect_failures: u64::from(state == BackendState::Down),
        last_check: Some(CheckStatus {
            ok: check.0,
            detail: check.1.to_owned(),
            latency_ms: 2.4,
            at_ms: now - 1_200,
        }),
        checks: 1_530,
        last_change_ms: (state != BackendState::Up).then_some(NOW - 84_000),
        downtime_ms: if state == BackendState::Down {
            now - (NOW - 84_000)
        } else {
            0
        },
    };
    let vip = |name: &str, vrid, state, priority, reasons: &[&str], master: &str| VipStatus {
        name: name.to_owned(),
        address: format!("198.18.0.{vrid}/24"),
        interface: "eth0".to_owned(),
        vrid,
        state,
        priority,
        base_priority: 100,
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        master: Some(master.to_owned()),
        since_ms: NOW - 192_000,
        transitions: 1,
        handed_over: false,
        vrrp: Default::default(),
    };
    let event = |ago: u64, kind, subject: &str, message: &str| Event {
        at_ms: NOW - ago,
        kind,
        subject: subject.to_owned(),
        message: message.to_owned(),
    };
    Status {
        version: "0.1.0".to_owned(),
        node: Some("cp1".to_owned()),
        now_ms: now,
        started_ms: NOW - 200_000,
        vips: vec![
            vip("api", 51, VipState::Master, 100, &[], "198.18.0.2"),
            vip(
                "ingress",
                52,
                VipState::Backup,
                50,
                &["frontend web: no ready backend (-50)"],
                "198.18.0.3",
            ),
        ],
        frontends: vec![FrontendStatus {
            name: "api".to_owned(),
            bind: "198.18.0.51:6443".to_owned(),
            balance: "round-robin".to_owned(),
            sessions_current: 9,
            sessions_total: 3_120,
            bytes_in: 6_500_000,
            bytes_out: 71_000_000,
            refused_no_backend: 0,
            refused_limit: 0,
            connect_failed: 0,
            backends: vec![
                backend(
                    11,
                    BackendState::Up,
                    7,
                    1_873,
                    50_331_648,
                    (true, "HTTPS 200 in 3 ms"),
                ),
                backend(
                    12,
                    BackendState::Down,
                    0,
                    912,
                    20_000_000,
                    (false, "HTTPS 500 in 2 ms"),
                ),
                backend(
                    13,
                    BackendState::Drain,
                    2,
                    335,
                    4_000_000,
                    (true, "HTTPS 200 in 4 ms"),
                ),
            ],
        }],
        events: vec![
            event(
                192_000,
                EventKind::Vip,
                "api",
                "init -> master (no master heard)",
            ),
            event(
                191_000,
                EventKind::Vip,
                "ingress",
                "init -> backup (master 198.18.0.3 heard)",
            ),
            event(
                150_000,
                EventKind::Operator,
                "api/198.18.0.13:6443",
                "drain (by the operator)",
            ),
            event(
                84_000,
                EventKind::Backend,
                "api/198.18.0.12:6443",
                "up -> down: HTTPS 500 in 2 ms",
            ),
        ],
        config: Default::default(),
        bgp: None,
    }
}

/// Serves `render(n)` at `/` for the n-th request of it (from 0), 404 for anything else.
struct PageServer {
    addr: SocketAddr,
    pages: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl PageServer {
    fn start(render: impl Fn(usize) -> String + Send + Sync + 'static) -> PageServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let pages = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (served, stopping) = (pages.clone(), stop.clone());
        let render = Arc::new(render);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                // One thread per connection: a browser may open a connection it never uses.
                let Ok(stream) = stream else { continue };
                let (served, render) = (served.clone(), render.clone());
                std::thread::spawn(move || answer(stream, &served, &*render));
            }
        });
        PageServer {
            addr,
            pages,
            stop,
            thread: Some(thread),
        }
    }

    fn pages(&self) -> usize {
        self.pages.load(Ordering::SeqCst)
    }
}

fn answer(
    mut stream: TcpStream,
    served: &AtomicUsize,
    render: &dyn Fn(usize) -> String,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    let request = loop {
        match kubegate_http::parse_request(&head, 64 * 1024) {
            Ok(Some(request)) => break Some(request),
            Ok(None) => {}
            Err(_) => break None,
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    };
    let page = request.is_some_and(|r| r.method == "GET" && r.target == "/");
    let (status, body) = if page {
        ("200 OK", render(served.fetch_add(1, Ordering::SeqCst)))
    } else {
        ("404 Not Found", "not found".to_owned())
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

impl Drop for PageServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

//! A small WebDriver (W3C) client for tests that look at kubegate's pages in a real browser:
//! Debian's headless chromium driven by Debian's chromedriver, nothing downloaded. It starts
//! chromedriver on a free loopback port, opens one session with a fresh profile, and lets a test
//! navigate, find elements, read their text, attributes and computed CSS values, run a script
//! and save screenshots. Dropping the [`Browser`] (also while a failing test unwinds) deletes
//! the session, kills chromedriver and every chromium process it started, and removes the
//! profile. A missing chromedriver or chromium fails the test with what to install.
#![allow(dead_code)]

mod base64;
mod colour;
mod http;
mod process;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub use colour::Rgba;
#[allow(unused_imports)]
pub use http::{request, Response};
pub use process::{mentioning as processes_mentioning, TempDir};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The key under which WebDriver returns an element reference (W3C WebDriver §12.1).
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// Bounds every command; a page load is bounded tighter by the session's own timeout.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// One headless chromium session.
pub struct Browser {
    session: String,
    driver: SocketAddr,
    processes: process::Group,
    // Dropped last: removed once every process that wrote into it is gone.
    dir: TempDir,
}

impl Browser {
    /// A browser with a 1400 × 1000 window.
    pub fn start() -> Browser {
        Browser::with_window(1400, 1000)
    }

    pub fn with_window(width: u32, height: u32) -> Browser {
        for (path, package) in [(CHROMEDRIVER, "chromium-driver"), (CHROMIUM, "chromium")] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: install Debian's browser for this test with \
                 `apt-get install chromium chromium-driver` ({package} provides {path}; \
                 scripts/test.sh installs both)"
            );
        }
        let dir = TempDir::new("kubegate-browser");
        let (processes, driver) = start_driver(&dir);
        let profile = dir.path().join("profile");
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": 15_000, "script": 10_000, "implicit": 0},
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--hide-scrollbars",
                    "--force-device-scale-factor=1",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let created = send(driver, "POST", "/session", Some(&capabilities));
        let session = match created {
            Ok(value) => value["sessionId"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| panic!("chromedriver answered no session id: {value}")),
            Err(e) => panic!(
                "chromedriver could not start chromium: {e}\n{}",
                log_tail(&dir)
            ),
        };
        Browser {
            session,
            driver,
            processes,
            dir,
        }
    }

    /// Runs one command of this session: `suffix` follows `/session/{id}`.
    pub fn command(&self, method: &str, suffix: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{suffix}", self.session);
        send(self.driver, method, &path, body.as_ref())
            .unwrap_or_else(|e| panic!("WebDriver {method} {suffix}: {e}"))
    }

    /// Loads `url` and waits for its load event.
    pub fn goto(&self, url: &str) {
        self.command("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        string(self.command("GET", "/url", None))
    }

    pub fn title(&self) -> String {
        string(self.command("GET", "/title", None))
    }

    /// The current document, serialised.
    pub fn source(&self) -> String {
        string(self.command("GET", "/source", None))
    }

    /// The first element matching the CSS `selector`; the test fails when there is none.
    pub fn find(&self, selector: &str) -> Element<'_> {
        self.try_find(selector)
            .unwrap_or_else(|| panic!("no element matches `{selector}` on {}", self.url()))
    }

    pub fn try_find(&self, selector: &str) -> Option<Element<'_>> {
        self.find_all(selector).into_iter().next()
    }

    pub fn find_all(&self, selector: &str) -> Vec<Element<'_>> {
        let found = self.command("POST", "/elements", Some(by_css(selector)));
        self.elements(found)
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns what it returns.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.try_execute(script, args)
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// [`Browser::execute`] that reports failure instead of failing the test: while a page
    /// is being replaced, a script can run in neither document.
    pub fn try_execute(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        let body = json!({ "script": script, "args": args });
        let path = format!("/session/{}/execute/sync", self.session);
        send(self.driver, "POST", &path, Some(&body))
    }

    /// Polls `check` every 100 ms until it gives `Some`; fails the test after `timeout`.
    pub fn wait_until<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut check: impl FnMut(&Browser) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = check(self) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "gave up after {timeout:?} waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Saves what the window shows as a PNG file.
    pub fn screenshot(&self, path: &Path) {
        let encoded = string(self.command("GET", "/screenshot", None));
        save_png(&encoded, path);
    }

    /// Grows the window to the document's height (up to 8000 px), then saves a screenshot.
    pub fn screenshot_full_page(&self, path: &Path) {
        let size = self.execute(
            "const d = document.documentElement; \
             return [Math.max(d.scrollWidth, window.innerWidth), d.scrollHeight, \
                     window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
            vec![],
        );
        let n = |i: usize| size[i].as_u64().unwrap_or(0);
        let rect = json!({ "width": n(0) + n(2), "height": (n(1) + n(3)).min(8000) });
        self.command("POST", "/window/rect", Some(rect));
        self.screenshot(path);
    }

    /// The directory that holds this browser's profile, home and log; removed on drop.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The live processes started for this browser (chromedriver, chromium and its helpers).
    pub fn processes(&self) -> Vec<libc::pid_t> {
        process::mentioning(self.dir.path())
    }

    /// The last lines of chromedriver's log (kept until the browser is dropped).
    pub fn driver_log(&self) -> String {
        log_tail(&self.dir)
    }

    fn elements(&self, found: Value) -> Vec<Element<'_>> {
        found
            .as_array()
            .map(|list| list.iter().map(|e| self.element(e)).collect())
            .unwrap_or_default()
    }

    fn element(&self, reference: &Value) -> Element<'_> {
        let id = reference[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("not an element reference: {reference}"));
        Element {
            browser: self,
            id: id.to_owned(),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closes chromium cleanly; then whatever is left is killed in any case.
        let path = format!("/session/{}", self.session);
        let _ = http::request(self.driver, "DELETE", &path, None, Duration::from_secs(5));
        self.processes.kill();
        process::kill_mentioning(self.dir.path());
    }
}

/// An element of the current document.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

impl<'a> Element<'a> {
    fn command(&self, method: &str, suffix: &str, body: Option<Value>) -> Value {
        let suffix = format!("/element/{}{suffix}", self.id);
        self.browser.command(method, &suffix, body)
    }

    /// The rendered text, as a user would read it.
    pub fn text(&self) -> String {
        string(self.command("GET", "/text", None))
    }

    /// An attribute of the markup; `None` when absent.
    pub fn attribute(&self, name: &str) -> Option<String> {
        self.command("GET", &format!("/attribute/{name}"), None)
            .as_str()
            .map(str::to_owned)
    }

    /// A DOM property (`className`, `checked`, …).
    pub fn property(&self, name: &str) -> Value {
        self.command("GET", &format!("/property/{name}"), None)
    }

    /// The computed value of a CSS property (`background-color` → `rgba(255, 144, 144, 1)`).
    pub fn css(&self, property: &str) -> String {
        string(self.command("GET", &format!("/css/{property}"), None))
    }

    /// The computed colour of a CSS colour property.
    pub fn colour(&self, property: &str) -> Rgba {
        let value = self.css(property);
        Rgba::parse(&value).unwrap_or_else(|| panic!("{property} is not a colour: {value:?}"))
    }

    pub fn tag_name(&self) -> String {
        string(self.command("GET", "/name", None))
    }

    pub fn is_displayed(&self) -> bool {
        self.command("GET", "/displayed", None).as_bool() == Some(true)
    }

    pub fn click(&self) {
        self.command("POST", "/click", Some(json!({})));
    }

    /// The first descendant matching `selector`; the test fails when there is none.
    pub fn find(&self, selector: &str) -> Element<'a> {
        self.find_all(selector)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element inside matches `{selector}`"))
    }

    pub fn find_all(&self, selector: &str) -> Vec<Element<'a>> {
        let found = self.command("POST", "/elements", Some(by_css(selector)));
        self.browser.elements(found)
    }
}

/// Starts chromedriver on a free loopback port and waits until it is ready (a port taken
/// between choosing and binding it is retried on another).
fn start_driver(dir: &TempDir) -> (process::Group, SocketAddr) {
    let log = dir.path().join("chromedriver.log");
    for _ in 0..3 {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut command = Command::new(CHROMEDRIVER);
        // Chromium keeps its crash database and caches under HOME / XDG dirs: keep them in the
        // test's directory, not in the user's.
        command
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .env("HOME", dir.path().join("home"))
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_CACHE_HOME", dir.path().join("cache"));
        let mut group = process::Group::spawn(command)
            .unwrap_or_else(|e| panic!("cannot run {CHROMEDRIVER}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && !group.exited() {
            let status = send(addr, "GET", "/status", None);
            if status.is_ok_and(|s| s["ready"] == json!(true)) {
                return (group, addr);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("chromedriver did not become ready\n{}", log_tail(dir));
}

/// One WebDriver request; the answer's `value`, or the error it reports (W3C WebDriver §6.6).
fn send(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let body = body.map(|b| b.to_string());
    let response = http::request(
        addr,
        method,
        path,
        body.as_deref().map(str::as_bytes),
        COMMAND_TIMEOUT,
    )
    .map_err(|e| format!("no answer from chromedriver: {e}"))?;
    let mut answer: Value = serde_json::from_slice(&response.body).map_err(|e| {
        format!(
            "HTTP {} with a body that is not JSON ({e}): {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        )
    })?;
    let value = answer["value"].take();
    if response.status >= 400 || value.get("error").is_some() {
        return Err(format!(
            "HTTP {}: {}: {}",
            response.status,
            value["error"].as_str().unwrap_or("error"),
            value["message"].as_str().unwrap_or_default()
        ));
    }
    Ok(value)
}

fn by_css(selector: &str) -> Value {
    json!({ "using": "css selector", "value": selector })
}

fn string(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => panic!("WebDriver answered {other} where a string was expected"),
    }
}

fn save_png(encoded: &str, path: &Path) {
    let png = base64::decode(encoded).unwrap_or_else(|e| panic!("screenshot: {e}"));
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG"
    );
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
    }
    std::fs::write(path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// The last lines of chromedriver's log, for failure messages.
fn log_tail(dir: &TempDir) -> String {
    let log = std::fs::read_to_string(dir.path().join("chromedriver.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    let tail = lines[lines.len().saturating_sub(30)..].join("\n");
    format!("chromedriver log (last lines):\n{tail}")
}

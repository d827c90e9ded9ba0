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
mod element;
mod http;
mod process;
mod wire;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use wire::{by_css, log_tail, save_png, send, start_driver, string, ELEMENT_KEY};

pub use colour::Rgba;
pub use element::Element;
#[allow(unused_imports)]
pub use http::{request, Response};
#[allow(unused_imports)]
pub use process::{mentioning as processes_mentioning, TempDir};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

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
    pub fn processes(&self) -> Vec<u32> {
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

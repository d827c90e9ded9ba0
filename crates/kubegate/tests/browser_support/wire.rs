//! The WebDriver wire: starting chromedriver, sending one command and reading its answer or
//! error, and the small conversions the commands share.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::process::{self, TempDir};
use super::{base64, http, CHROMEDRIVER};

/// The key under which WebDriver returns an element reference (W3C WebDriver §12.1).
pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// Bounds every command; a page load is bounded tighter by the session's own timeout.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// Starts chromedriver on a free loopback port and waits until it is ready (a port taken
/// between choosing and binding it is retried on another).
pub fn start_driver(dir: &TempDir) -> (process::Group, SocketAddr) {
    let log = dir.path().join("chromedriver.log");
    for _ in 0..3 {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap_or_else(|e| panic!("{}: {e}", tmp.display()));
        let mut command = Command::new(CHROMEDRIVER);
        // Chromium keeps its crash database and caches under HOME / XDG dirs, and its scoped
        // temporary directories under TMPDIR: keep them all in the test's directory, which is
        // removed with the test, not in the user's home or /tmp.
        command
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .env("HOME", dir.path().join("home"))
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .env("TMPDIR", &tmp);
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
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
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

pub fn by_css(selector: &str) -> Value {
    json!({ "using": "css selector", "value": selector })
}

pub fn string(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => panic!("WebDriver answered {other} where a string was expected"),
    }
}

pub fn save_png(encoded: &str, path: &Path) {
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
pub fn log_tail(dir: &TempDir) -> String {
    let log = std::fs::read_to_string(dir.path().join("chromedriver.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    let tail = lines[lines.len().saturating_sub(30)..].join("\n");
    format!("chromedriver log (last lines):\n{tail}")
}

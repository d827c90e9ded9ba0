//! `kubegate run` with frontends only (a node-local balancer, setup S2), on loopback: a
//! backend that stops being ready gets no new connections, a dead backend costs no client
//! connection, SIGHUP applies a new backend list under load without a failed connection, an
//! invalid file is rejected with the running config kept, and SIGTERM exits 0.

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use kubegate_lab::apiserver;

struct Daemon {
    child: Child,
    dir: PathBuf,
}

impl Daemon {
    fn start(name: &str, yaml: &str) -> Daemon {
        let dir = std::env::temp_dir().join(format!("kg-daemon-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("kubegate.yaml"), yaml).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_kubegate"))
            .args(["run", "--config"])
            .arg(dir.join("kubegate.yaml"))
            .args(["--workers", "1"])
            .stdout(std::fs::File::create(dir.join("connections.log")).unwrap())
            .stderr(std::fs::File::create(dir.join("daemon.log")).unwrap())
            .spawn()
            .unwrap();
        Daemon { child, dir }
    }

    fn rewrite(&self, yaml: &str) {
        std::fs::write(self.dir.join("kubegate.yaml"), yaml).unwrap();
    }

    fn signal(&self, sig: &str) {
        Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }

    fn connections(&self) -> String {
        std::fs::read_to_string(self.dir.join("connections.log")).unwrap_or_default()
    }

    fn wait_log(&self, needle: &str, timeout: Duration) {
        let until = Instant::now() + timeout;
        while !self.log().contains(needle) {
            assert!(
                Instant::now() < until,
                "no {needle:?} in the log:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(mut self) -> Option<i32> {
        self.signal("TERM");
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < until,
                "kubegate did not exit after SIGTERM"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!("{}", self.log());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A backend that answers every connection with its name (the lab's stand-in service).
fn name_server(port: u16) -> SocketAddr {
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let name = format!("b{port}");
    thread::spawn(move || kubegate_lab::service::serve(addr, &name));
    let until = Instant::now() + Duration::from_secs(2);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < until, "backend {addr} did not start");
        thread::sleep(Duration::from_millis(10));
    }
    addr
}

/// One client connection through the balancer: the answering backend's name.
fn ask(frontend: &str) -> Result<String, String> {
    let mut c = TcpStream::connect_timeout(&frontend.parse().unwrap(), Duration::from_secs(1))
        .map_err(|e| e.to_string())?;
    c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut s = String::new();
    c.read_to_string(&mut s).map_err(|e| e.to_string())?;
    let s = s.trim().to_string();
    if s.is_empty() {
        Err("closed without an answer".into())
    } else {
        Ok(s)
    }
}

fn wait_answering(frontend: &str) {
    let until = Instant::now() + Duration::from_secs(5);
    while ask(frontend).is_err() {
        assert!(Instant::now() < until, "{frontend} never answered");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_backend_that_is_not_ready_gets_no_new_connections_until_it_is_ready_again() {
    let ready: Vec<Arc<AtomicBool>> = (0..3).map(|_| Arc::new(AtomicBool::new(true))).collect();
    let servers: Vec<apiserver::Handle> = ready
        .iter()
        .map(|r| {
            apiserver::serve("127.0.0.1:0".parse().unwrap(), &["127.0.0.1"], r.clone()).unwrap()
        })
        .collect();
    let backends: Vec<String> = servers.iter().map(|s| s.local_addr().to_string()).collect();
    let yaml = format!(
        "frontends:
  - name: api
    bind: 127.0.0.1:21443
    backends: [{}]
    check: {{ https: /readyz, interval: 100ms, timeout: 500ms, rise: 2, fall: 2 }}
",
        backends.join(", ")
    );
    let d = Daemon::start("readyz", &yaml);
    wait_answering_tcp("127.0.0.1:21443");
    // Backend 1 starts failing /readyz (as an apiserver does when a graceful shutdown begins).
    ready[1].store(false, Ordering::SeqCst);
    d.wait_log(
        &format!("backend {} Up -> Down: HTTPS 500", backends[1]),
        Duration::from_secs(3),
    );
    let mark = d.connections().lines().count();
    for _ in 0..30 {
        TcpStream::connect("127.0.0.1:21443").unwrap();
    }
    thread::sleep(Duration::from_millis(300));
    let after: Vec<String> = d
        .connections()
        .lines()
        .skip(mark)
        .map(str::to_string)
        .collect();
    assert!(after.len() >= 30, "{after:?}");
    assert!(
        after
            .iter()
            .all(|l| !l.contains(&format!(" {} ", backends[1]))),
        "a not-ready backend got new connections:\n{}",
        after.join("\n")
    );
    // Ready again: back after `rise` good checks, and it gets connections again.
    ready[1].store(true, Ordering::SeqCst);
    d.wait_log(
        &format!("backend {} Down -> Up", backends[1]),
        Duration::from_secs(3),
    );
    let mark = d.connections().lines().count();
    for _ in 0..30 {
        TcpStream::connect("127.0.0.1:21443").unwrap();
    }
    thread::sleep(Duration::from_millis(300));
    let after = d
        .connections()
        .lines()
        .skip(mark)
        .filter(|l| l.contains(&format!(" {} ", backends[1])))
        .count();
    assert!(
        after >= 5,
        "the ready backend gets its share again: {after} of 30"
    );
    assert_eq!(d.stop(), Some(0));
}

fn wait_answering_tcp(frontend: &str) {
    let until = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(frontend).is_err() {
        assert!(Instant::now() < until, "{frontend} never listened");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn reload_under_load_applies_new_backends_without_a_failed_connection() {
    let (b1, b2, b3) = (name_server(21501), name_server(21502), name_server(21503));
    let config = |backends: &[SocketAddr]| {
        let list: Vec<String> = backends.iter().map(|b| b.to_string()).collect();
        format!(
            "frontends:
  - name: api
    bind: 127.0.0.1:21500
    backends: [{}]
    check: {{ tcp: true, interval: 100ms }}
",
            list.join(", ")
        )
    };
    let d = Daemon::start("reload", &config(&[b1, b2]));
    wait_answering("127.0.0.1:21500");

    let stop = Arc::new(AtomicBool::new(false));
    let client = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut answers = Vec::new();
            let mut failures = Vec::new();
            let until = Instant::now() + Duration::from_secs(20);
            while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                match ask("127.0.0.1:21500") {
                    Ok(a) => answers.push(a),
                    Err(e) => failures.push(e),
                }
                thread::sleep(Duration::from_millis(2));
            }
            (answers, failures)
        })
    };
    thread::sleep(Duration::from_millis(500));
    // Replace b1 by b3: b1 drains, b3 starts taking connections.
    d.rewrite(&config(&[b2, b3]));
    d.signal("HUP");
    d.wait_log("reloaded", Duration::from_secs(3));
    thread::sleep(Duration::from_millis(500));
    // An invalid file is rejected; the running config stays.
    d.rewrite("frontends:\n  - name: api\n    bind: 127.0.0.1:21500\n    backends: []\n");
    d.signal("HUP");
    d.wait_log("reload rejected", Duration::from_secs(3));
    thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    let (answers, failures) = client.join().unwrap();
    assert!(
        failures.is_empty(),
        "failed client connections: {failures:?}"
    );
    let n = answers.len();
    assert!(n > 100, "only {n} connections");
    let last: Vec<&String> = answers[n * 3 / 4..].iter().collect();
    assert!(
        last.iter().all(|a| *a != "b21501"),
        "b1 still gets connections after the reload"
    );
    assert!(
        last.iter().any(|a| *a == "b21503"),
        "b3 gets no connections after the reload"
    );
    assert!(
        answers[..n / 8].iter().any(|a| *a == "b21501"),
        "b1 served before the reload"
    );
    assert_eq!(d.stop(), Some(0));
}

#[test]
fn a_dead_backend_costs_no_client_connection() {
    // b3 is a port nothing listens on: every connect to it fails and is retried elsewhere.
    let (b1, b2) = (name_server(21601), name_server(21602));
    let dead: SocketAddr = "127.0.0.1:21603".parse().unwrap();
    let yaml = format!(
        "frontends:
  - name: api
    bind: 127.0.0.1:21600
    backends: [{b1}, {b2}, {dead}]
    check: {{ tcp: true, interval: 10s }}
"
    );
    let d = Daemon::start("dead", &yaml);
    wait_answering("127.0.0.1:21600");
    let mut failed = Vec::new();
    for _ in 0..300 {
        if let Err(e) = ask("127.0.0.1:21600") {
            failed.push(e);
        }
    }
    assert!(failed.is_empty(), "{} failed: {failed:?}", failed.len());
    assert_eq!(d.stop(), Some(0));
}

#[test]
fn ipv6_listener_and_json_connection_log() {
    let b1 = name_server(21701);
    let yaml = format!(
        "frontends:
  - name: api6
    bind: \"[::1]:21700\"
    backends: [{b1}]
"
    );
    let dir = std::env::temp_dir().join(format!("kg-daemon-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("kubegate.yaml"), yaml).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["run", "--log-format", "json", "--workers", "1", "--config"])
        .arg(dir.join("kubegate.yaml"))
        .stdout(std::fs::File::create(dir.join("connections.log")).unwrap())
        .stderr(std::fs::File::create(dir.join("daemon.log")).unwrap())
        .spawn()
        .unwrap();
    let d = Daemon { child, dir };
    wait_answering("[::1]:21700");
    assert_eq!(ask("[::1]:21700").as_deref(), Ok("b21701"));
    let until = Instant::now() + Duration::from_secs(2);
    while !d.connections().contains("\"frontend\":\"api6\"") {
        assert!(
            Instant::now() < until,
            "no JSON record: {:?}",
            d.connections()
        );
        thread::sleep(Duration::from_millis(20));
    }
    let line = d.connections().lines().last().unwrap().to_string();
    let record: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(record["frontend"], "api6");
    assert_eq!(record["backend"], b1.to_string());
    assert!(
        record["client"].as_str().unwrap().starts_with("[::1]:"),
        "{line}"
    );
    assert_eq!(record["bytes_from_backend"], 7);
    assert_eq!(d.stop(), Some(0));
}

//! One probe at a time against loopback peers: TCP connect, plain HTTP with accepted
//! statuses, HTTPS against the lab's fake apiserver (verification off and on, client
//! certificates), and hostile peers (garbage, silence, trickling bytes) that must end in a
//! clear failure within the timeout.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use kubegate_balancer::probe::{ProbeResult, Prober};
use kubegate_config::model::{CheckKind, CheckTls, HealthCheck};
use kubegate_lab::apiserver::{self, LabCa, Options};

const TIMEOUT: Duration = Duration::from_millis(300);

fn check(kind: CheckKind) -> HealthCheck {
    HealthCheck {
        kind,
        interval: Duration::from_millis(100),
        timeout: TIMEOUT,
        rise: 2,
        fall: 2,
    }
}

fn http(path: &str, statuses: &[u16], tls: Option<CheckTls>) -> HealthCheck {
    check(CheckKind::Http {
        path: path.to_owned(),
        statuses: statuses.to_vec(),
        tls,
    })
}

fn no_verify() -> CheckTls {
    CheckTls {
        ca_file: None,
        client_cert: None,
        client_key: None,
        server_name: None,
    }
}

fn probe(check: &HealthCheck, addr: SocketAddr) -> ProbeResult {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let prober = Prober::new(check);
    let result = rt.block_on(prober.probe(addr));
    assert!(
        result.latency < TIMEOUT + Duration::from_millis(200),
        "a probe must end near its timeout: {result:?}"
    );
    result
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A directory removed when the test ends, also on failure.
struct TempDir(PathBuf);
impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("kg-health-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A loopback peer that reads what the client sends and answers with `reply` (then keeps
/// the connection open for `linger`), once per connection, until dropped.
struct Peer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Peer {
    fn new(reply: &'static [u8], linger: Duration) -> Peer {
        let listener = TcpListener::bind(loopback()).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let thread = thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                let Ok((mut s, _)) = listener.accept() else {
                    thread::sleep(Duration::from_millis(2));
                    continue;
                };
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(Duration::from_millis(100)))
                    .unwrap();
                let mut buf = [0u8; 4096];
                if let Ok(n) = s.read(&mut buf) {
                    seen2.lock().unwrap().extend_from_slice(&buf[..n]);
                }
                let _ = s.write_all(reply);
                thread::sleep(linger);
            }
        });
        Peer {
            addr,
            seen,
            stop,
            thread: Some(thread),
        }
    }
    fn seen(&self) -> String {
        String::from_utf8_lossy(&self.seen.lock().unwrap()).into_owned()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn tcp_probe_reports_connect_and_refusal() {
    let listener = TcpListener::bind(loopback()).unwrap();
    let addr = listener.local_addr().unwrap();
    let up = probe(&check(CheckKind::Tcp), addr);
    assert!(up.ok, "{up:?}");
    assert!(up.detail.starts_with("TCP connect in "), "{}", up.detail);
    drop(listener);
    let down = probe(&check(CheckKind::Tcp), addr);
    assert!(!down.ok);
    assert_eq!(down.detail, "TCP connect refused");
    assert_eq!(
        (up.status, down.status),
        (None, None),
        "TCP reads no status"
    );
}

#[test]
fn http_probe_sends_a_proper_request_and_accepts_only_listed_statuses() {
    let peer = Peer::new(
        b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n",
        Duration::ZERO,
    );
    let strict = probe(&http("/readyz", &[], None), peer.addr);
    assert!(!strict.ok, "401 is not in the default [200]: {strict:?}");
    assert!(
        strict.detail.starts_with("HTTP 401 in "),
        "{}",
        strict.detail
    );
    assert_eq!(strict.status, Some(401), "the status code read: {strict:?}");
    let lenient = probe(&http("/readyz", &[200, 401], None), peer.addr);
    assert!(lenient.ok, "{lenient:?}");
    assert_eq!(lenient.status, Some(401), "{lenient:?}");
    let seen = peer.seen();
    let host = format!("Host: {}\r\n", peer.addr);
    assert!(seen.starts_with("GET /readyz HTTP/1.1\r\n"), "{seen}");
    assert!(seen.contains(&host), "{seen}");
    assert!(seen.contains("User-Agent: kubegate\r\n") && seen.contains("Connection: close\r\n"));
}

#[test]
fn https_probe_follows_readyz_with_verification_off() {
    let ready = Arc::new(AtomicBool::new(true));
    let server = apiserver::serve(loopback(), &["127.0.0.1"], ready.clone()).unwrap();
    let check = http("/readyz", &[200], Some(no_verify()));
    let ok = probe(&check, server.local_addr());
    assert!(ok.ok, "{ok:?}");
    assert!(ok.detail.starts_with("HTTPS 200 in "), "{}", ok.detail);
    server.set_ready(false);
    let not_ready = probe(&check, server.local_addr());
    assert!(!not_ready.ok);
    assert!(
        not_ready.detail.starts_with("HTTPS 500 in "),
        "{}",
        not_ready.detail
    );
    assert_eq!(server.requests(), 2);
}

#[test]
fn https_probe_verifies_against_a_ca_file_and_names_the_failure() {
    let dir = TempDir::new("ca");
    let server = apiserver::serve(
        loopback(),
        &["127.0.0.1", "kubernetes.default.svc"],
        Arc::new(AtomicBool::new(true)),
    )
    .unwrap();
    let right = dir.path("ca.pem");
    server.write_ca_pem(&right).unwrap();
    let wrong = dir.path("other-ca.pem");
    LabCa::new("another-cluster")
        .unwrap()
        .write_pem(&wrong)
        .unwrap();
    let verified = |ca: &Path, name: Option<&str>| {
        let tls = CheckTls {
            ca_file: Some(ca.to_path_buf()),
            server_name: name.map(str::to_owned),
            ..no_verify()
        };
        probe(&http("/readyz", &[200], Some(tls)), server.local_addr())
    };
    let by_ip = verified(&right, None);
    assert!(by_ip.ok, "the IP SAN matches: {by_ip:?}");
    let by_name = verified(&right, Some("kubernetes.default.svc"));
    assert!(by_name.ok, "the DNS SAN matches: {by_name:?}");

    let unknown = verified(&wrong, None);
    assert!(!unknown.ok);
    assert!(
        unknown.detail.starts_with("TLS handshake failed: ")
            && unknown.detail.contains("UnknownIssuer"),
        "{}",
        unknown.detail
    );
    let misnamed = verified(&right, Some("etcd.example"));
    assert!(!misnamed.ok);
    assert!(
        misnamed
            .detail
            .contains("not valid for name \"etcd.example\""),
        "{}",
        misnamed.detail
    );

    let missing = verified(&dir.path("absent.pem"), None);
    assert!(!missing.ok);
    assert!(
        missing
            .detail
            .starts_with("TLS setup failed: cannot read ca_file "),
        "{}",
        missing.detail
    );
    assert_eq!(server.requests(), 2, "only verified probes got to ask");
}

#[test]
fn a_server_without_anonymous_access_needs_the_client_certificate() {
    let dir = TempDir::new("client");
    let mut options = Options::new(&["127.0.0.1"], Arc::new(AtomicBool::new(true)));
    options.anonymous = false;
    let server = apiserver::serve_with(loopback(), options).unwrap();
    let anonymous = probe(
        &http("/readyz", &[200], Some(no_verify())),
        server.local_addr(),
    );
    assert!(!anonymous.ok);
    assert!(
        anonymous.detail.starts_with("HTTPS 401 in "),
        "{}",
        anonymous.detail
    );

    let (cert, key) = (dir.path("client.crt"), dir.path("client.key"));
    server
        .issue_client("kubegate")
        .unwrap()
        .write(&cert, &key)
        .unwrap();
    let tls = CheckTls {
        client_cert: Some(cert.clone()),
        client_key: Some(key),
        ..no_verify()
    };
    let with_cert = probe(&http("/readyz", &[200], Some(tls)), server.local_addr());
    assert!(with_cert.ok, "{with_cert:?}");

    let half = CheckTls {
        client_cert: Some(cert),
        ..no_verify()
    };
    let misconfigured = probe(&http("/readyz", &[200], Some(half)), server.local_addr());
    assert_eq!(
        misconfigured.detail,
        "TLS setup failed: client_cert and client_key go together"
    );
}

#[test]
fn garbage_answers_fail_with_a_reason() {
    let peer = Peer::new(b"SSH-2.0-OpenSSH_9.2\r\n", Duration::ZERO);
    let plain = probe(&http("/readyz", &[200], None), peer.addr);
    assert!(!plain.ok);
    assert_eq!(plain.detail, "bad answer: not an HTTP/1.x status line");
    let tls = probe(&http("/readyz", &[200], Some(no_verify())), peer.addr);
    assert!(!tls.ok);
    assert!(
        tls.detail.starts_with("TLS handshake failed: "),
        "{}",
        tls.detail
    );

    let short = Peer::new(b"HTTP/1.1 2", Duration::ZERO);
    let cut = probe(&http("/readyz", &[200], None), short.addr);
    assert_eq!(cut.detail, "connection closed before the status line");
}

#[test]
fn silent_and_endless_peers_are_bounded() {
    // Accepts, reads the request, says nothing for longer than the timeout.
    let silent = Peer::new(b"", Duration::from_millis(600));
    let plain = probe(&http("/readyz", &[200], None), silent.addr);
    assert!(!plain.ok);
    assert_eq!(
        plain.detail,
        "timeout after 300 ms (waiting for the status line)"
    );
    let tls = probe(&http("/readyz", &[200], Some(no_verify())), silent.addr);
    assert_eq!(tls.detail, "timeout after 300 ms (TLS handshake)");

    // A status line followed by far more than anyone should read: decided after the code.
    static FLOOD: [u8; 1 << 20] = {
        let mut b = [b'x'; 1 << 20];
        let head = b"HTTP/1.1 200 ";
        let mut i = 0;
        while i < head.len() {
            b[i] = head[i];
            i += 1;
        }
        b
    };
    let flood = Peer::new(&FLOOD, Duration::ZERO);
    let ok = probe(&http("/readyz", &[200], None), flood.addr);
    assert!(ok.ok, "{ok:?}");
}

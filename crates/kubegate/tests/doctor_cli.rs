//! `kubegate doctor` on the command line: listed in the help with its options, a broken file
//! is refused with located errors before anything is probed, and each frontend's health check
//! runs against each backend (fake TLS apiservers on 127.0.0.1) with the daemon's verdict and
//! advice, in the text and the JSON report.

use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kubegate_lab::apiserver::{self, Handle};

fn kubegate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubegate"))
}

#[test]
fn help_lists_doctor_and_its_options() {
    let out = kubegate().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let line = help
        .lines()
        .find(|l| l.trim_start().starts_with("doctor"))
        .unwrap_or_else(|| panic!("no doctor in\n{help}"));
    assert!(line.contains("Preflight"), "{line}");

    let out = kubegate().args(["doctor", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{help}");
    for option in [
        "--config",
        "--node",
        "--apiserver <ADDR:PORT>",
        "--listen <DURATION>",
        "--json",
    ] {
        assert!(help.contains(option), "missing {option} in\n{help}");
    }
}

#[test]
fn a_broken_file_is_refused_before_any_check() {
    let dir = std::env::temp_dir().join(format!("kg-doctor-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    struct Cleanup(std::path::PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _cleanup = Cleanup(dir.clone());
    let path = dir.join("bad.yaml");
    std::fs::write(
        &path,
        "frontends:\n  - name: api\n    bind: 127.0.0.1:6443\n    backends: [127.0.0.1:1]\n    balanse: random-two\n",
    )
    .unwrap();
    let out = kubegate()
        .args(["doctor", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no findings for a broken file");
    assert!(stderr.contains("bad.yaml:5:5"), "{stderr}");
    assert!(stderr.contains("balanse"), "{stderr}");

    let out = kubegate()
        .args(["doctor", "--config"])
        .arg(&path)
        .args(["--listen", "soon"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
}

/// A fake apiserver on 127.0.0.1; `/readyz` answers 200 when `ready`, else 500.
fn fake_apiserver(ready: bool, anonymous: bool) -> Handle {
    let mut options = apiserver::Options::new(&["127.0.0.1"], Arc::new(AtomicBool::new(ready)));
    options.anonymous = anonymous;
    apiserver::serve_with("127.0.0.1:0".parse().unwrap(), options).expect("fake apiserver")
}

/// A 127.0.0.1 port nothing listens on (bound, then closed).
fn closed_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

/// The JSON report's finding for `subject`.
fn finding<'a>(v: &'a serde_json::Value, subject: &str) -> &'a serde_json::Value {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["subject"] == subject)
        .unwrap_or_else(|| panic!("no finding for {subject} in {v:#}"))
}

#[test]
fn health_checks_probe_every_backend_as_the_daemon_does() {
    let ready = fake_apiserver(true, true);
    let not_ready = fake_apiserver(false, true);
    let private = fake_apiserver(true, false);
    let closed = closed_port();
    let (ok, down, auth) = (
        ready.local_addr(),
        not_ready.local_addr(),
        private.local_addr(),
    );
    let dir = std::env::temp_dir().join(format!("kg-doctor-health-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    struct Cleanup(std::path::PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _cleanup = Cleanup(dir.clone());
    let path = dir.join("kubegate.yaml");
    let (bind_a, bind_b) = (closed_port(), closed_port());
    std::fs::write(
        &path,
        format!(
            "frontends:\n  - name: api\n    bind: {bind_a}\n    backends: [{ok}, {down}, {auth}, {closed}]\n    \
             check: {{ https: /readyz, timeout: 2s }}\n  - name: typo\n    bind: {bind_b}\n    \
             backends: [{ok}]\n    check: {{ https: /readyzz, timeout: 2s }}\n"
        ),
    )
    .unwrap();

    let started = Instant::now();
    let out = kubegate()
        .args(["doctor", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !out.status.success(),
        "failing backends fail doctor:\n{text}"
    );
    assert!(
        elapsed < Duration::from_secs(8),
        "probes are bounded by the 2 s timeout and run at once; took {elapsed:?}\n{text}"
    );
    let line = |subject: &str| {
        text.lines()
            .find(|l| l[4..].trim_start().starts_with(subject))
            .unwrap_or_else(|| panic!("no line for {subject} in\n{text}"))
    };
    let good = line(&format!("check api {ok}"));
    assert!(
        good.starts_with("ok ") && good.contains("GET /readyz: HTTPS 200 in "),
        "a ready apiserver passes with the probe's detail; got {good:?}"
    );
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (subject, found, advice) in [
        (
            format!("check api {down}"),
            "GET /readyz: HTTPS 500 in ",
            "not ready",
        ),
        (
            format!("check api {auth}"),
            "GET /readyz: HTTPS 401 in ",
            "`statuses: [200, 401]`",
        ),
        (
            format!("check api {closed}"),
            "GET /readyz: TCP connect refused",
            "nothing listens on",
        ),
        (
            format!("check typo {ok}"),
            "GET /readyzz: HTTPS 404 in ",
            "the path is wrong",
        ),
    ] {
        let l = line(&subject);
        assert!(
            l.starts_with("FAIL") && l.contains(found),
            "expected FAIL with {found:?} for {subject}, got {l:?}"
        );
        assert!(l.contains("the daemon would keep this backend down"), "{l}");
        assert!(
            flat.contains(advice),
            "expected advice {advice:?} for {subject} in\n{text}"
        );
    }

    let out = kubegate()
        .args(["doctor", "--json", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the JSON report parses");
    let good = finding(&v, &format!("check api {ok}"));
    assert_eq!(good["severity"], "ok", "{good}");
    assert!(good.get("advice").is_none(), "{good}");
    let bad = finding(&v, &format!("check typo {ok}"));
    assert_eq!(bad["severity"], "fail", "{bad}");
    assert!(
        bad["found"].as_str().unwrap().contains("HTTPS 404"),
        "{bad}"
    );
    assert!(
        bad["advice"]
            .as_str()
            .unwrap()
            .contains("the path is wrong"),
        "{bad}"
    );
    let refused = finding(&v, &format!("check api {closed}"));
    assert_eq!(refused["severity"], "fail", "{refused}");
    assert!(
        refused["found"]
            .as_str()
            .unwrap()
            .contains("TCP connect refused"),
        "{refused}"
    );
}

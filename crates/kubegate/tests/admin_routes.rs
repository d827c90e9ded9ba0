//! The admin endpoint's access policy with a stand-in daemon: on a non-loopback bind every
//! request but `/healthz` and `/readyz` needs the token; on loopback reading is free and
//! changes need it; `/healthz` reports a loop that does not answer. The server runs on
//! loopback; the policy is the one a non-loopback bind gets.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kubegate::admin::api::{ActionError, Api, BackendAction, Snapshot};
use kubegate::admin::auth::Token;
use kubegate::admin::http::parse_head;
use kubegate::admin::liveness::Liveness;
use kubegate::admin::routes::{handle, Policy};
use kubegate::admin::snapshot::Status;

#[derive(Default)]
struct Fake {
    actions: Mutex<Vec<String>>,
    beat: AtomicU64,
    answering: bool,
}

impl Api for Fake {
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            status: Status {
                version: "test".into(),
                node: Some("n1".into()),
                now_ms: 2,
                started_ms: 1,
                vips: vec![],
                frontends: vec![],
                events: vec![],
                config: Default::default(),
                bgp: None,
            },
            backends: vec![],
        }
    }
    fn ready(&self) -> Result<(), String> {
        Ok(())
    }
    fn ping(&self) {
        if self.answering {
            self.beat.store(u64::MAX, Ordering::SeqCst);
        }
    }
    fn alive_since(&self, since_ms: u64) -> Result<(), String> {
        if self.beat.load(Ordering::SeqCst) >= since_ms {
            Ok(())
        } else {
            Err("vip api".into())
        }
    }
    fn backend(&self, f: &str, b: &str, a: BackendAction) -> Result<String, ActionError> {
        self.actions
            .lock()
            .unwrap()
            .push(format!("{f} {b} {}", a.word()));
        Ok("done".into())
    }
    fn hand_over(&self, vip: &str) -> Result<String, ActionError> {
        self.actions.lock().unwrap().push(format!("handover {vip}"));
        Ok("done".into())
    }
    fn release(&self, vip: &str) -> Result<String, ActionError> {
        self.actions.lock().unwrap().push(format!("release {vip}"));
        Ok("done".into())
    }
    fn reload(&self) -> tokio::sync::oneshot::Receiver<kubegate::daemon::ReloadOutcome> {
        self.actions.lock().unwrap().push("reload".into());
        let (reply, outcome) = tokio::sync::oneshot::channel();
        let _ = reply.send(Ok("reloaded".into()));
        outcome
    }
}

fn ask(policy: &Policy, api: &Fake, method: &str, path: &str, auth: Option<&str>) -> u16 {
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    if let Some(a) = auth {
        head.push_str(&format!("Authorization: {a}\r\n"));
    }
    head.push_str("\r\n");
    let request = parse_head(head.as_bytes()).unwrap().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = rt.block_on(handle(&request, policy, api, &Liveness::default()));
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn off_loopback_everything_but_the_probes_needs_the_token() {
    let policy = Policy {
        loopback: false,
        token: Some(Token::from_text("tok")),
    };
    let api = Fake {
        answering: true,
        ..Fake::default()
    };
    for path in ["/", "/api/v1/status", "/metrics"] {
        assert_eq!(ask(&policy, &api, "GET", path, None), 401, "{path}");
        assert_eq!(
            ask(&policy, &api, "GET", path, Some("Bearer nope")),
            403,
            "{path}"
        );
        assert_eq!(
            ask(&policy, &api, "GET", path, Some("Bearer tok")),
            200,
            "{path}"
        );
    }
    assert_eq!(ask(&policy, &api, "GET", "/healthz", None), 200);
    assert_eq!(ask(&policy, &api, "GET", "/readyz", None), 200);
    let drain = "/api/v1/frontends/api/backends/10.0.0.1:6443/drain";
    assert_eq!(ask(&policy, &api, "POST", drain, None), 401);
    assert_eq!(ask(&policy, &api, "POST", drain, Some("Bearer tok")), 200);
    assert_eq!(
        ask(
            &policy,
            &api,
            "POST",
            "/api/v1/vips/api/handover",
            Some("Bearer tok")
        ),
        200
    );
    assert_eq!(
        *api.actions.lock().unwrap(),
        vec![
            "api 10.0.0.1:6443 drain".to_string(),
            "handover api".to_string()
        ]
    );
}

#[test]
fn on_loopback_reading_is_free_and_changes_need_the_token() {
    let policy = Policy {
        loopback: true,
        token: Some(Token::from_text("tok")),
    };
    let api = Fake {
        answering: true,
        ..Fake::default()
    };
    assert_eq!(ask(&policy, &api, "GET", "/api/v1/status", None), 200);
    assert_eq!(ask(&policy, &api, "GET", "/metrics", None), 200);
    let maint = "/api/v1/frontends/api/backends/10.0.0.1:6443/maint";
    assert_eq!(ask(&policy, &api, "POST", maint, None), 401);
    assert_eq!(ask(&policy, &api, "POST", maint, Some("Bearer tok ")), 200);
    assert_eq!(api.actions.lock().unwrap().len(), 1);
    // Reload and release are changes too: the token even on loopback, POST only.
    for path in ["/api/v1/reload", "/api/v1/vips/api/release"] {
        assert_eq!(ask(&policy, &api, "POST", path, None), 401, "{path}");
        assert_eq!(ask(&policy, &api, "GET", path, None), 405, "{path}");
        assert_eq!(
            ask(&policy, &api, "POST", path, Some("Bearer tok")),
            200,
            "{path}"
        );
    }
    assert_eq!(
        api.actions.lock().unwrap()[1..],
        ["reload".to_string(), "release api".to_string()]
    );
}

#[test]
fn healthz_fails_when_a_loop_does_not_answer() {
    let policy = Policy {
        loopback: true,
        token: None,
    };
    let api = Arc::new(Fake::default());
    let started = std::time::Instant::now();
    assert_eq!(ask(&policy, &api, "GET", "/healthz", None), 503);
    assert!(started.elapsed() >= kubegate::admin::routes::ALIVE_WAIT);
}

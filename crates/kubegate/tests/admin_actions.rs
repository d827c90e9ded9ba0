//! Operator actions over the admin endpoint of a running `kubegate run`: drain, maint and
//! ready need the token (401 without, 403 with a wrong one, 403 when the daemon has no
//! token file), show in the status and its events, a drained backend gets no new
//! connections, and a reload (SIGHUP) keeps them. `kubegate backend` does the same from
//! the command line.

mod admin_support;

use admin_support::*;
use kubegate::admin::snapshot::{BackendState, EventKind};

#[test]
fn drain_maint_ready_need_the_token_and_take_effect_until_undone() {
    let (a, b) = (name_server("a"), name_server("b"));
    let d = Daemon::start("actions", &[a, b], true);
    let drain = format!("/api/v1/frontends/api/backends/{a}/drain");

    let (code, body) = d.post(&drain, None);
    assert_eq!(code, 401, "{body}");
    assert!(body.contains("Authorization: Bearer"), "{body}");
    let (code, body) = d.post(&drain, Some("wrong"));
    assert_eq!(code, 403, "{body}");
    assert_eq!(d.status().frontends[0].backends[0].state, BackendState::Up);

    let (code, body) = d.post(&drain, Some(TOKEN));
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("drain"), "{body}");
    let s = d.status();
    assert_eq!(s.frontends[0].backends[0].state, BackendState::Drain);
    let last = s.events.last().unwrap();
    assert_eq!(last.kind, EventKind::Operator);
    assert_eq!(last.subject, format!("api/{a}"));
    assert!(last.message.starts_with("drain"), "{last:?}");
    // A drained backend gets no new connection.
    for _ in 0..10 {
        assert_eq!(d.ask(), "b");
    }

    // Unknown names are 404 with what exists.
    let (code, body) = d.post(
        "/api/v1/frontends/web/backends/1.2.3.4:80/drain",
        Some(TOKEN),
    );
    assert_eq!(code, 404, "{body}");
    assert!(body.contains("this daemon has: api"), "{body}");
    let (code, body) = d.post(
        "/api/v1/frontends/api/backends/127.0.0.1:1/maint",
        Some(TOKEN),
    );
    assert_eq!(code, 404, "{body}");
    assert_eq!(
        d.post("/api/v1/frontends/api/backends/x/explode", Some(TOKEN))
            .0,
        404
    );

    // From the command line, with the token from the config's admin.token_file.
    let config = d.config_path();
    let out = d.cli(&[
        "backend",
        "maint",
        "api",
        &b.to_string(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("maint"),
        "expected a message saying maint: {said}"
    );
    assert_eq!(
        d.status().frontends[0].backends[1].state,
        BackendState::Maint
    );
    // Without a token the command fails and says how to pass one.
    let out = d.cli(&[
        "backend",
        "ready",
        "api",
        &b.to_string(),
        "--admin",
        &d.admin.to_string(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "expected a failure without a token, got {}: {err}",
        out.status
    );
    assert!(err.contains("401") && err.contains("--token-file"), "{err}");
    // With --token-file.
    let out = d.cli(&[
        "backend",
        "ready",
        "api",
        &b.to_string(),
        "--admin",
        &d.admin.to_string(),
        "--token-file",
        d.token_path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(d.status().frontends[0].backends[1].state, BackendState::Up);
    assert_eq!(d.ask(), "b");

    // A reload keeps the operator's states: a stays drained (admin_reload.rs has more).
    assert_eq!(d.reload(), Ok(()), "reloading the unchanged file");
    assert_eq!(
        d.status().frontends[0].backends[0].state,
        BackendState::Drain
    );
    assert_eq!(d.ask(), "b");
    assert_eq!(d.stop(), Ok(()));
}

#[test]
fn without_a_token_file_every_change_is_refused() {
    let a = name_server("a");
    let d = Daemon::start("notoken", &[a], false);
    // Reading on loopback needs no token.
    assert_eq!(d.get("/api/v1/status").0, 200);
    for token in [None, Some(TOKEN)] {
        let (code, body) = d.post(&format!("/api/v1/frontends/api/backends/{a}/drain"), token);
        assert_eq!(code, 403, "{body}");
        assert!(body.contains("admin.token_file"), "{body}");
        assert_eq!(d.post("/api/v1/vips/api/handover", token).0, 403);
    }
    assert_eq!(d.status().frontends[0].backends[0].state, BackendState::Up);
    assert_eq!(d.stop(), Ok(()));
}

#[test]
fn handover_of_an_unknown_vip_is_404() {
    let a = name_server("a");
    let d = Daemon::start("novip", &[a], true);
    let (code, body) = d.post("/api/v1/vips/api/handover", Some(TOKEN));
    assert_eq!(code, 404, "{body}");
    assert!(body.contains("no VIP"), "{body}");
    assert_eq!(d.stop(), Ok(()));
}

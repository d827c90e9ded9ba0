//! What each admin path answers, and who may ask. Reading (GET) needs no token on a loopback
//! bind; on any other bind every request but `/healthz` and `/readyz` needs
//! `Authorization: Bearer TOKEN`. Changes (POST: backend states, VIP handover and release,
//! reload) always need the token, and are refused when no `admin.token_file` is configured.

use std::time::Duration;

use serde::Serialize;

use super::api::{ActionError, Api, BackendAction};
use super::auth::Token;
use super::http::{self, Request};
use super::liveness::Liveness;

/// Who may do what on this endpoint.
#[derive(Debug)]
pub struct Policy {
    /// The endpoint is bound to a loopback address.
    pub loopback: bool,
    pub token: Option<Token>,
}

/// How long `/healthz` waits for every loop to answer.
pub const ALIVE_WAIT: Duration = Duration::from_secs(1);

#[derive(Serialize)]
struct Message<'a> {
    message: &'a str,
}

#[derive(Serialize)]
struct Failure<'a> {
    error: &'a str,
}

pub fn error(status: u16, message: &str) -> Vec<u8> {
    let body = serde_json::to_vec(&Failure { error: message }).unwrap_or_default();
    let extra: &[(&str, &str)] = if status == 401 {
        &[("WWW-Authenticate", "Bearer")]
    } else {
        &[]
    };
    http::response(status, "application/json", &body, extra)
}

fn ok_json(body: &impl Serialize) -> Vec<u8> {
    match serde_json::to_vec_pretty(body) {
        Ok(b) => http::response(200, "application/json", &b, &[]),
        Err(e) => error(500, &format!("cannot encode: {e}")),
    }
}

fn text(status: u16, body: &str) -> Vec<u8> {
    http::response(status, "text/plain; charset=utf-8", body.as_bytes(), &[])
}

/// The token check: `None` when the request may go on, else the answer.
fn authorize(request: &Request, policy: &Policy, change: bool) -> Option<Vec<u8>> {
    let needed = change || !policy.loopback;
    if !needed {
        return None;
    }
    let Some(token) = &policy.token else {
        return Some(error(
            403,
            "changes need a token and this daemon has none: set admin.token_file in the \
             config (a file with a long random secret) and restart kubegate",
        ));
    };
    match &request.authorization {
        None => Some(error(
            401,
            "this needs the admin token: send Authorization: Bearer TOKEN (kubegate reads it \
             from --token-file or the config's admin.token_file)",
        )),
        Some(_) if token.accepts(request.authorization.as_deref()) => None,
        Some(_) => Some(error(403, "the token does not match admin.token_file")),
    }
}

/// Whether a request is one of the probes (`GET /healthz`, `GET /readyz`): answered at once
/// whatever else the endpoint is doing, with no token on any bind.
pub fn is_probe(request: &Request) -> bool {
    request.method == "GET" && matches!(request.path.trim_end_matches('/'), "/healthz" | "/readyz")
}

/// The answer to one request.
pub async fn handle(
    request: &Request,
    policy: &Policy,
    api: &dyn Api,
    liveness: &Liveness,
) -> Vec<u8> {
    let segments: Vec<&str> = request
        .path
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .collect();
    let get = request.method == "GET";
    let post = request.method == "POST";
    match segments.as_slice() {
        ["healthz"] | ["readyz"] if !get => error(405, "use GET"),
        ["healthz"] => healthz(api, liveness).await,
        ["readyz"] => match api.ready() {
            Ok(()) => text(200, "ok\n"),
            Err(why) => text(503, &format!("not ready: {why}\n")),
        },
        [] | ["api", "v1", "status"] | ["api", "v1", "cluster"] | ["metrics"] if !get => {
            error(405, "use GET")
        }
        [] | ["api", "v1", "status"] | ["api", "v1", "cluster"] | ["metrics"] => {
            if let Some(refusal) = authorize(request, policy, false) {
                return refusal;
            }
            let snap = api.snapshot();
            match segments.as_slice() {
                [] => {
                    let view = super::cluster_view::gather(api, policy, &snap.status).await;
                    http::response(
                        200,
                        "text/html; charset=utf-8",
                        super::page::render_with_cluster(&snap.status, view.as_ref()).as_bytes(),
                        &[],
                    )
                }
                ["api", "v1", "cluster"] => {
                    match super::cluster_view::gather(api, policy, &snap.status).await {
                        Some(view) => ok_json(&view),
                        None => error(404, "this file has one node: there is no cluster view"),
                    }
                }
                ["metrics"] => http::response(
                    200,
                    "text/plain; version=0.0.4; charset=utf-8",
                    super::metrics::render(&snap).as_bytes(),
                    &[],
                ),
                _ => ok_json(&snap.status),
            }
        }
        ["api", "v1", "frontends", frontend, "backends", backend, action] => {
            if !post {
                return error(405, "use POST");
            }
            let Some(action) = BackendAction::parse(action) else {
                return error(404, "the action is one of drain, ready, maint");
            };
            if let Some(refusal) = authorize(request, policy, true) {
                return refusal;
            }
            action_answer(api.backend(frontend, backend, action))
        }
        ["api", "v1", "vips", vip, word @ ("handover" | "release")] => {
            if !post {
                return error(405, "use POST");
            }
            if let Some(refusal) = authorize(request, policy, true) {
                return refusal;
            }
            action_answer(if *word == "handover" {
                api.hand_over(vip)
            } else {
                api.release(vip)
            })
        }
        ["api", "v1", "reload"] => {
            if !post {
                return error(405, "use POST");
            }
            if let Some(refusal) = authorize(request, policy, true) {
                return refusal;
            }
            reload(api).await
        }
        _ => error(
            404,
            "no such path; try /, /api/v1/status, /api/v1/cluster, /metrics, /healthz, /readyz",
        ),
    }
}

fn action_answer(result: Result<String, ActionError>) -> Vec<u8> {
    match result {
        Ok(message) => ok_json(&Message { message: &message }),
        Err(ActionError::NotFound(m)) => error(404, &m),
        Err(ActionError::Conflict(m)) => error(409, &m),
    }
}

/// How long `POST /api/v1/reload` waits for the main loop's outcome.
pub const RELOAD_WAIT: Duration = Duration::from_secs(30);

/// A reload through the main loop (as SIGHUP): `200` with the summary, `422` with the
/// located errors when the file is rejected (the running config kept).
async fn reload(api: &dyn Api) -> Vec<u8> {
    match tokio::time::timeout(RELOAD_WAIT, api.reload()).await {
        Ok(Ok(Ok(summary))) => ok_json(&Message { message: &summary }),
        Ok(Ok(Err(errors))) => error(422, &errors),
        Ok(Err(_)) => error(503, "the daemon is stopping; nothing was reloaded"),
        Err(_) => error(
            503,
            "no reload outcome within 30 s; see the daemon's log and the status's events",
        ),
    }
}

/// Wake every loop (or join a wake-up just sent), then wait (bounded) until each has gone
/// round since.
async fn healthz(api: &dyn Api, liveness: &Liveness) -> Vec<u8> {
    let since = liveness.round(api);
    let until = tokio::time::Instant::now() + ALIVE_WAIT;
    loop {
        match api.alive_since(since) {
            Ok(()) => return text(200, "ok\n"),
            Err(why) if tokio::time::Instant::now() >= until => {
                return text(503, &format!("not answering: {why}\n"))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

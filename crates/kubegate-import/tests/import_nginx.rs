//! `kubegate import` of nginx files: the stream module for two masters, a node-local balancer
//! with tuned upstreams, and broken files, asserted field by field with every note's
//! file:line and wording.

use std::time::Duration;

use kubegate_import::draft::{DraftBackend, DraftBalance, DraftFrontend, DraftTimeouts, Origin};
use kubegate_import::nginx::{self, NginxImport};

fn fixture(name: &str) -> NginxImport {
    let path = format!("{}/tests/fixtures/nginx/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    nginx::read(name, &text)
}

fn notes(r: &NginxImport) -> Vec<String> {
    r.notes.iter().map(ToString::to_string).collect()
}

fn at(file: &str, line: usize) -> Option<Origin> {
    Some(Origin::new(file, line))
}

fn backend(file: &str, line: usize, address: &str, weight: Option<u32>) -> DraftBackend {
    DraftBackend {
        address: address.into(),
        weight,
        name: None,
        origin: at(file, line),
    }
}

fn secs(s: u64) -> Option<Duration> {
    Some(Duration::from_secs(s))
}

const PASSIVE: &str = "nginx checks servers only passively (max_fails/fail_timeout on client \
                       connections); kubegate checks its backends actively, a TCP connect every \
                       2s (for apiservers use `check: { https: /readyz }`, which `kubegate \
                       check` suggests too)";

#[test]
fn two_masters_stream_is_one_frontend_and_the_rest_is_said() {
    let f = "stream-two-masters.conf";
    let r = fixture(f);
    assert_eq!(
        r.frontends,
        [DraftFrontend {
            name: "k8s-apiserver".into(),
            bind: "0.0.0.0:16443".into(),
            backends: vec![
                backend(f, 20, "10.0.0.51:6443", None),
                backend(f, 21, "10.0.0.52:6443", None),
            ],
            balance: None,
            check: None,
            timeouts: DraftTimeouts::default(),
            max_connections: None,
            proxy_protocol: false,
            retries: None,
            origin: at(f, 25),
        }]
    );
    assert_eq!(
        notes(&r),
        [
            "stream-two-masters.conf:1: left out: nginx process settings user, \
             worker_processes, error_log, pid and events: kubegate runs as a service and logs \
             one line per connection on stdout"
                .to_string(),
            "stream-two-masters.conf:6: left out: `include /usr/share/nginx/modules/*.conf`: \
             not followed; pass the included file to `kubegate import` too if it holds a stream \
             block"
                .into(),
            "stream-two-masters.conf:13: left out: `stream` settings log_format and access_log \
             (no kubegate equivalent); kubegate logs one line per connection on stdout"
                .into(),
            format!("stream-two-masters.conf:19: assumed: upstream k8s-apiserver: {PASSIVE}"),
            "stream-two-masters.conf:24: assumed: no `proxy_timeout`: nginx closed connections \
             quiet for 10m, kubegate's idle timeout is 1h; no `proxy_connect_timeout`: nginx \
             waited 60s for a backend to accept, kubegate waits 3s and tries another; \
             kubegate's defaults apply"
                .into(),
            "stream-two-masters.conf:30: left out: the `http` block: kubegate balances TCP; it \
             is not imported"
                .into(),
        ]
    );
}

#[test]
fn node_local_tuned_upstreams_crlf_and_inherited_timeouts() {
    let f = "node-local-tuned.conf";
    let r = fixture(f);
    let api = |name: &str, bind: &str, origin: usize| DraftFrontend {
        name: name.into(),
        bind: bind.into(),
        backends: vec![
            backend(f, 8, "10.0.0.51:6443", Some(2)),
            backend(f, 9, "10.0.0.52:6443", None),
            backend(f, 10, "10.0.0.53:6443", None),
        ],
        balance: Some(DraftBalance::SourceHash),
        check: None,
        timeouts: DraftTimeouts {
            connect: secs(2),
            idle: secs(7200),
        },
        max_connections: None,
        proxy_protocol: false,
        retries: Some(2),
        origin: at(f, origin),
    };
    let stream_timeouts = DraftTimeouts {
        connect: secs(2),
        idle: secs(60),
    };
    assert_eq!(
        r.frontends,
        [
            api("kube_apiserver", "127.0.0.1:6443", 15),
            api("kube_apiserver-2", "[::1]:6443", 16),
            DraftFrontend {
                name: "ingress".into(),
                bind: "0.0.0.0:443".into(),
                backends: vec![
                    backend(f, 24, "10.0.1.10:443", None),
                    backend(f, 25, "10.0.1.11:443", None),
                ],
                balance: Some(DraftBalance::RandomTwo),
                check: None,
                timeouts: stream_timeouts.clone(),
                max_connections: None,
                proxy_protocol: true,
                retries: None,
                origin: at(f, 29),
            },
            DraftFrontend {
                name: "stream-9000".into(),
                bind: "10.0.0.50:9000".into(),
                backends: vec![backend(f, 36, "10.0.2.1:9000", None)],
                balance: None,
                check: None,
                timeouts: stream_timeouts,
                max_connections: None,
                proxy_protocol: false,
                retries: None,
                origin: at(f, 35),
            },
        ]
    );
    assert_eq!(
        notes(&r),
        [
            "node-local-tuned.conf:1: left out: nginx process settings worker_processes: \
             kubegate runs as a service and logs one line per connection on stdout"
                .to_string(),
            "node-local-tuned.conf:4: assumed: idle timeout 1m: quiet `kubectl logs -f`, `exec` \
             sessions and watches get cut after 1m; kubegate's default is 1h. Kept as written \
             (`kubegate check` warns too)"
                .into(),
            format!("node-local-tuned.conf:6: assumed: upstream kube_apiserver: {PASSIVE}"),
            "node-local-tuned.conf:10: assumed: `backup` servers of upstream kube_apiserver \
             (10.0.0.53:6443) are imported as ordinary backends: kubegate has no backup \
             servers, so they get their share of connections; remove them if they must only \
             take over"
                .into(),
            "node-local-tuned.conf:11: left out: server 10.0.0.54:6443 (`down`): add it to the \
             backends when it should take connections"
                .into(),
            format!("node-local-tuned.conf:22: assumed: upstream ingress: {PASSIVE}"),
            "node-local-tuned.conf:36: assumed: `proxy_pass 10.0.2.1:9000`: nginx checked it \
             only passively; kubegate checks it actively, a TCP connect every 2s (for an \
             apiserver use `check: { https: /readyz }`)"
                .into(),
            "node-local-tuned.conf:39: left out: upstream spare: the proxy_pass of no server"
                .into(),
        ]
    );
}

#[test]
fn a_tls_terminating_listen_is_an_error_and_no_frontend() {
    let r = fixture("ssl-listen.conf");
    assert_eq!(r.frontends, []);
    assert_eq!(
        notes(&r),
        [
            format!("ssl-listen.conf:2: assumed: upstream apiserver: {PASSIVE}"),
            "ssl-listen.conf:6: error: `listen 6443 ssl` terminates TLS; kubegate passes TLS \
             through and does not terminate it: remove `ssl` (and the ssl_certificate lines) so \
             the backends (the apiserver) terminate TLS themselves"
                .into(),
        ]
    );
}

#[test]
fn placeholder_and_hostname_servers_are_errors_at_their_lines() {
    let r = fixture("placeholder-upstream.conf");
    assert_eq!(r.frontends, []);
    assert_eq!(
        notes(&r),
        [
            "placeholder-upstream.conf:2: error: upstream k8s-apiserver has no usable server; \
             add `server IP:PORT;` lines",
            "placeholder-upstream.conf:3: error: server xxx.16.106.208:6443: \"xxx.16.106.208\" \
             is not an IP address; kubegate does not resolve names: write the address itself, \
             like 10.0.0.51",
            "placeholder-upstream.conf:4: error: server master2.example:6443: \
             \"master2.example\" is not an IP address; kubegate does not resolve names: write \
             the address itself, like 10.0.0.51",
            "placeholder-upstream.conf:5: error: server 10.0.0.53: \"10.0.0.53\" has no port; \
             kubegate connects to a fixed port: write it as IP:PORT, like 10.0.0.51:6443",
        ]
    );
}

#[test]
fn broken_syntax_is_located_and_what_can_be_read_is() {
    let f = "broken-syntax.conf";
    let r = fixture(f);
    assert_eq!(r.frontends.len(), 1);
    assert_eq!(
        r.frontends[0].backends,
        [backend(f, 3, "10.0.0.51:6443", None)]
    );
    assert_eq!(
        notes(&r),
        [
            "broken-syntax.conf:1: error: the `stream` block is not closed; add a `}`".to_string(),
            format!("broken-syntax.conf:2: assumed: upstream k8s-apiserver: {PASSIVE}"),
            "broken-syntax.conf:3: error: `server` has no `;` before the `}`; add it".into(),
            "broken-syntax.conf:5: error: the `server` block is not closed; add a `}`".into(),
            "broken-syntax.conf:5: assumed: no `proxy_timeout`: nginx closed connections quiet \
             for 10m, kubegate's idle timeout is 1h; no `proxy_connect_timeout`: nginx waited \
             60s for a backend to accept, kubegate waits 3s and tries another; kubegate's \
             defaults apply"
                .into(),
            "broken-syntax.conf:8: error: a quote opened here is never closed; close it \
             (nothing after it is read)"
                .into(),
        ]
    );
}

#[test]
fn balancing_methods_retries_and_unusable_targets() {
    let text = "stream {\n  upstream a { least_conn; server 10.0.0.1:1; }\n  upstream b { random; \
                server 10.0.0.2:1; }\n  upstream c { hash $server_name; server 10.0.0.3:1; }\n  \
                server { listen 1; proxy_pass a; proxy_next_upstream off; }\n  server { listen \
                2; proxy_pass b; proxy_next_upstream_tries 30; }\n  server { listen 3 udp; \
                proxy_pass c; proxy_timeout 1h; proxy_connect_timeout 1s; }\n  server { listen \
                localhost:4; proxy_pass $target; }\n  server { listen 5; proxy_pass nowhere; }\n  \
                server { proxy_pass c; proxy_timeout 1h; proxy_connect_timeout 1s; }\n  \
                upstream \"k8s api\" { server 10.0.0.9:6443; }\n  server { listen 6; proxy_pass \
                \"k8s api\"; }\n}\n";
    let r = nginx::read("m.conf", text);
    let got: Vec<(&str, &str, Option<DraftBalance>, Option<u32>)> = r
        .frontends
        .iter()
        .map(|f| (f.name.as_str(), f.bind.as_str(), f.balance, f.retries))
        .collect();
    assert_eq!(
        got,
        [
            ("a", "0.0.0.0:1", Some(DraftBalance::LeastConn), Some(0)),
            ("b", "0.0.0.0:2", Some(DraftBalance::RandomTwo), Some(10)),
            ("k8s-api", "0.0.0.0:6", None, None),
        ]
    );
    let located: Vec<String> = notes(&r)
        .into_iter()
        .filter(|n| !n.contains("passively") && !n.contains("no `proxy_timeout`"))
        .collect();
    assert_eq!(
        located,
        [
            "m.conf:3: assumed: `random` (one random pick) becomes `random-two`: the less busy \
             of two random picks",
            "m.conf:4: assumed: `hash $server_name`: kubegate hashes only the client address \
             (`source-hash`); imported as `round-robin`",
            "m.conf:6: assumed: `proxy_next_upstream_tries 30` is 29 retries, above kubegate's \
             10: imported as `retries: 10`",
            "m.conf:7: left out: `listen 3 udp`: kubegate balances TCP only",
            "m.conf:8: error: `proxy_pass $target` chooses its target with variables; kubegate \
             needs a fixed pool: name an upstream",
            "m.conf:9: error: `proxy_pass nowhere` names no upstream of this stream block, and \
             \"nowhere\" has no port; kubegate connects to a fixed port: write it as IP:PORT, \
             like 10.0.0.51:6443",
            "m.conf:10: error: this `server` block has no `listen`; add one like `listen 6443;`",
            "m.conf:12: assumed: the name \"k8s api\" is not a usable kubegate name (letters, \
             digits, '.', '_', '-'; at most 56 here): imported as k8s-api",
        ]
    );
}

#[test]
fn a_file_without_a_stream_block_is_an_error() {
    let r = nginx::read("h.conf", "events {}\nhttp {\n  server { listen 80; }\n}\n");
    assert_eq!(r.frontends, []);
    assert_eq!(
        notes(&r),
        [
            "h.conf:1: left out: nginx process settings events: kubegate runs as a service and \
             logs one line per connection on stdout",
            "h.conf:1: error: no `stream` block: nothing to import (kubegate balances TCP like \
             nginx's stream module; http blocks are not imported)",
            "h.conf:2: left out: the `http` block: kubegate balances TCP; it is not imported",
        ]
    );
}

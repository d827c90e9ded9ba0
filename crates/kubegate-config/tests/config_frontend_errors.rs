//! Frontend errors: exact `file:line:col: key: message` texts for every rule, haproxy words,
//! and `track: - frontend:` references.

use std::path::Path;

use kubegate_config as config;

/// All messages for `text`, one per line (the file must be invalid).
fn errors(text: &str) -> String {
    match config::parse_str(text, Path::new("cluster.yaml")) {
        Ok(cfg) => panic!("expected errors, got {cfg:?}"),
        Err(e) => e.to_string(),
    }
}

/// Two masters and VIP api 10.0.0.50 (lines 1–5), then `frontends:` (line 6) and `body` from
/// line 7.
fn with_frontends(body: &str) -> String {
    format!(
        "nodes:
  - {{ name: master1, address: 10.0.0.51 }}
  - {{ name: master2, address: 10.0.0.52 }}
vips:
  - {{ name: api, address: 10.0.0.50/24, vrrp: {{ vrid: 51 }} }}
frontends:
{body}"
    )
}

#[test]
fn names_and_listeners_are_unique() {
    let text = with_frontends(
        "  - { name: api, bind: 10.0.0.50:8443, backends: [10.0.0.51:6443] }
  - { name: api, bind: 10.0.0.50:8443, backends: [10.0.0.51:6443] }
  - { name: any, bind: 0.0.0.0:8443, backends: [10.0.0.51:6443] }
  - { name: six, bind: '[::]:8443', backends: [10.0.0.51:6443] }
",
    );
    // `::` is taken as IPv6 only: it does not overlap 0.0.0.0 or IPv4 addresses.
    assert_eq!(
        errors(&text),
        "cluster.yaml:8:13: frontends[1].name: frontend name 'api' is already used at line 7; \
         names must be unique\n\
         cluster.yaml:8:24: frontends[1].bind: 10.0.0.50:8443 is already the bind address of \
         frontend api at line 7; each frontend needs its own address and port\n\
         cluster.yaml:9:24: frontends[2].bind: 0.0.0.0:8443 overlaps frontend api's \
         10.0.0.50:8443 (line 7): a listener on 0.0.0.0 takes port 8443 on every address; use \
         another port, or bind both to specific addresses"
    );
}

#[test]
fn bind_addresses() {
    let text = with_frontends(
        "  - { name: a, bind: 10.0.0.50, backends: [10.0.0.51:6443] }
  - { name: b, bind: 10.0.0.60, backends: [10.0.0.51:6443] }
  - { name: c, bind: 'fd00::50', backends: [10.0.0.51:6443] }
  - { name: d, bind: 10.0.0.60:0, backends: [10.0.0.51:6443] }
  - { name: e, bind: 'localhost:6443', backends: [10.0.0.51:6443] }
  - { name: f, bind: 224.0.0.18:80, backends: [10.0.0.51:6443] }
  - { name: g, backends: [10.0.0.51:6443] }
",
    );
    assert_eq!(
        errors(&text),
        "cluster.yaml:7:22: frontends[0].bind: 10.0.0.50 is VIP api's address; a frontend \
         binding the VIP's address must use a port, like 10.0.0.50:8443\n\
         cluster.yaml:8:22: frontends[1].bind: \"10.0.0.60\" has no port; write ADDRESS:PORT, \
         like 10.0.0.60:8443\n\
         cluster.yaml:9:22: frontends[2].bind: \"fd00::50\" has no port; write IPv6 addresses in \
         brackets with the port, like [fd00::50]:8443\n\
         cluster.yaml:10:22: frontends[3].bind: \"10.0.0.60:0\" has port 0; write the port to \
         listen on, like 10.0.0.60:8443\n\
         cluster.yaml:11:22: frontends[4].bind: \"localhost:6443\" is not ADDRESS:PORT; write it \
         like 10.0.0.50:8443 or [fd00::50]:8443 (host names are not resolved)\n\
         cluster.yaml:12:22: frontends[5].bind: 224.0.0.18 is a multicast address; write a \
         unicast address to listen on\n\
         cluster.yaml:13:5: frontends[6]: missing key 'bind'; write the address and port to \
         listen on, like 10.0.0.50:8443 or 127.0.0.1:6443"
    );
}

#[test]
fn a_frontend_on_the_apiserver_s_own_address_and_port() {
    let text = with_frontends(
        "  - name: stacked
    bind: 10.0.0.51:6443
    backends: [10.0.0.51:6443, 10.0.0.52:6443]
  - name: loop
    bind: 10.0.0.60:80
    backends: [10.0.0.61:80, 10.0.0.60:80]
  - name: fine
    bind: 10.0.0.51:9443
    backends: [10.0.0.51:6443, 10.0.0.52:6443]
",
    );
    assert_eq!(
        errors(&text),
        "cluster.yaml:8:11: frontends[0].bind: 10.0.0.51:6443 is node master1's apiserver (the \
         backend at line 9): the frontend would take the apiserver's own port; listen on another \
         port, like 10.0.0.51:9443 (as kubeadm's stacked masters do)\n\
         cluster.yaml:11:11: frontends[1].bind: 10.0.0.60:80 is also its backend at line 12: the \
         frontend would forward connections to itself; listen on another port"
    );
}

#[test]
fn backends() {
    let text = with_frontends(
        "  - { name: a, bind: 10.0.0.50:8443, backends: [] }
  - { name: b, bind: 10.0.0.50:8444 }
  - name: c
    bind: 10.0.0.50:8445
    backends:
      - 10.0.0.51:6443
      - { address: 10.0.0.51:6443 }
      - 10.0.0.52:0
      - { address: 10.0.0.53:6443, weight: 0 }
      - { address: 10.0.0.54:6443, weight: 257 }
      - 0.0.0.0:6443
      - { weight: 2 }
      - 6443
      - 10.0.0.55
",
    );
    assert_eq!(
        errors(&text),
        "cluster.yaml:7:48: frontends[0].backends: the list is empty; list the servers to \
         forward to, like backends: [10.0.0.51:6443, 10.0.0.52:6443]\n\
         cluster.yaml:8:5: frontends[1]: missing key 'backends'; list the servers to forward to, \
         like backends: [10.0.0.51:6443, 10.0.0.52:6443]\n\
         cluster.yaml:13:20: frontends[2].backends[1]: 10.0.0.51:6443 is already a backend of \
         this frontend (line 12); list each backend once (a `weight` gives it a bigger share)\n\
         cluster.yaml:14:9: frontends[2].backends[2]: \"10.0.0.52:0\" has port 0; write the port \
         of the server, like 10.0.0.52:6443\n\
         cluster.yaml:15:44: frontends[2].backends[3].weight: 0 is out of range; use 1 to 256 (a \
         relative share of new connections)\n\
         cluster.yaml:16:44: frontends[2].backends[4].weight: 257 is out of range; use 1 to 256 \
         (a relative share of new connections)\n\
         cluster.yaml:17:9: frontends[2].backends[5]: 0.0.0.0 cannot be a backend; write the \
         server's own address\n\
         cluster.yaml:18:9: frontends[2].backends[6]: missing key 'address'; write the server's \
         ADDRESS:PORT, like 10.0.0.51:6443\n\
         cluster.yaml:19:9: frontends[2].backends[7]: 6443 is a port alone; write ADDRESS:PORT, \
         like 10.0.0.50:6443\n\
         cluster.yaml:20:9: frontends[2].backends[8]: \"10.0.0.55\" has no port; write \
         ADDRESS:PORT, like 10.0.0.55:6443"
    );
}

#[test]
fn checks() {
    let text = with_frontends(
        "  - name: a
    bind: 10.0.0.50:8443
    backends: [10.0.0.51:6443]
    check: { interval: 0s, timeout: 1, rise: 0, fall: 1001 }
  - name: b
    bind: 10.0.0.50:8444
    backends: [10.0.0.51:6443]
    check: { http: /healthz, https: /readyz }
  - name: c
    bind: 10.0.0.50:8445
    backends: [10.0.0.51:6443]
    check: { http: readyz, statuses: [200, 99, 600], ca_file: /ca.crt, server_name: x }
  - name: d
    bind: 10.0.0.50:8446
    backends: [10.0.0.51:6443]
    check: { https: /readyz, client_cert: /c.crt, ca_file: ca.crt, server_name: 'bad name' }
  - name: e
    bind: 10.0.0.50:8447
    backends: [10.0.0.51:6443]
    check: { https: /readyz, client_key: /c.key }
  - name: f
    bind: 10.0.0.50:8448
    backends: [10.0.0.51:6443]
    check: { tcp: false, statuses: [200] }
  - name: g
    bind: 10.0.0.50:8449
    backends: [10.0.0.51:6443]
    check: { https: /ready z, statuses: [] }
",
    );
    assert_eq!(
        errors(&text),
        "cluster.yaml:10:12: frontends[0].check: a check needs one of `tcp: true`, `http: PATH` \
         or `https: PATH`\n\
         cluster.yaml:10:24: frontends[0].check.interval: a check interval of 0s cannot work; \
         use something like 1s\n\
         cluster.yaml:10:37: frontends[0].check.timeout: 1 has no unit; write 1s or 1ms\n\
         cluster.yaml:10:46: frontends[0].check.rise: 0 is out of range; use 1 to 1000\n\
         cluster.yaml:10:55: frontends[0].check.fall: 1001 is out of range; use 1 to 1000\n\
         cluster.yaml:14:37: frontends[1].check.https: this check has both `http` and `https`; \
         write one kind of check\n\
         cluster.yaml:18:20: frontends[2].check.http: \"readyz\" does not start with '/'; write \
         the request path, like /readyz\n\
         cluster.yaml:18:44: frontends[2].check.statuses[1]: 99 is out of range; use 100 to 599 \
         (HTTP status codes)\n\
         cluster.yaml:18:48: frontends[2].check.statuses[2]: 600 is out of range; use 100 to 599 \
         (HTTP status codes)\n\
         cluster.yaml:18:63: frontends[2].check.ca_file: `ca_file` applies to https checks only; \
         check with `https: PATH` or remove it\n\
         cluster.yaml:18:85: frontends[2].check.server_name: `server_name` applies to https \
         checks only; check with `https: PATH` or remove it\n\
         cluster.yaml:22:43: frontends[3].check.client_cert: `client_cert` needs `client_key` \
         beside it (a client certificate and its private key go together)\n\
         cluster.yaml:22:60: frontends[3].check.ca_file: \"ca.crt\" is not an absolute path; \
         write the file's full path, like /etc/kubernetes/pki/ca.crt\n\
         cluster.yaml:22:81: frontends[3].check.server_name: \"bad name\" is not a DNS name; \
         write the name in the apiserver's certificate, like kubernetes.default.svc\n\
         cluster.yaml:26:42: frontends[4].check.client_key: `client_key` needs `client_cert` \
         beside it (a client certificate and its private key go together)\n\
         cluster.yaml:30:19: frontends[5].check.tcp: `tcp: false` turns nothing off (backends \
         are always checked); write `tcp: true`, `http: PATH` or `https: PATH`\n\
         cluster.yaml:30:36: frontends[5].check.statuses: statuses apply to http and https \
         checks; remove it or check with `https: PATH`\n\
         cluster.yaml:34:21: frontends[6].check.https: \"/ready z\" is not a usable request \
         path; use at most 1024 characters without spaces\n\
         cluster.yaml:34:41: frontends[6].check.statuses: the list is empty; leave `statuses` \
         out to accept 200 only"
    );
}

#[test]
fn timeouts_and_the_other_settings() {
    let text = with_frontends(
        "  - name: a
    bind: 10.0.0.50:8443
    backends: [10.0.0.51:6443]
    timeouts: { connect: 0s, idle: 500ms, dead_peer: 2d, keepalive: 1.5s, drain: 0s }
    balance: roundrobin
    max_connections: 0
    proxy_protocol: v2
    retries: 11
    on_down: shutdown
    slowstart: 2
  - name: b
    bind: 10.0.0.50:8444
    backends: [10.0.0.51:6443]
    balance: leastcon
    timeouts: { keepalive: 10h, dead_peer: 25h }
",
    );
    assert_eq!(
        errors(&text),
        "cluster.yaml:10:26: frontends[0].timeouts.connect: a connect timeout of 0s cannot work; \
         use something like 1s\n\
         cluster.yaml:10:36: frontends[0].timeouts.idle: an idle timeout under 1s cuts every \
         connection that pauses; use hours for the apiserver, like 1h (the default)\n\
         cluster.yaml:10:54: frontends[0].timeouts.dead_peer: \"2d\" is not a duration (unknown \
         unit \"d\"); write it like 250ms, 2s, 1.5s, 1m30s or 1h\n\
         cluster.yaml:10:69: frontends[0].timeouts.keepalive: TCP keepalive counts whole seconds \
         from 1s to 32767s; use something like 60s\n\
         cluster.yaml:10:82: frontends[0].timeouts.drain: a drain time of 0s cannot work; use \
         something like 1s\n\
         cluster.yaml:11:14: frontends[0].balance: \"roundrobin\" is haproxy's or nginx's word; \
         write `balance: round-robin`\n\
         cluster.yaml:12:22: frontends[0].max_connections: 0 is out of range; use 1 to 1000000\n\
         cluster.yaml:13:21: frontends[0].proxy_protocol: write `proxy_protocol: true` (the header \
         sent is always version 2)\n\
         cluster.yaml:14:14: frontends[0].retries: 11 is out of range; use 0 to 10 (other \
         backends tried when a connect fails)\n\
         cluster.yaml:15:14: frontends[0].on_down: \"shutdown\" is not one of keep, \
         shutdown-sessions\n\
         cluster.yaml:16:16: frontends[0].slowstart: 2 has no unit; write 2s or 2ms\n\
         cluster.yaml:20:14: frontends[1].balance: \"leastcon\" is not one of round-robin, \
         least-conn, random-two, source-hash; did you mean 'least-conn'?\n\
         cluster.yaml:21:28: frontends[1].timeouts.keepalive: TCP keepalive counts whole seconds \
         from 1s to 32767s; use something like 60s\n\
         cluster.yaml:21:44: frontends[1].timeouts.dead_peer: dead_peer is at most 24h; use \
         something like 30s"
    );
}

#[test]
fn haproxy_words_get_hints() {
    let text = with_frontends(
        "  - name: api
    bind: 10.0.0.50:8443
    server: k8s-master-1 10.0.0.51:6443 check
    timeout: 3s
    maxconn: 5
    mode: tcp
    backends: [{ adress: 10.0.0.51:6443 }]
    check: { inter: 2s, https: /readyz, ssl: true, intervall: 2s }
    timeouts: { client: 1h }
",
    ) + "listen: kube_master\n";
    assert_eq!(
        errors(&text),
        "cluster.yaml:9:5: unknown key 'server' in frontends[0]; write the servers as `backends: \
         [ADDRESS:PORT, …]`\n\
         cluster.yaml:10:5: unknown key 'timeout' in frontends[0]; write `timeouts: { connect: \
         3s, idle: 1h }`\n\
         cluster.yaml:11:5: unknown key 'maxconn' in frontends[0]; write `max_connections`\n\
         cluster.yaml:12:5: unknown key 'mode' in frontends[0]; kubegate balances TCP; remove \
         `mode`\n\
         cluster.yaml:13:18: unknown key 'adress' in frontends[0].backends[0]; did you mean \
         'address'?\n\
         cluster.yaml:14:14: unknown key 'inter' in frontends[0].check; write `interval` with a \
         unit, like 2s\n\
         cluster.yaml:14:41: unknown key 'ssl' in frontends[0].check; write `https: PATH` for a \
         check over TLS\n\
         cluster.yaml:14:52: unknown key 'intervall' in frontends[0].check; did you mean \
         'interval'?\n\
         cluster.yaml:15:17: unknown key 'client' in frontends[0].timeouts; write `idle` \
         (haproxy's timeout client and server are one idle timeout here)\n\
         cluster.yaml:16:1: unknown key 'listen' at the top level; write a `frontends:` entry \
         (name, bind, backends)"
    );
}

#[test]
fn frontend_trackers_name_a_frontend() {
    let text = "nodes:
  - { name: master1, address: 10.0.0.51 }
  - { name: master2, address: 10.0.0.52 }
vips:
  - name: api
    address: 10.0.0.50/24
    vrrp: { vrid: 51 }
    track:
      - frontend: apii
      - { frontend: api, interval: 2s, fall: 3 }
      - { frontend: 'bad name' }
      - { frontend: ingress }
frontends:
  - { name: api, bind: 10.0.0.50:8443, backends: [10.0.0.51:6443] }
  - { name: bad, bind: 10.0.0.50:80, backends: [] }
";
    assert_eq!(
        errors(text),
        "cluster.yaml:9:19: vips[0].track[0].frontend: no frontend is named 'apii'; did you mean \
         'api'?\n\
         cluster.yaml:10:36: vips[0].track[1].interval: a frontend tracker follows the health \
         checks of the frontend's backends; remove `interval` (only `weight` applies; set the \
         timing under the frontend's `check:`)\n\
         cluster.yaml:10:46: vips[0].track[1].fall: a frontend tracker follows the health checks \
         of the frontend's backends; remove `fall` (only `weight` applies; set the timing under \
         the frontend's `check:`)\n\
         cluster.yaml:11:21: vips[0].track[2].frontend: \"bad name\" is not a usable name; use \
         up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit\n\
         cluster.yaml:12:21: vips[0].track[3].frontend: no frontend is named 'ingress' \
         (frontends: api, bad)\n\
         cluster.yaml:15:48: frontends[1].backends: the list is empty; list the servers to \
         forward to, like backends: [10.0.0.51:6443, 10.0.0.52:6443]"
    );
}

#[test]
fn haproxy_and_nginx_balance_words_are_translated() {
    for (word, ours) in [
        ("leastconn", "least-conn"),
        ("roundrobin", "round-robin"),
        ("source", "source-hash"),
        ("ip_hash", "source-hash"),
    ] {
        let text = with_frontends(&format!(
            "  - {{ name: a, bind: 10.0.0.50:8443, backends: [10.0.0.51:6443], balance: {word} }}\n"
        ));
        assert_eq!(
            errors(&text),
            format!(
                "cluster.yaml:7:75: frontends[0].balance: \"{word}\" is haproxy's or nginx's \
                 word; write `balance: {ours}`"
            )
        );
    }
}

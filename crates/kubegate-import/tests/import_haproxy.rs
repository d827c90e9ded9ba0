//! `kubegate import` of haproxy files: the field's shapes (stacked masters on 9443, an LB pair
//! with a stats page and ingress, node-local) and broken files, asserted field by field with
//! every note's file:line and wording.

use std::time::Duration;

use kubegate_import::draft::{
    DraftBackend, DraftBalance, DraftCheck, DraftCheckKind, DraftFrontend, DraftTimeouts, Origin,
};
use kubegate_import::haproxy::{self, HaproxyImport};

fn fixture(name: &str) -> HaproxyImport {
    let path = format!(
        "{}/tests/fixtures/haproxy/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    haproxy::read(name, &text)
}

fn notes(r: &HaproxyImport) -> Vec<String> {
    r.notes.iter().map(ToString::to_string).collect()
}

fn at(file: &str, line: usize) -> Option<Origin> {
    Some(Origin::new(file, line))
}

fn backend(
    file: &str,
    line: usize,
    address: &str,
    name: &str,
    weight: Option<u32>,
) -> DraftBackend {
    DraftBackend {
        address: address.into(),
        weight,
        name: Some(name.into()),
        origin: at(file, line),
    }
}

fn secs(s: u64) -> Option<Duration> {
    Some(Duration::from_secs(s))
}

/// haproxy's check timings when `check` has none: inter 2s, rise 2, fall 3.
fn tcp_check(interval: u64, rise: u32, fall: u32, timeout: Option<Duration>) -> Option<DraftCheck> {
    Some(DraftCheck {
        kind: DraftCheckKind::Tcp,
        interval: secs(interval),
        timeout,
        rise: Some(rise),
        fall: Some(fall),
        statuses: vec![],
        ca_file: None,
    })
}

#[test]
fn stacked_masters_on_9443_become_one_frontend_with_haproxys_check_timings() {
    let f = "on-masters-9443.cfg";
    let r = fixture(f);
    assert_eq!(
        r.frontends,
        [DraftFrontend {
            name: "kubernetes-apiserver".into(),
            bind: "0.0.0.0:9443".into(),
            backends: vec![
                backend(f, 65, "10.0.0.51:6443", "k8s-master-1", None),
                backend(f, 66, "10.0.0.52:6443", "k8s-master-2", None),
                backend(f, 67, "10.0.0.53:6443", "k8s-master-3", None),
            ],
            balance: Some(DraftBalance::RoundRobin),
            check: tcp_check(2, 2, 3, secs(10)),
            timeouts: DraftTimeouts {
                connect: secs(10),
                idle: secs(60),
            },
            max_connections: Some(3000),
            proxy_protocol: false,
            retries: Some(3),
            origin: at(f, 48),
        }]
    );
    assert_eq!(r.admin_bind, None);
    assert_eq!(
        notes(&r),
        [
            "on-masters-9443.cfg:10: left out: `global` settings log, pidfile and maxconn: \
             kubegate runs as a service and logs one line per connection on stdout; connection \
             limits are per frontend (max_connections)",
            "on-masters-9443.cfg:21: left out: `stats socket`: `kubegate status` and the admin \
             API (admin.bind) show and change backends at run time",
            "on-masters-9443.cfg:27: left out: `defaults`: log, option httplog, option \
             dontlognull, option http-server-close, option forwardfor, timeout http-request, \
             timeout queue and timeout http-keep-alive (no kubegate equivalent); kubegate logs \
             one line per connection on stdout",
            "on-masters-9443.cfg:39: assumed: idle timeout 1m: quiet `kubectl logs -f`, `exec` \
             sessions and watches get cut after 1m; kubegate's default is 1h. Kept as written \
             (`kubegate check` warns too)",
            "on-masters-9443.cfg:53: left out: `acl` lines of `frontend kubernetes-apiserver`: \
             kubegate routes a frontend to one pool",
        ]
    );
}

#[test]
fn lb_pair_gives_the_apiserver_the_ingress_pair_and_the_stats_page_as_admin_bind() {
    let f = "lb-pair-with-stats.cfg";
    let r = fixture(f);
    let check = tcp_check(2, 2, 5, secs(10));
    let common =
        |name: &str, bind: &str, origin: usize, backends: Vec<DraftBackend>| DraftFrontend {
            name: name.into(),
            bind: bind.into(),
            backends,
            balance: Some(DraftBalance::RoundRobin),
            check: check.clone(),
            timeouts: DraftTimeouts {
                connect: secs(10),
                idle: secs(60),
            },
            max_connections: Some(10240),
            proxy_protocol: false,
            retries: Some(3),
            origin: at(f, origin),
        };
    assert_eq!(
        r.frontends,
        [
            common(
                "k8s-apiserver",
                "198.18.0.50:6443",
                38,
                vec![
                    backend(f, 41, "10.0.0.51:6443", "master1", None),
                    backend(f, 42, "10.0.0.52:6443", "master2", None),
                    backend(f, 43, "10.0.0.53:6443", "master3", None),
                ]
            ),
            common(
                "k8s443",
                "0.0.0.0:443",
                44,
                vec![
                    backend(f, 47, "10.0.1.250:443", "vip443-1", None),
                    backend(f, 48, "10.0.1.251:443", "vip443-2", None),
                ]
            ),
            common(
                "k8s80",
                "0.0.0.0:80",
                49,
                vec![
                    backend(f, 52, "10.0.1.250:80", "vip80-1", None),
                    backend(f, 53, "10.0.1.251:80", "vip80-2", None),
                ]
            ),
        ]
    );
    assert_eq!(r.admin_bind.as_deref(), Some("127.0.0.1:8888"));
    assert_eq!(
        notes(&r),
        [
            "lb-pair-with-stats.cfg:1: left out: `global` settings log, ulimit-n, maxconn, \
             chroot, user, daemon, nbproc and pidfile: kubegate runs as a service and logs one \
             line per connection on stdout; connection limits are per frontend \
             (max_connections)",
            "lb-pair-with-stats.cfg:10: left out: `defaults`: log, option httplog, option \
             dontlognull, option forwardfor, stats refresh and option abortonclose (no kubegate \
             equivalent); kubegate logs one line per connection on stdout",
            "lb-pair-with-stats.cfg:11: assumed: `mode http`: kubegate balances TCP; the \
             proxies in this mode are imported as TCP frontends and their HTTP processing \
             (forwardfor, http-request rules, cookies, HTTP logs) is left out",
            "lb-pair-with-stats.cfg:25: assumed: idle timeout 1m: quiet `kubectl logs -f`, \
             `exec` sessions and watches get cut after 1m; kubegate's default is 1h. Kept as \
             written (`kubegate check` warns too)",
            "lb-pair-with-stats.cfg:28: assumed: `listen admin_status` is haproxy's stats page: \
             kubegate's admin endpoint shows the status page (and /metrics, /api/v1/status) and \
             is imported as `admin.bind: 127.0.0.1:8888`; it must stay on loopback unless \
             `admin.token_file` is set: set one before binding it elsewhere; the `stats auth` \
             users (admin) are replaced by the bearer token in `admin.token_file`",
            "lb-pair-with-stats.cfg:47: left out: server parameters of `listen k8s443`: cookie \
             (no kubegate equivalent)",
            "lb-pair-with-stats.cfg:52: left out: server parameters of `listen k8s80`: cookie \
             (no kubegate equivalent)",
        ]
    );
}

#[test]
fn node_local_file_with_crlf_and_tabs_keeps_its_timings() {
    let f = "node-local.cfg";
    let r = fixture(f);
    assert_eq!(
        r.frontends,
        [DraftFrontend {
            name: "kube_master".into(),
            bind: "127.0.0.1:6443".into(),
            backends: vec![
                backend(f, 22, "10.0.0.51:6443", "10.0.0.51", None),
                backend(f, 23, "10.0.0.52:6443", "10.0.0.52", None),
                backend(f, 24, "10.0.0.53:6443", "10.0.0.53", None),
            ],
            balance: Some(DraftBalance::RoundRobin),
            check: tcp_check(10, 2, 2, None),
            timeouts: DraftTimeouts {
                connect: secs(5),
                idle: secs(600),
            },
            max_connections: None,
            proxy_protocol: false,
            retries: None,
            origin: at(f, 15),
        }]
    );
    assert_eq!(
        notes(&r),
        [
            "node-local.cfg:1: left out: `global` settings log, chroot, user, group, daemon and \
             nbproc: kubegate runs as a service and logs one line per connection on stdout",
            "node-local.cfg:9: left out: `defaults`: log (no kubegate equivalent); kubegate logs \
             one line per connection on stdout",
            "node-local.cfg:15: left out: `listen kube_master`: option tcplog, option \
             dontlognull and option dontlog-normal (no kubegate equivalent); kubegate logs one \
             line per connection on stdout",
        ]
    );
}

#[test]
fn https_checks_several_binds_proxy_protocol_backups_and_balances() {
    let f = "checks-and-binds.cfg";
    let r = fixture(f);
    let api = |name: &str, bind: &str| DraftFrontend {
        name: name.into(),
        bind: bind.into(),
        backends: vec![
            backend(f, 21, "10.0.0.51:6443", "m1", None),
            backend(f, 22, "10.0.0.52:6443", "m2", Some(3)),
            backend(f, 23, "10.0.0.53:6443", "m3", None),
        ],
        balance: Some(DraftBalance::LeastConn),
        check: Some(DraftCheck {
            kind: DraftCheckKind::Https {
                path: "/readyz".into(),
            },
            interval: secs(3),
            timeout: secs(1),
            rise: Some(3),
            fall: Some(2),
            statuses: vec![200, 401, 402, 403],
            ca_file: None,
        }),
        timeouts: DraftTimeouts {
            connect: secs(3),
            idle: secs(7200),
        },
        max_connections: Some(5000),
        proxy_protocol: false,
        retries: Some(10),
        origin: at(f, 9),
    };
    let mut want = vec![
        api("apiserver", "198.18.0.50:6443"),
        api("apiserver-2", "198.18.0.60:6443"),
        api("apiserver-3", "[::]:6443"),
    ];
    want.push(DraftFrontend {
        name: "ingress-https".into(),
        bind: "0.0.0.0:443".into(),
        backends: vec![
            backend(f, 31, "10.0.1.10:443", "i1", None),
            backend(f, 32, "10.0.1.11:443", "i2", None),
        ],
        balance: Some(DraftBalance::SourceHash),
        check: Some(DraftCheck {
            kind: DraftCheckKind::Http {
                path: "/healthz".into(),
            },
            interval: secs(3),
            timeout: None,
            rise: Some(3),
            fall: Some(2),
            statuses: vec![],
            ca_file: None,
        }),
        timeouts: DraftTimeouts {
            connect: secs(3),
            idle: secs(3600),
        },
        max_connections: None,
        proxy_protocol: true,
        retries: None,
        origin: at(f, 25),
    });
    want.push(DraftFrontend {
        name: "unchecked".into(),
        bind: "127.0.0.1:7000".into(),
        backends: vec![backend(f, 39, "10.0.2.1:7000", "u1", None)],
        balance: Some(DraftBalance::RandomTwo),
        check: None,
        timeouts: DraftTimeouts {
            connect: secs(3),
            idle: secs(7200),
        },
        max_connections: None,
        proxy_protocol: false,
        retries: None,
        origin: at(f, 36),
    });
    assert_eq!(r.frontends, want);
    assert_eq!(
        notes(&r),
        [
            "checks-and-binds.cfg:6: assumed: `timeout client 30m` and `timeout server 2h` \
             become one `timeouts.idle: 2h`: kubegate closes a connection only when it is quiet \
             both ways, so the longer one cuts nothing haproxy kept",
            "checks-and-binds.cfg:9: assumed: `frontend apiserver` listens on 3 addresses; a \
             kubegate frontend listens on one: imported as apiserver (198.18.0.50:6443), \
             apiserver-2 (198.18.0.60:6443) and apiserver-3 ([::]:6443)",
            "checks-and-binds.cfg:17: assumed: `retries 12` is above kubegate's 10: imported as \
             10 (kubegate tries another backend on every retry)",
            "checks-and-binds.cfg:23: assumed: `backup` servers of `backend apiserver` (m3) are \
             imported as ordinary backends: kubegate has no backup servers, so they get their \
             share of connections; remove them if they must only take over",
            "checks-and-binds.cfg:30: assumed: haproxy checked with HEAD /healthz; kubegate \
             checks with GET /healthz",
            "checks-and-binds.cfg:30: assumed: haproxy accepted any 2xx or 3xx answer to the \
             check; kubegate accepts 200 (add `statuses` for others)",
            "checks-and-binds.cfg:31: assumed: `send-proxy` (PROXY protocol v1) in `listen \
             ingress-https`: kubegate sends PROXY protocol v2 (`proxy_protocol: true`); make \
             sure the backends accept v2",
            "checks-and-binds.cfg:32: assumed: servers of `listen ingress-https` check with \
             different inter/rise/fall; kubegate checks the backends of a frontend alike: took \
             those of server i1 (line 31)",
            "checks-and-binds.cfg:33: left out: server i3 (`disabled`): add it to the backends \
             when it should take connections",
            "checks-and-binds.cfg:34: left out: server i4, a repeat of 10.0.1.10:443 (line 31): \
             kubegate lists a backend once (give the first a bigger weight if it should get \
             more)",
            "checks-and-binds.cfg:36: assumed: no server of `listen unchecked` has `check`: \
             haproxy sent them connections unchecked; kubegate always checks its backends (a \
             TCP connect every 2s; `check: { https: /readyz }` for apiservers)",
            "checks-and-binds.cfg:38: assumed: `balance random` (haproxy 2.0+ draws two servers \
             and takes the less loaded) becomes `random-two`",
        ]
    );
}

#[test]
fn placeholder_addresses_are_errors_at_their_lines() {
    let f = "placeholder-addresses.cfg";
    let r = fixture(f);
    assert_eq!(r.frontends.len(), 1);
    assert_eq!(
        r.frontends[0].backends,
        [backend(f, 15, "10.0.0.53:6443", "k8s-master-3", None)]
    );
    assert_eq!(
        notes(&r),
        [
            "placeholder-addresses.cfg:13: error: server k8s-master-1: \"xxx.16.106.208\" is \
             not an IP address; kubegate does not resolve names: write the address itself, like \
             10.0.0.51",
            "placeholder-addresses.cfg:14: error: server k8s-master-2: \"xxx.16.106.80\" is not \
             an IP address; kubegate does not resolve names: write the address itself, like \
             10.0.0.51",
        ]
    );
}

#[test]
fn a_tls_terminating_bind_is_an_error_and_no_frontend() {
    let r = fixture("ssl-bind.cfg");
    assert_eq!(r.frontends, []);
    assert_eq!(
        notes(&r),
        [
            "ssl-bind.cfg:7: error: `bind *:6443` terminates TLS (`ssl crt …`); kubegate passes \
          TLS through and does not terminate it: remove `ssl` and `crt` so the backends (the \
          apiserver) terminate TLS themselves"
        ]
    );
}

#[test]
fn hostnames_and_missing_ports_are_errors() {
    let f = "hostname-server.cfg";
    let r = fixture(f);
    assert_eq!(r.frontends.len(), 1);
    assert_eq!(r.frontends[0].bind, "10.0.0.50:6443");
    assert_eq!(r.frontends[0].timeouts.idle, secs(3600));
    assert_eq!(
        r.frontends[0].backends,
        [backend(f, 9, "10.0.0.53:6443", "m3", None)]
    );
    assert_eq!(
        notes(&r),
        [
            "hostname-server.cfg:7: error: server m1: \"master1.cluster.local\" is not an IP \
             address; kubegate does not resolve names: write the address itself, like 10.0.0.51",
            "hostname-server.cfg:8: error: server m2: \"10.0.0.52\" has no port; kubegate \
             connects to a fixed port: write it as IP:PORT, like 10.0.0.51:6443",
        ]
    );
}

#[test]
fn routing_rules_are_left_out_and_the_default_backend_kept() {
    let text = "frontend api\n  bind :6443\n  acl is_a src 10.0.0.0/8\n  use_backend a if is_a\n  \
                default_backend b\nbackend a\n  server a1 10.0.0.1:6443\nbackend b\n  server \
                b1 10.0.0.2:6443 check send-proxy-v2\n";
    let r = haproxy::read("r.cfg", text);
    assert_eq!(r.frontends.len(), 1);
    assert_eq!(r.frontends[0].backends[0].address, "10.0.0.2:6443");
    assert!(r.frontends[0].proxy_protocol);
    assert_eq!(
        notes(&r),
        [
            "r.cfg:3: left out: `acl` lines of `frontend api`: kubegate routes a frontend to one \
             pool",
            "r.cfg:4: left out: `use_backend` rules of `frontend api`: kubegate routes a \
             frontend to one pool; every connection goes to `b`",
            "r.cfg:6: left out: `backend a`: the default_backend of no frontend",
        ]
    );
}

#[test]
fn a_frontend_without_a_usable_backend_is_an_error() {
    let text = "frontend only_rules\n  bind :6443\n  use_backend a if TRUE\nfrontend lost\n  \
                bind :7443\n  default_backend nowhere\nfrontend empty\n  bind :8443\n  \
                default_backend nothing\nbackend nothing\n  mode tcp\n";
    let r = haproxy::read("e.cfg", text);
    assert_eq!(r.frontends, []);
    assert_eq!(
        notes(&r),
        [
            "e.cfg:1: error: `frontend only_rules` chooses its backends with `use_backend` \
             rules only; kubegate routes a frontend to one pool: add `default_backend NAME`",
            "e.cfg:6: error: `default_backend nowhere`: there is no backend nowhere in this \
             file; add it or name an existing one",
            "e.cfg:10: error: `backend nothing` has no `server` line; add one like `server m1 \
             10.0.0.51:6443 check`",
        ]
    );
}

#[test]
fn named_defaults_tunnel_timeouts_and_other_sections() {
    let text = "defaults base\n  timeout connect 2s\n  timeout client 1m\n  timeout server 1m\n  \
                timeout tunnel 4h\ndefaults other\n  timeout connect 9s\nresolvers dns\n  \
                nameserver ns1 10.0.0.2:53\nuserlist admins\n  user a insecure-password b\n\
                listen api from base\n  bind ipv6@:6443\n  server m1 [fd00::1]:6443 check \
                inter 500\n  server m2 fd00::2:6443 check inter 500\n";
    let r = haproxy::read("d.cfg", text);
    let f = &r.frontends[0];
    assert_eq!(f.bind, "[::]:6443");
    assert_eq!(f.backends[1].address, "[fd00::2]:6443");
    assert_eq!(
        f.timeouts,
        DraftTimeouts {
            connect: secs(2),
            idle: secs(4 * 3600)
        }
    );
    assert_eq!(
        f.check.as_ref().unwrap().interval,
        Some(Duration::from_millis(500))
    );
    assert_eq!(
        notes(&r),
        [
            "d.cfg:8: left out: `resolvers dns`: kubegate does not resolve names; backends are \
             IP addresses",
            "d.cfg:10: left out: `userlist admins`: kubegate's admin endpoint takes a bearer \
             token (admin.token_file), not users",
        ]
    );
}

#[test]
fn unusable_binds_and_names_are_said() {
    let text = "listen k8s/api\n  bind /run/api.sock\n  bind *:80-81\n  bind lb.local:6443\n  \
                bind 10.0.0.50:6443 accept-proxy\n  server m1 10.0.0.51:6443 weight 0\n";
    let r = haproxy::read("b.cfg", text);
    assert_eq!(r.frontends.len(), 1);
    assert_eq!(r.frontends[0].name, "k8s-api");
    assert_eq!(r.frontends[0].bind, "10.0.0.50:6443");
    assert_eq!(
        notes(&r),
        [
            "b.cfg:1: assumed: no server of `listen k8s/api` has `check`: haproxy sent them \
             connections unchecked; kubegate always checks its backends (a TCP connect every \
             2s; `check: { https: /readyz }` for apiservers)",
            "b.cfg:1: assumed: the name \"k8s/api\" is not a usable kubegate name (letters, \
             digits, '.', '_', '-'; at most 56 here): imported as k8s-api",
            "b.cfg:2: error: bind /run/api.sock: not a TCP address (unix socket); kubegate \
             listens on IP:PORT",
            "b.cfg:3: error: bind *:80-81: the port \"80-81\" is a range or list; a kubegate \
             frontend listens on one port: write one bind per port",
            "b.cfg:4: error: bind lb.local:6443: \"lb.local\" is not an IP address; kubegate \
             does not resolve names: write the address itself, like 10.0.0.51",
            "b.cfg:5: left out: `accept-proxy`: kubegate does not read PROXY headers from \
             clients",
            "b.cfg:6: assumed: server m1 has weight 0 (no new connections in haproxy); kubegate \
             weights are 1 to 256: imported with weight 1; `kubegate backend drain` keeps it out \
             at run time",
        ]
    );
}

#[test]
fn checks_kubegate_cannot_copy_are_said_where_they_are_written() {
    let text = "backend hello\n  option ssl-hello-chk\n  server a 10.0.0.1:6443 check port 8443\n\
                frontend hello\n  bind :1\n  default_backend hello\n\
                listen strings\n  bind :2\n  option httpchk GET /livez\n  http-check expect \
                string ok\n  server b 10.0.0.2:6443 check check-ssl\n\
                listen plain_tls\n  bind :3\n  server c 10.0.0.3:6443 check check-ssl\n";
    let r = haproxy::read("c.cfg", text);
    let kinds: Vec<(&str, DraftCheckKind)> = r
        .frontends
        .iter()
        .map(|f| (f.name.as_str(), f.check.as_ref().unwrap().kind.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("hello", DraftCheckKind::Tcp),
            (
                "strings",
                DraftCheckKind::Https {
                    path: "/livez".into()
                }
            ),
            ("plain_tls", DraftCheckKind::Tcp),
        ]
    );
    assert_eq!(
        notes(&r),
        [
            "c.cfg:2: assumed: `option ssl-hello-chk` becomes a TCP connect check; for \
             apiservers use `check: { https: /readyz }`",
            "c.cfg:3: assumed: checks went to port 8443; kubegate checks each backend's own \
             address and port",
            "c.cfg:10: assumed: `http-check expect string ok` left out: kubegate matches status \
             codes only; it accepts 200 (add `statuses` for others)",
            "c.cfg:14: assumed: `check-ssl` without `option httpchk` (a TLS handshake) becomes \
             a TCP connect check; for apiservers use `check: { https: /readyz }`",
        ]
    );
}

#[test]
fn stray_lines_disabled_proxies_and_extra_stats_pages_are_said() {
    let text = "maxconn 10\nlisten a from nowhere\n  bind :1\n  stats enable\n  server a \
                10.0.0.1:1 check\nlisten off\n  disabled\n  bind :2\n  server b 10.0.0.2:1\n\
                listen stats1\n  bind :8404\n  stats uri /\nlisten stats2\n  bind :8405\n  \
                stats enable\n";
    let r = haproxy::read("s.cfg", text);
    assert_eq!(r.frontends.len(), 1);
    assert_eq!(r.frontends[0].name, "a");
    assert_eq!(r.admin_bind.as_deref(), Some("127.0.0.1:8404"));
    let texts = notes(&r);
    assert_eq!(
        texts
            .iter()
            .filter(|n| !n.contains("is haproxy's stats page"))
            .collect::<Vec<_>>(),
        [
            "s.cfg:1: left out: `maxconn` outside any section (haproxy refuses it)",
            "s.cfg:2: error: `listen a` inherits from `defaults nowhere`, which is not in this \
             file",
            "s.cfg:4: left out: the stats page of `listen a`: kubegate's admin endpoint \
             (admin.bind) shows the status of every frontend",
            "s.cfg:7: left out: `listen off` (disabled)",
            "s.cfg:13: left out: `listen stats2`, a second stats page: kubegate has one admin \
             endpoint",
        ]
    );
    assert!(texts[4].starts_with("s.cfg:10: assumed: `listen stats1` is haproxy's stats page"));
}

//! Words users carry over from keepalived, haproxy and nginx, and what to write instead; used by
//! the unknown-key pass (`keys.rs`).

/// keepalived words users carry over, and what to write instead.
pub(super) const KEEPALIVED_WORDS: &[(&str, &str)] = &[
    ("virtual_router_id", "write `vrid`"),
    ("advert_int", "write `advert_interval` with a unit, like 1s"),
    ("nopreempt", "write `preempt: false`"),
    (
        "state",
        "kubegate has no `state`: the node with the highest priority becomes master",
    ),
    (
        "unicast_peer",
        "the peers are the other `nodes:`; kubegate sends to them by itself",
    ),
    (
        "unicast_src_ip",
        "each node uses its own address from `nodes:`",
    ),
    (
        "virtual_ipaddress",
        "write the VIP as `address:`, or several as `addresses: [A, B]`",
    ),
    (
        "track_script",
        "write `track:` entries like `- script: CMD`",
    ),
    (
        "authentication",
        "write `auth_pass:` under `vrrp:` (version 2 only)",
    ),
];

/// haproxy and nginx words users carry over into a frontend, and what to write instead.
pub(super) const FRONTEND_WORDS: &[(&str, &str)] = &[
    (
        "server",
        "write the servers as `backends: [ADDRESS:PORT, …]`",
    ),
    (
        "servers",
        "write the servers as `backends: [ADDRESS:PORT, …]`",
    ),
    (
        "upstream",
        "write the servers as `backends: [ADDRESS:PORT, …]`",
    ),
    ("mode", "kubegate balances TCP; remove `mode`"),
    ("maxconn", "write `max_connections`"),
    ("send-proxy", "write `proxy_protocol: true` (PROXY v2)"),
    ("send-proxy-v2", "write `proxy_protocol: true` (PROXY v2)"),
    ("timeout", "write `timeouts: { connect: 3s, idle: 1h }`"),
    ("proxy_timeout", "write `timeouts: { idle: 1h }`"),
    ("proxy_connect_timeout", "write `timeouts: { connect: 3s }`"),
    ("inter", "write `check: { interval: 2s }`"),
    ("rise", "write `check: { rise: N }`"),
    ("fall", "write `check: { fall: N }`"),
    ("max_fails", "write `check: { fall: N }`"),
    ("on-marked-down", "write `on_down: shutdown-sessions`"),
    ("listen", "write `bind: ADDRESS:PORT`"),
];

/// haproxy words in a `check:`.
pub(super) const CHECK_WORDS: &[(&str, &str)] = &[
    ("inter", "write `interval` with a unit, like 2s"),
    ("ssl", "write `https: PATH` for a check over TLS"),
    ("sni", "write `server_name`"),
    (
        "uri",
        "write the path as `https: /readyz` or `http: /healthz`",
    ),
    (
        "path",
        "write the path as `https: /readyz` or `http: /healthz`",
    ),
    ("expect", "write the accepted answers as `statuses: [200]`"),
];

/// haproxy's `timeout client` / `timeout server` in `timeouts:`.
pub(super) const TIMEOUTS_WORDS: &[(&str, &str)] = &[
    (
        "client",
        "write `idle` (haproxy's timeout client and server are one idle timeout here)",
    ),
    (
        "server",
        "write `idle` (haproxy's timeout client and server are one idle timeout here)",
    ),
    ("tunnel", "write `idle`"),
    ("check", "write the check's `timeout` under `check:`"),
];

/// haproxy section names at the top level.
pub(super) const FILE_WORDS: &[(&str, &str)] = &[
    (
        "listen",
        "write a `frontends:` entry (name, bind, backends)",
    ),
    (
        "backend",
        "backends are listed inside each frontend: `frontends: [{ name, bind, backends }]`",
    ),
];

/// Words from FRR, BIRD, GoBGP and kube-vip in the `bgp:` sections, and what to write instead.
pub(super) const BGP_WORDS: &[(&str, &str)] = &[
    ("remote_as", "write `asn` (the peer's AS)"),
    ("peer_as", "write `asn` (the peer's AS)"),
    (
        "local_as",
        "write `asn` under the top-level `bgp:` (or `nodes[].bgp.asn` for one node)",
    ),
    ("neighbor", "write the peer's `address`"),
    ("neighbor_address", "write `address`"),
    ("holdtime", "write `hold_time` with a unit, like 9s"),
    ("keepalive_time", "write `keepalive` with a unit, like 3s"),
    (
        "password",
        "write the key into a file readable by its owner only and name it in `password_file`",
    ),
    (
        "ebgp_multihop",
        "write `multihop: TTL` (1 = directly connected)",
    ),
    ("local_preference", "write `local_pref`"),
    ("community", "write `communities: [\"64512:100\"]`"),
    (
        "large_community",
        "write `large_communities: [\"64512:1:1\"]`",
    ),
    ("metric", "write `med`"),
];

/// What to write instead of `key`, a word from another tool, in a section whose hints are
/// `words`.
pub(super) fn hint(words: &[&[(&str, &'static str)]], key: &str) -> Option<&'static str> {
    words
        .iter()
        .flat_map(|w| w.iter())
        .find(|(w, _)| *w == key)
        .map(|(_, h)| *h)
}

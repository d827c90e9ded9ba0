//! Where every node's admin endpoint answers, and asking them all at once. A node's endpoint is
//! `admin.bind`'s port on its address in `nodes:` (the file, and so the port and the token, is
//! the same on every node). A loopback `admin.bind` cannot be reached from other nodes: that is
//! said plainly instead of a connection error. Peers' answers are not trusted: each exchange is
//! bounded in time and size, and a bad answer is an error for that node, never a panic.

use std::net::SocketAddr;
use std::time::Duration;

use kubegate_config::model::ClusterConfig;

use super::auth::Token;
use super::client::Target;
use super::cluster::Answer;
use super::snapshot::Status;

/// How long the CLI waits for each node (all are asked at once).
pub const CLI_WAIT: Duration = Duration::from_secs(3);
/// How long the status page waits for its peers (all at once) before it is answered.
pub const PAGE_WAIT: Duration = Duration::from_millis(1500);

/// One node and where its admin endpoint answers (`Err`: why it cannot be asked).
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    pub name: String,
    pub addr: Result<SocketAddr, String>,
}

/// Every node of the file with its endpoint. `me` (this machine's node, when known) is asked
/// on loopback when `admin.bind` is loopback; the others then cannot be asked.
pub fn all(cluster: &ClusterConfig, me: Option<&str>) -> Vec<Peer> {
    cluster
        .nodes
        .iter()
        .map(|n| Peer {
            name: n.name.clone(),
            addr: match cluster.admin.bind {
                None => Err("admin.bind is off: this node has no admin endpoint".to_string()),
                Some(bind) if bind.ip().is_loopback() && me == Some(n.name.as_str()) => Ok(bind),
                Some(bind) if bind.ip().is_loopback() => Err(loopback_reason(bind)),
                Some(bind) => Ok(SocketAddr::new(n.address, bind.port())),
            },
        })
        .collect()
}

/// The nodes other than `me`, for the daemon (it knows its own status).
pub fn others(cluster: &ClusterConfig, me: Option<&str>) -> Vec<Peer> {
    all(cluster, me)
        .into_iter()
        .filter(|p| Some(p.name.as_str()) != me)
        .collect()
}

fn loopback_reason(bind: SocketAddr) -> String {
    format!(
        "not asked: admin.bind is {bind} (loopback), so other nodes cannot reach its admin \
         endpoint; bind 0.0.0.0:{} (admin.token_file is then required) to see every node",
        bind.port()
    )
}

/// What `kubegate check` says about a loopback `admin.bind` in a file with several nodes.
pub fn loopback_note(cluster: &ClusterConfig) -> Option<String> {
    let bind = cluster.admin.bind?;
    if !bind.ip().is_loopback() || cluster.nodes.len() < 2 {
        return None;
    }
    Some(format!(
        "note: admin.bind {bind} is loopback: the nodes cannot reach each other's admin \
         endpoint, so `kubegate status --cluster`, `kubegate backend … --cluster` and the status \
         page's cluster section see this node only; bind 0.0.0.0:{} (with admin.token_file) to \
         see and act on every node",
        bind.port()
    ))
}

/// `method path` on every peer at once, each bounded by `within`; the outcomes in the order
/// of `peers`: the status code and body, or why there is none.
pub fn ask_all(
    peers: &[Peer],
    token: Option<&Token>,
    method: &str,
    path: &str,
    within: Duration,
) -> Vec<Result<(u16, String), String>> {
    std::thread::scope(|scope| {
        let asks: Vec<_> = peers
            .iter()
            .map(|p| {
                scope.spawn(move || {
                    let addr = p.addr.clone()?;
                    let target = Target {
                        addr,
                        token: token.cloned(),
                    };
                    target
                        .request_within(method, path, within)
                        .map_err(|e| format!("{e:#}"))
                })
            })
            .collect();
        asks.into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("asking it failed unexpectedly".to_string()))
            })
            .collect()
    })
}

/// Every peer's `/api/v1/status`, as answers for the cluster view.
pub fn statuses(peers: &[Peer], token: Option<&Token>, within: Duration) -> Vec<Answer> {
    ask_all(peers, token, "GET", "/api/v1/status", within)
        .into_iter()
        .zip(peers)
        .map(|(outcome, p)| Answer {
            node: p.name.clone(),
            admin: p
                .addr
                .as_ref()
                .map_or_else(|_| "-".to_string(), ToString::to_string),
            status: outcome.and_then(|(code, body)| status_of(code, &body)),
        })
        .collect()
}

fn status_of(code: u16, body: &str) -> Result<Status, String> {
    if code != 200 {
        let why = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or_else(|| body.trim().chars().take(200).collect());
        return Err(format!("answered {code}: {why}"));
    }
    serde_json::from_str(body).map_err(|e| format!("its answer is not a kubegate status: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(bind: &str) -> ClusterConfig {
        let yaml = format!(
            "nodes:\n  - {{ name: a, address: 198.18.0.11 }}\n  - {{ name: b, address: 198.18.0.12 }}\n\
             vips:\n  - {{ name: api, address: 198.18.0.50/24, vrrp: {{ vrid: 51 }} }}\n\
             admin:\n  bind: {bind}\n  token_file: /nonexistent\n"
        );
        kubegate_config::parse_str(&yaml, std::path::Path::new("t.yaml")).unwrap()
    }

    #[test]
    fn peers_are_the_nodes_addresses_on_the_admin_port() {
        let c = cluster("0.0.0.0:9099");
        let peers = all(&c, Some("a"));
        assert_eq!(
            peers.iter().map(|p| p.addr.clone()).collect::<Vec<_>>(),
            vec![
                Ok("198.18.0.11:9099".parse().unwrap()),
                Ok("198.18.0.12:9099".parse().unwrap())
            ]
        );
        assert_eq!(loopback_note(&c), None);
        assert_eq!(others(&c, Some("a")).len(), 1);
    }

    #[test]
    fn a_loopback_bind_is_said_plainly() {
        let c = cluster("127.0.0.1:9099");
        let peers = all(&c, Some("a"));
        assert_eq!(peers[0].addr, Ok("127.0.0.1:9099".parse().unwrap()));
        let why = peers[1].addr.clone().unwrap_err();
        assert!(
            why.contains("loopback") && why.contains("0.0.0.0:9099"),
            "{why}"
        );
        let note = loopback_note(&c).expect("a note for a loopback bind with two nodes");
        assert!(note.contains("--cluster"), "{note}");
        // Nothing is asked of a node that cannot be asked.
        let answers = statuses(&peers[1..], None, Duration::from_millis(100));
        assert_eq!(answers[0].status, Err(why));
        assert_eq!(answers[0].admin, "-");
    }

    #[test]
    fn bad_answers_are_errors_for_that_node() {
        assert_eq!(
            status_of(401, "{\"error\":\"this needs the admin token\"}"),
            Err("answered 401: this needs the admin token".to_string())
        );
        let e = status_of(200, "{\"not\":\"a status\"}").unwrap_err();
        assert!(e.starts_with("its answer is not a kubegate status"), "{e}");
    }
}

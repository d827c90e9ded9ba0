//! The daemon's cluster view (the status page's section and `/api/v1/cluster`): its own status
//! from the snapshot, its peers' asked at once on the blocking pool (each bounded by
//! [`PAGE_WAIT`]), so the endpoint's other answers (probes, metrics) never wait on a peer.

use super::api::Api;
use super::cluster::{compare, Answer, ClusterView};
use super::peers::{statuses, PAGE_WAIT};
use super::routes::Policy;
use super::snapshot::Status;

/// `None` for a file with fewer than two nodes.
pub async fn gather(api: &dyn Api, policy: &Policy, own: &Status) -> Option<ClusterView> {
    let peers = api.peers();
    if peers.len() < 2 {
        return None;
    }
    let (token, own) = (policy.token.clone(), own.clone());
    let asked = tokio::task::spawn_blocking(move || {
        let me = own.node.clone();
        let others: Vec<_> = peers
            .iter()
            .filter(|p| Some(&p.name) != me.as_ref())
            .cloned()
            .collect();
        let mut theirs = statuses(&others, token.as_ref(), PAGE_WAIT).into_iter();
        let answers: Vec<Answer> = peers
            .iter()
            .map(|p| {
                if Some(&p.name) == me.as_ref() {
                    Answer {
                        node: p.name.clone(),
                        admin: "this node".to_string(),
                        status: Ok(own.clone()),
                    }
                } else {
                    theirs.next().unwrap_or_else(|| Answer {
                        node: p.name.clone(),
                        admin: "-".to_string(),
                        status: Err("not asked".to_string()),
                    })
                }
            })
            .collect();
        compare(&answers)
    })
    .await;
    asked.ok()
}

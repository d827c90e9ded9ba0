//! Which node of the file this machine is: `--node NAME`, or the one node whose address is local.
//! A file without VIPs (frontends only: a node-local balancer) needs no identity at all, since
//! frontends are the same on every node. Pure: the caller passes the local addresses
//! (`local_addrs::local_addresses`).

use std::fmt;
use std::net::IpAddr;

use super::keys::closest;
use super::model::{ClusterConfig, Node};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// `--node NAME` names no node of the file.
    UnknownNode { name: String, known: Vec<String> },
    /// No node address is on this machine.
    NoLocalNode {
        local: Vec<IpAddr>,
        nodes: Vec<(String, IpAddr)>,
    },
    /// Several node addresses are on this machine (a lab, or a copied address).
    SeveralLocalNodes { names: Vec<String> },
}

/// The node this process runs as.
pub fn resolve<'a>(
    cfg: &'a ClusterConfig,
    explicit: Option<&str>,
    local_addrs: &[IpAddr],
) -> Result<&'a Node, IdentityError> {
    if let Some(name) = explicit {
        return cfg.node(name).ok_or_else(|| IdentityError::UnknownNode {
            name: name.to_string(),
            known: cfg.nodes.iter().map(|n| n.name.clone()).collect(),
        });
    }
    let mine: Vec<&Node> = cfg
        .nodes
        .iter()
        .filter(|n| local_addrs.contains(&n.address))
        .collect();
    match mine.as_slice() {
        [one] => Ok(one),
        [] => Err(IdentityError::NoLocalNode {
            local: local_addrs.to_vec(),
            nodes: cfg
                .nodes
                .iter()
                .map(|n| (n.name.clone(), n.address))
                .collect(),
        }),
        several => Err(IdentityError::SeveralLocalNodes {
            names: several.iter().map(|n| n.name.clone()).collect(),
        }),
    }
}

/// The node this process runs as, when the file needs one (`ClusterConfig::needs_identity`: it
/// has VIPs): then as `resolve`. Without VIPs: `--node NAME` must still name a node of the file
/// (`UnknownNode` otherwise), and without `--node` the one node whose address is local is
/// returned if there is exactly one, else `None` (nodes may be left out entirely).
pub fn resolve_if_needed<'a>(
    cfg: &'a ClusterConfig,
    explicit: Option<&str>,
    local_addrs: &[IpAddr],
) -> Result<Option<&'a Node>, IdentityError> {
    if cfg.needs_identity() || explicit.is_some() {
        return resolve(cfg, explicit, local_addrs).map(Some);
    }
    Ok(resolve(cfg, None, local_addrs).ok())
}

fn list<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityError::UnknownNode { name, known } if known.is_empty() => write!(
                f,
                "--node {name}: the config lists no nodes (a file without VIPs needs none); \
                 leave out --node or add the node under `nodes:`"
            ),
            IdentityError::UnknownNode { name, known } => {
                write!(f, "--node {name}: no node of that name in the config (nodes: {})", known.join(", "))?;
                let names: Vec<&str> = known.iter().map(String::as_str).collect();
                if let Some(best) = closest(name, &names) {
                    write!(f, "; did you mean '{best}'?")?;
                }
                Ok(())
            }
            IdentityError::NoLocalNode { local, nodes } => write!(
                f,
                "this machine is none of the nodes: its addresses are {} and the nodes' are {}; \
                 add this machine to `nodes:` or pass --node NAME",
                if local.is_empty() { "none".to_string() } else { list(local) },
                list(nodes.iter().map(|(n, a)| format!("{n} {a}")))
            ),
            IdentityError::SeveralLocalNodes { names } => write!(
                f,
                "the addresses of several nodes are on this machine ({}); pass --node NAME to say which one this is",
                names.join(", ")
            ),
        }
    }
}

impl std::error::Error for IdentityError {}

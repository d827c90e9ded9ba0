//! What `kubegate doctor` makes of BGP mode, without I/O: the router ids of the file (unique
//! within each AS, RFC 6286 §2.1), and each peer probe's outcome as findings in words: no
//! answer, refused, the router's NOTIFICATION, its AS and BGP Identifier against the file,
//! the families and 4-octet AS support its OPEN offers, and a collision with the daemon's own
//! session (RFC 4271 §6.8).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use ::bgp::wire::{cease, ErrorCode, Family, Notification, Open};
use kubegate_config::model::{Bgp, BgpPeer, Node};

use super::bgp_open::{describe_open, families, four_octet_as, Answer};
use super::bgp_probe::{Outcome, Us};
use super::Finding;
use crate::bgp::describe_notification;

/// One node's BGP identity, from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeId {
    pub name: String,
    pub asn: u32,
    pub router_id: Option<Ipv4Addr>,
}

/// Every node's AS and router id.
pub fn node_ids(bgp: &Bgp, nodes: &[Node]) -> Vec<NodeId> {
    nodes
        .iter()
        .map(|n| NodeId {
            name: n.name.clone(),
            asn: bgp.asn_of(n),
            router_id: bgp.router_id_of(n),
        })
        .collect()
}

/// RFC 6286 §2.1: router ids are unique among the speakers of one AS. The config refuses
/// duplicates already; this says so with the list, and catches what slipped through.
pub fn router_ids(ids: &[NodeId]) -> Vec<Finding> {
    let mut by_as: BTreeMap<u32, Vec<&NodeId>> = BTreeMap::new();
    for id in ids {
        by_as.entry(id.asn).or_default().push(id);
    }
    let mut out = Vec::new();
    for (asn, nodes) in by_as {
        let subject = format!("bgp router ids in AS {asn}");
        let mut clashes = Vec::new();
        let mut missing = Vec::new();
        let mut seen: BTreeMap<Ipv4Addr, &str> = BTreeMap::new();
        for n in &nodes {
            match n.router_id {
                None => missing.push(n.name.as_str()),
                Some(id) => {
                    if let Some(other) = seen.insert(id, &n.name) {
                        clashes.push(format!("{id} is both {other}'s and {}'s", n.name));
                    }
                }
            }
        }
        let list = nodes
            .iter()
            .map(|n| match n.router_id {
                Some(id) => format!("{} {id}", n.name),
                None => format!("{} none", n.name),
            })
            .collect::<Vec<_>>()
            .join(", ");
        if !clashes.is_empty() {
            out.push(Finding::fail(
                subject,
                format!("{}: router ids are unique within an AS (RFC 6286 §2.1)", clashes.join("; ")),
                "write `router_id: auto` (each node's own address) or give each node its own in nodes[].bgp.router_id",
            ));
        } else if !missing.is_empty() {
            out.push(Finding::fail(
                subject,
                format!(
                    "{} has no IPv4 router id (RFC 6286 §2.1)",
                    missing.join(", ")
                ),
                "give each IPv6-only node its own in nodes[].bgp.router_id",
            ));
        } else {
            out.push(Finding::ok(subject, format!("unique: {list}")));
        }
    }
    out
}

/// What a probe of one peer is judged against.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub peer: &'a BgpPeer,
    pub us: Us,
    /// Every node's identity, to compare the router's id with.
    pub nodes: &'a [NodeId],
    pub timeout: Duration,
    /// This host already had an established connection to the peer before the probe:
    /// kubegate runs here and has its session.
    pub daemon_session: bool,
}

impl Context<'_> {
    fn to(&self) -> SocketAddr {
        SocketAddr::new(self.peer.address, self.peer.port)
    }

    fn subject(&self) -> String {
        format!("bgp peer {}", self.to())
    }

    fn secs(&self) -> String {
        format!("{}s", self.timeout.as_secs_f64())
    }

    fn fail(&self, found: impl Into<String>, advice: impl Into<String>) -> Finding {
        Finding::fail(self.subject(), found, advice)
    }

    fn neighbor_advice(&self) -> String {
        let (local, asn) = (self.us.address, self.us.asn);
        let key = if self.peer.password_file.is_some() {
            "; the router must hold the same TCP-MD5 key as `password_file` for this address"
        } else {
            "; if the router has a password for this node, give the peer a `password_file`"
        };
        format!(
            "on the router, make {local} a neighbor in AS {asn} (FRR `neighbor {local} remote-as {asn}`, \
             BIRD `neighbor {local} as {asn}`) and let TCP port {} from it through any firewall{key} \
             (RFC 2385 §3: a wrongly signed or unsigned segment is dropped without a word)",
            self.peer.port
        )
    }
}

/// The findings for one peer's probe.
pub fn judge(ctx: &Context<'_>, outcome: &Outcome) -> Vec<Finding> {
    let to = ctx.to();
    let local = ctx.us.address;
    match outcome {
        Outcome::Setup(why) => vec![ctx.fail(
            format!("cannot try the connection from this node: {why}"),
            "fix what it names and run doctor again (as the daemon runs: root or its capabilities)",
        )],
        Outcome::NoAnswer => vec![ctx.fail(
            format!(
                "no answer from {to} within {}: is BGP configured there for this node? a TCP-MD5 key mismatch also looks like this",
                ctx.secs()
            ),
            ctx.neighbor_advice(),
        )],
        Outcome::Refused => vec![ctx.fail(
            format!("{to} refused the connection from {local}: nothing listens on {}, or the router refuses this address", ctx.peer.port),
            format!(
                "start the router's BGP daemon, check the peer's `port` ({}), and make sure the router takes connections from {local}",
                ctx.peer.port
            ),
        )],
        Outcome::Unreachable(e) => vec![ctx.fail(
            format!("{to} is unreachable from {local}: {e}"),
            "check the peer's address: a directly connected router is on this node's segment; one further away needs a route and `multihop`",
        )],
        Outcome::Failed(e) => vec![ctx.fail(format!("{to}: {e}"), "run doctor again; if it persists, check the router and the path to it")],
        Outcome::Connected {
            answer,
            closed,
            timed_out,
        } => connected(ctx, answer, *closed, *timed_out),
    }
}

/// RFC 4271 §6.8: a router that already has an Established session with us closes a new
/// connection; FRR says so with Cease 7 (collision resolution), others with Cease 5
/// (connection rejected, RFC 4486 §4) or by closing.
fn is_collision(ctx: &Context<'_>, n: Option<&Notification>, closed: bool) -> bool {
    match n {
        Some(n) if n.code == ErrorCode::Cease && n.subcode == cease::COLLISION_RESOLUTION => true,
        Some(n) => ctx.daemon_session && n.code == ErrorCode::Cease,
        None => ctx.daemon_session && closed,
    }
}

fn connected(ctx: &Context<'_>, answer: &Answer, closed: bool, timed_out: bool) -> Vec<Finding> {
    let to = ctx.to();
    let mut out = Vec::new();
    if let Some(open) = &answer.open {
        out.extend(check_open(ctx, open));
    }
    let said = answer
        .open
        .as_ref()
        .map(|o| format!(": {}", describe_open(o)))
        .unwrap_or_default();
    if is_collision(ctx, answer.notification.as_ref(), closed) {
        let how = match &answer.notification {
            Some(n) => describe_notification(n),
            None => "closed our extra connection".into(),
        };
        out.push(Finding::ok(
            ctx.subject(),
            format!("the router already has a session with this node (kubegate runs); it answered{said} ({how}, RFC 4271 §6.8)"),
        ));
        return out;
    }
    if let Some(n) = &answer.notification {
        out.push(ctx.fail(
            format!("{to} refused our OPEN: {}", describe_notification(n)),
            notification_advice(ctx, n),
        ));
        return out;
    }
    if let Some(why) = &answer.invalid {
        out.push(ctx.fail(
            format!("{to} answered with {why}: is a BGP speaker listening there?"),
            "check the peer's address and `port`",
        ));
        return out;
    }
    if answer.open.is_none() {
        let found = if closed {
            format!("{to} took the connection and closed it without an OPEN: it does not have {} as a neighbor (in this address family)", ctx.us.address)
        } else {
            format!(
                "{to} took the connection but sent no OPEN within {}",
                ctx.secs()
            )
        };
        out.push(ctx.fail(found, ctx.neighbor_advice()));
        return out;
    }
    let failed = out.iter().any(|f| f.severity == super::Severity::Fail);
    if answer.accepted {
        if !failed {
            out.push(Finding::ok(
                ctx.subject(),
                format!(
                    "answers{said}; it accepted our OPEN (AS {}, router id {})",
                    ctx.us.asn, ctx.us.router_id
                ),
            ));
        }
    } else if closed {
        out.push(ctx.fail(
            format!("{to} sent its OPEN{said}, then closed the connection without a NOTIFICATION"),
            ctx.neighbor_advice(),
        ));
    } else if timed_out && !failed {
        out.push(Finding::warn(
            ctx.subject(),
            format!(
                "{to} sent its OPEN{said}, but did not accept ours within {}",
                ctx.secs()
            ),
            "run doctor again; if it persists, read the router's log for this neighbor",
        ));
    }
    out
}

/// The router's OPEN against the file: its AS, its identifier, the family and AS numbers.
fn check_open(ctx: &Context<'_>, open: &Open) -> Vec<Finding> {
    let mut out = Vec::new();
    let to = ctx.to();
    let peer = ctx.peer;
    // RFC 4271 §6.2: the daemon refuses an OPEN whose AS is not the configured one.
    if open.asn() != peer.asn {
        out.push(ctx.fail(
            format!(
                "{to} is in AS {}, the file says `asn: {}`: the daemon's session would be refused with Bad Peer AS (RFC 4271 §6.2)",
                open.asn(),
                peer.asn
            ),
            format!("set `asn: {}` for peer {} in `bgp.peers`, or fix the router's AS", open.asn(), peer.address),
        ));
    }
    out.extend(check_identifier(ctx, open.bgp_id));
    let family = if peer.address.is_ipv4() {
        Family::Ipv4Unicast
    } else {
        Family::Ipv6Unicast
    };
    if !families(open).contains(&family) {
        let name = if family == Family::Ipv4Unicast {
            "ipv4"
        } else {
            "ipv6"
        };
        out.push(ctx.fail(
            format!("{to} does not offer {name} unicast for this session (RFC 4760 §8): it would not take our routes"),
            format!(
                "activate the family for {} on the router (FRR `address-family {name} unicast` / `neighbor {} activate`, BIRD `{name} {{ import all; }}`)",
                ctx.us.address, ctx.us.address
            ),
        ));
    }
    if !four_octet_as(open) && ctx.us.asn > u32::from(u16::MAX) {
        out.push(Finding::warn(
            ctx.subject(),
            format!("{to} speaks 2-octet AS numbers only: it sees AS {} as 23456 (AS_TRANS, RFC 6793 §4.2)", ctx.us.asn),
            "use a 2-octet AS for the cluster, or a router with 4-octet AS support",
        ));
    }
    out
}

/// RFC 6286 §2.2: a BGP Identifier equal to the local one is refused on an internal session
/// (Bad BGP Identifier); across ASes routers differ, and a shared id leaves collision
/// resolution (§2.3) and every log ambiguous. The router's id also should be none of the
/// other nodes'.
fn check_identifier(ctx: &Context<'_>, id: Ipv4Addr) -> Vec<Finding> {
    let to = ctx.to();
    let mut out = Vec::new();
    if id == ctx.us.router_id {
        out.push(ctx.fail(
            format!(
                "{to} has router id {id}, the same as this node's: router ids must differ (RFC 6286 §2.2: Bad BGP Identifier{})",
                if ctx.peer.is_ibgp(ctx.us.asn) { "" } else { "; between ASes some routers accept it, many do not" }
            ),
            "give this node another router id (`bgp.router_id` / nodes[].bgp.router_id), or change the router's",
        ));
        return out;
    }
    for n in ctx.nodes.iter().filter(|n| n.router_id == Some(id)) {
        out.push(ctx.fail(
            format!("{to} has router id {id}, which is also node {}'s: router ids must differ (RFC 6286 §2.2)", n.name),
            format!("give node {} another router id (nodes[].bgp.router_id), or change the router's", n.name),
        ));
    }
    out
}

fn notification_advice(ctx: &Context<'_>, n: &Notification) -> String {
    let local = ctx.us.address;
    match (n.code, n.subcode) {
        (ErrorCode::OpenMessage, 2) => format!(
            "the router expects another AS from {local}: this node sends AS {} (`bgp.asn`, or nodes[].bgp.asn); make the router's `remote-as` for {local} and the file agree (RFC 4271 §6.2)",
            ctx.us.asn
        ),
        (ErrorCode::OpenMessage, 3) => format!(
            "the router refuses router id {}: it is its own or another neighbor's; router ids must differ (RFC 6286 §2.2): set nodes[].bgp.router_id, or change the router's",
            ctx.us.router_id
        ),
        (ErrorCode::OpenMessage, 6) => format!(
            "the router does not accept hold time {}s: set `hold_time` within its limits (RFC 4271 §6.2)",
            ctx.peer.hold_time.as_secs()
        ),
        (ErrorCode::OpenMessage, 7) => {
            "the router lacks a capability it needs from us, or we from it (RFC 5492 §5): activate the address family of this session on the router".into()
        }
        (ErrorCode::Cease, _) => format!(
            "the router ends sessions from {local}: it may not have it as a neighbor, have it shut down, or have reached a limit; read the router's log (RFC 4486 §4)"
        ),
        _ => "read the router's log for this neighbor".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Severity;
    use ::bgp::wire::{AfiSafi, Capability, Ctx, Message};
    use std::net::IpAddr;

    fn peer(asn: u32) -> BgpPeer {
        BgpPeer {
            address: "198.18.0.1".parse().unwrap(),
            asn,
            port: 179,
            password_file: None,
            hold_time: Duration::from_secs(9),
            keepalive: Duration::from_secs(3),
            multihop: 1,
            bfd: false,
            nodes: None,
        }
    }

    fn us() -> Us {
        Us {
            asn: 64512,
            router_id: Ipv4Addr::new(198, 18, 0, 11),
            address: IpAddr::V4(Ipv4Addr::new(198, 18, 0, 11)),
        }
    }

    fn nodes() -> Vec<NodeId> {
        vec![
            NodeId {
                name: "kg1".into(),
                asn: 64512,
                router_id: Some(Ipv4Addr::new(198, 18, 0, 11)),
            },
            NodeId {
                name: "kg2".into(),
                asn: 64512,
                router_id: Some(Ipv4Addr::new(198, 18, 0, 12)),
            },
        ]
    }

    fn answer(asn: u32, id: [u8; 4], then: Option<Message>) -> Answer {
        let mut bytes = Message::Open(Open {
            my_as: asn as u16,
            hold_time: 9,
            bgp_id: Ipv4Addr::from(id),
            capabilities: vec![
                Capability::Multiprotocol(AfiSafi { afi: 1, safi: 1 }),
                Capability::FourOctetAs(asn),
            ],
        })
        .to_bytes(Ctx::default())
        .unwrap();
        bytes.extend(
            then.unwrap_or(Message::Keepalive)
                .to_bytes(Ctx::default())
                .unwrap(),
        );
        let mut a = Answer::default();
        a.feed(&bytes);
        a
    }

    fn run(p: &BgpPeer, daemon_session: bool, outcome: Outcome) -> Vec<Finding> {
        let ids = nodes();
        let ctx = Context {
            peer: p,
            us: us(),
            nodes: &ids,
            timeout: Duration::from_secs(3),
            daemon_session,
        };
        judge(&ctx, &outcome)
    }

    fn connected(a: Answer) -> Outcome {
        Outcome::Connected {
            answer: a,
            closed: false,
            timed_out: false,
        }
    }

    #[test]
    fn a_router_that_accepts_us_is_ok_with_its_as_and_id() {
        let f = run(
            &peer(64500),
            false,
            connected(answer(64500, [198, 18, 0, 1], None)),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Ok);
        assert_eq!(f[0].subject, "bgp peer 198.18.0.1:179");
        assert!(
            f[0].found.contains("AS 64500, router id 198.18.0.1"),
            "{}",
            f[0].found
        );
        assert!(f[0].found.contains("accepted our OPEN"), "{}", f[0].found);
    }

    #[test]
    fn another_as_than_the_file_says_is_bad_peer_as() {
        let f = run(
            &peer(64999),
            false,
            connected(answer(64500, [198, 18, 0, 1], None)),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Fail);
        assert!(f[0].found.contains("Bad Peer AS"), "{}", f[0].found);
        assert!(f[0].advice.contains("asn: 64500"), "{}", f[0].advice);
    }

    #[test]
    fn the_router_with_our_id_or_another_nodes_fails() {
        let f = run(
            &peer(64512),
            false,
            connected(answer(64512, [198, 18, 0, 11], None)),
        );
        assert!(
            f.iter()
                .any(|f| f.severity == Severity::Fail && f.found.contains("same as this node's")),
            "{f:?}"
        );
        let f = run(
            &peer(64500),
            false,
            connected(answer(64500, [198, 18, 0, 12], None)),
        );
        assert!(
            f.iter()
                .any(|f| f.severity == Severity::Fail && f.found.contains("node kg2's")),
            "{f:?}"
        );
    }

    #[test]
    fn silence_refusal_and_notifications_fail_in_words() {
        let f = run(&peer(64500), false, Outcome::NoAnswer);
        assert!(
            f[0].found
                .contains("no answer from 198.18.0.1:179 within 3s"),
            "{}",
            f[0].found
        );
        assert!(f[0].found.contains("TCP-MD5"), "{}", f[0].found);
        let f = run(&peer(64500), false, Outcome::Refused);
        assert!(
            f[0].found.contains("nothing listens on 179"),
            "{}",
            f[0].found
        );
        let bad_as = Message::Notification(Notification::new(ErrorCode::OpenMessage, 2));
        let f = run(
            &peer(64500),
            false,
            connected(answer(64500, [198, 18, 0, 1], Some(bad_as))),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].found.contains("NOTIFICATION 2/2 bad peer AS"),
            "{}",
            f[0].found
        );
        assert!(f[0].advice.contains("AS 64512"), "{}", f[0].advice);
    }

    #[test]
    fn a_collision_with_the_daemons_session_is_ok() {
        let collision = Message::Notification(Notification::new(
            ErrorCode::Cease,
            cease::COLLISION_RESOLUTION,
        ));
        let f = run(
            &peer(64500),
            false,
            connected(answer(64500, [198, 18, 0, 1], Some(collision))),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Ok);
        assert!(
            f[0].found.contains("already has a session with this node"),
            "{}",
            f[0].found
        );
        // Closed without a word while our session is up: the same.
        let f = run(
            &peer(64500),
            true,
            Outcome::Connected {
                answer: Answer::default(),
                closed: true,
                timed_out: false,
            },
        );
        assert_eq!(f[0].severity, Severity::Ok, "{f:?}");
        // Without a session of ours, a silent close is a router that does not know us.
        let f = run(
            &peer(64500),
            false,
            Outcome::Connected {
                answer: Answer::default(),
                closed: true,
                timed_out: false,
            },
        );
        assert_eq!(f[0].severity, Severity::Fail, "{f:?}");
        assert!(f[0].found.contains("without an OPEN"), "{}", f[0].found);
    }

    #[test]
    fn router_ids_are_listed_per_as_and_clashes_fail() {
        let f = router_ids(&nodes());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Ok);
        assert_eq!(f[0].found, "unique: kg1 198.18.0.11, kg2 198.18.0.12");
        let mut clash = nodes();
        clash[1].router_id = clash[0].router_id;
        let f = router_ids(&clash);
        assert_eq!(f[0].severity, Severity::Fail);
        assert!(
            f[0].found.contains("198.18.0.11 is both kg1's and kg2's"),
            "{}",
            f[0].found
        );
    }
}

//! The OPEN exchange: the OPEN we send, the checks on the peer's (RFC 4271 §6.2, RFC 6286,
//! RFC 6793, RFC 5492) and what both sides agreed on (RFC 4271 §4.2 hold time, RFC 4760 §8
//! families, RFC 2918 route refresh, RFC 4724 graceful restart).

use std::time::Duration;

use super::Config;
use crate::wire::{AfiSafi, Capability, Family, Invalid, Message, Open, AS_TRANS};

/// The peer's graceful restart capability (RFC 4724 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRestart {
    pub restart_time: Duration,
    /// The R bit: the peer says it has just restarted.
    pub restarting: bool,
    /// The families the peer keeps forwarding state for, with the F bit.
    pub families: Vec<(Family, bool)>,
}

/// What the OPEN exchange agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    pub peer_as: u32,
    pub peer_id: std::net::Ipv4Addr,
    /// min(ours, theirs); zero means no keepalives and no hold timer (RFC 4271 §4.2).
    pub hold_time: Duration,
    pub keepalive: Duration,
    pub four_octet_as: bool,
    /// The families both sides may send (RFC 4760 §8; IPv4 unicast only when the peer sent
    /// no multiprotocol capability).
    pub families: Vec<Family>,
    pub route_refresh: bool,
    /// The peer's graceful restart capability, when both of us advertised one.
    pub peer_restart: Option<PeerRestart>,
}

/// RFC 4271 §4.2: the hold time is 0 or at least 3 s; a configured 1 or 2 becomes 3.
fn proposed_hold(config: &Config) -> u16 {
    match config.hold_time {
        1 | 2 => 3,
        h => h,
    }
}

/// The OPEN we send.
pub fn our_open(config: &Config) -> Message {
    let mut capabilities = Vec::new();
    for family in config.families() {
        let (afi, safi) = family.afi_safi();
        capabilities.push(Capability::Multiprotocol(AfiSafi { afi, safi }));
    }
    if config.route_refresh {
        capabilities.push(Capability::RouteRefresh);
    }
    if let Some(gr) = &config.graceful_restart {
        // RFC 4724 §3: a helper-only speaker (Receiving Speaker) advertises the capability
        // with no families and without the R bit.
        capabilities.push(Capability::GracefulRestart {
            restarting: false,
            notification: false,
            restart_time: gr.restart_time.min(0x0fff),
            families: Vec::new(),
        });
    }
    // RFC 6793 §3 and §4.1: always the capability; AS_TRANS in the 2-octet field if needed.
    capabilities.push(Capability::FourOctetAs(config.local_as));
    Message::Open(Open {
        my_as: u16::try_from(config.local_as).unwrap_or(AS_TRANS),
        hold_time: proposed_hold(config),
        bgp_id: config.router_id,
        capabilities,
    })
}

/// Checks the peer's OPEN against our configuration; the error names the NOTIFICATION.
pub fn check_open(config: &Config, open: &Open) -> Result<Negotiated, Invalid> {
    let peer_as = open.asn();
    // RFC 4271 §6.2: the AS is not the one configured for this peer.
    if peer_as != config.peer_as {
        return Err(Invalid::BadPeerAs);
    }
    // RFC 6286 §2.2: zero (refused when parsing), or our own identifier on an internal
    // session, is a Bad BGP Identifier.
    if config.is_internal() && open.bgp_id == config.router_id {
        return Err(Invalid::BadBgpIdentifier);
    }
    // RFC 4271 §6.2: hold time 1 or 2 was refused when parsing; below our floor also.
    if open.hold_time != 0 && open.hold_time < config.min_hold_time {
        return Err(Invalid::UnacceptableHoldTime(open.hold_time));
    }
    let hold = open.hold_time.min(proposed_hold(config));
    let keepalive = match config.keepalive {
        Some(k) if k > 0 => k.min(hold / 3),
        _ => hold / 3,
    };

    let mut offered = Vec::new();
    let mut four_octet_as = false;
    let mut route_refresh = false;
    let mut restart = None;
    for cap in &open.capabilities {
        match cap {
            Capability::Multiprotocol(f) => {
                if let Some(family) = Family::from_afi_safi(f.afi, f.safi) {
                    offered.push(family);
                }
            }
            Capability::FourOctetAs(_) => four_octet_as = true,
            Capability::RouteRefresh => route_refresh = true,
            Capability::GracefulRestart {
                restarting,
                restart_time,
                families,
                ..
            } => {
                restart = Some(PeerRestart {
                    restart_time: Duration::from_secs(u64::from(*restart_time)),
                    restarting: *restarting,
                    families: families
                        .iter()
                        .filter_map(|f| {
                            Family::from_afi_safi(f.afi_safi.afi, f.afi_safi.safi)
                                .map(|fam| (fam, f.forwarding_preserved))
                        })
                        .collect(),
                });
            }
            // RFC 5492 §4: capabilities we do not know are ignored.
            Capability::Unknown { .. } => {}
        }
    }
    let has_mp = open
        .capabilities
        .iter()
        .any(|c| matches!(c, Capability::Multiprotocol(_)));
    if !has_mp {
        // RFC 4760 §8 (and RFC 4271): without the capability the peer speaks IPv4 unicast.
        offered.push(Family::Ipv4Unicast);
    }
    let ours = config.families();
    let families: Vec<Family> = ours
        .iter()
        .copied()
        .filter(|f| offered.contains(f))
        .collect();
    // RFC 5492 §5: a family we must have and the peer lacks: Unsupported Capability,
    // with the capabilities it lacks as data.
    if config.require_families {
        let mut missing = Vec::new();
        for f in ours.iter().filter(|f| !families.contains(f)) {
            let (afi, safi) = f.afi_safi();
            let cap = Capability::Multiprotocol(AfiSafi { afi, safi });
            let _ = cap.emit(&mut missing);
        }
        if !missing.is_empty() {
            return Err(Invalid::UnsupportedCapability(missing));
        }
    }
    Ok(Negotiated {
        peer_as,
        peer_id: open.bgp_id,
        hold_time: Duration::from_secs(u64::from(hold)),
        keepalive: Duration::from_secs(u64::from(keepalive)),
        four_octet_as,
        families,
        route_refresh: route_refresh && config.route_refresh,
        peer_restart: restart.filter(|_| config.graceful_restart.is_some()),
    })
}

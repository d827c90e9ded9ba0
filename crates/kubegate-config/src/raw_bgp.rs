//! The `bgp:` parts of the file as written: the top-level section (AS, router id, peers, BFD
//! timing), a node's own `bgp:` and a VIP's `bgp:` (its path attributes). Same conventions as
//! `raw.rs`: unknown keys refused, every value kept with its position.

use serde::de::{Deserialize, Deserializer};
use serde::Deserialize as DeriveDeserialize;

use super::raw::{Sp, Value};

/// Top-level `bgp:`.
#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBgp {
    pub asn: Option<Value>,
    pub router_id: Option<Value>,
    pub peers: Option<Sp<Vec<Sp<RawPeer>>>>,
    pub bfd: Option<Sp<RawBfd>>,
}
pub const BGP_KEYS: &[&str] = &["asn", "router_id", "peers", "bfd"];

/// One `bgp.peers:` entry: a router this cluster's nodes talk BGP to.
#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeer {
    pub address: Option<Value>,
    pub asn: Option<Value>,
    pub port: Option<Value>,
    pub password_file: Option<Value>,
    pub hold_time: Option<Value>,
    pub keepalive: Option<Value>,
    pub multihop: Option<Value>,
    pub bfd: Option<Value>,
    pub nodes: Option<Sp<Vec<Value>>>,
    pub passive: Option<Value>,
}
pub const PEER_KEYS: &[&str] = &[
    "address",
    "asn",
    "port",
    "password_file",
    "hold_time",
    "keepalive",
    "multihop",
    "bfd",
    "nodes",
    "passive",
];

/// `bgp.bfd:`: the timing of every BFD session.
#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBfd {
    pub interval: Option<Value>,
    pub multiplier: Option<Value>,
}
pub const BFD_KEYS: &[&str] = &["interval", "multiplier"];

/// `nodes[].bgp:`: what differs for one node.
#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodeBgp {
    pub asn: Option<Value>,
    pub router_id: Option<Value>,
}
pub const NODE_BGP_KEYS: &[&str] = &["asn", "router_id"];

/// The keys of a VIP's `bgp:` mapping.
#[derive(Debug, Default, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVipBgpKeys {
    pub communities: Option<Sp<Vec<Value>>>,
    pub large_communities: Option<Sp<Vec<Value>>>,
    pub local_pref: Option<Value>,
    pub med: Option<Value>,
}
pub const VIP_BGP_KEYS: &[&str] = &["communities", "large_communities", "local_pref", "med"];

/// A VIP's `bgp:`: `{}`, a mapping of the keys above, or nothing (`bgp:` alone), which means
/// the same as `{}`.
#[derive(Debug, Default)]
pub struct RawVipBgp(pub RawVipBgpKeys);

impl<'de> Deserialize<'de> for RawVipBgp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<RawVipBgpKeys>::deserialize(d).map(|k| RawVipBgp(k.unwrap_or_default()))
    }
}

/// For a key whose mere presence counts (`bgp:` with no value): `Some` whenever it is written.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::super::raw::RawVip;

    #[test]
    fn a_vip_bgp_key_counts_when_written_empty() {
        for text in ["bgp: {}\n", "bgp:\n", "bgp: ~\n"] {
            let v: RawVip = serde_saphyr::from_str(text).unwrap();
            assert!(v.bgp.is_some(), "{text:?}");
        }
        let v: RawVip = serde_saphyr::from_str("name: api\n").unwrap();
        assert!(v.bgp.is_none());
        let v: RawVip = serde_saphyr::from_str("bgp: { med: 5 }\n").unwrap();
        assert!(v.bgp.unwrap().value.0.med.is_some());
    }
}

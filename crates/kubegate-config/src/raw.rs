//! The file as written: serde types that mirror the YAML keys exactly (unknown keys are refused)
//! and keep every value with its position. Values are `Scalar`s so type mistakes are found by
//! `validate` (located, all at once) rather than stopping the parse at the first one.
//!
//! The `*_KEYS` lists name each section's keys for the unknown-key pass (`keys.rs`); a test checks
//! they match the structs.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::Deserialize as DeriveDeserialize;
use serde_saphyr::Spanned;

use super::scalar::{Scalar, ScalarVisitor};

pub use super::raw_bgp::{
    present, RawBfd, RawBgp, RawNodeBgp, RawPeer, RawVipBgp, BFD_KEYS, BGP_KEYS, NODE_BGP_KEYS,
    PEER_KEYS, VIP_BGP_KEYS,
};

pub type Sp<T> = Spanned<T>;
pub type Value = Sp<Scalar>;

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub nodes: Option<Sp<Vec<Sp<RawNode>>>>,
    pub vips: Option<Sp<Vec<Sp<RawVip>>>>,
    pub frontends: Option<Sp<Vec<Sp<RawFrontend>>>>,
    pub admin: Option<Sp<RawAdmin>>,
    pub bgp: Option<Sp<RawBgp>>,
}
pub const FILE_KEYS: &[&str] = &["nodes", "vips", "frontends", "admin", "bgp"];

/// `admin:` — the status page, JSON API and `/metrics` endpoint.
#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdmin {
    pub bind: Option<Value>,
    pub token_file: Option<Value>,
}
pub const ADMIN_KEYS: &[&str] = &["bind", "token_file"];

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    pub name: Option<Value>,
    pub address: Option<Value>,
    /// This node's own BGP settings (`raw_bgp.rs`).
    pub bgp: Option<Sp<RawNodeBgp>>,
}
pub const NODE_KEYS: &[&str] = &["name", "address", "bgp"];

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVip {
    pub name: Option<Value>,
    pub address: Option<Value>,
    /// Several addresses that move together (keepalived's `virtual_ipaddress` list).
    pub addresses: Option<Sp<Vec<Value>>>,
    pub interface: Option<Value>,
    pub label: Option<Value>,
    pub vrrp: Option<Sp<RawVrrp>>,
    pub track: Option<Sp<Vec<Sp<RawTrack>>>>,
    pub notify: Option<Value>,
    pub notify_master: Option<Value>,
    pub notify_backup: Option<Value>,
    pub notify_fault: Option<Value>,
    pub announce: Option<Sp<RawAnnounce>>,
    pub group: Option<Value>,
    /// `bgp: {}` (or `bgp:` alone) instead of `vrrp:`; present even when written empty.
    #[serde(default, deserialize_with = "present")]
    pub bgp: Option<Sp<RawVipBgp>>,
}
pub const VIP_KEYS: &[&str] = &[
    "name",
    "address",
    "addresses",
    "interface",
    "label",
    "vrrp",
    "track",
    "notify",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "announce",
    "group",
    "bgp",
];

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVrrp {
    pub vrid: Option<Value>,
    pub version: Option<Value>,
    pub advert_interval: Option<Value>,
    pub transport: Option<Value>,
    pub preempt: Option<Value>,
    pub preempt_delay: Option<Value>,
    pub priority: Option<Sp<KeyedValues>>,
    pub auth_pass: Option<Value>,
    pub checksum: Option<Value>,
    pub extra_peers: Option<Sp<Vec<Value>>>,
    pub accept_any_source: Option<Value>,
}
pub const VRRP_KEYS: &[&str] = &[
    "vrid",
    "version",
    "advert_interval",
    "transport",
    "preempt",
    "preempt_delay",
    "priority",
    "auth_pass",
    "checksum",
    "extra_peers",
    "accept_any_source",
];

/// One `track:` entry; exactly one of `script`, `interface`, `tcp`, `frontend` names its kind.
#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrack {
    pub script: Option<Value>,
    pub interface: Option<Value>,
    pub tcp: Option<Value>,
    pub frontend: Option<Value>,
    pub interval: Option<Value>,
    pub timeout: Option<Value>,
    pub rise: Option<Value>,
    pub fall: Option<Value>,
    pub weight: Option<Value>,
}
pub const TRACK_KEYS: &[&str] = &[
    "script",
    "interface",
    "tcp",
    "frontend",
    "interval",
    "timeout",
    "rise",
    "fall",
    "weight",
];

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAnnounce {
    pub count: Option<Value>,
    pub interval: Option<Value>,
    pub repeat_after: Option<Value>,
}
pub const ANNOUNCE_KEYS: &[&str] = &["count", "interval", "repeat_after"];

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrontend {
    pub name: Option<Value>,
    pub bind: Option<Value>,
    pub backends: Option<Sp<Vec<Sp<RawBackend>>>>,
    pub balance: Option<Value>,
    pub check: Option<Sp<RawCheck>>,
    pub timeouts: Option<Sp<RawTimeouts>>,
    pub max_connections: Option<Value>,
    pub proxy_protocol: Option<Value>,
    pub retries: Option<Value>,
    pub on_down: Option<Value>,
    pub slowstart: Option<Value>,
}
pub const FRONTEND_KEYS: &[&str] = &[
    "name",
    "bind",
    "backends",
    "balance",
    "check",
    "timeouts",
    "max_connections",
    "proxy_protocol",
    "retries",
    "on_down",
    "slowstart",
];

/// One `backends:` entry: `A:P` alone, or `{ address: A:P, weight: N }`.
#[derive(Debug)]
pub enum RawBackend {
    Short(Scalar),
    Item {
        address: Option<Value>,
        weight: Option<Value>,
    },
}
pub const BACKEND_KEYS: &[&str] = &["address", "weight"];

/// `check:`; exactly one of `tcp`, `http`, `https` names its kind (checked by `validate`).
#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub tcp: Option<Value>,
    pub http: Option<Value>,
    pub https: Option<Value>,
    pub interval: Option<Value>,
    pub timeout: Option<Value>,
    pub rise: Option<Value>,
    pub fall: Option<Value>,
    pub statuses: Option<Sp<Vec<Value>>>,
    pub ca_file: Option<Value>,
    pub client_cert: Option<Value>,
    pub client_key: Option<Value>,
    pub server_name: Option<Value>,
}
pub const CHECK_KEYS: &[&str] = &[
    "tcp",
    "http",
    "https",
    "interval",
    "timeout",
    "rise",
    "fall",
    "statuses",
    "ca_file",
    "client_cert",
    "client_key",
    "server_name",
];

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTimeouts {
    pub connect: Option<Value>,
    pub idle: Option<Value>,
    pub dead_peer: Option<Value>,
    pub keepalive: Option<Value>,
    pub drain: Option<Value>,
}
pub const TIMEOUTS_KEYS: &[&str] = &["connect", "idle", "dead_peer", "keepalive", "drain"];

impl<'de> Deserialize<'de> for RawBackend {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl V {
            fn short<E: de::Error>(r: Result<Scalar, E>) -> Result<RawBackend, E> {
                r.map(RawBackend::Short)
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = RawBackend;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a backend like 10.0.0.51:6443 or { address: 10.0.0.51:6443, weight: 2 }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawBackend, E> {
                V::short(ScalarVisitor.visit_str(v))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RawBackend, E> {
                V::short(ScalarVisitor.visit_string(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawBackend, E> {
                V::short(ScalarVisitor.visit_i64(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawBackend, E> {
                V::short(ScalarVisitor.visit_u64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawBackend, E> {
                V::short(ScalarVisitor.visit_f64(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawBackend, E> {
                V::short(ScalarVisitor.visit_bool(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawBackend, E> {
                V::short(ScalarVisitor.visit_unit())
            }
            fn visit_none<E: de::Error>(self) -> Result<RawBackend, E> {
                V::short(ScalarVisitor.visit_none())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<RawBackend, A::Error> {
                let (mut address, mut weight) = (None, None);
                while let Some(k) = m.next_key::<String>()? {
                    match k.as_str() {
                        "address" => address = Some(m.next_value()?),
                        "weight" => weight = Some(m.next_value()?),
                        other => return Err(de::Error::unknown_field(other, BACKEND_KEYS)),
                    }
                }
                Ok(RawBackend::Item { address, weight })
            }
        }
        d.deserialize_any(V)
    }
}

/// A mapping with free keys (`priority: { master1: 150 }`), in file order, keys located.
#[derive(Debug, Default)]
pub struct KeyedValues(pub Vec<(Sp<String>, Value)>);

impl<'de> Deserialize<'de> for KeyedValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyedValues;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping like { master1: 150, master2: 100 }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<KeyedValues, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<Sp<String>>()? {
                    out.push((k, m.next_value()?));
                }
                Ok(KeyedValues(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyedValues, E> {
                Ok(KeyedValues::default())
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields serde knows for `T`, read from its unknown-field error.
    fn serde_fields<T: for<'de> Deserialize<'de> + fmt::Debug>() -> Vec<&'static str> {
        match serde_saphyr::from_str::<T>("__probe__: 1\n") {
            Err(e) => match e.without_snippet() {
                serde_saphyr::Error::SerdeUnknownField { expected, .. } => expected.clone(),
                other => panic!("expected an unknown-field error, got {other}"),
            },
            Ok(v) => panic!("probe key accepted: {v:?}"),
        }
    }

    #[test]
    fn key_lists_match_the_structs() {
        assert_eq!(serde_fields::<RawFile>(), FILE_KEYS);
        assert_eq!(serde_fields::<RawNode>(), NODE_KEYS);
        assert_eq!(serde_fields::<RawAdmin>(), ADMIN_KEYS);
        assert_eq!(serde_fields::<RawVip>(), VIP_KEYS);
        assert_eq!(serde_fields::<RawVrrp>(), VRRP_KEYS);
        assert_eq!(serde_fields::<RawTrack>(), TRACK_KEYS);
        assert_eq!(serde_fields::<RawAnnounce>(), ANNOUNCE_KEYS);
        assert_eq!(serde_fields::<RawFrontend>(), FRONTEND_KEYS);
        assert_eq!(serde_fields::<RawCheck>(), CHECK_KEYS);
        assert_eq!(serde_fields::<RawTimeouts>(), TIMEOUTS_KEYS);
        assert_eq!(serde_fields::<RawBgp>(), BGP_KEYS);
        assert_eq!(serde_fields::<RawPeer>(), PEER_KEYS);
        assert_eq!(serde_fields::<RawBfd>(), BFD_KEYS);
        assert_eq!(serde_fields::<RawNodeBgp>(), NODE_BGP_KEYS);
        assert_eq!(
            serde_fields::<super::super::raw_bgp::RawVipBgpKeys>(),
            VIP_BGP_KEYS
        );
    }

    #[test]
    fn backends_are_short_or_items() {
        let list: Vec<RawBackend> =
            serde_saphyr::from_str("[10.0.0.1:6443, { address: 10.0.0.2:6443, weight: 3 }]")
                .unwrap();
        assert!(matches!(&list[0], RawBackend::Short(Scalar::Str(s)) if s == "10.0.0.1:6443"));
        match &list[1] {
            RawBackend::Item { address, weight } => {
                assert_eq!(
                    address.as_ref().unwrap().value,
                    Scalar::Str("10.0.0.2:6443".into())
                );
                assert_eq!(weight.as_ref().unwrap().value, Scalar::Int(3));
            }
            other => panic!("expected an item, got {other:?}"),
        }
        let e = serde_saphyr::from_str::<RawBackend>("{ adress: x }").unwrap_err();
        assert!(e.to_string().contains("adress"), "{e}");
    }
}

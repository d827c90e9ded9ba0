//! The file as written: serde types that mirror the YAML keys exactly (unknown keys are refused)
//! and keep every value with its position. Values are `Scalar`s so type mistakes are found by
//! `validate` (located, all at once) rather than stopping the parse at the first one.
//!
//! The `*_KEYS` lists name each section's keys for the unknown-key pass (`keys.rs`); a test checks
//! they match the structs.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize as DeriveDeserialize;
use serde_saphyr::Spanned;

use super::scalar::Scalar;

pub type Sp<T> = Spanned<T>;
pub type Value = Sp<Scalar>;

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub nodes: Option<Sp<Vec<Sp<RawNode>>>>,
    pub vips: Option<Sp<Vec<Sp<RawVip>>>>,
    /// Part of the config contract, not implemented in this build: refused by `keys.rs`.
    #[serde(rename = "frontends")]
    pub _frontends: Option<IgnoredAny>,
    /// Part of the config contract, not implemented in this build: refused by `keys.rs`.
    #[serde(rename = "admin")]
    pub _admin: Option<IgnoredAny>,
}
pub const FILE_KEYS: &[&str] = &["nodes", "vips", "frontends", "admin"];

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    pub name: Option<Value>,
    pub address: Option<Value>,
}
pub const NODE_KEYS: &[&str] = &["name", "address"];

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVip {
    pub name: Option<Value>,
    pub address: Option<Value>,
    pub interface: Option<Value>,
    pub label: Option<Value>,
    pub vrrp: Option<Sp<RawVrrp>>,
    pub track: Option<Sp<Vec<Sp<RawTrack>>>>,
    pub notify: Option<Value>,
    pub announce: Option<Sp<RawAnnounce>>,
}
pub const VIP_KEYS: &[&str] = &[
    "name",
    "address",
    "interface",
    "label",
    "vrrp",
    "track",
    "notify",
    "announce",
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
        assert_eq!(serde_fields::<RawVip>(), VIP_KEYS);
        assert_eq!(serde_fields::<RawVrrp>(), VRRP_KEYS);
        assert_eq!(serde_fields::<RawTrack>(), TRACK_KEYS);
        assert_eq!(serde_fields::<RawAnnounce>(), ANNOUNCE_KEYS);
    }
}

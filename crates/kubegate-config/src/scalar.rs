//! A YAML scalar kept as written (text, number, boolean, null) with typed accessors whose errors
//! say what was expected, so type mistakes become located, collected validation errors instead of
//! stopping the parse.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A scalar value as the YAML parser resolved it.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
    Null,
}

impl Scalar {
    /// How the value reads in a message: `300`, `"abc"`, `true`.
    pub fn describe(&self) -> String {
        match self {
            Scalar::Str(s) => format!("{s:?}"),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(x) => x.to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Null => "nothing".to_string(),
        }
    }

    /// Text; numbers and booleans are refused with a hint to quote them.
    pub fn text(&self) -> Result<&str, String> {
        match self {
            Scalar::Str(s) => Ok(s),
            other => Err(format!(
                "expected text, found {}; put it in quotes if it is meant as text",
                other.describe()
            )),
        }
    }

    /// A whole number from `lo` to `hi` (both included).
    pub fn int_in(&self, lo: i128, hi: i128, hint: &str) -> Result<i128, String> {
        let n = match self {
            Scalar::Int(n) => *n,
            Scalar::Str(s) if s.trim().parse::<i128>().is_ok() => {
                return Err(format!(
                    "expected a number, found text {s:?}; remove the quotes"
                ))
            }
            other => {
                return Err(format!(
                    "expected a whole number, found {}",
                    other.describe()
                ))
            }
        };
        if n < lo || n > hi {
            return Err(format!("{n} is out of range; use {lo} to {hi}{hint}"));
        }
        Ok(n)
    }

    pub fn boolean(&self) -> Result<bool, String> {
        match self {
            Scalar::Bool(b) => Ok(*b),
            other => Err(format!(
                "expected true or false, found {}",
                other.describe()
            )),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

pub(super) struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a single value (text, number or true/false), not a list or a mapping")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Scalar, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
}

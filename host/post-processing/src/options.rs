//! Reading an operation's `options` object: the shapes Superset's keyword arguments take.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::{PostProcessingError, Result};

/// `options` as the operation's typed arguments; a missing or null object is empty.
/// Unknown keys are refused, as Python refuses unknown keyword arguments.
pub(crate) fn parse<T: DeserializeOwned>(operation: &str, options: &Value) -> Result<T> {
    let options = match options {
        Value::Null => Value::Object(Default::default()),
        other => other.clone(),
    };
    serde_json::from_value(options)
        .map_err(|e| PostProcessingError::new(format!("Invalid options for {operation}: {e}")))
}

/// A JSON object kept as its entries in the order the deserializer yields them
/// (document order when read from text).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pairs<V>(pub(crate) Vec<(String, V)>);

impl<V> Default for Pairs<V> {
    fn default() -> Self {
        Pairs(Vec::new())
    }
}

impl<V> Pairs<V> {
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(key, _)| key.as_str())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Pairs<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct PairsVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for PairsVisitor<V> {
            type Value = Pairs<V>;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Pairs<V>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Pairs(entries))
            }
        }

        deserializer.deserialize_map(PairsVisitor(PhantomData))
    }
}

/// A value or a list of them, as pandas accepts for `by` and `ascending`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    pub(crate) fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(value) => vec![value],
            OneOrMany::Many(values) => values,
        }
    }
}

/// A column level, by position (negative counts from the last) or by name.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum LevelRef {
    Position(i64),
    Name(String),
}

/// serde default for flags that Superset defaults to true.
pub(crate) fn yes() -> bool {
    true
}

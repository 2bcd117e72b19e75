//! The shape of the station YAML, as parsed (before any checking against module types).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_yaml_ng::Value;

/// A YAML mapping kept in file order; a repeated key is a parse error (with its line).
#[derive(Debug)]
pub(crate) struct Entries<V>(pub Vec<(String, V)>);

impl<V> std::default::Default for Entries<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Entries::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, V)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format_args!("duplicate key '{key}'")));
                    }
                    let value = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

/// The whole file: `settings`, `active_modules`, and ignored `x-...` keys.
#[derive(Debug)]
pub(crate) struct RawConfig {
    /// `settings:`, checked after the module types (so an EVerest config is refused for its
    /// module types first).
    pub settings: Entries<Value>,
    pub active_modules: Entries<RawModule>,
}

impl<'de> Deserialize<'de> for RawConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ConfigVisitor;
        impl<'de> Visitor<'de> for ConfigVisitor {
            type Value = RawConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a station config (a mapping with active_modules)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut settings: Option<Entries<Value>> = None;
                let mut modules: Option<Entries<RawModule>> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "settings" if settings.is_none() => {
                            settings = Some(map.next_value::<Option<Entries<Value>>>()?.unwrap_or_default())
                        }
                        "active_modules" if modules.is_none() => modules = Some(map.next_value()?),
                        "settings" | "active_modules" => {
                            return Err(de::Error::custom(format_args!("duplicate key '{key}'")))
                        }
                        k if k.starts_with("x-") => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        other => {
                            return Err(de::Error::custom(format_args!(
                                "unknown top-level key '{other}' (expected settings, active_modules or x-...)"
                            )))
                        }
                    }
                }
                Ok(RawConfig {
                    settings: settings.unwrap_or_default(),
                    active_modules: modules
                        .ok_or_else(|| de::Error::missing_field("active_modules"))?,
                })
            }
        }
        deserializer.deserialize_map(ConfigVisitor)
    }
}

/// One entry of `active_modules`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawModule {
    pub module: String,
    #[serde(default)]
    pub mapping: Option<RawMapping>,
    #[serde(default)]
    pub config_module: Option<Entries<Value>>,
    #[serde(default)]
    pub config_implementation: Option<Entries<Option<Entries<Value>>>>,
    #[serde(default)]
    pub connections: Option<Entries<Option<Vec<RawConnection>>>>,
    /// EVerest's per-module MQTT telemetry settings: accepted, without effect here.
    #[serde(default, rename = "telemetry")]
    pub _telemetry: Option<IgnoredAny>,
}

/// `mapping:` — EVerest's form: `{module: {evse: N, connector: M}, implementations: {impl: {...}}}`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMapping {
    #[serde(default)]
    pub module: Option<RawEvse>,
    #[serde(default)]
    pub implementations: Option<Entries<RawEvse>>,
}

/// `{evse: N, connector: M}`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEvse {
    pub evse: i64,
    #[serde(default)]
    pub connector: Option<i64>,
}

/// `{module_id: ..., implementation_id: ...}`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConnection {
    pub module_id: String,
    pub implementation_id: String,
}

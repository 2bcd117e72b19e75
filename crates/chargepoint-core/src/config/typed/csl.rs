//! serde helpers for keys that hold OCPP comma-separated lists in a string.

use ocpp_types::charging_profile::{ChargingProfilePurpose, ChargingRateUnit};
use ocpp_types::meter::Measurand;
use serde::{Deserialize, Deserializer, Serializer};

use crate::config::schema::split_list;
use crate::config::section::ProfileName;

/// A member type of a comma-separated list.
pub trait Member: Sized {
    /// Parses one (trimmed) member.
    fn parse(s: &str) -> Option<Self>;
    /// The member as written in the list.
    fn text(&self) -> String;
}

impl Member for String {
    fn parse(s: &str) -> Option<Self> {
        Some(s.to_string())
    }
    fn text(&self) -> String {
        self.clone()
    }
}

impl Member for Measurand {
    fn parse(s: &str) -> Option<Self> {
        Measurand::from_wire(s)
    }
    fn text(&self) -> String {
        self.as_str().to_string()
    }
}

impl Member for ProfileName {
    fn parse(s: &str) -> Option<Self> {
        ProfileName::from_name(s)
    }
    fn text(&self) -> String {
        self.as_str().to_string()
    }
}

impl Member for ChargingProfilePurpose {
    fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::from(s)).ok()
    }
    fn text(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// ChargingScheduleAllowedChargingRateUnit spells the units Current and Power (OCPP 1.6 §9.5.2),
/// not A and W as charging schedules do.
impl Member for ChargingRateUnit {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "Current" => Some(ChargingRateUnit::A),
            "Power" => Some(ChargingRateUnit::W),
            _ => None,
        }
    }
    fn text(&self) -> String {
        match self {
            ChargingRateUnit::A => "Current",
            ChargingRateUnit::W => "Power",
        }
        .to_string()
    }
}

fn parse_all<T: Member, E: serde::de::Error>(text: &str) -> Result<Vec<T>, E> {
    split_list(text)
        .into_iter()
        .map(|m| T::parse(m).ok_or_else(|| E::custom(format!("unexpected list member {m:?}"))))
        .collect()
}

/// Deserializes a list string.
pub fn deserialize<'de, D: Deserializer<'de>, T: Member>(d: D) -> Result<Vec<T>, D::Error> {
    let text = String::deserialize(d)?;
    parse_all(&text)
}

/// Serializes a list as a comma-separated string.
pub fn serialize<S: Serializer, T: Member>(items: &[T], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&join(items))
}

fn join<T: Member>(items: &[T]) -> String {
    items.iter().map(Member::text).collect::<Vec<_>>().join(",")
}

/// The same for optional keys.
pub mod option {
    use super::*;

    /// Deserializes an optional list string.
    pub fn deserialize<'de, D: Deserializer<'de>, T: Member>(
        d: D,
    ) -> Result<Option<Vec<T>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => parse_all(&text).map(Some),
            None => Ok(None),
        }
    }

    /// Serializes an optional list (callers skip `None`).
    pub fn serialize<S: Serializer, T: Member>(
        items: &Option<Vec<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match items {
            Some(items) => s.serialize_str(&join(items)),
            None => s.serialize_none(),
        }
    }
}

//! The typed view of the configuration the rest of the station reads: one struct per section,
//! built from the validated JSON (defaults filled in), rebuilt after every change.
//!
//! The structs mirror the schema files; a unit test checks that every key of the registry has a
//! field (and no field lacks a key), and that a key is an `Option` exactly when a configuration
//! may leave it out, so the two cannot drift apart.

mod core;
pub mod csl;
mod internal;
mod profiles;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use self::core::Core;
pub use internal::Internal;
pub use profiles::{
    ChargingPrice, CostAndPrice, DefaultPrice, DefaultPriceText, FirmwareManagement,
    LocalAuthListManagement, PnC, PriceText, Reservation, Secret, Security, SmartCharging,
};

/// The whole configuration, typed. Optional sections are `None` when the file has no such section
/// (a profile listed in SupportedFeatureProfiles always has one after loading).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcppConfig {
    /// Internal.
    #[serde(rename = "Internal")]
    pub internal: Internal,
    /// Core.
    #[serde(rename = "Core")]
    pub core: Core,
    /// FirmwareManagement.
    #[serde(
        rename = "FirmwareManagement",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub firmware_management: Option<FirmwareManagement>,
    /// Security.
    #[serde(rename = "Security")]
    pub security: Security,
    /// LocalAuthListManagement.
    #[serde(
        rename = "LocalAuthListManagement",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub local_auth_list_management: Option<LocalAuthListManagement>,
    /// Reservation.
    #[serde(
        rename = "Reservation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reservation: Option<Reservation>,
    /// SmartCharging.
    #[serde(
        rename = "SmartCharging",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub smart_charging: Option<SmartCharging>,
    /// PnC.
    #[serde(rename = "PnC", default, skip_serializing_if = "Option::is_none")]
    pub pnc: Option<PnC>,
    /// CostAndPrice.
    #[serde(
        rename = "CostAndPrice",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cost_and_price: Option<CostAndPrice>,
    /// Custom keys, as JSON.
    #[serde(rename = "Custom", default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Map<String, Value>>,
}

/// The validated document does not fit the typed view: the schema files and the structs here
/// disagree (a bug, which the unit tests are there to catch).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the configuration does not fit its typed view (schema and typed view disagree): {0}")]
pub struct TypedViewError(pub String);

impl OcppConfig {
    /// The typed view of a validated document.
    pub fn from_document(doc: &Value) -> Result<OcppConfig, TypedViewError> {
        serde_json::from_value(doc.clone()).map_err(|e| TypedViewError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::registry::Registry;
    use crate::config::schema::JsonType;
    use crate::config::validate::validate;
    use serde_json::json;
    use std::collections::BTreeSet;

    /// A valid value of every key of every section.
    fn every_key() -> Value {
        let r = Registry::embedded().unwrap();
        let mut doc = Map::new();
        for spec in r.keys() {
            let value = match (spec.default(), spec.json_type()) {
                (Some(d), _) => d.clone(),
                (None, JsonType::Boolean) => json!(true),
                (None, JsonType::Integer) => {
                    json!(spec.schema.minimum.unwrap_or(1.0).max(1.0) as i64)
                }
                (None, JsonType::String) if spec.list().is_some() => json!(""),
                (None, JsonType::String) => {
                    json!("x".repeat(spec.schema.min_length.unwrap_or(1).max(1)))
                }
                (None, JsonType::Array) => json!(["k1"]),
                (None, _) => json!({"priceText": "p", "priceTexts": []}),
            };
            doc.entry(spec.section.as_str())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .unwrap()
                .insert(spec.name.clone(), value);
        }
        doc.insert("Custom".into(), json!({"Mine": 1}));
        let mut doc = Value::Object(doc);
        doc["Core"]["ConnectorPhaseRotation"] = json!("0.RST");
        doc["Core"]["SupportedFeatureProfiles"] = json!("Core");
        doc["Internal"]["ConnectorEvseIds"] = json!("DE*PNX*E1");
        doc["CostAndPrice"]["SupportedLanguages"] = json!("en");
        doc
    }

    fn key_set(doc: &Value) -> BTreeSet<String> {
        doc.as_object()
            .unwrap()
            .iter()
            .flat_map(|(s, keys)| {
                keys.as_object()
                    .unwrap()
                    .keys()
                    .map(move |k| format!("{s}.{k}"))
            })
            .collect()
    }

    #[test]
    fn every_key_has_a_field_and_every_field_a_key() {
        let r = Registry::embedded().unwrap();
        let checked = validate(r, &every_key());
        assert_eq!(checked.violations, []);
        let typed = OcppConfig::from_document(&checked.document).unwrap();
        let back = serde_json::to_value(&typed).unwrap();
        assert_eq!(key_set(&back), key_set(&checked.document));
        assert_eq!(typed.core.heartbeat_interval, 1);
        assert_eq!(
            typed
                .security
                .authorization_key
                .as_ref()
                .map(Secret::expose),
            Some("x".repeat(16).as_str())
        );
    }

    #[test]
    fn a_field_is_optional_exactly_when_its_key_may_be_absent() {
        // Only the required keys: every non-Option field must still be filled (from defaults),
        // and the typed view must hold exactly the keys of the effective document.
        let r = Registry::embedded().unwrap();
        let mut doc = every_key();
        for spec in r.keys().filter(|k| !k.required) {
            if let Some(Value::Object(keys)) = doc.get_mut(spec.section.as_str()) {
                keys.remove(&spec.name);
            }
        }
        let checked = validate(r, &doc);
        assert_eq!(checked.violations, []);
        let typed = OcppConfig::from_document(&checked.document).unwrap();
        let back = serde_json::to_value(&typed).unwrap();
        assert_eq!(key_set(&back), key_set(&checked.document));
        assert!(typed.security.authorization_key.is_none());
        assert_eq!(typed.core.web_socket_ping_interval, None);
        assert_eq!(typed.internal.websocket_pong_timeout, 5);
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let s = Secret("very secret key!".into());
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
    }
}

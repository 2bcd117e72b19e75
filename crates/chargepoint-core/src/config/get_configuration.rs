//! GetConfiguration (OCPP 1.6 §5.8): every key in effect, or the requested ones with the rest as
//! unknownKey, each with its readonly flag and its value in OCPP's string form.
//!
//! What is reported, as libocpp: the keys present in the sections in effect (after defaults), in
//! libocpp's section order and, within a section, in byte order of the key names (libocpp's JSON
//! objects are sorted maps). Keys that libocpp forgets in its `get()` (UseTPM, LogRotation ...,
//! a known bug: EVerest issue 1796) are reported too. Write-only keys (AuthorizationKey) are
//! never reported, not even when asked for by name: like libocpp, they answer as unknownKey.
//! MeterPublicKeys is reported as `MeterPublicKey1`, `MeterPublicKey2`, ... (libocpp's
//! `getAllMeterPublicKeyKeyValues`, everest-core's eichrecht.py::test_meter_public_key) and
//! DefaultPriceText as `DefaultPriceText,<language>`, as libocpp and the California Pricing
//! whitepaper do (a language without a text, asked for by name, with an empty value, as libocpp).

use ocpp_types::core::{GetConfigurationRequest, GetConfigurationResponse, KeyValue};
use ocpp_types::{CallErrorCode, CiString50, CiString500};
use serde_json::Value;
use std::borrow::Cow;

use super::configuration::Configuration;
use super::registry::KeySpec;
use super::schema::ReportedAs;
use super::section::Section;
use super::value::to_ocpp_string;

/// A GetConfiguration that must be answered with a CALLERROR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GetConfigurationError {
    /// The request names more keys than GetConfigurationMaxKeys allows.
    #[error("{requested} keys requested, GetConfigurationMaxKeys is {max}")]
    TooManyKeys {
        /// Keys in the request.
        requested: usize,
        /// GetConfigurationMaxKeys.
        max: u32,
    },
}

impl GetConfigurationError {
    /// The CALLERROR code to answer with. OCPP 1.6 does not say what a charge point does with a
    /// request over GetConfigurationMaxKeys (libocpp ignores the limit); the request breaks an
    /// occurrence constraint the station declares, so OccurenceConstraintViolation.
    pub fn call_error_code(&self) -> CallErrorCode {
        CallErrorCode::OccurenceConstraintViolation
    }
}

/// One reported key before it becomes a KeyValue.
struct Reported {
    key: String,
    readonly: bool,
    value: String,
}

impl Configuration {
    /// Answers a GetConfiguration.req.
    pub fn get_configuration(
        &self,
        request: &GetConfigurationRequest,
    ) -> Result<GetConfigurationResponse, GetConfigurationError> {
        let (known, unknown) = match request.key.as_deref() {
            None | Some([]) => (self.all_reported(), Vec::new()),
            Some(keys) => {
                let max = self.core().get_configuration_max_keys;
                if keys.len() > max as usize {
                    return Err(GetConfigurationError::TooManyKeys {
                        requested: keys.len(),
                        max,
                    });
                }
                let mut known = Vec::new();
                let mut unknown = Vec::new();
                for key in keys {
                    // OCPP key names are matched exactly (the issue's rule; libocpp compares
                    // them ignoring case).
                    match self.reported(key.as_str()) {
                        Some(r) => known.push(r),
                        None => unknown.push(key.clone()),
                    }
                }
                (known, unknown)
            }
        };
        let configuration_key: Vec<KeyValue> = known.into_iter().filter_map(key_value).collect();
        Ok(GetConfigurationResponse {
            configuration_key: (!configuration_key.is_empty()).then_some(configuration_key),
            unknown_key: (!unknown.is_empty()).then_some(unknown),
        })
    }

    /// The value GetConfiguration reports for `key` (OCPP string form), if it reports the key.
    pub fn reported_value(&self, key: &str) -> Option<String> {
        self.reported(key).map(|r| r.value)
    }

    fn all_reported(&self) -> Vec<Reported> {
        let active = self.active_sections();
        let mut out = Vec::new();
        for section in Section::REPORT_ORDER
            .into_iter()
            .filter(|s| active.contains(s))
        {
            // In key order, which is the order libocpp reports in.
            for (name, value) in self.document().entries(section.as_str()) {
                let Some(spec) = self.spec_in(section, name) else {
                    continue;
                };
                out.extend(expand(&spec, value));
            }
        }
        out
    }

    /// The spec of a key: borrowed from the registry (no copy of its schema per request), or
    /// made for a key of the Custom section.
    fn spec_in(&self, section: Section, name: &str) -> Option<Cow<'_, KeySpec>> {
        match section {
            Section::Custom => self.custom_spec(name).map(Cow::Owned),
            _ => self.registry().key(name).map(Cow::Borrowed),
        }
    }

    fn reported(&self, key: &str) -> Option<Reported> {
        let active = self.active_sections();
        if let Some((storage, part)) = split_reported_name(key) {
            let spec = self.registry().key(storage)?;
            if !active.contains(&spec.section) {
                return None;
            }
            let found = self
                .stored(spec.section, storage)
                .and_then(|value| expand(spec, value).into_iter().find(|r| r.key == key));
            // A language without a text is reported empty, as libocpp's
            // getDefaultPriceTextKeyValue does (so a CSMS can read, then set, any language).
            let empty_language =
                (storage == "DefaultPriceText" && !part.is_empty()).then(|| Reported {
                    key: key.to_owned(),
                    readonly: spec.read_only(),
                    value: String::new(),
                });
            return found.or(empty_language);
        }
        let spec = match self.registry().key(key) {
            Some(spec) => Cow::Borrowed(spec),
            None => Cow::Owned(self.custom_spec(key)?),
        };
        if spec.reported_as().is_some() || !active.contains(&spec.section) {
            return None;
        }
        let value = self.stored(spec.section, key)?;
        expand(&spec, value).into_iter().next()
    }
}

/// For a name reported in place of a stored key (`MeterPublicKey2`, `DefaultPriceText,en`):
/// the stored key and the part (index from 1, or language).
pub(crate) fn split_reported_name(key: &str) -> Option<(&'static str, &str)> {
    if let Some(index) = key.strip_prefix("MeterPublicKey") {
        let digits = !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit());
        return digits.then_some(("MeterPublicKeys", index));
    }
    if let Some(language) = key.strip_prefix("DefaultPriceText,") {
        return Some(("DefaultPriceText", language));
    }
    None
}

/// The reported keys of one stored key: none if write-only, several for the keys reported per
/// connector or per language, else one.
fn expand(spec: &KeySpec, value: &Value) -> Vec<Reported> {
    if spec.write_only() {
        return Vec::new();
    }
    let readonly = spec.read_only();
    match spec.reported_as() {
        None => vec![Reported {
            key: spec.name.clone(),
            readonly,
            value: to_ocpp_string(value),
        }],
        Some(ReportedAs::MeterPublicKey) => value
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, v)| Reported {
                key: format!("MeterPublicKey{}", i + 1),
                readonly,
                value: to_ocpp_string(v),
            })
            .collect(),
        Some(ReportedAs::DefaultPriceText) => value
            .get("priceTexts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let language = entry.get("language")?.as_str()?;
                let mut text = entry.as_object()?.clone();
                text.remove("language");
                Some(Reported {
                    key: format!("DefaultPriceText,{language}"),
                    readonly,
                    value: Value::Object(text).to_string(),
                })
            })
            .collect(),
    }
}

/// The KeyValue of a reported key. OCPP limits names to 50 and values to 500 characters: a
/// longer name cannot be reported at all, a longer value (a long ConnectorEvseIds, say) is
/// reported without value rather than cut, so the central system never sees a wrong value.
fn key_value(r: Reported) -> Option<KeyValue> {
    let key = match CiString50::new(r.key.as_str()) {
        Ok(key) => key,
        Err(e) => {
            tracing::warn!(key = %r.key, "configuration key not reported: {e}");
            return None;
        }
    };
    let value = match CiString500::new(r.value) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(key = %r.key, "configuration value not reported: {e}");
            None
        }
    };
    Some(KeyValue {
        key,
        readonly: r.readonly,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::configuration::tests::config_with;
    use serde_json::json;

    fn request(keys: &[&str]) -> GetConfigurationRequest {
        GetConfigurationRequest {
            key: Some(keys.iter().map(|k| CiString50::new(*k).unwrap()).collect()),
        }
    }

    fn pairs(resp: &GetConfigurationResponse) -> Vec<(String, bool, Option<String>)> {
        resp.configuration_key
            .iter()
            .flatten()
            .map(|kv| {
                (
                    kv.key.to_string(),
                    kv.readonly,
                    kv.value.as_ref().map(|v| v.to_string()),
                )
            })
            .collect()
    }

    #[test]
    fn all_keys_in_libocpp_order_without_write_only_ones() {
        let cfg = config_with(
            json!({"Security": {"AuthorizationKey": "0123456789abcdef"}}),
            None,
        );
        for req in [GetConfigurationRequest { key: None }, request(&[])] {
            let resp = cfg.get_configuration(&req).unwrap();
            assert_eq!(resp.unknown_key, None);
            let all = pairs(&resp);
            let names: Vec<&str> = all.iter().map(|(k, _, _)| k.as_str()).collect();
            assert!(!names.contains(&"AuthorizationKey"));
            assert!(!all
                .iter()
                .any(|(_, _, v)| v.as_deref() == Some("0123456789abcdef")));
            let pos = |n: &str| names.iter().position(|k| *k == n).unwrap();
            assert!(pos("ChargePointId") < pos("HeartbeatInterval"));
            assert!(pos("HeartbeatInterval") < pos("SecurityProfile"));
            assert!(pos("AllowOfflineTxForUnknownId") < pos("HeartbeatInterval"));
            assert!(names.contains(&"UseTPM"));
            assert_eq!(
                names.len(),
                names
                    .iter()
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            );
        }
    }

    #[test]
    fn requested_keys_with_unknown_ones_and_string_forms() {
        let cfg = config_with(json!({}), None);
        let resp = cfg
            .get_configuration(&request(&[
                "HeartbeatInterval",
                "NoSuchKey",
                "heartbeatinterval",
                "NumberOfConnectors",
                "LocalPreAuthorize",
                "LogMessagesFormat",
                "AuthorizationKey",
                "SupplyVoltage",
            ]))
            .unwrap();
        assert_eq!(
            pairs(&resp),
            [
                ("HeartbeatInterval".into(), false, Some("86400".into())),
                ("NumberOfConnectors".into(), true, Some("1".into())),
                ("LocalPreAuthorize".into(), false, Some("false".into())),
                (
                    "LogMessagesFormat".into(),
                    true,
                    Some("log,html,security".into())
                ),
                ("SupplyVoltage".into(), false, Some("230".into())),
            ]
        );
        let unknown: Vec<String> = resp
            .unknown_key
            .unwrap()
            .iter()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(
            unknown,
            ["NoSuchKey", "heartbeatinterval", "AuthorizationKey"]
        );
    }

    #[test]
    fn get_configuration_max_keys_is_honoured() {
        let cfg = config_with(json!({"Core": {"GetConfigurationMaxKeys": 2}}), None);
        assert!(cfg
            .get_configuration(&request(&["HeartbeatInterval", "ResetRetries"]))
            .is_ok());
        let err = cfg
            .get_configuration(&request(&["HeartbeatInterval", "ResetRetries", "X"]))
            .unwrap_err();
        assert_eq!(
            err,
            GetConfigurationError::TooManyKeys {
                requested: 3,
                max: 2
            }
        );
        assert_eq!(
            err.call_error_code(),
            CallErrorCode::OccurenceConstraintViolation
        );
        // Asking for everything is not limited.
        assert!(cfg
            .get_configuration(&GetConfigurationRequest { key: None })
            .is_ok());
    }

    #[test]
    fn sections_not_in_effect_are_not_reported() {
        // FirmwareManagement present but not listed: its key is unknown, as in libocpp.
        let cfg = config_with(
            json!({"Core": {"SupportedFeatureProfiles": "Core,SmartCharging"}}),
            None,
        );
        let resp = cfg
            .get_configuration(&request(&[
                "SupportedFileTransferProtocols",
                "ChargeProfileMaxStackLevel",
            ]))
            .unwrap();
        assert_eq!(pairs(&resp).len(), 1);
        assert_eq!(
            resp.unknown_key.unwrap()[0].as_str(),
            "SupportedFileTransferProtocols"
        );
    }

    #[test]
    fn per_connector_and_per_language_keys() {
        let cfg = config_with(
            json!({
                "Internal": {"MeterPublicKeys": ["KEY1", "KEY2"]},
                "CostAndPrice": {"DefaultPriceText": {"priceTexts": [
                    {"priceText": "Preis", "language": "de"},
                    {"priceText": "Price", "priceTextOffline": "Offline", "language": "en"}]}}
            }),
            None,
        );
        let resp = cfg
            .get_configuration(&request(&[
                "MeterPublicKey2",
                "MeterPublicKey3",
                "MeterPublicKeys",
                "DefaultPriceText,en",
                "DefaultPriceText",
            ]))
            .unwrap();
        assert_eq!(
            pairs(&resp),
            [
                ("MeterPublicKey2".into(), true, Some("KEY2".into())),
                (
                    "DefaultPriceText,en".into(),
                    false,
                    Some(r#"{"priceText":"Price","priceTextOffline":"Offline"}"#.into())
                ),
            ]
        );
        assert_eq!(resp.unknown_key.unwrap().len(), 3);
        // A language without a text (supported or not) is reported empty, as libocpp.
        let resp = cfg
            .get_configuration(&request(&["DefaultPriceText,fr"]))
            .unwrap();
        assert_eq!(
            pairs(&resp),
            [("DefaultPriceText,fr".into(), false, Some(String::new()))]
        );
        let all = pairs(
            &cfg.get_configuration(&GetConfigurationRequest { key: None })
                .unwrap(),
        );
        let names: Vec<&str> = all.iter().map(|(k, _, _)| k.as_str()).collect();
        assert!(names.contains(&"MeterPublicKey1") && names.contains(&"DefaultPriceText,de"));
        assert!(!names.contains(&"MeterPublicKeys"));
    }

    #[test]
    fn custom_keys_are_reported() {
        let cfg = config_with(
            json!({"Custom": {"DisplayName": "Pole 7", "Slots": 3}}),
            None,
        );
        let resp = cfg
            .get_configuration(&request(&["DisplayName", "Slots"]))
            .unwrap();
        assert_eq!(
            pairs(&resp),
            [
                ("DisplayName".into(), false, Some("Pole 7".into())),
                ("Slots".into(), false, Some("3".into())),
            ]
        );
    }

    #[test]
    fn values_over_500_characters_are_reported_without_value() {
        let ids = vec!["DE*PNX*E0000001"; 40].join(",");
        let cfg = config_with(json!({"Internal": {"ConnectorEvseIds": ids}}), None);
        let resp = cfg
            .get_configuration(&request(&["ConnectorEvseIds"]))
            .unwrap();
        assert_eq!(pairs(&resp), [("ConnectorEvseIds".into(), false, None)]);
    }
}

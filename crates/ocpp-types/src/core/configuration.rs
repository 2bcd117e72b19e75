//! Configuration keys and the authorization cache: ChangeConfiguration (OCPP 1.6 §5.3,
//! §6.9-6.10), GetConfiguration (§5.8, §6.21-6.22) and ClearCache (§5.4, §6.11-6.12).

use serde::{Deserialize, Serialize};

use crate::{CiString50, CiString500};

/// The result of a ChangeConfiguration (OCPP 1.6 §7.16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConfigurationStatus {
    /// The value was changed and is in effect.
    Accepted,
    /// The key is known but the value was not changed (read-only key or invalid value).
    Rejected,
    /// The value was changed but takes effect only after a reboot.
    RebootRequired,
    /// The key is not known.
    NotSupported,
}

/// ChangeConfiguration.req: the central system sets one configuration key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeConfigurationRequest {
    /// key: the name of the configuration key (case-insensitive).
    pub key: CiString50,
    /// value: the new value, as text (lists are comma-separated).
    pub value: CiString500,
}

/// ChangeConfiguration.conf: whether the value was changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeConfigurationResponse {
    /// status: whether (and when) the change took effect.
    pub status: ConfigurationStatus,
}

/// GetConfiguration.req: the central system asks for configuration keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetConfigurationRequest {
    /// key: the keys wanted; absent (or empty) means all keys. At most GetConfigurationMaxKeys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Vec<CiString50>>,
}

/// One configuration key and its value, in a GetConfiguration.conf (OCPP 1.6 §7.29).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyValue {
    /// key: the name of the configuration key.
    pub key: CiString50,
    /// readonly (all lowercase on the wire): true if ChangeConfiguration cannot change it.
    pub readonly: bool,
    /// value: the current value; absent if the key has no value set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<CiString500>,
}

/// GetConfiguration.conf: the known keys with their values, and the requested keys that are
/// not known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetConfigurationResponse {
    /// configurationKey: the requested keys that are known, with their values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_key: Option<Vec<KeyValue>>,
    /// unknownKey: the requested keys that are not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_key: Option<Vec<CiString50>>,
}

/// The result of a ClearCache (OCPP 1.6 §7.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClearCacheStatus {
    /// The authorization cache was cleared.
    Accepted,
    /// The cache could not be cleared (or there is none).
    Rejected,
}

/// ClearCache.req: the central system asks the charge point to empty its authorization cache
/// (no fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClearCacheRequest {}

/// ClearCache.conf: whether the cache was cleared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClearCacheResponse {
    /// status: whether the cache was cleared.
    pub status: ClearCacheStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_util::{ok, refused, round_trip};
    use crate::{CallErrorCode, Violation};

    #[test]
    fn change_configuration_round_trips() {
        let req: ChangeConfigurationRequest =
            round_trip(r#"{"key":"MeterValueSampleInterval","value":"60"}"#);
        assert_eq!(req.key, "metervaluesampleinterval");
        assert_eq!(req.value.as_str(), "60");
        let resp: ChangeConfigurationResponse = round_trip(r#"{"status":"RebootRequired"}"#);
        assert_eq!(resp.status, ConfigurationStatus::RebootRequired);
    }

    #[test]
    fn get_configuration_round_trips_and_keeps_absent_apart_from_empty() {
        let all: GetConfigurationRequest = round_trip("{}");
        assert_eq!(all.key, None);
        let empty: GetConfigurationRequest = round_trip(r#"{"key":[]}"#);
        assert_eq!(empty.key, Some(vec![]));
        let some: GetConfigurationRequest =
            round_trip(r#"{"key":["HeartbeatInterval","NoSuchKey"]}"#);
        assert_eq!(some.key.as_ref().map(Vec::len), Some(2));

        let resp: GetConfigurationResponse = round_trip(
            r#"{"configurationKey":[
                    {"key":"HeartbeatInterval","readonly":false,"value":"300"},
                    {"key":"NumberOfConnectors","readonly":true,"value":"2"},
                    {"key":"AuthorizationKey","readonly":false}],
                "unknownKey":["NoSuchKey"]}"#,
        );
        let keys = resp.configuration_key.unwrap_or_default();
        assert_eq!(keys.len(), 3);
        assert!(keys[1].readonly);
        assert_eq!(keys[0].value.as_ref().map(|v| v.as_str()), Some("300"));
        assert_eq!(keys[2].value, None);
        assert_eq!(resp.unknown_key.unwrap_or_default()[0], "nosuchkey");
    }

    #[test]
    fn clear_cache_round_trips() {
        let _: ClearCacheRequest = round_trip("{}");
        let _: ClearCacheRequest = ok("  { }  ");
        let resp: ClearCacheResponse = round_trip(r#"{"status":"Accepted"}"#);
        assert_eq!(resp.status, ClearCacheStatus::Accepted);
    }

    #[test]
    fn refusals() {
        refused::<ChangeConfigurationRequest>(
            r#"{"key":"HeartbeatInterval"}"#,
            Violation::MissingField,
            CallErrorCode::FormationViolation,
            ".",
        );
        refused::<ChangeConfigurationRequest>(
            &format!(r#"{{"key":"{}","value":"1"}}"#, "K".repeat(51)),
            Violation::StringTooLong,
            CallErrorCode::FormationViolation,
            "key",
        );
        refused::<ChangeConfigurationRequest>(
            &format!(r#"{{"key":"K","value":"{}"}}"#, "v".repeat(501)),
            Violation::StringTooLong,
            CallErrorCode::FormationViolation,
            "value",
        );
        refused::<GetConfigurationResponse>(
            r#"{"configurationKey":[{"key":"K","readOnly":true}]}"#,
            Violation::UnknownField,
            CallErrorCode::FormationViolation,
            "configurationKey[0].readOnly",
        );
        refused::<ClearCacheRequest>(
            r#"{"all":true}"#,
            Violation::UnknownField,
            CallErrorCode::FormationViolation,
            "all",
        );
        refused::<ChangeConfigurationResponse>(
            r#"{"status":"Unknown"}"#,
            Violation::UnknownEnumValue,
            CallErrorCode::PropertyConstraintViolation,
            "status",
        );
        refused::<KeyValue>(
            r#"{"key":"K","readonly":"true"}"#,
            Violation::WrongType,
            CallErrorCode::FormationViolation,
            "readonly",
        );
    }
}

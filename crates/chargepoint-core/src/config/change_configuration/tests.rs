//! Tests of ChangeConfiguration, one per rule.

use super::*;
use crate::config::configuration::tests::config_with;
use crate::config::load::Document;
use crate::config::registry::Registry;
use crate::config::user_overlay::MemoryOverlay;
use crate::config::value::ConfigValue;
use crate::config::DEFAULT_CONFIG;
use ocpp_types::core::ConfigurationStatus::{Accepted, NotSupported, RebootRequired, Rejected};
use ocpp_types::core::GetConfigurationRequest;
use serde_json::json;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn request(key: &str, value: &str) -> ChangeConfigurationRequest {
    ChangeConfigurationRequest {
        key: key.try_into().unwrap(),
        value: value.try_into().unwrap(),
    }
}

/// A gate that allows every profile.
fn open_gate(_: u8) -> Result<(), String> {
    Ok(())
}

fn change(cfg: &mut Configuration, key: &str, value: &str) -> ChangeOutcome {
    let ctx = ChangeContext {
        now: now(),
        security_profile: &open_gate,
    };
    cfg.change_configuration(&request(key, value), &ctx)
}

fn status(cfg: &mut Configuration, key: &str, value: &str) -> ConfigurationStatus {
    change(cfg, key, value).status
}

#[test]
fn unknown_keys_are_not_supported() {
    let mut cfg = config_with(json!({}), None);
    assert_eq!(status(&mut cfg, "NoSuchKey", "1"), NotSupported);
    // Key names are matched exactly.
    assert_eq!(status(&mut cfg, "heartbeatinterval", "60"), NotSupported);
    assert_eq!(status(&mut cfg, "HEARTBEATINTERVAL", "60"), NotSupported);
    // An optional key the configuration leaves out is a feature the station does not have.
    assert_eq!(status(&mut cfg, "BlinkRepeat", "3"), NotSupported);
    assert_eq!(status(&mut cfg, "LightIntensity", "50"), NotSupported);
    // Keys reported per connector or language are not keys themselves.
    assert_eq!(status(&mut cfg, "MeterPublicKeys", "x"), NotSupported);
    let mut unlisted = config_with(json!({"Core": {"SupportedFeatureProfiles": "Core"}}), None);
    assert_eq!(
        status(&mut unlisted, "LocalAuthListEnabled", "false"),
        NotSupported
    );
    assert_eq!(cfg.overlay(), &json!({}));
}

#[test]
fn read_only_keys_are_rejected() {
    let mut cfg = config_with(json!({"Internal": {"MeterPublicKeys": ["K1"]}}), None);
    for key in [
        "NumberOfConnectors",
        "SupportedFeatureProfiles",
        "GetConfigurationMaxKeys",
        "CentralSystemURI",
        "ChargePointId",
        "MeterPublicKey1",
        "LocalAuthListMaxLength",
    ] {
        let outcome = change(&mut cfg, key, "1");
        assert_eq!(outcome.status, Rejected, "{key}");
        assert!(outcome.reason.unwrap().contains("read-only"), "{key}");
    }
    assert_eq!(status(&mut cfg, "MeterPublicKey2", "1"), NotSupported);
    assert_eq!(cfg.overlay(), &json!({}));
}

#[test]
fn invalid_values_are_rejected() {
    let mut cfg = config_with(
        json!({"Core": {"LightIntensity": 10, "MeterValuesSampledDataMaxLength": 2},
               "Internal": {"SeccLeafSubjectCountry": "DE"},
               "CostAndPrice": {"WaitForSetUserPriceTimeout": 100}}),
        None,
    );
    let cases = [
        // type
        ("HeartbeatInterval", "sixty", "is not an integer"),
        ("HeartbeatInterval", "1.5", "is not an integer"),
        ("LocalPreAuthorize", "yes", "is not a boolean"),
        ("SupplyVoltage", "high", "is not a number"),
        // range
        ("HeartbeatInterval", "-1", "below the minimum 0"),
        ("HeartbeatInterval", "2147483648", "32-bit"),
        ("LightIntensity", "101", "above the maximum 100"),
        (
            "WaitForSetUserPriceTimeout",
            "30001",
            "above the maximum 30000",
        ),
        ("OcspRequestInterval", "3600", "below the minimum 86400"),
        (
            "CompositeScheduleDefaultNumberPhases",
            "4",
            "above the maximum 3",
        ),
        // enum / list members
        (
            "MeterValuesSampledData",
            "Energy.Active.Import.Register,Bananas",
            "is not one of",
        ),
        (
            "MeterValuesSampledData",
            "RPM",
            "is not in SupportedMeasurands",
        ),
        ("MeterValuesAlignedData", "Voltage,,SoC", "is empty"),
        (
            "IgnoredProfilePurposesOffline",
            "TxProfile,Nope",
            "is not one of",
        ),
        // list length
        (
            "MeterValuesSampledData",
            "Voltage,SoC,Frequency",
            "at most 2 allowed",
        ),
        // string length and forms
        ("SeccLeafSubjectCountry", "DEU", "at most 2 allowed"),
        ("SeccLeafSubjectCountry", "D", "at least 2 required"),
        ("ConnectorPhaseRotation", "0.RST,1.XYZ", "is not one of"),
        ("ConnectorPhaseRotation", "0.RST,2.RST", "does not exist"),
    ];
    for (key, value, why) in cases {
        let outcome = change(&mut cfg, key, value);
        assert_eq!(outcome.status, Rejected, "{key}={value}");
        let reason = outcome.reason.unwrap();
        assert!(reason.contains(why), "{key}={value}: {reason}");
    }
    assert_eq!(cfg.overlay(), &json!({}));
    assert_eq!(cfg.core().heartbeat_interval, 86400);
}

#[test]
fn accepted_changes_are_persisted_and_applied_at_once() {
    let mut cfg = config_with(json!({}), None);
    let runtime_keys = [
        ("HeartbeatInterval", "60"),
        ("MeterValueSampleInterval", "15"),
        ("ClockAlignedDataInterval", "300"),
        ("ConnectionTimeOut", "45"),
        ("WebSocketPingInterval", "20"),
        ("TransactionMessageAttempts", "5"),
    ];
    for (key, value) in runtime_keys {
        let outcome = change(&mut cfg, key, value);
        assert_eq!(outcome.status, Accepted, "{key}");
        let ch = outcome.change.unwrap();
        assert!(ch.is(key));
        assert_eq!(ch.section, Section::Core);
        assert_eq!(ch.new, ConfigValue::Integer(value.parse().unwrap()));
        assert_eq!(ch.origin, ChangeOrigin::CentralSystem);
        assert!(!ch.reboot_required);
    }
    let core = cfg.core();
    assert_eq!(
        (
            core.heartbeat_interval,
            core.meter_value_sample_interval,
            core.clock_aligned_data_interval,
            core.connection_time_out,
            core.web_socket_ping_interval,
            core.transaction_message_attempts
        ),
        (60, 15, 300, 45, Some(20), 5)
    );
    assert_eq!(
        cfg.overlay(),
        &json!({"Core": {"HeartbeatInterval": 60, "MeterValueSampleInterval": 15,
                         "ClockAlignedDataInterval": 300, "ConnectionTimeOut": 45,
                         "WebSocketPingInterval": 20, "TransactionMessageAttempts": 5}})
    );
    let outcome = change(&mut cfg, "HeartbeatInterval", "90");
    assert_eq!(outcome.change.unwrap().old, Some(ConfigValue::Integer(60)));
    assert_eq!(
        cfg.reported_value("HeartbeatInterval").as_deref(),
        Some("90")
    );
}

#[test]
fn the_value_a_key_already_has_is_answered_as_usual_but_is_no_change() {
    let mut cfg = config_with(
        json!({"Core": {"HeartbeatInterval": 300},
               "Internal": {"ConnectorEvseIds": "DE*PNX*E1"}}),
        None,
    );
    let outcome = change(&mut cfg, "HeartbeatInterval", "300");
    assert_eq!(outcome.status, Accepted);
    assert_eq!(outcome.change, None);
    assert_eq!(outcome.reason, None);
    // Recorded in the user config all the same, as libocpp records every accepted value.
    assert_eq!(cfg.overlay(), &json!({"Core": {"HeartbeatInterval": 300}}));
    // A key needing a reboot still says so: an earlier change of it may be waiting for one.
    let outcome = change(&mut cfg, "ConnectorEvseIds", "DE*PNX*E1");
    assert_eq!(outcome.status, RebootRequired);
    assert_eq!(outcome.change, None);
}

#[test]
fn values_take_their_stored_type() {
    let mut cfg = config_with(json!({}), None);
    assert_eq!(status(&mut cfg, "LocalPreAuthorize", "TRUE"), Accepted);
    assert!(cfg.core().local_pre_authorize);
    assert_eq!(
        cfg.reported_value("LocalPreAuthorize").as_deref(),
        Some("true")
    );
    assert_eq!(status(&mut cfg, "SupplyVoltage", "229.5"), Accepted);
    assert_eq!(cfg.internal().supply_voltage, 229.5);
    assert_eq!(
        status(&mut cfg, "MeterValuesSampledData", "Voltage, SoC"),
        Accepted
    );
    assert_eq!(
        cfg.core().meter_values_sampled_data,
        [
            ocpp_types::meter::Measurand::Voltage,
            ocpp_types::meter::Measurand::SoC
        ]
    );
    assert_eq!(status(&mut cfg, "MeterValuesSampledData", ""), Accepted);
    assert!(cfg.core().meter_values_sampled_data.is_empty());
    assert_eq!(
        status(&mut cfg, "IgnoredProfilePurposesOffline", "TxProfile"),
        Accepted
    );
    assert_eq!(
        cfg.overlay()["Internal"]["IgnoredProfilePurposesOffline"],
        json!("TxProfile")
    );
}

#[test]
fn keys_needing_a_reboot_answer_reboot_required() {
    let mut cfg = config_with(json!({"Internal": {"ConnectorEvseIds": "DE*PNX*E1"}}), None);
    let outcome = change(&mut cfg, "ConnectorEvseIds", "DE*PNX*E2,DE*PNX*E3");
    assert_eq!(outcome.status, RebootRequired);
    assert!(outcome.change.unwrap().reboot_required);
    assert_eq!(
        cfg.overlay()["Internal"]["ConnectorEvseIds"],
        json!("DE*PNX*E2,DE*PNX*E3")
    );
    assert_eq!(status(&mut cfg, "ConnectorEvseIds", "DE*1"), Rejected);
}

#[test]
fn authorization_key_is_write_only_decoded_and_at_least_16_bytes() {
    let mut cfg = config_with(json!({}), None);
    // Absent, yet settable (libocpp does the same).
    assert_eq!(status(&mut cfg, "AuthorizationKey", "short"), Rejected);
    // 16 hex digits are 8 bytes: enough for libocpp, too short for the whitepaper.
    assert_eq!(
        status(&mut cfg, "AuthorizationKey", "3031323334353637"),
        Rejected
    );
    let outcome = change(
        &mut cfg,
        "AuthorizationKey",
        "30313233343536373839616263646566",
    );
    assert_eq!(outcome.status, Accepted);
    let ch = outcome.change.unwrap();
    assert!(ch.secret);
    assert_eq!(ch.new, ConfigValue::Text("0123456789abcdef".into()));
    assert_eq!(
        cfg.security()
            .authorization_key
            .as_ref()
            .map(|k| k.expose()),
        Some("0123456789abcdef")
    );
    assert_eq!(
        cfg.overlay()["Security"]["AuthorizationKey"],
        json!("0123456789abcdef")
    );
    // A plain key is taken as it is.
    assert_eq!(
        status(&mut cfg, "AuthorizationKey", "my plain password!"),
        Accepted
    );
    assert_eq!(
        cfg.security()
            .authorization_key
            .as_ref()
            .map(|k| k.expose()),
        Some("my plain password!")
    );
    // Never disclosed.
    let all = cfg
        .get_configuration(&GetConfigurationRequest { key: None })
        .unwrap();
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains("AuthorizationKey") && !text.contains("plain password"));
    assert_eq!(cfg.reported_value("AuthorizationKey"), None);
}

#[test]
fn security_profile_may_only_be_raised_when_its_prerequisites_exist() {
    let mut cfg = config_with(json!({}), None);
    let refused = |cfg: &mut Configuration, value: &str, gate: &dyn SecurityProfileGate| {
        let ctx = ChangeContext {
            now: now(),
            security_profile: gate,
        };
        let outcome = cfg.change_configuration(&request("SecurityProfile", value), &ctx);
        assert_eq!(outcome.status, Rejected, "{value}");
        outcome.reason.unwrap()
    };
    assert!(refused(&mut cfg, "0", &open_gate).contains("only be raised"));
    assert!(refused(&mut cfg, "1", &open_gate).contains("needs an AuthorizationKey"));
    assert!(refused(&mut cfg, "4", &open_gate).contains("does not exist"));
    assert!(refused(&mut cfg, "one", &open_gate).contains("not an integer"));
    let no_certificates = |p: u8| {
        if p >= 2 {
            Err("no CentralSystemRootCertificate installed".to_string())
        } else {
            Ok(())
        }
    };
    assert!(refused(&mut cfg, "3", &no_certificates).contains("no CentralSystemRootCertificate"));
    assert_eq!(cfg.security().security_profile, 0);

    assert_eq!(
        status(&mut cfg, "AuthorizationKey", "0123456789abcdef"),
        Accepted
    );
    let ctx = ChangeContext {
        now: now(),
        security_profile: &no_certificates,
    };
    let outcome = cfg.change_configuration(&request("SecurityProfile", "1"), &ctx);
    assert_eq!(outcome.status, Accepted);
    let ch = outcome.change.unwrap();
    assert_eq!(
        (ch.old, ch.new),
        (Some(ConfigValue::Integer(0)), ConfigValue::Integer(1))
    );
    assert_eq!(cfg.security().security_profile, 1);
    assert!(refused(&mut cfg, "1", &open_gate).contains("only be raised"));
    // The runtime falls back when the new profile cannot connect.
    cfg.set_by_station("SecurityProfile", json!(0)).unwrap();
    assert_eq!(cfg.security().security_profile, 0);
}

#[test]
fn custom_keys_are_changeable() {
    let mut cfg = config_with(
        json!({"Custom": {"DisplayName": "Pole 7", "Slots": 3, "Eco": false}}),
        None,
    );
    assert_eq!(status(&mut cfg, "DisplayName", "Pole 8"), Accepted);
    assert_eq!(status(&mut cfg, "Slots", "4"), Accepted);
    assert_eq!(status(&mut cfg, "Slots", "four"), Rejected);
    assert_eq!(status(&mut cfg, "Eco", "true"), Accepted);
    assert_eq!(
        cfg.overlay()["Custom"],
        json!({"DisplayName": "Pole 8", "Slots": 4, "Eco": true})
    );
    assert_eq!(cfg.typed().custom.as_ref().unwrap()["Slots"], json!(4));
    assert_eq!(status(&mut cfg, "NotThere", "1"), NotSupported);
}

#[test]
fn declared_custom_keys_follow_their_schema() {
    let registry = Registry::with_custom_schema(
        r#"{"type": "object", "properties": {
            "Brightness": {"type": "integer", "minimum": 0, "maximum": 10, "readOnly": false, "x-rebootRequired": true},
            "Serial": {"type": "string", "readOnly": true}}}"#,
    )
    .unwrap();
    let mut base = Document::parse("base.json", DEFAULT_CONFIG).unwrap();
    base.value["Custom"] = json!({"Brightness": 5, "Serial": "S1"});
    let mut cfg = Configuration::load(registry, &base, Box::new(MemoryOverlay::default())).unwrap();
    assert_eq!(status(&mut cfg, "Brightness", "11"), Rejected);
    assert_eq!(status(&mut cfg, "Brightness", "7"), RebootRequired);
    assert_eq!(status(&mut cfg, "Serial", "S2"), Rejected);
}

#[test]
fn a_change_that_cannot_be_stored_is_not_applied() {
    let mut base = Document::parse("base.json", DEFAULT_CONFIG).unwrap();
    base.label = "base.json".into();
    let store = MemoryOverlay {
        fail_saves: true,
        ..MemoryOverlay::default()
    };
    let mut cfg = Configuration::load(
        Registry::embedded().unwrap().clone(),
        &base,
        Box::new(store),
    )
    .unwrap();
    let outcome = change(&mut cfg, "HeartbeatInterval", "60");
    assert_eq!(outcome.status, Rejected);
    assert!(outcome.reason.unwrap().contains("could not be stored"));
    assert_eq!(cfg.core().heartbeat_interval, 86400);
    assert_eq!(cfg.overlay(), &json!({}));
}

#[test]
fn cost_and_price_keys() {
    let mut cfg = config_with(
        json!({"Core": {"SupportedFeatureProfiles": "Core,CostAndPrice"},
               "CostAndPrice": {"SupportedLanguages": "en, nl", "TimeOffset": "+01:00",
                                "NextTimeOffsetTransitionDateTime": "2025-03-30T01:00:00Z",
                                "DefaultPrice": {"priceText": "0.30/kWh"},
                                "DefaultPriceText": null}}),
        None,
    );
    assert_eq!(
        status(
            &mut cfg,
            "DefaultPriceText,nl",
            r#"{"priceText": "0,30/kWh"}"#
        ),
        Accepted
    );
    assert_eq!(
        status(
            &mut cfg,
            "DefaultPriceText,nl",
            r#"{"priceText": "0,31/kWh"}"#
        ),
        Accepted
    );
    assert_eq!(
        status(
            &mut cfg,
            "DefaultPriceText,de",
            r#"{"priceText": "0,30/kWh"}"#
        ),
        Rejected
    );
    assert_eq!(
        status(
            &mut cfg,
            "DefaultPriceText,en",
            r#"{"priceTextOffline": "x"}"#
        ),
        Rejected
    );
    assert_eq!(
        cfg.overlay()["CostAndPrice"]["DefaultPriceText"],
        json!({"priceTexts": [{"priceText": "0,31/kWh", "language": "nl"}]})
    );
    assert_eq!(
        cfg.reported_value("DefaultPriceText,nl").as_deref(),
        Some(r#"{"priceText":"0,31/kWh"}"#)
    );
    assert_eq!(
        status(&mut cfg, "DefaultPrice", r#"{"priceText": "0.35/kWh"}"#),
        Accepted
    );
    assert_eq!(
        status(&mut cfg, "DefaultPrice", r#"{"priceTextOffline": "x"}"#),
        Rejected
    );
    assert_eq!(status(&mut cfg, "DefaultPrice", "cheap"), Rejected);
    assert_eq!(status(&mut cfg, "TimeOffset", "-05:00"), Accepted);
    assert_eq!(status(&mut cfg, "TimeOffset", "5 hours"), Rejected);
    assert_eq!(
        status(
            &mut cfg,
            "NextTimeOffsetTransitionDateTime",
            "2024-10-27T01:00:00Z"
        ),
        Rejected
    );
    assert_eq!(
        status(
            &mut cfg,
            "NextTimeOffsetTransitionDateTime",
            "2025-10-26T01:00:00Z"
        ),
        Accepted
    );
}

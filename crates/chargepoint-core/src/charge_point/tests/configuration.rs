//! GetConfiguration, ChangeConfiguration and actions not supported yet.

use serde_json::json;

use super::{Frame, Harness};
use crate::charge_point::{StationCommand, StationEvent};
use crate::config::ConfigValue;

#[test]
fn get_configuration_over_the_key_limit_is_an_occurrence_violation() {
    let mut h = Harness::registered(json!({"Core": {"GetConfigurationMaxKeys": 2}}), 1);
    let frames = h.csms_call(
        "GetConfiguration",
        json!({"key": ["HeartbeatInterval", "NumberOfConnectors", "MeterValueSampleInterval"]}),
    );
    assert_eq!(
        frames,
        vec![Frame::Error {
            id: h.csms_id(),
            code: "OccurenceConstraintViolation".into()
        }]
    );
    let answer = h.csms_call_ok(
        "GetConfiguration",
        json!({"key": ["NumberOfConnectors", "Nope"]}),
    );
    assert_eq!(
        answer,
        json!({"configurationKey": [{"key": "NumberOfConnectors", "readonly": true, "value": "1"}],
            "unknownKey": ["Nope"]})
    );
}

#[test]
fn heartbeat_interval_change_restarts_the_heartbeat_and_reaches_the_runtime() {
    let mut h = Harness::registered(json!({}), 1);
    h.advance(200);
    let answer = h.csms_call_ok(
        "ChangeConfiguration",
        json!({"key": "HeartbeatInterval", "value": "20"}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
    let commands = h.commands();
    let [StationCommand::ApplyConfigurationChange(change)] = commands.as_slice() else {
        panic!("{commands:?}");
    };
    assert!(change.is("HeartbeatInterval"));
    assert_eq!(change.new, ConfigValue::Integer(20));
    h.advance(19);
    h.assert_silent();
    h.advance(1);
    assert_eq!(h.call().1, "Heartbeat");
}

#[test]
fn setting_the_heartbeat_interval_it_has_is_accepted_but_changes_nothing() {
    // BootNotification.conf made it 300 s.
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(h.cp.config().core().heartbeat_interval, 300);
    h.advance(200);
    let answer = h.csms_call_ok(
        "ChangeConfiguration",
        json!({"key": "HeartbeatInterval", "value": "300"}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
    // No change for the runtime to apply, and the heartbeat timer runs on undisturbed.
    assert_eq!(h.commands(), vec![]);
    h.advance(99);
    h.assert_silent();
    h.advance(1);
    assert_eq!(h.call().1, "Heartbeat");
}

#[test]
fn refused_changes_are_answered_and_change_nothing() {
    let mut h = Harness::registered(json!({}), 1);
    let status = |h: &mut Harness, key: &str, value: &str| {
        h.csms_call_ok("ChangeConfiguration", json!({"key": key, "value": value}))["status"].clone()
    };
    assert_eq!(status(&mut h, "NumberOfConnectors", "2"), json!("Rejected"));
    assert_eq!(
        status(&mut h, "HeartbeatInterval", "soon"),
        json!("Rejected")
    );
    assert_eq!(status(&mut h, "NoSuchKey", "1"), json!("NotSupported"));
    // Profile 2 needs certificates the core cannot check.
    assert_eq!(status(&mut h, "SecurityProfile", "2"), json!("Rejected"));
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn sample_interval_change_restarts_sampling() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 600}}), 1);
    h.event(StationEvent::MeterReading {
        connector: 1,
        reading: crate::charge_point::MeterReading {
            values: vec![crate::charge_point::MeasuredValue {
                measurand: ocpp_types::meter::Measurand::EnergyActiveImportRegister,
                phase: None,
                value: 5.0,
                location: None,
            }],
        },
    });
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: super::tag("A"),
        meter_start_wh: 5,
        reservation_id: None,
    });
    h.pump();
    h.csms_call_ok(
        "ChangeConfiguration",
        json!({"key": "MeterValueSampleInterval", "value": "15"}),
    );
    h.advance(15);
    let sent = h.pump();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "MeterValues");
    assert_eq!(sent[0].1["transactionId"], json!(42));
}

#[test]
fn known_actions_not_supported_yet_get_not_supported() {
    let mut h = Harness::registered(json!({}), 1);
    for (action, payload) in [
        (
            "GetInstalledCertificateIds",
            json!({"certificateType": "CentralSystemRootCertificate"}),
        ),
        (
            "CertificateSigned",
            json!({"certificateChain": "-----BEGIN CERTIFICATE-----"}),
        ),
    ] {
        assert_eq!(
            h.csms_call(action, payload),
            vec![Frame::Error {
                id: h.csms_id(),
                code: "NotSupported".into()
            }],
            "{action}"
        );
    }
    // Unknown actions are ocpp-rpc's: NotImplemented.
    assert_eq!(
        h.csms_call("MakeCoffee", json!({})),
        vec![Frame::Error {
            id: h.csms_id(),
            code: "NotImplemented".into()
        }]
    );
}

#[test]
fn data_transfer_for_an_unknown_vendor_is_answered_unknown_vendor_id() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        h.csms_call_ok(
            "DataTransfer",
            json!({"vendorId": "com.example", "messageId": "x"})
        ),
        json!({"status": "UnknownVendorId"})
    );
}

//! TriggerMessage.

use ocpp_types::meter::Measurand;
use serde_json::json;

use super::{tag, Frame, Harness, T0};
use crate::charge_point::{MeasuredValue, MeterReading, StationEvent};

fn trigger(h: &mut Harness, payload: serde_json::Value) -> serde_json::Value {
    h.csms_call_ok("TriggerMessage", payload)["status"].clone()
}

#[test]
fn heartbeat_status_and_firmware_messages_follow_the_answer() {
    let mut h = Harness::registered(json!({}), 2);
    assert_eq!(
        trigger(&mut h, json!({"requestedMessage": "Heartbeat"})),
        "Accepted"
    );
    assert_eq!(h.pump(), vec![("Heartbeat".to_string(), json!({}))]);

    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "StatusNotification", "connectorId": 2})
        ),
        "Accepted"
    );
    assert_eq!(h.pump(), vec![h.status(2, "Available", 0)]);
    assert_eq!(
        trigger(&mut h, json!({"requestedMessage": "StatusNotification"})),
        "Accepted"
    );
    assert_eq!(
        h.pump(),
        vec![
            h.status(0, "Available", 0),
            h.status(1, "Available", 0),
            h.status(2, "Available", 0)
        ]
    );
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "FirmwareStatusNotification"})
        ),
        "Accepted"
    );
    assert_eq!(
        h.pump(),
        vec![(
            "FirmwareStatusNotification".to_string(),
            json!({"status": "Idle"})
        )]
    );
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "Heartbeat", "connectorId": 3})
        ),
        "Rejected"
    );
    h.assert_silent();
}

#[test]
fn meter_values_need_a_reading_and_carry_the_transaction() {
    let mut h = Harness::registered(
        json!({"Core": {"MeterValuesSampledData": "Energy.Active.Import.Register"}}),
        1,
    );
    assert_eq!(
        trigger(&mut h, json!({"requestedMessage": "MeterValues"})),
        "Rejected"
    );
    h.event(StationEvent::MeterReading {
        connector: 1,
        reading: MeterReading {
            values: vec![MeasuredValue {
                measurand: Measurand::EnergyActiveImportRegister,
                phase: None,
                value: 12.0,
                location: None,
            }],
        },
    });
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("A"),
        meter_start_wh: 12,
        reservation_id: None,
    });
    h.pump();
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "MeterValues", "connectorId": 1})
        ),
        "Accepted"
    );
    assert_eq!(
        h.pump(),
        vec![(
            "MeterValues".to_string(),
            json!({"connectorId": 1, "transactionId": 42, "meterValue": [{"timestamp": T0,
                "sampledValue": [{"value": "12", "context": "Trigger",
                "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]})
        )]
    );
}

#[test]
fn a_triggered_message_goes_out_while_pending() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"status": "Pending", "currentTime": T0, "interval": 60}),
    );
    let frames = h.csms_call("TriggerMessage", json!({"requestedMessage": "Heartbeat"}));
    assert!(
        matches!(&frames[0], Frame::Result { payload, .. } if payload == &json!({"status": "Accepted"}))
    );
    assert!(
        matches!(&frames[1], Frame::Call { action, .. } if action == "Heartbeat"),
        "{frames:?}"
    );
}

#[test]
fn boot_notification_and_diagnostics_status_are_sent_when_triggered() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        trigger(&mut h, json!({"requestedMessage": "BootNotification"})),
        "Accepted"
    );
    // Answered Accepted again: the heartbeat restarts and every status is reported again,
    // as after the first registration.
    let sent = h.pump();
    let actions: Vec<&str> = sent.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "BootNotification",
            "StatusNotification",
            "StatusNotification"
        ]
    );
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "DiagnosticsStatusNotification", "connectorId": 1})
        ),
        "Accepted"
    );
    assert_eq!(
        h.pump(),
        vec![(
            "DiagnosticsStatusNotification".to_string(),
            json!({"status": "Idle"})
        )]
    );
}

#[test]
fn a_connector_outside_the_station_is_rejected_for_every_message() {
    let mut h = Harness::registered(json!({}), 1);
    for message in [
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StatusNotification",
    ] {
        for connector in [-1, 2] {
            assert_eq!(
                trigger(
                    &mut h,
                    json!({"requestedMessage": message, "connectorId": connector})
                ),
                "Rejected",
                "{message} {connector}"
            );
        }
    }
    h.assert_silent();
}

#[test]
fn status_notification_of_connector_zero_and_of_a_faulted_connector() {
    use ocpp_types::core::ChargePointErrorCode;
    let mut h = Harness::registered(json!({}), 1);
    h.event(StationEvent::Fault {
        connector: 1,
        error_code: ChargePointErrorCode::EVCommunicationError,
        info: Some("no PWM".into()),
        vendor_error_code: Some("CP-3".into()),
    });
    h.pump();
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "StatusNotification", "connectorId": 0})
        ),
        "Accepted"
    );
    assert_eq!(h.pump(), vec![h.status(0, "Available", 0)]);
    // Triggered, a status is sent even though it did not change.
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "StatusNotification", "connectorId": 1})
        ),
        "Accepted"
    );
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "EVCommunicationError", "info": "no PWM",
                "status": "Faulted", "timestamp": T0, "vendorErrorCode": "CP-3"})
        )]
    );
}

#[test]
fn meter_values_of_a_connector_without_a_reading_are_rejected() {
    let mut h = Harness::registered(
        json!({"Core": {"MeterValuesSampledData": "Energy.Active.Import.Register"}}),
        2,
    );
    h.event(StationEvent::MeterReading {
        connector: 1,
        reading: MeterReading {
            values: vec![MeasuredValue::new(
                Measurand::EnergyActiveImportRegister,
                5.0,
            )],
        },
    });
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "MeterValues", "connectorId": 2})
        ),
        "Rejected"
    );
    h.assert_silent();
    // Without a connectorId: every connector that has a reading.
    assert_eq!(
        trigger(&mut h, json!({"requestedMessage": "MeterValues"})),
        "Accepted"
    );
    assert_eq!(
        h.pump(),
        vec![(
            "MeterValues".to_string(),
            json!({"connectorId": 1, "meterValue": [{"timestamp": T0,
                "sampledValue": [{"value": "5", "context": "Trigger",
                "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]})
        )]
    );
}

#[test]
fn an_unknown_requested_message_is_a_call_error() {
    // Not one of 1.6's six MessageTriggers: the payload does not decode (libocpp answers a
    // CALLERROR too, FormationViolation from its EnumConversionException).
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        h.csms_call(
            "TriggerMessage",
            json!({"requestedMessage": "SignChargePointCertificate"})
        ),
        vec![Frame::Error {
            id: h.csms_id(),
            code: "PropertyConstraintViolation".into()
        }]
    );
}

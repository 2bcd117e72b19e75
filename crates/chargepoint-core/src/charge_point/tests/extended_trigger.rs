//! ExtendedTriggerMessage: every requestedMessage, its answer first and the message after it on
//! the wire, per connector, unknown connectors Rejected, the messages it alone sends
//! (LogStatusNotification, SignedFirmwareStatusNotification), SignChargePointCertificate
//! Rejected without a certificate store (tests/sign_certificate.rs has the rest), and a trigger
//! while Pending.

use ocpp_types::meter::Measurand;
use serde_json::{json, Value};

use super::{Frame, Harness, T0};
use crate::charge_point::{MeasuredValue, MeterReading, StationEvent};

const ALL: [&str; 7] = [
    "BootNotification",
    "LogStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "SignChargePointCertificate",
    "StatusNotification",
];

/// Sends ExtendedTriggerMessage `payload`; checks the answer came first and said `status`, and
/// returns the CALLs that followed it, each answered, in order.
fn trigger(h: &mut Harness, payload: Value, status: &str) -> Vec<(String, Value)> {
    let frames = h.csms_call("ExtendedTriggerMessage", payload);
    let mut sent = Vec::new();
    match frames.split_first() {
        Some((Frame::Result { id, payload }, rest)) => {
            assert_eq!(*id, h.csms_id());
            assert_eq!(payload, &json!({ "status": status }));
            for frame in rest {
                let Frame::Call {
                    id,
                    action,
                    payload,
                } = frame
                else {
                    panic!("expected CALLs after the answer, got {frame:?}");
                };
                let answer = match action.as_str() {
                    "BootNotification" => {
                        json!({"status": "Accepted", "currentTime": T0, "interval": 300})
                    }
                    "Heartbeat" => json!({"currentTime": T0}),
                    _ => json!({}),
                };
                h.answer(id, answer);
                sent.push((action.clone(), payload.clone()));
            }
        }
        other => panic!("expected the answer first, got {other:?}"),
    }
    sent.extend(h.pump());
    sent
}

fn energy(connector: u32, wh: f64) -> StationEvent {
    StationEvent::MeterReading {
        connector,
        reading: MeterReading {
            values: vec![MeasuredValue::new(
                Measurand::EnergyActiveImportRegister,
                wh,
            )],
        },
    }
}

#[test]
fn boot_notification_and_heartbeat_follow_the_answer() {
    let mut h = Harness::registered(json!({}), 2);
    let sent = trigger(
        &mut h,
        json!({"requestedMessage": "BootNotification"}),
        "Accepted",
    );
    let actions: Vec<&str> = sent.iter().map(|(a, _)| a.as_str()).collect();
    // Accepted again: every status is reported again, as after the first registration.
    assert_eq!(
        actions,
        [
            "BootNotification",
            "StatusNotification",
            "StatusNotification",
            "StatusNotification"
        ]
    );
    assert_eq!(sent[0].1["chargePointVendor"], "ferrocharge");
    assert_eq!(
        trigger(&mut h, json!({"requestedMessage": "Heartbeat"}), "Accepted"),
        vec![("Heartbeat".to_string(), json!({}))]
    );
}

#[test]
fn status_notification_of_the_connector_given_or_of_every_connector() {
    let mut h = Harness::registered(json!({}), 2);
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "StatusNotification", "connectorId": 2}),
            "Accepted"
        ),
        vec![h.status(2, "Available", 0)]
    );
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "StatusNotification", "connectorId": 0}),
            "Accepted"
        ),
        vec![h.status(0, "Available", 0)]
    );
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "StatusNotification"}),
            "Accepted"
        ),
        vec![
            h.status(0, "Available", 0),
            h.status(1, "Available", 0),
            h.status(2, "Available", 0)
        ]
    );
}

#[test]
fn meter_values_of_each_connector_with_a_reading_and_rejected_without_one() {
    let mut h = Harness::registered(
        json!({"Core": {"MeterValuesSampledData": "Energy.Active.Import.Register"}}),
        2,
    );
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "MeterValues"}),
            "Rejected"
        ),
        vec![]
    );
    h.event(energy(2, 7.0));
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "MeterValues", "connectorId": 1}),
            "Rejected"
        ),
        vec![]
    );
    let meter = |connector: u32, wh: &str| {
        (
            "MeterValues".to_string(),
            json!({"connectorId": connector, "meterValue": [{"timestamp": T0,
                "sampledValue": [{"value": wh, "context": "Trigger",
                "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]}),
        )
    };
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "MeterValues", "connectorId": 2}),
            "Accepted"
        ),
        vec![meter(2, "7")]
    );
    h.event(energy(1, 3.0));
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "MeterValues"}),
            "Accepted"
        ),
        vec![meter(1, "3"), meter(2, "7")]
    );
}

#[test]
fn log_status_is_idle_without_request_id_when_no_upload_runs() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "LogStatusNotification"}),
            "Accepted"
        ),
        vec![(
            "LogStatusNotification".to_string(),
            json!({"status": "Idle"})
        )]
    );
}

#[test]
fn firmware_status_is_the_signed_update_status_not_the_firmware_status_notification() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "FirmwareStatusNotification", "connectorId": 1}),
            "Accepted"
        ),
        vec![(
            "SignedFirmwareStatusNotification".to_string(),
            json!({"status": "Idle"})
        )]
    );
}

#[test]
fn sign_charge_point_certificate_is_rejected_without_a_certificate_store() {
    for patch in [
        json!({}),
        json!({"Security": {"CpoName": "ferrocharge CPO"}}),
    ] {
        let mut h = Harness::registered(patch, 1);
        assert_eq!(
            trigger(
                &mut h,
                json!({"requestedMessage": "SignChargePointCertificate"}),
                "Rejected"
            ),
            vec![]
        );
    }
}

#[test]
fn a_connector_outside_the_station_is_rejected_for_every_message() {
    let mut h = Harness::registered(json!({}), 1);
    h.event(energy(1, 1.0));
    for message in ALL {
        for connector in [-1, 2] {
            assert_eq!(
                trigger(
                    &mut h,
                    json!({"requestedMessage": message, "connectorId": connector}),
                    "Rejected"
                ),
                vec![],
                "{message} {connector}"
            );
        }
    }
}

#[test]
fn a_requested_message_outside_the_list_is_a_call_error() {
    let mut h = Harness::registered(json!({}), 1);
    let frames = h.csms_call(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "DiagnosticsStatusNotification"}),
    );
    assert!(
        matches!(frames.as_slice(), [Frame::Error { id, .. }] if *id == h.csms_id()),
        "{frames:?}"
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
    assert_eq!(
        trigger(
            &mut h,
            json!({"requestedMessage": "LogStatusNotification"}),
            "Accepted"
        ),
        vec![(
            "LogStatusNotification".to_string(),
            json!({"status": "Idle"})
        )]
    );
}

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

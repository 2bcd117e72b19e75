//! Every TriggerMessage the core implements is answered Accepted first and the
//! message it asked for follows on the wire (libocpp's handleTriggerMessageRequest dispatches
//! the CALLRESULT before it sends the message); an unknown connector is Rejected and nothing
//! follows. The exact frames, in order.

use ocpp_types::meter::Measurand;
use serde_json::{json, Value};

use super::{Frame, Harness};
use crate::charge_point::{MeasuredValue, MeterReading, StationEvent};

/// The actions of the CALLs that followed the answer, checking that the answer to `call` came
/// first and said `status`.
fn answered_then(frames: &[Frame], call: &str, status: &str) -> Vec<(String, Value)> {
    match frames.split_first() {
        Some((Frame::Result { id, payload }, rest)) => {
            assert_eq!(id, call);
            assert_eq!(payload, &json!({ "status": status }));
            rest.iter()
                .map(|f| match f {
                    Frame::Call {
                        action, payload, ..
                    } => (action.clone(), payload.clone()),
                    other => panic!("expected CALLs after the answer, got {other:?}"),
                })
                .collect()
        }
        other => panic!("expected the answer first, got {other:?}"),
    }
}

#[test]
fn each_triggered_message_follows_its_answer_on_the_wire() {
    let mut h = Harness::registered(json!({}), 2);
    h.event(StationEvent::MeterReading {
        connector: 1,
        reading: MeterReading {
            values: vec![MeasuredValue::new(
                Measurand::EnergyActiveImportRegister,
                1500.0,
            )],
        },
    });
    let cases = [
        (
            json!({"requestedMessage": "BootNotification"}),
            "BootNotification",
        ),
        (
            json!({"requestedMessage": "DiagnosticsStatusNotification"}),
            "DiagnosticsStatusNotification",
        ),
        (
            json!({"requestedMessage": "FirmwareStatusNotification"}),
            "FirmwareStatusNotification",
        ),
        (json!({"requestedMessage": "Heartbeat"}), "Heartbeat"),
        (
            json!({"requestedMessage": "MeterValues", "connectorId": 1}),
            "MeterValues",
        ),
        (
            json!({"requestedMessage": "StatusNotification", "connectorId": 2}),
            "StatusNotification",
        ),
    ];
    for (request, action) in cases {
        let frames = h.csms_call("TriggerMessage", request.clone());
        let calls = answered_then(&frames, &h.csms_id(), "Accepted");
        assert_eq!(
            calls.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
            [action],
            "{request}"
        );
        // Answer it (and what a BootNotification brings after it) before the next one.
        let Some(Frame::Call { id, .. }) = frames.get(1) else {
            unreachable!()
        };
        let answer = match action {
            "BootNotification" => {
                json!({"status": "Accepted", "currentTime": h.at(0), "interval": 300})
            }
            "Heartbeat" => json!({"currentTime": h.at(0)}),
            _ => json!({}),
        };
        h.answer(id, answer);
        h.pump();
    }
    // Without connectorId: StatusNotification of every connector, 0 first.
    let frames = h.csms_call(
        "TriggerMessage",
        json!({"requestedMessage": "StatusNotification"}),
    );
    assert_eq!(
        answered_then(&frames, &h.csms_id(), "Accepted"),
        vec![h.status(0, "Available", 0)],
        "one CALL at a time: the others follow their answers"
    );
    h.held = frames[1..].to_vec();
    assert_eq!(
        h.pump(),
        vec![
            h.status(0, "Available", 0),
            h.status(1, "Available", 0),
            h.status(2, "Available", 0)
        ]
    );
}

#[test]
fn an_unknown_connector_is_rejected_and_nothing_follows() {
    let mut h = Harness::registered(json!({}), 2);
    for message in [
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StatusNotification",
    ] {
        let frames = h.csms_call(
            "TriggerMessage",
            json!({"requestedMessage": message, "connectorId": 3}),
        );
        assert_eq!(
            answered_then(&frames, &h.csms_id(), "Rejected"),
            vec![],
            "{message}"
        );
        h.assert_silent();
    }
}

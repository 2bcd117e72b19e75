//! A StartTransaction the central system answers with CALLERRORs until it is given up: the
//! transaction never gets an id and none is made up. Its MeterValues go without a
//! transactionId (queued before the give-up and after it), its StopTransaction is dropped, and
//! no frame ever carries a negative transactionId (transactions.rs, "A StartTransaction given
//! up").

use ocpp_types::core::Reason;
use serde_json::{json, Value};

use super::message_queue::energy_reading;
use super::{tag, Frame, Harness};
use crate::charge_point::StationEvent;

/// Every transactionId anywhere in `payload`.
fn transaction_ids(payload: &Value, out: &mut Vec<i64>) {
    match payload {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "transactionId" {
                    out.extend(value.as_i64());
                }
                transaction_ids(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| transaction_ids(v, out)),
        _ => {}
    }
}

/// Runs `secs` seconds in steps of one, answering every CALL but StartTransaction (a
/// CALLERROR); returns every CALL sent as (action, payload).
fn run(h: &mut Harness, secs: u64, sent: &mut Vec<(String, Value)>) {
    for _ in 0..secs {
        for frame in h.frames() {
            let Frame::Call {
                id,
                action,
                payload,
            } = frame
            else {
                continue;
            };
            if action == "StartTransaction" {
                h.answer_error(&id);
            } else {
                h.answer(&id, json!({}));
            }
            sent.push((action, payload));
        }
        h.advance(1);
    }
}

#[test]
fn no_frame_carries_a_made_up_transaction_id() {
    let mut h = Harness::registered(
        json!({"Core": {"TransactionMessageAttempts": 3, "TransactionMessageRetryInterval": 2,
            "MeterValueSampleInterval": 5, "HeartbeatInterval": 0,
            "MeterValuesSampledData": "Energy.Active.Import.Register", "StopTxnSampledData": "",
            "ClockAlignedDataInterval": 0}}),
        1,
    );
    h.event(energy_reading(100.0));
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 100,
        reservation_id: None,
    });
    let mut sent = Vec::new();
    // MeterValues queue up behind the failing StartTransaction (2 s, then 4 s between tries).
    h.event(energy_reading(150.0));
    run(&mut h, 8, &mut sent);
    h.event(energy_reading(200.0));
    run(&mut h, 12, &mut sent);
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 250,
        reason: Reason::Local,
        id_tag: None,
    });
    run(&mut h, 5, &mut sent);

    let starts = sent.iter().filter(|(a, _)| a == "StartTransaction").count();
    assert_eq!(starts, 3, "TransactionMessageAttempts");
    let mut ids = Vec::new();
    for (_, payload) in &sent {
        transaction_ids(payload, &mut ids);
    }
    assert_eq!(ids, Vec::<i64>::new(), "{sent:?}");
    let meter_values: Vec<&Value> = sent
        .iter()
        .filter(|(a, _)| a == "MeterValues")
        .map(|(_, p)| p)
        .collect();
    assert!(meter_values.len() >= 3, "{sent:?}");
    assert!(meter_values.iter().all(|p| p["connectorId"] == 1));
    assert!(sent.iter().all(|(a, _)| a != "StopTransaction"), "{sent:?}");
    assert_eq!(h.cp.queued_transaction_messages(), 0);
    assert_eq!(h.stored_messages(), vec![]);
}

#[test]
fn a_stop_queued_behind_the_given_up_start_is_dropped_and_the_next_session_is_whole() {
    let mut h = Harness::registered(
        json!({"Core": {"TransactionMessageAttempts": 1, "MeterValueSampleInterval": 0,
            "HeartbeatInterval": 0, "ClockAlignedDataInterval": 0, "StopTxnSampledData": ""}}),
        1,
    );
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 100,
        reservation_id: None,
    });
    let (start, action, _) = h.call();
    assert_eq!(action, "StartTransaction");
    // Stopped while its StartTransaction is unanswered: the StopTransaction waits behind it.
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 300,
        reason: Reason::Local,
        id_tag: None,
    });
    h.answer_error(&start);
    assert_eq!(h.cp.queued_transaction_messages(), 0);
    let sent = h.pump();
    assert!(
        sent.iter().all(|(a, _)| a == "StatusNotification"),
        "{sent:?}"
    );

    // The next session is not affected.
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 300,
        reservation_id: None,
    });
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 400,
        reason: Reason::Local,
        id_tag: None,
    });
    let sent = h.pump();
    let stop = sent.iter().find(|(a, _)| a == "StopTransaction").unwrap();
    assert_eq!(stop.1["transactionId"], 42);
}

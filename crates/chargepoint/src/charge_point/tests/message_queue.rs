//! The persistent queue of transaction messages: order, offline replay, the placeholder
//! transaction id, retries, and a restart from the store.

use ocpp_types::meter::Measurand;
use ocpp_types::{Action, DateTime};
use serde_json::json;

use super::{tag, Harness, T0};
use crate::charge_point::{
    MeasuredValue, MemoryStore, MeterReading, StationEvent, StoredMessage, StoredTransaction,
};

fn energy_reading(wh: f64) -> StationEvent {
    StationEvent::MeterReading {
        connector: 1,
        reading: MeterReading {
            values: vec![MeasuredValue {
                measurand: Measurand::EnergyActiveImportRegister,
                phase: None,
                value: wh,
            }],
        },
    }
}

fn start(h: &mut Harness) {
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 100,
        reservation_id: None,
    });
}

#[test]
fn messages_queued_offline_are_replayed_in_order_with_the_id_the_central_system_gives() {
    let mut h = Harness::registered(
        json!({"Core": {"MeterValueSampleInterval": 60,
            "MeterValuesSampledData": "Energy.Active.Import.Register", "StopTxnSampledData": ""}}),
        1,
    );
    h.event(energy_reading(100.0));
    start(&mut h);
    let (_, action, start_payload) = h.call();
    assert_eq!(action, "StartTransaction");
    // The connection drops before StartTransaction.conf.
    h.disconnect();
    h.event(energy_reading(200.0));
    h.advance(60);
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 300,
        reason: ocpp_types::core::Reason::Remote,
        id_tag: None,
    });
    h.assert_silent();
    let meter_values = json!({"connectorId": 1, "transactionId": -1, "meterValue": [{
        "timestamp": h.at(60), "sampledValue": [{"value": "200", "context": "Sample.Periodic",
        "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]});
    let stop = json!({"meterStop": 300, "timestamp": h.at(60), "transactionId": -1,
        "reason": "Remote"});
    assert_eq!(
        h.stored_messages(),
        vec![
            ("StartTransaction".to_string(), start_payload.clone()),
            ("MeterValues".to_string(), meter_values.clone()),
            ("StopTransaction".to_string(), stop.clone()),
        ]
    );

    h.advance(5);
    h.connect();
    let (id, action, payload) = h.call();
    assert_eq!(
        (action.as_str(), &payload),
        ("StartTransaction", &start_payload)
    );
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 77}),
    );
    let mut meter_values = meter_values;
    meter_values["transactionId"] = json!(77);
    let mut stop = stop;
    stop["transactionId"] = json!(77);
    assert_eq!(
        h.pump(),
        vec![
            ("MeterValues".to_string(), meter_values),
            ("StopTransaction".to_string(), stop),
            h.status(0, "Available", 65),
            h.status(1, "Available", 65),
        ]
    );
    assert_eq!(h.stored_messages(), vec![]);
}

#[test]
fn a_failed_transaction_message_is_retried_then_dropped() {
    let mut h = Harness::registered(
        json!({"Core": {"TransactionMessageAttempts": 3, "TransactionMessageRetryInterval": 10}}),
        1,
    );
    start(&mut h);
    let (first, action, _) = h.call();
    assert_eq!(action, "StartTransaction");
    h.answer_error(&first);
    // While StartTransaction waits for its retry, other messages may go.
    assert_eq!(h.pump(), vec![h.status(1, "Charging", 0)]);
    h.advance(9);
    h.assert_silent();
    h.advance(1);
    let (second, action, _) = h.call();
    assert_eq!(action, "StartTransaction");
    assert_ne!(first, second, "a retry is a new CALL");
    h.answer_error(&second);
    // Second retry: 2 × 10 s later.
    h.advance(19);
    h.assert_silent();
    h.advance(1);
    let (third, _, _) = h.call();
    h.answer_error(&third);
    assert_eq!(h.cp.queued_transaction_messages(), 0);
    assert_eq!(h.stored_messages(), vec![]);
    h.advance(600);
    assert!(h.pump().iter().all(|(a, _)| a == "Heartbeat"));
}

#[test]
fn an_unanswered_transaction_message_counts_as_a_failed_attempt() {
    // The shipped TransactionMessageAttempts is 1: one timeout and the message is dropped.
    let mut h = Harness::registered(json!({}), 1);
    start(&mut h);
    assert_eq!(h.call().1, "StartTransaction");
    h.advance(30);
    // The status was queued (and stamped) when it changed.
    assert_eq!(h.pump(), vec![h.status(1, "Charging", 0)]);
    assert_eq!(h.cp.queued_transaction_messages(), 0);
}

/// A store as a power loss leaves it: transaction 5 running on connector 1 (last sampled at
/// 1234 Wh, 60 s in), one of its MeterValues unanswered.
fn store_after_power_loss() -> (MemoryStore, serde_json::Value) {
    let mut store = MemoryStore::default();
    let started_at = DateTime::parse(T0).unwrap();
    store.transactions.insert(
        1,
        StoredTransaction {
            connector: 1,
            placeholder_id: -3,
            transaction_id: Some(5),
            id_tag: tag("RFID1"),
            meter_start_wh: 0,
            started_at,
            reservation_id: None,
            transaction_data: vec![],
            meter_last_wh: 1234,
            meter_last_at: DateTime::parse("2026-11-24T06:01:00.000Z").unwrap(),
        },
    );
    let queued = json!({"connectorId": 1, "transactionId": 5, "meterValue": [{
        "timestamp": T0, "sampledValue": [{"value": "1"}]}]});
    store.messages.insert(
        3,
        StoredMessage {
            key: 3,
            action: Action::MeterValues,
            payload: queued.clone(),
            attempts: 1,
            starts_transaction: None,
        },
    );
    (store, queued)
}

#[test]
fn after_a_restart_a_stored_transaction_is_stopped_with_power_loss_behind_the_queue() {
    let (store, queued) = store_after_power_loss();
    let mut h = Harness::with_store(json!({}), 1, store, &[]);
    assert_eq!(h.cp.transaction_id(1), None);
    assert_eq!(h.cp.store().transactions().unwrap(), vec![]);
    h.connect();
    let sent = h.pump();
    assert_eq!(
        sent,
        vec![
            ("BootNotification".to_string(), sent[0].1.clone()),
            ("MeterValues".to_string(), queued),
            (
                "StopTransaction".to_string(),
                json!({"meterStop": 1234, "timestamp": "2026-11-24T06:01:00.000Z",
                    "transactionId": 5, "reason": "PowerLoss"})
            ),
            h.status(0, "Available", 0),
            h.status(1, "Available", 0),
        ]
    );
}

#[test]
fn after_a_restart_a_resumed_transaction_runs_on() {
    let (store, _) = store_after_power_loss();
    let mut h = Harness::with_store(json!({}), 1, store, &[1]);
    assert_eq!(h.cp.transaction_id(1), Some(5));
    h.connect();
    let sent = h.pump();
    let actions: Vec<&str> = sent.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "BootNotification",
            "MeterValues",
            "StatusNotification",
            "StatusNotification"
        ]
    );
    assert_eq!(sent[3], h.status(1, "Charging", 0));
    assert_eq!(
        h.csms_call_ok("RemoteStopTransaction", json!({"transactionId": 5})),
        json!({"status": "Accepted"})
    );
    // A new transaction does not reuse the stored placeholder.
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("X"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    assert_eq!(
        h.cp.transaction_id(1),
        Some(5),
        "connector busy: start ignored"
    );
}

#[test]
fn a_stored_transaction_whose_stop_is_queued_is_not_stopped_twice() {
    let (mut store, _) = store_after_power_loss();
    store.messages.insert(
        4,
        StoredMessage {
            key: 4,
            action: Action::StopTransaction,
            payload: json!({"meterStop": 2000, "timestamp": T0, "transactionId": 5}),
            attempts: 0,
            starts_transaction: None,
        },
    );
    let h = Harness::with_store(json!({}), 1, store, &[]);
    assert_eq!(h.cp.store().transactions().unwrap(), vec![]);
    let actions: Vec<String> = h.stored_messages().into_iter().map(|(a, _)| a).collect();
    assert_eq!(actions, ["MeterValues", "StopTransaction"]);
}

#[test]
fn a_start_transaction_queued_before_a_restart_keeps_its_placeholder_apart() {
    let mut store = MemoryStore::default();
    store.messages.insert(
        0,
        StoredMessage {
            key: 0,
            action: Action::StartTransaction,
            payload: json!({"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": T0}),
            attempts: 0,
            starts_transaction: Some(-5),
        },
    );
    store.messages.insert(
        1,
        StoredMessage {
            key: 1,
            action: Action::StopTransaction,
            payload: json!({"meterStop": 10, "timestamp": T0, "transactionId": -5}),
            attempts: 0,
            starts_transaction: None,
        },
    );
    let mut h = Harness::with_store(json!({}), 1, store, &[]);
    start(&mut h);
    assert_eq!(h.cp.transaction_id(1), Some(-6));
    h.connect();
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"status": "Accepted", "currentTime": T0, "interval": 300}),
    );
    let (id, action, _) = h.call();
    assert_eq!(action, "StartTransaction");
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 500}),
    );
    let (id, action, payload) = h.call();
    assert_eq!(
        (action.as_str(), payload["transactionId"].clone()),
        ("StopTransaction", json!(500))
    );
    h.answer(&id, json!({}));
    // Then the transaction started after the restart, with its own id.
    let (id, action, payload) = h.call();
    assert_eq!(
        (action.as_str(), payload["meterStart"].clone()),
        ("StartTransaction", json!(100))
    );
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 501}),
    );
    assert_eq!(h.cp.transaction_id(1), Some(501));
}

//! The persistent queue of transaction messages: order, offline replay, the placeholder
//! transaction id, retries, a restart from the store, and the size threshold (delivery across
//! disconnects and restarts is in `queue_delivery.rs`).

use ocpp_types::meter::Measurand;
use ocpp_types::{Action, DateTime};
use serde_json::{json, Value};

use super::{tag, Harness, T0};
use crate::charge_point::message_queue::{
    MessageQueue, Purpose, QueueConfig, DEFAULT_SIZE_THRESHOLD,
};
use crate::charge_point::{
    MeasuredValue, MemoryStore, MeterReading, StationEvent, StoredMessage, StoredTransaction,
};

pub(super) fn energy_reading(wh: f64) -> StationEvent {
    StationEvent::MeterReading {
        connector: 1,
        reading: MeterReading {
            values: vec![MeasuredValue {
                measurand: Measurand::EnergyActiveImportRegister,
                phase: None,
                value: wh,
                location: None,
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
            parent_id_tag: None,
            energy_limit_wh: None,
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

#[test]
fn the_queue_keys_are_read_from_internal_with_a_bounded_default() {
    let queue = |patch| QueueConfig::from_config(&super::config(patch));
    assert_eq!(
        queue(json!({})),
        QueueConfig {
            queue_all_messages: false,
            discard_for_queueing: vec![],
            size_threshold: DEFAULT_SIZE_THRESHOLD,
        }
    );
    assert_eq!(DEFAULT_SIZE_THRESHOLD, 5000);
    assert_eq!(
        queue(json!({"Internal": {"QueueAllMessages": true,
            "MessageTypesDiscardForQueueing": "Heartbeat,NoSuchThing,StatusNotification",
            "MessageQueueSizeThreshold": 20}})),
        QueueConfig {
            queue_all_messages: true,
            discard_for_queueing: vec![Action::Heartbeat, Action::StatusNotification],
            size_threshold: 20,
        }
    );
}

/// libocpp's own test of the threshold (tests/lib/ocpp/common/test_message_queue.cpp,
/// test_clean_up_transactional_queue), message for message: 10 non-transactional messages,
/// then four transactions with 0, 4, 6 and 2 MeterValues between StartTransaction and
/// StopTransaction, threshold 13. Keys are libocpp's message numbers.
#[test]
fn above_the_threshold_messages_are_dropped_as_libocpp_drops_them() {
    let mut store = MemoryStore::default();
    let mut queue = MessageQueue::restore(
        vec![],
        QueueConfig {
            queue_all_messages: true,
            discard_for_queueing: vec![],
            size_threshold: 13,
        },
    );
    for _ in 0..10 {
        queue.push_normal(
            Action::StatusNotification,
            json!({}),
            Purpose::StatusNotification,
        );
    }
    for updates in [0, 4, 6, 2] {
        queue.push_transaction(&mut store, Action::StartTransaction, json!({}), None);
        for _ in 0..updates {
            queue.push_transaction(&mut store, Action::MeterValues, json!({}), None);
        }
        queue.push_transaction(&mut store, Action::StopTransaction, json!({}), None);
    }
    // Messages 13-22 each pushed out one non-transactional message; 23 dropped 13, 15, 19 and
    // 21; 27 dropped 14, 20 and 23 (libocpp's expected_dropped_transaction_messages).
    assert!(!queue.has_normal(&Purpose::StatusNotification));
    let dropped = [13, 15, 19, 21, 14, 20, 23];
    let kept: Vec<u64> = (10..30).filter(|k| !dropped.contains(k)).collect();
    assert_eq!(kept.len(), 13);
    assert_eq!(store.messages.keys().copied().collect::<Vec<_>>(), kept);
    assert_eq!(queue.transaction_messages(), 13);
}

#[test]
fn no_start_or_stop_transaction_is_ever_dropped_for_the_threshold() {
    let mut store = MemoryStore::default();
    let mut queue = MessageQueue::restore(
        vec![],
        QueueConfig {
            size_threshold: 4,
            ..QueueConfig::default()
        },
    );
    for _ in 0..10 {
        queue.push_transaction(&mut store, Action::StartTransaction, json!({}), None);
        queue.push_transaction(&mut store, Action::MeterValues, json!({}), None);
        queue.push_transaction(&mut store, Action::StopTransaction, json!({}), None);
    }
    // Above the threshold with nothing left to drop but the last two messages.
    let actions: Vec<Action> = store.messages.values().map(|m| m.action).collect();
    let starts = actions
        .iter()
        .filter(|a| **a == Action::StartTransaction)
        .count();
    let stops = actions
        .iter()
        .filter(|a| **a == Action::StopTransaction)
        .count();
    assert_eq!((starts, stops), (10, 10));
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == Action::MeterValues)
            .count(),
        1,
        "only the last MeterValues, one of the last two messages, is left"
    );
    assert_eq!(queue.transaction_messages(), actions.len());
}

/// An offline week of 10 s samples (60480 MeterValues) under MessageQueueSizeThreshold 100:
/// neither the queue nor the store ever holds more than 100 messages, and what reaches the
/// central system is the StartTransaction, the samples that survived the thinning (the newest
/// densest), in order, and the StopTransaction.
#[test]
fn a_week_offline_with_10_s_samples_stays_within_the_threshold() {
    const DAY: u64 = 86_400;
    let mut h = Harness::registered(
        json!({"Internal": {"MessageQueueSizeThreshold": 100},
            "Core": {"MeterValueSampleInterval": 10, "ClockAlignedDataInterval": 0,
            "MeterValuesSampledData": "Energy.Active.Import.Register", "StopTxnSampledData": ""}}),
        1,
    );
    h.disconnect();
    h.event(energy_reading(0.0));
    start(&mut h);
    for day in 1..=7 {
        for step in 0..DAY / 10 {
            h.event(energy_reading(((day - 1) * DAY + step * 10) as f64));
            h.advance(10);
        }
        let queued = h.cp.queued_transaction_messages();
        assert!(queued <= 100, "day {day}: {queued} queued");
        assert_eq!(h.stored_messages().len(), queued, "day {day}");
    }
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 1,
        reason: ocpp_types::core::Reason::Local,
        id_tag: None,
    });
    h.connect();
    let sent = h.pump_no_heartbeats();
    let (transaction, statuses) = sent.split_at(sent.len() - 2);
    let week = 7 * DAY as i64;
    assert_eq!(
        statuses,
        [
            h.status(0, "Available", week),
            h.status(1, "Available", week)
        ]
    );
    assert_eq!(transaction[0].0, "StartTransaction");
    assert_eq!(transaction[transaction.len() - 1].0, "StopTransaction");
    let stamps: Vec<DateTime> = transaction[1..transaction.len() - 1]
        .iter()
        .map(|(action, payload)| {
            assert_eq!(action, "MeterValues");
            DateTime::parse(payload["meterValue"][0]["timestamp"].as_str().unwrap()).unwrap()
        })
        .collect();
    assert!(stamps.len() > 40, "{} samples kept", stamps.len());
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "in order");
    let t0 = DateTime::parse(T0).unwrap().unix_millis();
    let last = stamps[stamps.len() - 1].unix_millis() - t0;
    assert!(
        last >= 7 * DAY as i64 * 1000 - 20_000,
        "the newest samples are kept"
    );
    assert_eq!(h.stored_messages(), vec![]);
}

/// More sessions offline than MessageQueueSizeThreshold has room for: no StartTransaction or
/// StopTransaction is dropped (libocpp's thinning drops MeterValues only), so the queue grows
/// past the threshold by them alone, and of the samples queued meanwhile the newest two at
/// most stay. What the queue holds in memory is its payloads' text: the same bytes as the
/// store's rows. When the central system is back, every Start and Stop goes, in the order of
/// the sessions, each Stop with the id its own Start was given.
#[test]
fn sessions_beyond_the_threshold_keep_every_start_and_stop_and_deliver_them_in_order() {
    let mut h = Harness::registered(
        json!({"Internal": {"MessageQueueSizeThreshold": 10},
            "Core": {"MeterValueSampleInterval": 10, "ClockAlignedDataInterval": 0,
            "MeterValuesSampledData": "Energy.Active.Import.Register",
            "StopTxnSampledData": "Energy.Active.Import.Register"}}),
        1,
    );
    h.disconnect();
    let mut wh = 1000;
    for session in 0..8 {
        h.event(energy_reading(f64::from(wh)));
        h.event(StationEvent::TransactionStarted {
            connector: 1,
            id_tag: tag("RFID1"),
            meter_start_wh: wh,
            reservation_id: None,
        });
        for _ in 0..6 {
            wh += 10;
            h.event(energy_reading(f64::from(wh)));
            h.advance(10);
            let start_stop = 2 * session + 1;
            let queued = h.cp.queued_transaction_messages();
            assert!(queued <= 10.max(start_stop + 2), "{queued} queued");
            let stored = h.cp.store().messages().unwrap();
            assert_eq!(stored.len(), queued);
            let bytes: usize = stored.iter().map(|m| m.payload.to_string().len()).sum();
            assert_eq!(h.cp.queued_transaction_bytes(), bytes);
        }
        h.event(StationEvent::TransactionStopped {
            connector: 1,
            meter_stop_wh: wh,
            reason: ocpp_types::core::Reason::Local,
            id_tag: None,
        });
        h.advance(10);
    }
    // 16 Start/Stop above a threshold of 10, and one sample: the last MeterValues is one of the
    // last two messages, which the thinning never drops.
    let stored = h.stored_messages();
    assert_eq!(stored.len(), 17);
    assert_eq!(stored[15].0, "MeterValues");

    h.connect();
    let mut sent = Vec::new();
    let mut next_id = 100;
    while let Some((id, action, payload)) = h.frames().into_iter().find_map(|f| match f {
        super::Frame::Call {
            id,
            action,
            payload,
        } => Some((id, action, payload)),
        _ => None,
    }) {
        let reply = if action == "StartTransaction" {
            next_id += 1;
            json!({"idTagInfo": {"status": "Accepted"}, "transactionId": next_id})
        } else {
            json!({})
        };
        h.answer(&id, reply);
        sent.push((action, payload));
    }
    let samples: Vec<&Value> = sent
        .iter()
        .filter(|(action, _)| action == "MeterValues")
        .map(|(_, p)| &p["transactionId"])
        .collect();
    assert_eq!(samples, [&json!(108)]);
    let transaction: Vec<(String, Value)> = sent
        .into_iter()
        .filter(|(action, _)| action.ends_with("Transaction"))
        .map(|(action, p)| match action.as_str() {
            "StartTransaction" => (action, p["meterStart"].clone()),
            _ => (action, json!([p["transactionId"], p["meterStop"]])),
        })
        .collect();
    let expected: Vec<(String, Value)> = (0..8)
        .flat_map(|k| {
            let start = 1000 + 60 * k;
            [
                ("StartTransaction".to_string(), json!(start)),
                ("StopTransaction".to_string(), json!([101 + k, start + 60])),
            ]
        })
        .collect();
    assert_eq!(transaction, expected);
    assert_eq!(h.cp.queued_transaction_messages(), 0);
    assert_eq!(h.stored_messages(), vec![]);
}

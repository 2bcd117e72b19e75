//! A power loss between any two writes of the store leaves a history the next start reports
//! whole: the store takes a budget of writes (`MemoryStore::writes_left`) and refuses every
//! write past it, as the disk of a station whose power went then; the next charge point
//! starts from what it holds and reports it to the central system.

use ocpp_types::meter::Measurand;
use serde_json::{json, Value};

use super::{tag, Harness};
use crate::charge_point::{
    MeasuredValue, MemoryStore, MeterReading, StationEvent, Store, StoreError,
};

/// What the store holds after the power loss: its transactions and queued messages.
fn after_power_loss(store: &dyn Store) -> MemoryStore {
    MemoryStore {
        transactions: store
            .transactions()
            .unwrap()
            .into_iter()
            .map(|t| (t.connector, t))
            .collect(),
        messages: store
            .messages()
            .unwrap()
            .into_iter()
            .map(|m| (m.key, m))
            .collect(),
        ..MemoryStore::default()
    }
}

/// The transaction messages the next start sends, in order.
fn reported_after(patch: &Value, before: &Harness) -> Vec<(String, Value)> {
    let mut after = Harness::with_store(patch.clone(), 1, after_power_loss(before.cp.store()), &[]);
    after.connect();
    let mut sent = after.pump();
    sent.retain(|(action, _)| {
        matches!(
            action.as_str(),
            "StartTransaction" | "StopTransaction" | "MeterValues"
        )
    });
    sent
}

/// A station whose store takes `budget` writes; offline until the test connects it (nothing
/// leaves then before the power goes).
fn with_budget(patch: &Value, budget: u32) -> Harness {
    Harness::with_store(
        patch.clone(),
        1,
        MemoryStore {
            writes_left: Some(budget),
            ..MemoryStore::default()
        },
        &[],
    )
}

fn start(h: &mut Harness) {
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 1000,
        reservation_id: None,
    });
}

fn energy(wh: f64) -> StationEvent {
    StationEvent::MeterReading {
        connector: 1,
        reading: MeterReading {
            values: vec![MeasuredValue::new(
                Measurand::EnergyActiveImportRegister,
                wh,
            )],
        },
    }
}

fn energy_value(wh: &str, context: &str, at: String) -> Value {
    json!({"timestamp": at, "sampledValue": [{"value": wh, "context": context,
        "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]})
}

#[test]
fn a_transaction_is_stored_together_with_its_start_transaction() {
    let patch = json!({"Core": {"MeterValueSampleInterval": 0, "StopTxnSampledData": ""}});
    for budget in 0..3 {
        let mut before = with_budget(&patch, budget);
        start(&mut before);
        let at = before.at(0);
        let expected = if budget == 0 {
            // Lost before anything was stored: there is nothing to report.
            vec![]
        } else {
            vec![
                (
                    "StartTransaction".to_string(),
                    json!({"connectorId": 1, "idTag": "RFID1", "meterStart": 1000,
                        "timestamp": at}),
                ),
                (
                    "StopTransaction".to_string(),
                    json!({"meterStop": 1000, "timestamp": at, "transactionId": 42,
                        "reason": "PowerLoss"}),
                ),
            ]
        };
        assert_eq!(
            reported_after(&patch, &before),
            expected,
            "power lost after {budget} writes"
        );
    }
}

#[test]
fn a_sample_is_stored_together_with_its_meter_values() {
    let patch = json!({"Core": {"MeterValueSampleInterval": 60, "ClockAlignedDataInterval": 0,
        "MeterValuesSampledData": "Energy.Active.Import.Register",
        "StopTxnSampledData": "Energy.Active.Import.Register"}});
    let begin = |h: &Harness| energy_value("1000", "Transaction.Begin", h.at(0));
    for budget in 0..5 {
        let mut before = with_budget(&patch, budget);
        start(&mut before); // write 1: the transaction and its StartTransaction
        before.advance(30);
        before.event(energy(1100.0)); // write 2: the register grew
        before.advance(30); // write 3: the sample at 60 s and its MeterValues
        let started = (
            "StartTransaction".to_string(),
            json!({"connectorId": 1, "idTag": "RFID1", "meterStart": 1000,
                "timestamp": before.at(0)}),
        );
        let stop = |wh: i32, secs: i64, data: Vec<Value>| {
            (
                "StopTransaction".to_string(),
                json!({"meterStop": wh, "timestamp": before.at(secs), "transactionId": 42,
                    "reason": "PowerLoss", "transactionData": data}),
            )
        };
        let expected = match budget {
            0 => vec![],
            1 => vec![started, stop(1000, 0, vec![begin(&before)])],
            2 => vec![started, stop(1100, 30, vec![begin(&before)])],
            _ => vec![
                started,
                (
                    "MeterValues".to_string(),
                    json!({"connectorId": 1, "transactionId": 42, "meterValue": [
                        energy_value("1100", "Sample.Periodic", before.at(60))]}),
                ),
                stop(
                    1100,
                    60,
                    vec![
                        begin(&before),
                        energy_value("1100", "Sample.Periodic", before.at(60)),
                    ],
                ),
            ],
        };
        assert_eq!(
            reported_after(&patch, &before),
            expected,
            "power lost after {budget} writes"
        );
    }
}

#[test]
fn a_store_past_its_budget_refuses_every_write() {
    let mut store = MemoryStore {
        writes_left: Some(1),
        ..MemoryStore::default()
    };
    assert!(store.save_availability(1, false).is_ok());
    assert!(matches!(
        store.save_availability(2, false),
        Err(StoreError::Backend(_))
    ));
    assert_eq!(store.availability().unwrap().len(), 1);
}

#[test]
fn an_answered_start_transaction_is_deleted_in_one_write_with_the_id_it_gives() {
    let patch = json!({"Core": {"MeterValueSampleInterval": 10, "ClockAlignedDataInterval": 0,
        "MeterValuesSampledData": "Energy.Active.Import.Register", "StopTxnSampledData": ""}});
    for budget in 2..5 {
        let mut before = with_budget(&patch, budget);
        before.connect();
        before.pump();
        before.event(energy(1000.0));
        start(&mut before); // write 1: the transaction and its StartTransaction
        let (start_id, action, _) = before.call();
        assert_eq!(action, "StartTransaction");
        before.advance(10); // write 2: a sample, queued with the placeholder behind it
                            // Write 3: the answer's delete, with the id it gives.
        before.answer(
            &start_id,
            json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 77}),
        );
        let stored_start = (
            "StartTransaction".to_string(),
            json!({"connectorId": 1, "idTag": "RFID1", "meterStart": 1000,
                "timestamp": before.at(0)}),
        );
        let sample = |id: i64| {
            (
                "MeterValues".to_string(),
                json!({"connectorId": 1, "transactionId": id, "meterValue": [
                    energy_value("1000", "Sample.Periodic", before.at(10))]}),
            )
        };
        let stop = |id: i64| {
            (
                "StopTransaction".to_string(),
                json!({"meterStop": 1000, "timestamp": before.at(10), "transactionId": id,
                    "reason": "PowerLoss"}),
            )
        };
        let expected = match budget {
            // Lost before the delete: the StartTransaction goes again (the window of
            // docs/core/delivery-guarantees.md), and gets its id again.
            2 => vec![stored_start, sample(42), stop(42)],
            // Lost after it: the id the answer gave is everywhere already.
            _ => vec![sample(77), stop(77)],
        };
        assert_eq!(
            reported_after(&patch, &before),
            expected,
            "power lost after {budget} writes"
        );
    }
}

/// What the central system records of the transaction messages a station drains until its
/// power goes: the station with `store` connects and every CALL is answered (the CSMS records a
/// transaction message as it answers it) until an answer's write is refused, the power loss.
/// Returns what the CSMS recorded, in order, and the harness, to restart from its store.
fn drain_until_power_loss(patch: &Value, store: MemoryStore) -> (Vec<(String, Value)>, Harness) {
    let mut h = Harness::with_store(patch.clone(), 1, store, &[]);
    h.connect();
    let mut recorded = Vec::new();
    loop {
        let frames = h.frames();
        if frames.is_empty() {
            return (recorded, h);
        }
        for frame in frames {
            let super::Frame::Call {
                id,
                action,
                payload,
            } = frame
            else {
                panic!("unexpected {frame:?}");
            };
            let stored = h.cp.store().messages().unwrap().len();
            let answer = match action.as_str() {
                "BootNotification" => json!({"status": "Accepted",
                    "currentTime": h.now.utc.to_string(), "interval": 300}),
                "StartTransaction" => {
                    json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 42})
                }
                _ => json!({}),
            };
            h.answer(&id, answer);
            if !matches!(
                action.as_str(),
                "StartTransaction" | "StopTransaction" | "MeterValues"
            ) {
                continue;
            }
            recorded.push((action, payload));
            if h.cp.store().messages().unwrap().len() == stored {
                // The answer's delete was refused: the power is gone, nothing more happens.
                return (recorded, h);
            }
        }
    }
}

#[test]
fn a_power_loss_at_any_write_of_a_drain_sends_again_only_the_message_answered_last() {
    let patch = json!({"Core": {"MeterValueSampleInterval": 10, "ClockAlignedDataInterval": 0,
        "MeterValuesSampledData": "Energy.Active.Import.Register", "StopTxnSampledData": ""}});
    // Offline: a session with three samples, queued and stored.
    let mut offline = Harness::new(patch.clone(), 1);
    offline.event(energy(1000.0));
    start(&mut offline);
    for wh in [1100.0, 1200.0, 1300.0] {
        offline.event(energy(wh));
        offline.advance(10);
    }
    offline.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 1300,
        reason: ocpp_types::core::Reason::Local,
        id_tag: None,
    });
    let queue = after_power_loss(offline.cp.store());
    assert_eq!(queue.messages.len(), 5, "{:?}", queue.messages);
    // The drain with the power on: what the central system must end up with.
    let (expected, _) = drain_until_power_loss(&patch, queue.clone());
    let actions: Vec<&str> = expected.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "StartTransaction",
            "MeterValues",
            "MeterValues",
            "MeterValues",
            "StopTransaction"
        ]
    );
    assert_eq!(expected[1].1["transactionId"], 42);

    // One write per answered message (the StartTransaction's delete with the id it gives,
    // then the authorization cache): a budget of 0 to 6 writes cuts the power at each one.
    for budget in 0..=7 {
        let store = MemoryStore {
            writes_left: Some(budget),
            ..queue.clone()
        };
        let (recorded, before) = drain_until_power_loss(&patch, store);
        let resent = reported_after(&patch, &before);
        let mut seen = recorded.clone();
        seen.extend(resent.iter().cloned());
        if budget >= 6 {
            // Every delete was durable before the power went: nothing goes twice.
            assert_eq!(resent, vec![], "power lost after {budget} writes");
            assert_eq!(recorded, expected, "power lost after {budget} writes");
            continue;
        }
        // The message whose delete the power cut off goes again, with identical content;
        // nothing else does, and nothing is lost.
        let last = recorded.len() - 1;
        let mut with_repeat = expected[..=last].to_vec();
        with_repeat.extend(expected[last..].iter().cloned());
        assert_eq!(seen, with_repeat, "power lost after {budget} writes");
    }
}

//! A power loss between any two writes of the store leaves a history the next start reports
//! whole: the store takes a budget of writes (`MemoryStore::writes_left`) and refuses every
//! write past it, as the disk of a station whose power went then; the next charge point
//! starts from what it holds and reports it to the central system.

use serde_json::{json, Value};

use super::{tag, Harness};
use crate::charge_point::{MemoryStore, StationEvent, Store};

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

#[test]
fn a_transaction_is_stored_together_with_its_start_transaction() {
    let patch = json!({"Core": {"MeterValueSampleInterval": 0, "StopTxnSampledData": ""}});
    for budget in 0..3 {
        // Offline, so nothing leaves before the power goes.
        let mut before = Harness::with_store(
            patch.clone(),
            1,
            MemoryStore {
                writes_left: Some(budget),
                ..MemoryStore::default()
            },
            &[],
        );
        before.event(StationEvent::TransactionStarted {
            connector: 1,
            id_tag: tag("RFID1"),
            meter_start_wh: 1000,
            reservation_id: None,
        });
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

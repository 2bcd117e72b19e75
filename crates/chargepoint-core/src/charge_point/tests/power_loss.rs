//! Power loss: what one ChargePoint leaves in its store is what the next one starts from. A
//! transaction not resumed is stopped with reason PowerLoss at its last stored reading.

use ocpp_types::core::Reason;
use ocpp_types::meter::Measurand;
use serde_json::{json, Value};

use super::{tag, Harness};
use crate::charge_point::{
    MeasuredValue, MemoryStore, MeterReading, StationCommand, StationEvent, Store,
};

/// The store as a power loss leaves it: a copy of everything `store` holds.
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
        availability: store.availability().unwrap(),
        ..MemoryStore::default()
    }
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

fn start(h: &mut Harness) {
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 1000,
        reservation_id: None,
    });
}

#[test]
fn the_next_start_stops_the_transaction_with_power_loss_at_its_last_stored_register() {
    let patch = json!({"Core": {"MeterValueSampleInterval": 60, "ClockAlignedDataInterval": 0,
        "MeterValuesSampledData": "Energy.Active.Import.Register",
        "StopTxnSampledData": "Energy.Active.Import.Register"}});
    let mut before = Harness::registered(patch.clone(), 1);
    before.event(energy(1000.0));
    start(&mut before);
    before.pump();
    before.advance(30);
    before.event(energy(1100.0));
    before.advance(30);
    before.pump();
    before.advance(40);
    before.event(energy(1250.4));
    before.advance(20);
    before.pump();
    // Stored at each sample: the last one, 120 s in.
    let stored = before.cp.store().transactions().unwrap();
    assert_eq!(
        (stored[0].meter_last_wh, stored[0].meter_last_at.to_string()),
        (1250, before.at(120))
    );
    // A reading REGISTER_SAVE_INTERVAL (5 s) or more after the last save is stored even
    // between samples; one sooner is not (it waits for the next save or sample), so a power
    // loss costs at most 5 s (and one reading) of charging.
    before.advance(10);
    before.event(energy(1300.0));
    before.advance(2);
    before.event(energy(1310.0));
    let stored = before.cp.store().transactions().unwrap();
    assert_eq!(
        (stored[0].meter_last_wh, stored[0].meter_last_at.to_string()),
        (1300, before.at(130))
    );

    let mut after = Harness::with_store(patch, 1, after_power_loss(before.cp.store()), &[]);
    assert_eq!(after.cp.transaction_id(1), None);
    assert_eq!(after.cp.store().transactions().unwrap(), vec![]);
    after.connect();
    let sent = after.pump_no_heartbeats();
    assert_eq!(
        sent,
        vec![
            ("BootNotification".to_string(), sent[0].1.clone()),
            (
                "StopTransaction".to_string(),
                json!({"meterStop": 1300, "timestamp": after.at(130), "transactionId": 42,
                "reason": "PowerLoss", "transactionData": [
                    energy_value("1000", "Transaction.Begin", after.at(0)),
                    energy_value("1100", "Sample.Periodic", after.at(60)),
                    energy_value("1250.4", "Sample.Periodic", after.at(120)),
                ]})
            ),
            after.status(0, "Available", 0),
            after.status(1, "Available", 0),
        ]
    );
    assert_eq!(after.cp.queued_transaction_messages(), 0);
}

#[test]
fn a_transaction_lost_before_its_first_sample_stops_at_its_start_and_keeps_its_placeholder() {
    let patch = json!({"Core": {"MeterValueSampleInterval": 60, "StopTxnSampledData": ""}});
    let mut before = Harness::new(patch.clone(), 1);
    start(&mut before);
    before.advance(20);

    let mut after = Harness::with_store(patch, 1, after_power_loss(before.cp.store()), &[]);
    after.connect();
    let (id, action, _) = after.call();
    assert_eq!(action, "BootNotification");
    after.answer(
        &id,
        json!({"status": "Accepted", "currentTime": after.at(0), "interval": 300}),
    );
    let (id, action, _) = after.call();
    assert_eq!(action, "StartTransaction");
    after.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 31}),
    );
    assert_eq!(
        after.pump_no_heartbeats(),
        vec![
            (
                "StopTransaction".to_string(),
                json!({"meterStop": 1000, "timestamp": after.at(0), "transactionId": 31,
                    "reason": "PowerLoss"})
            ),
            after.status(0, "Available", 0),
            after.status(1, "Available", 0),
        ]
    );
}

#[test]
fn clock_aligned_values_keep_the_last_reading_fresh_without_periodic_sampling() {
    let patch = json!({"Core": {"MeterValueSampleInterval": 0, "ClockAlignedDataInterval": 900,
        "StopTxnSampledData": "", "StopTxnAlignedData": ""}});
    let mut before = Harness::registered(patch.clone(), 1);
    start(&mut before);
    before.pump();
    before.event(energy(3000.0));
    before.advance(900);
    before.pump();
    let mut after = Harness::with_store(patch, 1, after_power_loss(before.cp.store()), &[]);
    after.connect();
    let sent = after.pump_no_heartbeats();
    assert_eq!(
        sent[1],
        (
            "StopTransaction".to_string(),
            json!({"meterStop": 3000, "timestamp": after.at(900), "transactionId": 42,
                "reason": "PowerLoss"})
        )
    );
}

#[test]
fn a_resumed_transaction_keeps_its_group_and_its_energy_limit() {
    let patch = json!({"Core": {"MeterValueSampleInterval": 0, "StopTxnSampledData": "",
        "StopTransactionOnInvalidId": false, "MaxEnergyOnInvalidId": 100}});
    let mut before = Harness::registered(patch.clone(), 1);
    start(&mut before);
    let (id, _, _) = before.call();
    before.answer(
        &id,
        json!({"idTagInfo": {"status": "Invalid", "parentIdTag": "FLEET"}, "transactionId": 7}),
    );
    before.pump();

    let mut after = Harness::with_store(patch, 1, after_power_loss(before.cp.store()), &[1]);
    assert_eq!(after.cp.transaction_id(1), Some(7));
    after.connect();
    after.pump();
    after.event(energy(1100.0));
    assert_eq!(
        after.commands(),
        vec![StationCommand::PauseCharging { connector: 1 }]
    );
    after.pump();
    after.event(StationEvent::TokenPresented {
        id_tag: tag("CARD-B"),
        connector: None,
    });
    let (id, action, _) = after.call();
    assert_eq!(action, "Authorize");
    after.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}}),
    );
    assert_eq!(
        after.commands(),
        vec![
            StationCommand::IdentifierStopsTransaction {
                id_tag: tag("CARD-B"),
                connector: 1
            },
            StationCommand::StopTransaction {
                connector: 1,
                reason: Reason::Local
            }
        ]
    );
}

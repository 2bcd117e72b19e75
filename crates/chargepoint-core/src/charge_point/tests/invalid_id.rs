//! StartTransaction.conf that does not accept the identifier: StopTransactionOnInvalidId and
//! MaxEnergyOnInvalidId.

use ocpp_types::core::Reason;
use ocpp_types::meter::Measurand;
use serde_json::{json, Value};

use super::{tag, Harness};
use crate::charge_point::{MeasuredValue, MeterReading, StationCommand, StationEvent};

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

/// A transaction on connector 1 from 1000 Wh, whose StartTransaction.conf says `status`
/// (transactionId 9).
fn started(patch: Value, status: &str) -> Harness {
    let mut h = Harness::registered(patch, 1);
    h.event(energy(1000.0));
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("OLD"),
        meter_start_wh: 1000,
        reservation_id: None,
    });
    let (id, action, _) = h.call();
    assert_eq!(action, "StartTransaction");
    h.answer(
        &id,
        json!({"idTagInfo": {"status": status}, "transactionId": 9}),
    );
    h
}

#[test]
fn with_stop_transaction_on_invalid_id_the_transaction_is_stopped_deauthorized() {
    let mut h = started(
        json!({"Core": {"StopTransactionOnInvalidId": true, "MaxEnergyOnInvalidId": 500,
            "StopTxnSampledData": ""}}),
        "Blocked",
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::StopTransaction {
            connector: 1,
            reason: Reason::DeAuthorized
        }]
    );
    assert_eq!(h.pump(), vec![h.status(1, "Charging", 0)]);
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 1001,
        reason: Reason::DeAuthorized,
        id_tag: None,
    });
    assert_eq!(
        h.pump(),
        vec![
            (
                "StopTransaction".to_string(),
                json!({"meterStop": 1001, "timestamp": h.at(0), "transactionId": 9,
                    "reason": "DeAuthorized"})
            ),
            h.status(1, "Available", 0),
        ]
    );
}

#[test]
fn without_it_energy_delivery_is_paused_at_once_and_the_transaction_goes_on() {
    let mut h = started(
        json!({"Core": {"StopTransactionOnInvalidId": false, "MeterValueSampleInterval": 60,
            "MeterValuesSampledData": "Energy.Active.Import.Register", "StopTxnSampledData": ""}}),
        "Invalid",
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::PauseCharging { connector: 1 }]
    );
    // Charging is reported first: it was the status before the answer came.
    assert_eq!(
        h.pump(),
        vec![h.status(1, "Charging", 0), h.status(1, "SuspendedEVSE", 0)]
    );
    assert_eq!(h.cp.transaction_id(1), Some(9));
    h.advance(60);
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![(
            "MeterValues".to_string(),
            json!({"connectorId": 1, "transactionId": 9, "meterValue": [{
                "timestamp": h.at(60), "sampledValue": [{"value": "1000",
                "context": "Sample.Periodic", "measurand": "Energy.Active.Import.Register",
                "unit": "Wh"}]}]})
        )]
    );
    // Further readings change nothing: paused once.
    h.event(energy(1000.0));
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn max_energy_on_invalid_id_lets_that_much_energy_flow_from_the_start_then_pauses() {
    let mut h = started(
        json!({"Core": {"StopTransactionOnInvalidId": false, "MaxEnergyOnInvalidId": 500,
            "MeterValueSampleInterval": 0, "StopTxnSampledData": ""}}),
        "Expired",
    );
    assert_eq!(h.commands(), vec![]);
    assert_eq!(h.pump(), vec![h.status(1, "Charging", 0)]);
    let stored = h.cp.store().transactions().unwrap();
    assert_eq!(stored[0].energy_limit_wh, Some(1500));

    h.advance(10);
    h.event(energy(1499.4));
    assert_eq!(h.commands(), vec![]);
    h.assert_silent();
    h.advance(10);
    h.event(energy(1500.2));
    assert_eq!(
        h.commands(),
        vec![StationCommand::PauseCharging { connector: 1 }]
    );
    assert_eq!(h.pump(), vec![h.status(1, "SuspendedEVSE", 20)]);
    assert_eq!(
        h.cp.store().transactions().unwrap()[0].energy_limit_wh,
        None
    );
    h.event(energy(1510.0));
    assert_eq!(h.commands(), vec![]);
    h.assert_silent();
}

#[test]
fn an_accepted_identifier_sets_no_limit() {
    let mut h = started(
        json!({"Core": {"StopTransactionOnInvalidId": false, "MaxEnergyOnInvalidId": 1}}),
        "Accepted",
    );
    h.event(energy(5000.0));
    assert_eq!(h.commands(), vec![]);
    assert_eq!(
        h.cp.store().transactions().unwrap()[0].energy_limit_wh,
        None
    );
    assert_eq!(h.pump(), vec![h.status(1, "Charging", 0)]);
}

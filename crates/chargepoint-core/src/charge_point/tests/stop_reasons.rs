//! Every StopTransaction reason, the station's stop requests, and what an unplugged cable does
//! (StopTransactionOnEVSideDisconnect, UnlockConnectorOnEVSideDisconnect).

use ocpp_types::core::{Reason, UnlockStatus};
use serde_json::{json, Value};

use super::{tag, Harness};
use crate::charge_point::{EnergyFlow, StationCommand, StationEvent};

const ALL_REASONS: [(Reason, &str); 11] = [
    (Reason::Local, "Local"),
    (Reason::Remote, "Remote"),
    (Reason::EVDisconnected, "EVDisconnected"),
    (Reason::HardReset, "HardReset"),
    (Reason::SoftReset, "SoftReset"),
    (Reason::PowerLoss, "PowerLoss"),
    (Reason::UnlockCommand, "UnlockCommand"),
    (Reason::DeAuthorized, "DeAuthorized"),
    (Reason::EmergencyStop, "EmergencyStop"),
    (Reason::Reboot, "Reboot"),
    (Reason::Other, "Other"),
];

fn quiet() -> Value {
    json!({"Core": {"MeterValueSampleInterval": 0, "StopTxnSampledData": "",
        "UnlockConnectorOnEVSideDisconnect": false}})
}

/// A registered station with a transaction (id 42) running on each of `connectors`.
fn running(patch: Value, connectors: u32) -> Harness {
    let mut h = Harness::registered(patch, connectors);
    for connector in 1..=connectors {
        h.event(StationEvent::PluggedIn { connector });
        h.event(StationEvent::TransactionStarted {
            connector,
            id_tag: tag("RFID1"),
            meter_start_wh: 10,
            reservation_id: None,
        });
    }
    h.pump();
    h
}

fn stop(connector: u32, reason: Reason) -> StationCommand {
    StationCommand::StopTransaction { connector, reason }
}

#[test]
fn every_reason_the_station_reports_reaches_stop_transaction() {
    for (reason, name) in ALL_REASONS {
        let mut h = running(quiet(), 1);
        h.advance(5);
        h.event(StationEvent::TransactionStopped {
            connector: 1,
            meter_stop_wh: 20,
            reason,
            id_tag: None,
        });
        // Local too, though OCPP's default: libocpp always sends the reason.
        let expected = json!({"meterStop": 20, "timestamp": h.at(5), "transactionId": 42,
            "reason": name});
        assert_eq!(
            h.pump(),
            vec![
                ("StopTransaction".to_string(), expected),
                h.status(1, "Finishing", 5),
            ],
            "{name}"
        );
    }
}

#[test]
fn a_stop_request_of_the_station_becomes_a_stop_command_per_running_transaction() {
    let mut h = running(quiet(), 2);
    h.event(StationEvent::StopRequested {
        connector: None,
        reason: Reason::EmergencyStop,
    });
    assert_eq!(
        h.commands(),
        vec![
            stop(1, Reason::EmergencyStop),
            stop(2, Reason::EmergencyStop)
        ]
    );
    h.event(StationEvent::StopRequested {
        connector: Some(2),
        reason: Reason::Other,
    });
    assert_eq!(h.commands(), vec![stop(2, Reason::Other)]);
    // Unknown connectors and idle ones: nothing to stop.
    h.event(StationEvent::StopRequested {
        connector: Some(3),
        reason: Reason::Local,
    });
    h.event(StationEvent::StopRequested {
        connector: Some(0),
        reason: Reason::Local,
    });
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 11,
        reason: Reason::EmergencyStop,
        id_tag: None,
    });
    h.event(StationEvent::StopRequested {
        connector: Some(1),
        reason: Reason::Reboot,
    });
    assert_eq!(h.commands(), vec![]);
    assert_eq!(
        h.pump(),
        vec![
            (
                "StopTransaction".to_string(),
                json!({"meterStop": 11, "timestamp": h.at(0), "transactionId": 42,
                    "reason": "EmergencyStop"})
            ),
            h.status(1, "Finishing", 0),
        ]
    );
    h.event(StationEvent::StopRequested {
        connector: None,
        reason: Reason::Reboot,
    });
    assert_eq!(h.commands(), vec![stop(2, Reason::Reboot)]);
    h.assert_silent();
}

#[test]
fn with_stop_transaction_on_ev_side_disconnect_false_the_transaction_stays_suspended_ev() {
    let mut h = running(
        json!({"Core": {"MeterValueSampleInterval": 0, "StopTxnSampledData": "",
            "StopTransactionOnEVSideDisconnect": false, "UnlockConnectorOnEVSideDisconnect": false}}),
        1,
    );
    h.advance(10);
    h.event(StationEvent::Unplugged { connector: 1 });
    assert_eq!(h.commands(), vec![]);
    assert_eq!(h.pump(), vec![h.status(1, "SuspendedEV", 10)]);
    assert_eq!(h.cp.transaction_id(1), Some(42));
    // The EV comes back and draws again.
    h.advance(10);
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.assert_silent();
    h.event(StationEvent::EnergyFlow {
        connector: 1,
        state: EnergyFlow::Charging,
    });
    assert_eq!(h.pump(), vec![h.status(1, "Charging", 20)]);
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn an_ev_side_disconnect_stops_the_transaction_and_unlocks_the_cable_when_configured() {
    let mut h = running(
        json!({"Core": {"MeterValueSampleInterval": 0, "StopTxnSampledData": "",
            "UnlockConnectorOnEVSideDisconnect": true}}),
        1,
    );
    h.event(StationEvent::Unplugged { connector: 1 });
    assert_eq!(h.commands(), vec![stop(1, Reason::EVDisconnected)]);
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 30,
        reason: Reason::EVDisconnected,
        id_tag: None,
    });
    assert_eq!(
        h.commands(),
        vec![StationCommand::UnlockConnector { connector: 1 }]
    );
    // Its result answers nothing.
    h.event(StationEvent::UnlockResult {
        connector: 1,
        status: UnlockStatus::Unlocked,
    });
    assert_eq!(
        h.pump(),
        vec![
            (
                "StopTransaction".to_string(),
                json!({"meterStop": 30, "timestamp": h.at(0), "transactionId": 42,
                    "reason": "EVDisconnected"})
            ),
            h.status(1, "Available", 0),
        ]
    );

    // UnlockConnectorOnEVSideDisconnect false: the cable stays locked.
    let mut h = running(quiet(), 1);
    h.event(StationEvent::Unplugged { connector: 1 });
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 30,
        reason: Reason::EVDisconnected,
        id_tag: None,
    });
    assert_eq!(h.commands(), vec![stop(1, Reason::EVDisconnected)]);
    // Another reason never unlocks.
    let mut h = running(
        json!({"Core": {"MeterValueSampleInterval": 0, "UnlockConnectorOnEVSideDisconnect": true}}),
        1,
    );
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 30,
        reason: Reason::Local,
        id_tag: None,
    });
    assert_eq!(h.commands(), vec![]);
}

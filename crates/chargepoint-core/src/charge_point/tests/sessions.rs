//! A whole charging session, plug first and swipe first, with meter values and
//! transactionData.

use ocpp_types::core::Reason;
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};
use ocpp_types::meter::{Measurand, Phase};
use serde_json::{json, Value};

use super::{tag, Harness};
use crate::charge_point::{MeasuredValue, MeterReading, StationCommand, StationEvent};

fn reading(energy_wh: f64, power_w: f64, amps: f64) -> StationEvent {
    let v = |measurand, phase, value| MeasuredValue {
        measurand,
        phase,
        value,
        location: None,
    };
    StationEvent::MeterReading {
        connector: 1,
        reading: MeterReading {
            values: vec![
                v(Measurand::EnergyActiveImportRegister, None, energy_wh),
                v(Measurand::PowerActiveImport, None, power_w),
                v(Measurand::CurrentImport, Some(Phase::L1), amps),
                v(Measurand::CurrentImport, Some(Phase::L2), amps),
                v(Measurand::CurrentImport, Some(Phase::L3), amps),
                v(Measurand::SoC, None, 55.0),
            ],
        },
    }
}

fn session_config() -> Value {
    json!({"Core": {"MeterValueSampleInterval": 60,
        "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import,Current.Import,SoC",
        "StopTxnSampledData": "Energy.Active.Import.Register"}})
}

/// Accepted; the harnesses here have one connector, so it is the one to use.
fn accepted(id_tag: &str, connector: Option<u32>) -> StationCommand {
    StationCommand::AuthorizationResult {
        id_tag: tag(id_tag),
        connector,
        usable_connectors: vec![1],
        accepted: true,
        id_tag_info: Some(IdTagInfo::with_status(AuthorizationStatus::Accepted)),
    }
}

fn energy(value: &str, context: &str, at: String) -> Value {
    json!({"timestamp": at, "sampledValue": [{"value": value, "context": context,
        "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]})
}

#[test]
fn plug_first_session_with_meter_values_and_a_local_stop_by_the_same_tag() {
    let mut h = Harness::registered(session_config(), 1);
    h.event(StationEvent::PluggedIn { connector: 1 });
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)]);

    h.event(StationEvent::TokenPresented {
        id_tag: tag("RFID1"),
        connector: None,
    });
    assert_eq!(
        h.pump(),
        vec![("Authorize".to_string(), json!({"idTag": "RFID1"}))]
    );
    assert_eq!(h.commands(), vec![accepted("RFID1", None)]);

    h.event(reading(1000.0, 0.0, 0.0));
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 1000,
        reservation_id: None,
    });
    assert_eq!(
        h.cp.transaction_id(1),
        Some(-1),
        "placeholder until answered"
    );
    assert_eq!(
        h.pump(),
        vec![
            (
                "StartTransaction".to_string(),
                json!({"connectorId": 1, "idTag": "RFID1", "meterStart": 1000,
                    "timestamp": h.at(0)})
            ),
            h.status(1, "Charging", 0),
        ]
    );
    assert_eq!(h.cp.transaction_id(1), Some(42));

    h.event(reading(1100.5, 7360.0, 10.0));
    h.advance(59);
    h.assert_silent();
    h.advance(1);
    assert_eq!(
        h.pump(),
        vec![(
            "MeterValues".to_string(),
            json!({"connectorId": 1, "transactionId": 42, "meterValue": [{
                "timestamp": h.at(60), "sampledValue": [
                {"value": "1100.5", "context": "Sample.Periodic",
                 "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "7360", "context": "Sample.Periodic",
                 "measurand": "Power.Active.Import", "unit": "W"},
                {"value": "10", "context": "Sample.Periodic", "measurand": "Current.Import",
                 "phase": "L1", "unit": "A"},
                {"value": "10", "context": "Sample.Periodic", "measurand": "Current.Import",
                 "phase": "L2", "unit": "A"},
                {"value": "10", "context": "Sample.Periodic", "measurand": "Current.Import",
                 "phase": "L3", "unit": "A"},
                {"value": "55", "context": "Sample.Periodic", "measurand": "SoC",
                 "location": "EV", "unit": "Percent"}]}]})
        )]
    );

    // The same tag again: the station is asked to stop, no Authorize.
    h.advance(30);
    h.event(StationEvent::TokenPresented {
        id_tag: tag("rfid1"),
        connector: None,
    });
    h.assert_silent();
    assert_eq!(
        h.commands(),
        vec![
            StationCommand::IdentifierStopsTransaction {
                id_tag: tag("rfid1"),
                connector: 1
            },
            StationCommand::StopTransaction {
                connector: 1,
                reason: Reason::Local
            }
        ]
    );
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 1200,
        reason: Reason::Local,
        id_tag: None,
    });
    assert_eq!(
        h.pump(),
        vec![
            (
                "StopTransaction".to_string(),
                json!({"idTag": "rfid1", "meterStop": 1200, "timestamp": h.at(90),
                "transactionId": 42, "reason": "Local", "transactionData": [
                    energy("1000", "Transaction.Begin", h.at(0)),
                    energy("1100.5", "Sample.Periodic", h.at(60)),
                    energy("1200", "Transaction.End", h.at(90)),
                ]})
            ),
            h.status(1, "Finishing", 90),
        ]
    );
    h.event(StationEvent::Unplugged { connector: 1 });
    assert_eq!(h.pump(), vec![h.status(1, "Available", 90)]);
    assert_eq!(h.cp.store().transactions().unwrap(), vec![]);
    assert_eq!(h.cp.queued_transaction_messages(), 0);
    // No more sampling.
    h.advance(600);
    assert!(h.pump().iter().all(|(action, _)| action == "Heartbeat"));
}

#[test]
fn swipe_first_session_stopped_by_unplugging() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 1);
    h.event(StationEvent::TokenPresented {
        id_tag: tag("RFID2"),
        connector: Some(1),
    });
    assert_eq!(
        h.pump(),
        vec![
            ("Authorize".to_string(), json!({"idTag": "RFID2"})),
            h.status(1, "Preparing", 0),
        ]
    );
    assert_eq!(h.commands(), vec![accepted("RFID2", Some(1))]);
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.assert_silent();
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID2"),
        meter_start_wh: 0,
        reservation_id: Some(7),
    });
    let sent = h.pump();
    assert_eq!(
        sent[0],
        (
            "StartTransaction".to_string(),
            json!({"connectorId": 1, "idTag": "RFID2", "meterStart": 0, "reservationId": 7,
                "timestamp": h.at(0)})
        )
    );
    assert_eq!(sent[1], h.status(1, "Charging", 0));
    h.event(StationEvent::EnergyFlow {
        connector: 1,
        state: crate::charge_point::EnergyFlow::SuspendedEV,
    });
    assert_eq!(h.pump(), vec![h.status(1, "SuspendedEV", 0)]);

    h.advance(10);
    h.event(StationEvent::Unplugged { connector: 1 });
    assert_eq!(
        h.commands(),
        vec![StationCommand::StopTransaction {
            connector: 1,
            reason: Reason::EVDisconnected
        }]
    );
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 5000,
        reason: Reason::EVDisconnected,
        id_tag: None,
    });
    assert_eq!(
        h.pump(),
        vec![
            (
                "StopTransaction".to_string(),
                json!({"meterStop": 5000, "timestamp": h.at(10), "transactionId": 42,
                "reason": "EVDisconnected", "transactionData": [
                    energy("0", "Transaction.Begin", h.at(0)),
                    energy("5000", "Transaction.End", h.at(10)),
                ]})
            ),
            h.status(1, "Available", 10),
        ]
    );
}

#[test]
fn a_rejected_token_leaves_the_connector_available() {
    let mut h = Harness::registered(json!({}), 1);
    h.event(StationEvent::TokenPresented {
        id_tag: tag("BLOCKED"),
        connector: None,
    });
    let (id, action, _) = h.call();
    assert_eq!(action, "Authorize");
    h.answer(&id, json!({"idTagInfo": {"status": "Blocked"}}));
    h.assert_silent();
    assert_eq!(
        h.commands(),
        vec![StationCommand::AuthorizationResult {
            id_tag: tag("BLOCKED"),
            connector: None,
            usable_connectors: vec![],
            accepted: false,
            id_tag_info: Some(IdTagInfo::with_status(AuthorizationStatus::Blocked)),
        }]
    );
}

#[test]
fn an_identifier_start_transaction_does_not_accept_is_deauthorized() {
    let mut h = Harness::registered(json!({}), 1);
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("OLD"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    let (id, action, _) = h.call();
    assert_eq!(action, "StartTransaction");
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Expired"}, "transactionId": 9}),
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::StopTransaction {
            connector: 1,
            reason: Reason::DeAuthorized
        }]
    );

    // With StopTransactionOnInvalidId false, charging is paused instead.
    let mut h = Harness::registered(json!({"Core": {"StopTransactionOnInvalidId": false}}), 1);
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("OLD"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Invalid"}, "transactionId": 9}),
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::PauseCharging { connector: 1 }]
    );
}

#[test]
fn an_authorization_without_a_cable_expires_after_connection_timeout() {
    let mut h = Harness::registered(json!({"Core": {"ConnectionTimeOut": 30}}), 1);
    h.event(StationEvent::TokenPresented {
        id_tag: tag("RFID1"),
        connector: None,
    });
    h.pump();
    assert_eq!(h.commands(), vec![accepted("RFID1", None)]);
    h.advance(29);
    h.assert_silent();
    assert_eq!(h.commands(), vec![]);
    h.advance(1);
    assert_eq!(
        h.commands(),
        vec![StationCommand::AuthorizationExpired {
            connector: 1,
            id_tag: tag("RFID1")
        }]
    );
    assert_eq!(h.pump(), vec![h.status(1, "Available", 30)]);

    // Plugged in in time: the authorization stands.
    h.event(StationEvent::TokenPresented {
        id_tag: tag("RFID1"),
        connector: None,
    });
    h.pump();
    h.commands();
    h.advance(10);
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.advance(600);
    assert_eq!(h.commands(), vec![]);
    assert_eq!(
        h.cp.connector_status(1),
        Some(ocpp_types::core::ChargePointStatus::Preparing)
    );
}

#[test]
fn an_authorize_without_answer_or_cut_off_is_not_accepted() {
    let not_accepted = StationCommand::AuthorizationResult {
        id_tag: tag("RFID1"),
        connector: None,
        usable_connectors: vec![],
        accepted: false,
        id_tag_info: None,
    };
    let token = StationEvent::TokenPresented {
        id_tag: tag("RFID1"),
        connector: None,
    };
    // CALLERROR.
    let mut h = Harness::registered(json!({}), 1);
    h.event(token.clone());
    let (id, _, _) = h.call();
    h.answer_error(&id);
    assert_eq!(h.commands(), vec![not_accepted.clone()]);
    // No answer within ocpp-rpc's 30 s.
    h.event(token.clone());
    h.call();
    h.advance(30);
    assert_eq!(h.commands(), vec![not_accepted.clone()]);
    // The connection drops with it in flight.
    h.event(token.clone());
    h.call();
    h.disconnect();
    assert_eq!(h.commands(), vec![not_accepted.clone()]);
    // Offline: refused at once.
    h.event(token);
    assert_eq!(h.commands(), vec![not_accepted]);
    assert_eq!(
        h.cp.connector_status(1),
        Some(ocpp_types::core::ChargePointStatus::Available)
    );
}

//! Faults and the derived status.

use ocpp_types::core::{ChargePointErrorCode, ChargePointStatus, Reason};
use serde_json::json;

use super::{tag, Harness};
use crate::charge_point::{EnergyFlow, StationEvent};

#[test]
fn a_fault_is_reported_with_its_code_and_cleared_back_to_the_status_underneath() {
    let mut h = Harness::registered(json!({}), 1);
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.pump();
    h.event(StationEvent::Fault {
        connector: 1,
        error_code: ChargePointErrorCode::GroundFailure,
        info: Some("RCD tripped".into()),
        vendor_error_code: Some("E-17".into()),
    });
    assert_eq!(h.cp.connector_status(1), Some(ChargePointStatus::Faulted));
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "GroundFailure", "info": "RCD tripped",
                "status": "Faulted", "timestamp": h.at(0), "vendorErrorCode": "E-17"})
        )]
    );
    h.event(StationEvent::FaultCleared { connector: 1 });
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)]);
}

#[test]
fn a_station_fault_is_reported_on_connector_zero() {
    let mut h = Harness::registered(json!({}), 1);
    h.event(StationEvent::Fault {
        connector: 0,
        error_code: ChargePointErrorCode::HighTemperature,
        info: None,
        vendor_error_code: None,
    });
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 0, "errorCode": "HighTemperature", "status": "Faulted",
                "timestamp": h.at(0)})
        )]
    );
    assert_eq!(h.cp.connector_status(1), Some(ChargePointStatus::Available));
}

#[test]
fn events_for_unknown_connectors_change_nothing() {
    let mut h = Harness::registered(json!({}), 1);
    h.event(StationEvent::PluggedIn { connector: 2 });
    h.event(StationEvent::PluggedIn { connector: 0 });
    h.event(StationEvent::Unplugged { connector: 7 });
    h.event(StationEvent::FaultCleared { connector: 9 });
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 0,
        reason: ocpp_types::core::Reason::Local,
        id_tag: None,
    });
    h.assert_silent();
    assert_eq!(h.commands(), vec![]);
}

/// A transaction on connector 1 for "A", answered with transactionId 42.
fn start(h: &mut Harness) {
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("A"),
        meter_start_wh: 0,
        reservation_id: None,
    });
}

fn flow(h: &mut Harness, state: EnergyFlow) {
    h.event(StationEvent::EnergyFlow {
        connector: 1,
        state,
    });
}

#[test]
fn a_session_walks_the_status_machine_once_per_change() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 1);
    h.event(StationEvent::PluggedIn { connector: 1 });
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)]);
    start(&mut h);
    let sent = h.pump();
    assert_eq!(sent[0].0, "StartTransaction");
    assert_eq!(sent[1..], [h.status(1, "Charging", 0)]);
    // The same state again is no change: nothing is sent.
    flow(&mut h, EnergyFlow::Charging);
    h.assert_silent();
    flow(&mut h, EnergyFlow::SuspendedEV);
    flow(&mut h, EnergyFlow::SuspendedEV);
    assert_eq!(h.pump(), vec![h.status(1, "SuspendedEV", 0)]);
    flow(&mut h, EnergyFlow::SuspendedEVSE);
    assert_eq!(h.pump(), vec![h.status(1, "SuspendedEVSE", 0)]);
    flow(&mut h, EnergyFlow::Charging);
    assert_eq!(h.pump(), vec![h.status(1, "Charging", 0)]);
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 100,
        reason: Reason::Local,
        id_tag: None,
    });
    let sent = h.pump();
    assert_eq!(sent[0].0, "StopTransaction");
    assert_eq!(sent[1..], [h.status(1, "Finishing", 0)]);
    h.event(StationEvent::Unplugged { connector: 1 });
    assert_eq!(h.pump(), vec![h.status(1, "Available", 0)]);
    h.event(StationEvent::Unplugged { connector: 1 });
    h.assert_silent();
}

#[test]
fn reserved_unavailable_and_faulted_are_reported_with_their_error() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        h.csms_call_ok(
            "ReserveNow",
            json!({"connectorId": 1, "expiryDate": h.at(600), "idTag": "A", "reservationId": 7})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(h.pump(), vec![h.status(1, "Reserved", 0)]);
    assert_eq!(
        h.csms_call_ok("CancelReservation", json!({"reservationId": 7})),
        json!({"status": "Accepted"})
    );
    assert_eq!(h.pump(), vec![h.status(1, "Available", 0)]);
    h.csms_call_ok(
        "ChangeAvailability",
        json!({"connectorId": 1, "type": "Inoperative"}),
    );
    assert_eq!(h.pump(), vec![h.status(1, "Unavailable", 0)]);
    // A fault outranks Unavailable; its info and vendorErrorCode go with it.
    h.event(StationEvent::Fault {
        connector: 1,
        error_code: ChargePointErrorCode::OverCurrentFailure,
        info: Some("relay welded".into()),
        vendor_error_code: Some("R-1".into()),
    });
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "OverCurrentFailure", "info": "relay welded",
                "status": "Faulted", "timestamp": h.at(0), "vendorErrorCode": "R-1"})
        )]
    );
    // The same fault again is no news; new details of it are.
    h.event(StationEvent::Fault {
        connector: 1,
        error_code: ChargePointErrorCode::OverCurrentFailure,
        info: Some("relay welded".into()),
        vendor_error_code: Some("R-1".into()),
    });
    h.assert_silent();
    h.event(StationEvent::Fault {
        connector: 1,
        error_code: ChargePointErrorCode::OverCurrentFailure,
        info: Some("relay welded twice".into()),
        vendor_error_code: Some("R-2".into()),
    });
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "OverCurrentFailure",
                "info": "relay welded twice", "status": "Faulted", "timestamp": h.at(0),
                "vendorErrorCode": "R-2"})
        )]
    );
    h.event(StationEvent::FaultCleared { connector: 1 });
    assert_eq!(h.pump(), vec![h.status(1, "Unavailable", 0)]);
}

#[test]
fn minimum_status_duration_reports_only_a_status_that_held() {
    let mut h = Harness::registered(
        json!({"Core": {"MinimumStatusDuration": 5, "MeterValueSampleInterval": 0}}),
        1,
    );
    // Plugged in and out again within 5 s: back at Available, nothing to report.
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.advance(3);
    h.event(StationEvent::Unplugged { connector: 1 });
    h.advance(10);
    h.assert_silent();
    // Preparing, then Charging 2 s later: only Charging, once it held 5 s, stamped then.
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.advance(2);
    start(&mut h);
    assert_eq!(h.pump()[0].0, "StartTransaction");
    h.advance(4);
    h.assert_silent();
    // An event that changes nothing does not restart the wait.
    flow(&mut h, EnergyFlow::Charging);
    h.advance(1);
    assert_eq!(h.pump(), vec![h.status(1, "Charging", 20)]);
    // SuspendedEV for 1 s and back: never reported.
    flow(&mut h, EnergyFlow::SuspendedEV);
    h.advance(1);
    flow(&mut h, EnergyFlow::Charging);
    h.advance(10);
    h.assert_silent();
    // A fault is debounced too.
    h.event(StationEvent::Fault {
        connector: 1,
        error_code: ChargePointErrorCode::GroundFailure,
        info: None,
        vendor_error_code: None,
    });
    h.advance(5);
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted",
                "timestamp": h.at(36)})
        )]
    );
}

#[test]
fn the_refresh_after_a_reconnect_reports_the_newest_status_at_once() {
    let mut h = Harness::registered(json!({"Core": {"MinimumStatusDuration": 10}}), 1);
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.advance(2);
    // The connection drops and comes back: libocpp's refresh of every connector, not delayed
    // by MinimumStatusDuration, and the pending Preparing is not sent a second time.
    h.disconnect();
    h.connect();
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![h.status(0, "Available", 2), h.status(1, "Preparing", 2)]
    );
    h.advance(20);
    h.assert_silent();
    // Offline changes are not sent when they happen, the refresh shows where they ended.
    h.disconnect();
    h.event(StationEvent::Unplugged { connector: 1 });
    h.event(StationEvent::Fault {
        connector: 0,
        error_code: ChargePointErrorCode::PowerSwitchFailure,
        info: None,
        vendor_error_code: None,
    });
    h.advance(30);
    h.connect();
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![
            (
                "StatusNotification".to_string(),
                json!({"connectorId": 0, "errorCode": "PowerSwitchFailure",
                    "status": "Faulted", "timestamp": h.at(52)})
            ),
            h.status(1, "Available", 52)
        ]
    );
}

fn error(connector: u32, id: &str, code: ChargePointErrorCode, is_fault: bool) -> StationEvent {
    StationEvent::ErrorRaised {
        connector,
        id: id.into(),
        error_code: code,
        info: Some(id.into()),
        vendor_id: Some("com.example".into()),
        vendor_error_code: None,
        is_fault,
    }
}

#[test]
fn several_errors_are_kept_and_the_latest_is_reported() {
    let mut h = Harness::registered(json!({}), 1);
    // An error that is no fault is reported with the status underneath.
    h.event(error(
        1,
        "temp",
        ChargePointErrorCode::HighTemperature,
        false,
    ));
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "HighTemperature", "info": "temp",
                "status": "Available", "timestamp": h.at(0), "vendorId": "com.example"})
        )]
    );
    h.event(error(1, "rcd", ChargePointErrorCode::GroundFailure, true));
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "GroundFailure", "info": "rcd",
                "status": "Faulted", "timestamp": h.at(0), "vendorId": "com.example"})
        )]
    );
    // Clearing an error that is not active changes nothing.
    h.event(StationEvent::ErrorCleared {
        connector: 1,
        id: "nope".into(),
    });
    h.assert_silent();
    // The fault is gone: the remaining error is reported again, no longer Faulted.
    h.event(StationEvent::ErrorCleared {
        connector: 1,
        id: "rcd".into(),
    });
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "HighTemperature", "info": "temp",
                "status": "Available", "timestamp": h.at(0), "vendorId": "com.example"})
        )]
    );
    // A fault while another fault lasts keeps the connector Faulted when one of them clears.
    h.event(error(1, "a", ChargePointErrorCode::GroundFailure, true));
    h.event(error(1, "b", ChargePointErrorCode::OverVoltage, true));
    h.pump();
    h.event(StationEvent::ErrorCleared {
        connector: 1,
        id: "b".into(),
    });
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "GroundFailure", "info": "a",
                "status": "Faulted", "timestamp": h.at(0), "vendorId": "com.example"})
        )]
    );
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "APP"})
        ),
        json!({"status": "Rejected"})
    );
    // FaultCleared clears them all.
    h.event(StationEvent::FaultCleared { connector: 1 });
    assert_eq!(h.pump(), vec![h.status(1, "Available", 0)]);
}

#[test]
fn a_triggered_status_is_not_repeated_when_minimum_status_duration_passes() {
    let mut h = Harness::registered(json!({"Core": {"MinimumStatusDuration": 10}}), 1);
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.advance(2);
    assert_eq!(
        h.csms_call_ok(
            "TriggerMessage",
            json!({"requestedMessage": "StatusNotification", "connectorId": 1})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 2)]);
    h.advance(10);
    h.assert_silent();
}

/// An error of the simulated board as the station reports it: `id` its EVerest name, with a
/// ChargeX MREC code.
fn mrec(id: &str, code: ChargePointErrorCode, cx: &str, is_fault: bool) -> StationEvent {
    StationEvent::ErrorRaised {
        connector: 1,
        id: id.into(),
        error_code: code,
        info: Some(id.into()),
        vendor_id: Some("https://chargex.inl.gov".into()),
        vendor_error_code: Some(cx.into()),
        is_fault,
    }
}

/// Plugged in and charging in a transaction, everything so far sent.
fn charging(h: &mut Harness) {
    h.event(StationEvent::PluggedIn { connector: 1 });
    start(h);
    flow(h, EnergyFlow::Charging);
    h.pump();
}

#[test]
fn a_fault_while_charging_is_faulted_then_suspended_evse_then_charging_again() {
    // EVerest: EvseManager pauses the transaction (ChargingPausedEVSE) and resumes it when
    // the last blocking error clears; libocpp sends nothing while Faulted, and on the clear
    // the status underneath, SuspendedEVSE, then Charging as energy flows again.
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 1);
    charging(&mut h);
    h.event(mrec(
        "evse_board_support/MREC4OverCurrentFailure",
        ChargePointErrorCode::OverCurrentFailure,
        "CX004",
        true,
    ));
    flow(&mut h, EnergyFlow::SuspendedEVSE);
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "OverCurrentFailure",
                "info": "evse_board_support/MREC4OverCurrentFailure", "status": "Faulted",
                "timestamp": h.at(0), "vendorId": "https://chargex.inl.gov",
                "vendorErrorCode": "CX004"})
        )]
    );
    h.advance(30);
    h.assert_silent();
    h.event(StationEvent::ErrorCleared {
        connector: 1,
        id: "evse_board_support/MREC4OverCurrentFailure".into(),
    });
    flow(&mut h, EnergyFlow::Charging);
    assert_eq!(
        h.pump(),
        vec![
            h.status(1, "SuspendedEVSE", 30),
            h.status(1, "Charging", 30)
        ]
    );
    assert_eq!(h.commands(), vec![], "the transaction is not stopped");
}

#[test]
fn a_warning_while_charging_keeps_charging_and_only_changes_the_error_code() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 1);
    charging(&mut h);
    h.event(mrec(
        "evse_board_support/MREC3HighTemperature",
        ChargePointErrorCode::HighTemperature,
        "CX003",
        false,
    ));
    assert_eq!(
        h.pump(),
        vec![(
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "HighTemperature",
                "info": "evse_board_support/MREC3HighTemperature", "status": "Charging",
                "timestamp": h.at(0), "vendorId": "https://chargex.inl.gov",
                "vendorErrorCode": "CX003"})
        )]
    );
    h.event(StationEvent::ErrorCleared {
        connector: 1,
        id: "evse_board_support/MREC3HighTemperature".into(),
    });
    assert_eq!(h.pump(), vec![h.status(1, "Charging", 0)]);
}

//! Faults and the derived status.

use ocpp_types::core::{ChargePointErrorCode, ChargePointStatus};
use serde_json::json;

use super::Harness;
use crate::charge_point::StationEvent;

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

//! ChangeAvailability: at once, scheduled, for the whole station, and after a restart.

use ocpp_types::core::Reason;
use serde_json::json;

use super::{tag, Harness};
use crate::charge_point::{MemoryStore, StationCommand, StationEvent};

fn set(connector: u32, operative: bool) -> StationCommand {
    StationCommand::SetAvailability {
        connector,
        operative,
    }
}

#[test]
fn an_idle_connector_changes_at_once() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        h.csms_call_ok(
            "ChangeAvailability",
            json!({"connectorId": 1, "type": "Inoperative"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(h.commands(), vec![set(1, false)]);
    assert_eq!(h.pump(), vec![h.status(1, "Unavailable", 0)]);
    // Plugging in an unavailable connector changes nothing; a remote start is refused.
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.assert_silent();
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"idTag": "A", "connectorId": 1})
        ),
        json!({"status": "Rejected"})
    );
    // Asking again for what it already is: Accepted, nothing to do.
    assert_eq!(
        h.csms_call_ok(
            "ChangeAvailability",
            json!({"connectorId": 1, "type": "Inoperative"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(h.commands(), vec![]);
    assert_eq!(
        h.csms_call_ok(
            "ChangeAvailability",
            json!({"connectorId": 1, "type": "Operative"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(h.commands(), vec![set(1, true)]);
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)]);
}

#[test]
fn a_busy_connector_changes_when_its_transaction_ends() {
    let mut h = Harness::registered(json!({}), 2);
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("A"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    h.pump();
    assert_eq!(
        h.csms_call_ok(
            "ChangeAvailability",
            json!({"connectorId": 0, "type": "Inoperative"})
        ),
        json!({"status": "Scheduled"})
    );
    assert_eq!(h.commands(), vec![set(0, false), set(2, false)]);
    assert_eq!(
        h.pump(),
        vec![h.status(0, "Unavailable", 0), h.status(2, "Unavailable", 0)]
    );
    assert_eq!(
        h.cp.store().availability().unwrap(),
        [(0, false), (1, false), (2, false)].into_iter().collect()
    );
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 10,
        reason: Reason::Local,
        id_tag: None,
    });
    assert_eq!(h.commands(), vec![set(1, false)]);
    let sent = h.pump();
    assert_eq!(sent[0].0, "StopTransaction");
    assert_eq!(sent[1], h.status(1, "Unavailable", 0));
}

#[test]
fn an_unknown_connector_is_rejected() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        h.csms_call_ok(
            "ChangeAvailability",
            json!({"connectorId": 2, "type": "Inoperative"})
        ),
        json!({"status": "Rejected"})
    );
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn availability_survives_a_restart() {
    let mut store = MemoryStore::default();
    store.availability.insert(1, false);
    let mut h = Harness::with_store(json!({}), 1, store, &[]);
    assert_eq!(h.commands(), vec![set(1, false)]);
    h.connect();
    let sent = h.pump();
    assert_eq!(sent[2], h.status(1, "Unavailable", 0));
}

#[test]
fn a_scheduled_change_asked_back_before_the_transaction_ends_changes_nothing() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 1);
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("A"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    h.pump();
    for (kind, status) in [("Inoperative", "Scheduled"), ("Operative", "Scheduled")] {
        assert_eq!(
            h.csms_call_ok(
                "ChangeAvailability",
                json!({"connectorId": 1, "type": kind})
            ),
            json!({"status": status})
        );
    }
    assert_eq!(h.commands(), vec![]);
    h.assert_silent();
    assert_eq!(
        h.cp.store().availability().unwrap(),
        [(1, true)].into_iter().collect()
    );
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 10,
        reason: Reason::Local,
        id_tag: None,
    });
    assert_eq!(h.commands(), vec![]);
    let sent = h.pump();
    assert_eq!(sent[0].0, "StopTransaction");
    assert_eq!(sent[1..], [h.status(1, "Finishing", 0)]);
}

#[test]
fn the_whole_station_goes_unavailable_and_back() {
    let mut h = Harness::registered(json!({}), 2);
    assert_eq!(
        h.csms_call_ok(
            "ChangeAvailability",
            json!({"connectorId": 0, "type": "Inoperative"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.commands(),
        vec![set(0, false), set(1, false), set(2, false)]
    );
    assert_eq!(
        h.pump(),
        vec![
            h.status(0, "Unavailable", 0),
            h.status(1, "Unavailable", 0),
            h.status(2, "Unavailable", 0)
        ]
    );
    assert_eq!(
        h.csms_call_ok(
            "ChangeAvailability",
            json!({"connectorId": 0, "type": "Operative"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(h.commands(), vec![set(0, true), set(1, true), set(2, true)]);
    assert_eq!(
        h.pump(),
        vec![
            h.status(0, "Available", 0),
            h.status(1, "Available", 0),
            h.status(2, "Available", 0)
        ]
    );
}

//! Reservations as OCPP 1.6 §5.13 / §3.6 beyond the basics of
//! `reservation.rs`: the reservationId of the transaction that uses a reservation, a
//! reservationId moved to another connector, connector 0 (ReserveConnectorZeroSupported), the
//! Reservation profile switched off, a group member's remote start, and reservations that
//! survive a restart (expired ones dropped). Every test asserts the exact frames.

use serde_json::{json, Value};

use super::queue_delivery::SharedStore;
use super::{config, tag, Harness};
use crate::charge_point::{ChargePoint, StationCommand, StationEvent, Store, StoredReservation};

fn reserve(h: &mut Harness, connector: i32, id_tag: &str, id: i32, secs: i64) -> Value {
    let expiry = h.at(secs);
    h.csms_call_ok(
        "ReserveNow",
        json!({"connectorId": connector, "expiryDate": expiry, "idTag": id_tag,
            "reservationId": id, "parentIdTag": "GROUP"}),
    )["status"]
        .clone()
}

fn reserved(connector: u32, reservation_id: i32, id_tag: &str) -> StationCommand {
    StationCommand::Reserved {
        connector,
        reservation_id,
        id_tag: tag(id_tag),
    }
}

fn ended(connector: u32, reservation_id: i32) -> StationCommand {
    StationCommand::ReservationEnded {
        connector,
        reservation_id,
    }
}

/// The station starts the transaction without knowing the reservation (as the simulated
/// station does).
fn started(h: &mut Harness, connector: u32, id_tag: &str) {
    h.event(StationEvent::TransactionStarted {
        connector,
        id_tag: tag(id_tag),
        meter_start_wh: 0,
        reservation_id: None,
    });
}

fn presented(h: &mut Harness, id_tag: &str, connector: Option<u32>, answer: Value) -> bool {
    h.event(StationEvent::TokenPresented {
        id_tag: tag(id_tag),
        connector,
    });
    let (id, action, _) = h.call();
    assert_eq!(action, "Authorize");
    h.answer(&id, json!({ "idTagInfo": answer }));
    let commands = h.commands();
    match &commands[..] {
        [StationCommand::AuthorizationResult { accepted, .. }] => *accepted,
        other => panic!("expected one AuthorizationResult, got {other:?}"),
    }
}

fn start_payload(h: &Harness, connector: u32, id_tag: &str, reservation: i32) -> (String, Value) {
    (
        "StartTransaction".to_string(),
        json!({"connectorId": connector, "idTag": id_tag, "meterStart": 0,
            "reservationId": reservation, "timestamp": h.at(0)}),
    )
}

#[test]
fn the_transaction_of_the_reserved_identifier_carries_the_reservation_id() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(reserve(&mut h, 1, "OWNER", 7, 600), "Accepted");
    h.commands();
    assert_eq!(h.pump(), vec![h.status(1, "Reserved", 0)]);
    assert!(presented(
        &mut h,
        "owner",
        Some(1),
        json!({"status": "Accepted"})
    ));
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)]);
    h.event(StationEvent::PluggedIn { connector: 1 });
    started(&mut h, 1, "owner");
    assert_eq!(
        h.pump(),
        vec![start_payload(&h, 1, "owner", 7), h.status(1, "Charging", 0)]
    );
    // Used up: forgotten by the store, the station hears nothing more of it.
    assert_eq!(h.cp.store().reservations().unwrap(), vec![]);
    h.advance(700);
    assert_eq!(h.commands(), vec![]);
    assert_eq!(
        h.csms_call_ok("CancelReservation", json!({"reservationId": 7})),
        json!({"status": "Rejected"})
    );
}

#[test]
fn the_same_reservation_id_on_another_connector_moves_the_reservation() {
    let mut h = Harness::registered(json!({}), 2);
    assert_eq!(reserve(&mut h, 1, "OWNER", 7, 600), "Accepted");
    h.pump();
    h.commands();
    assert_eq!(reserve(&mut h, 2, "OWNER", 7, 900), "Accepted");
    assert_eq!(h.commands(), vec![ended(1, 7), reserved(2, 7, "OWNER")]);
    assert_eq!(
        h.pump(),
        vec![h.status(1, "Available", 0), h.status(2, "Reserved", 0)]
    );
    let stored = h.cp.store().reservations().unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|r| (r.id, r.connector))
            .collect::<Vec<_>>(),
        vec![(7, 2)]
    );
    // A reservation that cannot be made leaves the old one as it was.
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.pump();
    assert_eq!(reserve(&mut h, 1, "OWNER", 7, 900), "Occupied");
    assert_eq!(h.commands(), vec![]);
    assert_eq!(
        h.cp.connector_status(2),
        Some(ocpp_types::core::ChargePointStatus::Reserved)
    );
}

#[test]
fn reserve_now_is_rejected_without_the_reservation_profile() {
    let mut h = Harness::registered(
        json!({"Core": {"SupportedFeatureProfiles": "Core,RemoteTrigger"}}),
        1,
    );
    assert_eq!(reserve(&mut h, 1, "OWNER", 7, 600), "Rejected");
    assert_eq!(h.commands(), vec![]);
    h.assert_silent();
}

#[test]
fn connector_zero_is_reserved_only_when_supported_and_keeps_one_connector_free() {
    let mut h = Harness::registered(json!({}), 2);
    assert_eq!(
        reserve(&mut h, 0, "OWNER", 1, 600),
        "Rejected",
        "ReserveConnectorZeroSupported false"
    );

    let mut h = Harness::registered(
        json!({"Reservation": {"ReserveConnectorZeroSupported": true}}),
        2,
    );
    assert_eq!(reserve(&mut h, 0, "OWNER", 1, 600), "Accepted");
    assert_eq!(h.commands(), vec![reserved(0, 1, "OWNER")]);
    // The station stays Available: no connector is held yet.
    h.assert_silent();
    assert_eq!(reserve(&mut h, 0, "OTHER", 2, 600), "Occupied");
    // A stranger may take one connector; the other, the last free one, is now held for the
    // reservation and shows Reserved (everest-core) ...
    assert!(presented(
        &mut h,
        "STRANGER",
        Some(1),
        json!({"status": "Accepted"})
    ));
    assert_eq!(
        h.pump(),
        vec![h.status(1, "Preparing", 0), h.status(2, "Reserved", 0)]
    );
    // ... but neither the last free one, nor reserve it.
    assert!(!presented(
        &mut h,
        "STRANGER2",
        Some(2),
        json!({"status": "Accepted"})
    ));
    assert_eq!(reserve(&mut h, 2, "OTHER", 3, 600), "Occupied");
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 2, "idTag": "STRANGER2"})
        ),
        json!({"status": "Rejected"})
    );
    // The reserved identifier's group may, and its transaction uses the reservation.
    assert!(presented(
        &mut h,
        "MEMBER",
        Some(2),
        json!({"status": "Accepted", "parentIdTag": "GROUP"})
    ));
    assert_eq!(h.pump(), vec![h.status(2, "Preparing", 0)]);
    started(&mut h, 2, "MEMBER");
    assert_eq!(
        h.pump(),
        vec![
            start_payload(&h, 2, "MEMBER", 1),
            h.status(2, "Charging", 0)
        ]
    );
    assert_eq!(h.cp.store().reservations().unwrap(), vec![]);
    assert_eq!(
        h.csms_call_ok("CancelReservation", json!({"reservationId": 1})),
        json!({"status": "Rejected"})
    );
}

#[test]
fn a_reservation_of_connector_zero_expires_and_can_be_cancelled() {
    let mut h = Harness::registered(
        json!({"Reservation": {"ReserveConnectorZeroSupported": true}}),
        1,
    );
    assert_eq!(reserve(&mut h, 0, "OWNER", 1, 60), "Accepted");
    h.commands();
    // The only connector is the last free one: held for the station's reservation.
    assert_eq!(h.pump(), vec![h.status(1, "Reserved", 0)]);
    h.advance(60);
    assert_eq!(h.commands(), vec![ended(0, 1)]);
    assert_eq!(h.pump_no_heartbeats(), vec![h.status(1, "Available", 60)]);
    assert_eq!(reserve(&mut h, 0, "OWNER", 2, 600), "Accepted");
    h.commands();
    assert_eq!(h.pump(), vec![h.status(1, "Reserved", 60)]);
    assert_eq!(
        h.csms_call_ok("CancelReservation", json!({"reservationId": 2})),
        json!({"status": "Accepted"})
    );
    assert_eq!(h.commands(), vec![ended(0, 2)]);
    assert_eq!(h.pump(), vec![h.status(1, "Available", 60)]);
    assert_eq!(h.cp.store().reservations().unwrap(), vec![]);
}

#[test]
fn a_group_member_known_from_the_local_list_may_start_remotely() {
    let mut h = Harness::registered(json!({"Core": {"AuthorizeRemoteTxRequests": false}}), 1);
    let list = json!({"listVersion": 1, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "MEMBER", "idTagInfo": {"status": "Accepted", "parentIdTag": "GROUP"}}]});
    assert_eq!(
        h.csms_call_ok("SendLocalList", list),
        json!({"status": "Accepted"})
    );
    reserve(&mut h, 1, "OWNER", 7, 600);
    h.pump();
    h.commands();
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "STRANGER"})
        ),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "MEMBER"})
        ),
        json!({"status": "Accepted"})
    );
    let commands = h.commands();
    assert!(
        matches!(
            &commands[..],
            [StationCommand::RemoteStart { connector: 1, .. }]
        ),
        "{commands:?}"
    );
}

/// A charge point over `store` at the time of `from` (a restart keeps the time).
fn restarted(store: &SharedStore, patch: Value, connectors: u32, from: &Harness) -> Harness {
    let mut patch = patch;
    crate::config::merge_patch::apply(
        &mut patch,
        &json!({"Core": {"NumberOfConnectors": connectors, "ConnectorPhaseRotation": "0.RST"}}),
    );
    let cp = ChargePoint::new(config(patch), Box::new(store.clone()), connectors, from.now);
    Harness {
        cp,
        now: from.now,
        csms_calls: from.csms_calls,
        held: Vec::new(),
    }
}

fn over(store: &SharedStore, connectors: u32) -> Harness {
    let first = Harness::new(json!({}), connectors);
    let mut h = restarted(store, json!({}), connectors, &first);
    h.connect();
    h.pump();
    h
}

#[test]
fn a_reservation_survives_a_restart_and_still_expires() {
    let store = SharedStore::default();
    let mut h = over(&store, 2);
    assert_eq!(reserve(&mut h, 2, "OWNER", 7, 600), "Accepted");
    let stored = store.get().reservations().unwrap();
    assert_eq!(
        stored,
        vec![StoredReservation {
            id: 7,
            connector: 2,
            id_tag: tag("OWNER"),
            parent_id_tag: Some(tag("GROUP")),
            expiry_date: ocpp_types::DateTime::parse(&h.at(600)).unwrap(),
        }]
    );

    let mut h = restarted(&store, json!({}), 2, &h);
    assert_eq!(h.commands(), vec![reserved(2, 7, "OWNER")]);
    h.connect();
    let sent = h.pump();
    assert_eq!(
        sent.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        [
            "BootNotification",
            "StatusNotification",
            "StatusNotification",
            "StatusNotification"
        ]
    );
    assert_eq!(
        &sent[1..],
        &[
            h.status(0, "Available", 0),
            h.status(1, "Available", 0),
            h.status(2, "Reserved", 0)
        ]
    );
    // Still only for its identifier.
    assert!(!presented(
        &mut h,
        "STRANGER",
        Some(2),
        json!({"status": "Accepted"})
    ));
    h.advance(600);
    assert_eq!(h.commands(), vec![ended(2, 7)]);
    assert_eq!(h.pump_no_heartbeats(), vec![h.status(2, "Available", 600)]);
    assert_eq!(store.get().reservations().unwrap(), vec![]);
}

#[test]
fn a_reservation_expired_while_the_station_was_off_is_dropped() {
    let store = SharedStore::default();
    let mut h = over(&store, 1);
    assert_eq!(reserve(&mut h, 1, "OWNER", 7, 60), "Accepted");
    h.commands();
    // Off for two minutes.
    h.now.instant += std::time::Duration::from_secs(120);
    h.now.utc = ocpp_types::DateTime::parse(&h.at(120)).unwrap();
    let mut h = restarted(&store, json!({}), 1, &h);
    assert_eq!(h.commands(), vec![]);
    assert_eq!(store.get().reservations().unwrap(), vec![]);
    h.connect();
    let (id, _, _) = h.call();
    let now = h.now.utc.to_string();
    h.answer(
        &id,
        json!({"status": "Accepted", "currentTime": now, "interval": 300}),
    );
    assert_eq!(
        h.pump(),
        vec![h.status(0, "Available", 120), h.status(1, "Available", 120)]
    );
    assert_eq!(
        h.csms_call_ok("CancelReservation", json!({"reservationId": 7})),
        json!({"status": "Rejected"})
    );
}

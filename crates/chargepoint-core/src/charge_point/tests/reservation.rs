//! ReserveNow and CancelReservation.

use ocpp_types::core::{ChargePointErrorCode, ChargePointStatus};
use serde_json::json;

use super::{tag, Harness};
use crate::charge_point::{StationCommand, StationEvent};

fn reserve(h: &mut Harness, connector: i32, id_tag: &str, id: i32, secs: i64) -> serde_json::Value {
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

#[test]
fn a_reservation_holds_the_connector_until_it_expires() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(reserve(&mut h, 1, "OWNER", 7, 600), "Accepted");
    assert_eq!(h.commands(), vec![reserved(1, 7, "OWNER")]);
    assert_eq!(h.pump(), vec![h.status(1, "Reserved", 0)]);
    // Plugging in alone does not end it.
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.assert_silent();
    // Another identifier is not accepted here, even though the central system accepts it.
    h.event(StationEvent::TokenPresented {
        id_tag: tag("STRANGER"),
        connector: Some(1),
    });
    let (id, _, _) = h.call();
    h.answer(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    let commands = h.commands();
    assert!(
        matches!(
            &commands[..],
            [StationCommand::AuthorizationResult {
                accepted: false,
                ..
            }]
        ),
        "{commands:?}"
    );
    // A remote start for someone else is refused.
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "STRANGER"})
        ),
        json!({"status": "Rejected"})
    );
    h.advance(600);
    assert_eq!(
        h.commands(),
        vec![StationCommand::ReservationEnded {
            connector: 1,
            reservation_id: 7
        }]
    );
    assert_eq!(h.pump_no_heartbeats(), vec![h.status(1, "Preparing", 600)]);
}

#[test]
fn the_reserved_identifier_or_its_group_uses_the_reservation() {
    let mut h = Harness::registered(json!({}), 1);
    reserve(&mut h, 1, "OWNER", 7, 600);
    h.pump();
    h.commands();
    // A member of the same group (parentIdTag from Authorize.conf) is admitted.
    h.event(StationEvent::TokenPresented {
        id_tag: tag("MEMBER"),
        connector: None,
    });
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "GROUP"}}),
    );
    let commands = h.commands();
    assert!(
        matches!(
            &commands[..],
            [StationCommand::AuthorizationResult { accepted: true, .. }]
        ),
        "{commands:?}"
    );
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)]);
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("MEMBER"),
        meter_start_wh: 0,
        reservation_id: Some(7),
    });
    let sent = h.pump();
    assert_eq!(sent[0].1["reservationId"], json!(7));
    assert_eq!(sent[1], h.status(1, "Charging", 0));
    // Used up: nothing expires later.
    h.advance(700);
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn reserve_now_answers_why_it_cannot_reserve() {
    let mut h = Harness::registered(json!({}), 2);
    assert_eq!(reserve(&mut h, 0, "A", 1, 600), "Rejected");
    assert_eq!(reserve(&mut h, 3, "A", 1, 600), "Rejected");
    assert_eq!(
        reserve(&mut h, 1, "A", 1, 0),
        "Rejected",
        "expiry not in the future"
    );
    h.event(StationEvent::Fault {
        connector: 1,
        error_code: ChargePointErrorCode::GroundFailure,
        info: None,
        vendor_error_code: None,
    });
    assert_eq!(reserve(&mut h, 1, "A", 1, 600), "Faulted");
    h.event(StationEvent::PluggedIn { connector: 2 });
    assert_eq!(reserve(&mut h, 2, "A", 1, 600), "Occupied");
    h.event(StationEvent::Unplugged { connector: 2 });
    assert_eq!(reserve(&mut h, 2, "A", 1, 600), "Accepted");
    assert_eq!(
        reserve(&mut h, 2, "B", 2, 600),
        "Occupied",
        "reserved under another id"
    );
    assert_eq!(
        reserve(&mut h, 2, "B", 1, 900),
        "Accepted",
        "the same id replaces it"
    );
    h.csms_call_ok(
        "ChangeAvailability",
        json!({"connectorId": 2, "type": "Inoperative"}),
    );
    assert_eq!(
        h.cp.connector_status(2),
        Some(ChargePointStatus::Unavailable)
    );
}

#[test]
fn cancel_reservation_frees_the_connector() {
    let mut h = Harness::registered(json!({}), 1);
    reserve(&mut h, 1, "OWNER", 7, 600);
    h.pump();
    h.commands();
    assert_eq!(
        h.csms_call_ok("CancelReservation", json!({"reservationId": 8})),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        h.csms_call_ok("CancelReservation", json!({"reservationId": 7})),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::ReservationEnded {
            connector: 1,
            reservation_id: 7
        }]
    );
    assert_eq!(h.pump(), vec![h.status(1, "Available", 0)]);
}

#[test]
fn a_prevalidated_token_skips_authorize_but_not_the_reservation() {
    let mut h = Harness::registered(json!({}), 2);
    assert_eq!(reserve(&mut h, 1, "OWNER", 7, 600), "Accepted");
    h.commands();
    h.pump();
    // Someone else's prevalidated token is refused at the reserved connector, without any
    // Authorize.req.
    h.event(StationEvent::PrevalidatedTokenPresented {
        id_tag: tag("STRANGER"),
        connector: Some(1),
    });
    h.assert_silent();
    assert_eq!(
        h.commands(),
        vec![StationCommand::AuthorizationResult {
            id_tag: tag("STRANGER"),
            connector: Some(1),
            usable_connectors: vec![],
            accepted: false,
            id_tag_info: None,
        }]
    );
    // It is accepted at once at the free connector, which goes to Preparing.
    h.event(StationEvent::PrevalidatedTokenPresented {
        id_tag: tag("STRANGER"),
        connector: Some(2),
    });
    assert_eq!(
        h.commands(),
        vec![StationCommand::AuthorizationResult {
            id_tag: tag("STRANGER"),
            connector: Some(2),
            usable_connectors: vec![2],
            accepted: true,
            id_tag_info: None,
        }]
    );
    assert_eq!(h.pump(), vec![h.status(2, "Preparing", 0)]);
    // The owner's prevalidated token uses the reservation.
    h.event(StationEvent::PrevalidatedTokenPresented {
        id_tag: tag("OWNER"),
        connector: Some(1),
    });
    assert_eq!(
        h.commands(),
        vec![StationCommand::AuthorizationResult {
            id_tag: tag("OWNER"),
            connector: Some(1),
            usable_connectors: vec![1],
            accepted: true,
            id_tag_info: None,
        }]
    );
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)]);
}

#[test]
fn a_token_for_the_station_is_told_the_connectors_it_may_use() {
    let mut h = Harness::registered(json!({}), 3);
    assert_eq!(reserve(&mut h, 2, "OWNER", 7, 600), "Accepted");
    h.commands();
    h.pump();
    let usable = |h: &mut Harness, id_tag: &str| {
        h.event(StationEvent::PrevalidatedTokenPresented {
            id_tag: tag(id_tag),
            connector: None,
        });
        match &h.commands()[..] {
            [StationCommand::AuthorizationResult {
                accepted,
                usable_connectors,
                ..
            }] => (*accepted, usable_connectors.clone()),
            other => panic!("{other:?}"),
        }
    };
    // Not the connector reserved for someone else; the owner's own reserved one first.
    assert_eq!(usable(&mut h, "STRANGER"), (true, vec![1, 3]));
    assert_eq!(usable(&mut h, "OWNER"), (true, vec![2, 1, 3]));
    // With every other connector busy, nothing is left for a stranger: not accepted.
    for c in [1, 3] {
        h.event(StationEvent::TransactionStarted {
            connector: c,
            id_tag: tag("BUSY"),
            meter_start_wh: 0,
            reservation_id: None,
        });
    }
    h.pump();
    assert_eq!(usable(&mut h, "STRANGER"), (false, vec![]));
    assert_eq!(usable(&mut h, "OWNER"), (true, vec![2]));
}

#[test]
fn the_last_free_connector_is_not_offered_while_the_station_is_reserved_for_another() {
    let mut h = Harness::registered(
        json!({"Reservation": {"ReserveConnectorZeroSupported": true}}),
        2,
    );
    assert_eq!(reserve(&mut h, 0, "OWNER", 1, 600), "Accepted");
    h.commands();
    h.event(StationEvent::PrevalidatedTokenPresented {
        id_tag: tag("STRANGER"),
        connector: None,
    });
    assert!(matches!(
        &h.commands()[..],
        [StationCommand::AuthorizationResult { accepted: true, usable_connectors, .. }] if usable_connectors == &vec![1, 2]
    ));
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("STRANGER"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    h.pump();
    h.event(StationEvent::PrevalidatedTokenPresented {
        id_tag: tag("STRANGER2"),
        connector: None,
    });
    assert!(matches!(
        &h.commands()[..],
        [StationCommand::AuthorizationResult { accepted: false, usable_connectors, .. }] if usable_connectors.is_empty()
    ));
}

//! A group of identifiers (OCPP 1.6 §3.5, parentIdTag): an identifier with the same parent as
//! the transaction's stops it.

use ocpp_types::core::Reason;
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};
use serde_json::{json, Value};

use super::{tag, Harness};
use crate::charge_point::{StationCommand, StationEvent};

fn present(h: &mut Harness, id_tag: &str, connector: Option<u32>) {
    h.event(StationEvent::TokenPresented {
        id_tag: tag(id_tag),
        connector,
    });
}

/// Presents `id_tag` and answers its Authorize.req with `info`; returns the Authorize payload.
fn authorize(h: &mut Harness, id_tag: &str, connector: Option<u32>, info: Value) -> Value {
    present(h, id_tag, connector);
    let (id, action, payload) = h.call();
    assert_eq!(action, "Authorize");
    h.answer(&id, json!({ "idTagInfo": info }));
    payload
}

fn start(h: &mut Harness, connector: u32, id_tag: &str) {
    h.event(StationEvent::TransactionStarted {
        connector,
        id_tag: tag(id_tag),
        meter_start_wh: 0,
        reservation_id: None,
    });
}

/// What the core asks when `id_tag` stops the transaction on `connector`.
fn stopped_by(id_tag: &str, connector: u32) -> Vec<StationCommand> {
    vec![
        StationCommand::IdentifierStopsTransaction {
            id_tag: tag(id_tag),
            connector,
        },
        StationCommand::StopTransaction {
            connector,
            reason: Reason::Local,
        },
    ]
}

#[test]
fn a_second_card_of_the_group_is_authorized_then_stops_the_transaction() {
    let mut h = Harness::registered(
        json!({"Core": {"MeterValueSampleInterval": 0, "StopTxnSampledData": ""}}),
        1,
    );
    // Card A's parent comes with its Authorize.conf and stays in the cache.
    authorize(
        &mut h,
        "CARD-A",
        None,
        json!({"status": "Accepted", "parentIdTag": "FLEET"}),
    );
    h.commands();
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)]);
    start(&mut h, 1, "CARD-A");
    assert_eq!(h.pump()[0].0, "StartTransaction");
    assert_eq!(
        h.cp.store().transactions().unwrap()[0].parent_id_tag,
        Some(tag("FLEET"))
    );

    h.advance(30);
    let sent = authorize(
        &mut h,
        "CARD-B",
        None,
        json!({"status": "Accepted", "parentIdTag": "fleet"}),
    );
    assert_eq!(sent, json!({"idTag": "CARD-B"}));
    assert_eq!(
        h.commands(),
        stopped_by("CARD-B", 1),
        "no AuthorizationResult"
    );
    h.assert_silent();
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 700,
        reason: Reason::Local,
        id_tag: None,
    });
    assert_eq!(
        h.pump(),
        vec![
            (
                "StopTransaction".to_string(),
                json!({"idTag": "CARD-B", "meterStop": 700, "timestamp": h.at(30),
                    "transactionId": 42, "reason": "Local"})
            ),
            h.status(1, "Available", 30),
        ]
    );
}

#[test]
fn without_a_cache_the_parent_comes_from_start_transaction_conf() {
    let mut h = Harness::registered(
        json!({"Core": {"AuthorizationCacheEnabled": false, "MeterValueSampleInterval": 0}}),
        1,
    );
    start(&mut h, 1, "CARD-A");
    let (id, action, _) = h.call();
    assert_eq!(action, "StartTransaction");
    assert_eq!(h.cp.store().transactions().unwrap()[0].parent_id_tag, None);
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}, "transactionId": 5}),
    );
    assert_eq!(h.pump(), vec![h.status(1, "Charging", 0)]);
    authorize(
        &mut h,
        "CARD-B",
        Some(1),
        json!({"status": "Accepted", "parentIdTag": "FLEET"}),
    );
    assert_eq!(h.commands(), stopped_by("CARD-B", 1));
}

#[test]
fn a_card_of_another_group_or_not_accepted_does_not_stop_it() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 1);
    start(&mut h, 1, "CARD-A");
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}, "transactionId": 5}),
    );
    h.pump();

    authorize(
        &mut h,
        "OTHER",
        None,
        json!({"status": "Accepted", "parentIdTag": "TAXI"}),
    );
    let blocked = json!({"status": "Blocked", "parentIdTag": "FLEET"});
    authorize(&mut h, "CARD-C", None, blocked);
    let mut taxi = IdTagInfo::with_status(AuthorizationStatus::Accepted);
    taxi.parent_id_tag = Some(tag("TAXI"));
    let mut fleet_blocked = IdTagInfo::with_status(AuthorizationStatus::Blocked);
    fleet_blocked.parent_id_tag = Some(tag("FLEET"));
    assert_eq!(
        h.commands(),
        vec![
            StationCommand::AuthorizationResult {
                id_tag: tag("OTHER"),
                connector: None,
                usable_connectors: vec![1],
                accepted: true,
                id_tag_info: Some(taxi),
            },
            StationCommand::AuthorizationResult {
                id_tag: tag("CARD-C"),
                connector: None,
                usable_connectors: vec![],
                accepted: false,
                id_tag_info: Some(fleet_blocked),
            },
        ]
    );
    h.assert_silent();
    assert_eq!(h.cp.transaction_id(1), Some(5));
}

#[test]
fn a_free_connector_gets_a_new_session_before_the_group_stops_one() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 2);
    authorize(
        &mut h,
        "CARD-A",
        Some(1),
        json!({"status": "Accepted", "parentIdTag": "FLEET"}),
    );
    h.commands();
    start(&mut h, 1, "CARD-A");
    h.pump();
    let fleet = json!({"status": "Accepted", "parentIdTag": "FLEET"});
    // Connector 2 is free: card B starts there (everest-core's default).
    authorize(&mut h, "CARD-B", None, fleet.clone());
    let commands = h.commands();
    assert!(
        matches!(
            commands.as_slice(),
            [StationCommand::AuthorizationResult { accepted: true, .. }]
        ),
        "{commands:?}"
    );
    h.pump();
    // Presented at connector 1, it can only stop that transaction.
    authorize(&mut h, "CARD-B", Some(1), fleet);
    assert_eq!(h.commands(), stopped_by("CARD-B", 1));
}

#[test]
fn with_local_pre_authorize_the_cached_parent_stops_at_once() {
    let mut h = Harness::registered(
        json!({"Core": {"LocalPreAuthorize": true, "MeterValueSampleInterval": 0}}),
        1,
    );
    // Card B was seen before and is in the cache with its parent.
    authorize(
        &mut h,
        "CARD-B",
        None,
        json!({"status": "Accepted", "parentIdTag": "FLEET"}),
    );
    h.commands();
    h.advance(60);
    h.pump();
    authorize(
        &mut h,
        "CARD-A",
        None,
        json!({"status": "Accepted", "parentIdTag": "FLEET"}),
    );
    h.commands();
    start(&mut h, 1, "CARD-A");
    h.pump();

    present(&mut h, "CARD-B", None);
    h.assert_silent();
    assert_eq!(h.commands(), stopped_by("CARD-B", 1));
}

#[test]
fn a_member_whose_parent_is_the_transactions_idtag_stops_it() {
    // everest-core's used_for_transaction compares the parent with the idTag too.
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 1);
    start(&mut h, 1, "MASTER");
    h.pump();
    authorize(
        &mut h,
        "CHILD",
        None,
        json!({"status": "Accepted", "parentIdTag": "MASTER"}),
    );
    assert_eq!(h.commands(), stopped_by("CHILD", 1));
}

//! RemoteStartTransaction, RemoteStopTransaction and Reset.

use ocpp_types::core::{Reason, ResetType};
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};
use serde_json::json;

use super::{tag, Frame, Harness};
use crate::charge_point::{StationCommand, StationEvent};

fn remote_start(connector: u32, id_tag: &str) -> StationCommand {
    StationCommand::RemoteStart {
        connector,
        id_tag: tag(id_tag),
        charging_profile: None,
    }
}

fn start_transaction(h: &mut Harness, connector: u32) {
    h.event(StationEvent::TransactionStarted {
        connector,
        id_tag: tag("APP"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    h.pump();
}

/// The answer Accepted, then (sent right after it) StatusNotification Preparing.
fn assert_accepted_then_preparing(h: &Harness, frames: &[Frame], connector: u32) {
    let [Frame::Result { payload, .. }, Frame::Call {
        action,
        payload: status,
        ..
    }] = frames
    else {
        panic!("{frames:?}");
    };
    assert_eq!(payload, &json!({"status": "Accepted"}));
    assert_eq!(
        (action.clone(), status.clone()),
        h.status(connector, "Preparing", 0)
    );
}

#[test]
fn remote_start_on_a_free_connector_is_accepted_and_prepares_it() {
    let mut h = Harness::registered(json!({}), 2);
    let frames = h.csms_call(
        "RemoteStartTransaction",
        json!({"connectorId": 2, "idTag": "APP"}),
    );
    assert_accepted_then_preparing(&h, &frames, 2);
    assert_eq!(h.commands(), vec![remote_start(2, "APP")]);
}

#[test]
fn remote_start_is_rejected_for_connector_zero_unknown_or_busy_connectors() {
    let mut h = Harness::registered(json!({}), 1);
    start_transaction(&mut h, 1);
    for payload in [
        json!({"connectorId": 0, "idTag": "APP"}),
        json!({"connectorId": 2, "idTag": "APP"}),
        json!({"connectorId": 1, "idTag": "APP"}),
        json!({"idTag": "APP"}),
    ] {
        assert_eq!(
            h.csms_call_ok("RemoteStartTransaction", payload.clone()),
            json!({"status": "Rejected"}),
            "{payload}"
        );
    }
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn remote_start_with_a_charging_profile_other_than_tx_profile_is_rejected() {
    let mut h = Harness::registered(json!({}), 1);
    let profile = json!({"chargingProfileId": 1, "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}});
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "APP", "chargingProfile": profile})
        ),
        json!({"status": "Rejected"})
    );
}

#[test]
fn remote_start_without_connector_takes_the_first_free_one() {
    let mut h = Harness::registered(json!({}), 2);
    start_transaction(&mut h, 1);
    let frames = h.csms_call("RemoteStartTransaction", json!({"idTag": "APP"}));
    assert_accepted_then_preparing(&h, &frames, 2);
    assert_eq!(h.commands(), vec![remote_start(2, "APP")]);

    let mut h = Harness::registered(
        json!({"Internal": {"RejectRemoteStartTransactionWithoutConnectorId": true}}),
        1,
    );
    assert_eq!(
        h.csms_call_ok("RemoteStartTransaction", json!({"idTag": "APP"})),
        json!({"status": "Rejected"})
    );
}

#[test]
fn remote_start_is_authorized_first_when_authorize_remote_tx_requests() {
    let mut h = Harness::registered(json!({"Core": {"AuthorizeRemoteTxRequests": true}}), 1);
    let frames = h.csms_call(
        "RemoteStartTransaction",
        json!({"idTag": "APP", "connectorId": 1}),
    );
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert!(
        matches!(&frames[0], super::Frame::Result { payload, .. } if payload == &json!({"status": "Accepted"}))
    );
    assert!(
        matches!(&frames[1], super::Frame::Call { action, payload, .. } if action == "Authorize" && payload == &json!({"idTag": "APP"}))
    );
    assert_eq!(h.commands(), vec![]);
    let super::Frame::Call { id, .. } = &frames[1] else {
        unreachable!()
    };
    h.answer(id, json!({"idTagInfo": {"status": "Accepted"}}));
    assert_eq!(
        h.commands(),
        vec![
            StationCommand::AuthorizationResult {
                id_tag: tag("APP"),
                connector: Some(1),
                accepted: true,
                id_tag_info: Some(IdTagInfo::with_status(AuthorizationStatus::Accepted)),
            },
            remote_start(1, "APP"),
        ]
    );
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)]);
}

#[test]
fn remote_stop_stops_a_running_transaction_and_rejects_unknown_ids() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        h.csms_call_ok("RemoteStopTransaction", json!({"transactionId": 42})),
        json!({"status": "Rejected"})
    );
    start_transaction(&mut h, 1);
    assert_eq!(
        h.csms_call_ok("RemoteStopTransaction", json!({"transactionId": 41})),
        json!({"status": "Rejected"})
    );
    assert_eq!(h.commands(), vec![]);
    assert_eq!(
        h.csms_call_ok("RemoteStopTransaction", json!({"transactionId": 42})),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::StopTransaction {
            connector: 1,
            reason: Reason::Remote
        }]
    );
}

#[test]
fn reset_stops_transactions_then_asks_for_the_restart() {
    let mut h = Harness::registered(json!({}), 2);
    start_transaction(&mut h, 2);
    assert_eq!(
        h.csms_call_ok("Reset", json!({"type": "Soft"})),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.commands(),
        vec![
            StationCommand::StopTransaction {
                connector: 2,
                reason: Reason::SoftReset
            },
            StationCommand::Reset {
                kind: ResetType::Soft
            },
        ]
    );
}

#[test]
fn unlock_connector_is_answered_with_the_station_result() {
    use ocpp_types::core::UnlockStatus;
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        h.csms_call_ok("UnlockConnector", json!({"connectorId": 0})),
        json!({"status": "NotSupported"})
    );
    start_transaction(&mut h, 1);
    assert_eq!(
        h.csms_call("UnlockConnector", json!({"connectorId": 1})),
        vec![]
    );
    assert_eq!(
        h.commands(),
        vec![
            StationCommand::StopTransaction {
                connector: 1,
                reason: Reason::UnlockCommand
            },
            StationCommand::UnlockConnector { connector: 1 },
        ]
    );
    h.event(StationEvent::UnlockResult {
        connector: 1,
        status: UnlockStatus::Unlocked,
    });
    assert_eq!(
        h.frames(),
        vec![Frame::Result {
            id: "csms-1".into(),
            payload: json!({"status": "Unlocked"})
        }]
    );
    // A result nobody waits for changes nothing.
    h.event(StationEvent::UnlockResult {
        connector: 1,
        status: UnlockStatus::UnlockFailed,
    });
    h.assert_silent();
}

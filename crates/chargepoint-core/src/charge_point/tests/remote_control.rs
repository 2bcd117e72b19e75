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
                usable_connectors: vec![],
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
fn reset_is_answered_then_stops_transactions_and_restarts_once_they_stopped() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 2);
    start_transaction(&mut h, 2);
    assert_eq!(
        h.csms_call("Reset", json!({"type": "Soft"})),
        vec![Frame::Result {
            id: h.csms_id(),
            payload: json!({"status": "Accepted"})
        }]
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::StopTransaction {
            connector: 2,
            reason: Reason::SoftReset
        }]
    );
    h.event(StationEvent::TransactionStopped {
        connector: 2,
        meter_stop_wh: 50,
        reason: Reason::SoftReset,
        id_tag: None,
    });
    assert_eq!(
        h.commands(),
        vec![StationCommand::Reset {
            kind: ResetType::Soft
        }]
    );
    let sent = h.pump();
    assert_eq!(sent[0].0, "StopTransaction");
    assert_eq!(sent[0].1["reason"], "SoftReset");
}

#[test]
fn reset_restarts_after_the_wait_when_a_transaction_is_not_reported_stopped() {
    let mut h = Harness::registered(
        json!({"Internal": {"WaitForStopTransactionsOnResetTimeout": 20}}),
        1,
    );
    start_transaction(&mut h, 1);
    assert_eq!(
        h.csms_call_ok("Reset", json!({"type": "Hard"})),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::StopTransaction {
            connector: 1,
            reason: Reason::HardReset
        }]
    );
    h.advance(19);
    assert_eq!(h.commands(), vec![]);
    h.advance(1);
    assert_eq!(
        h.commands(),
        vec![StationCommand::Reset {
            kind: ResetType::Hard
        }]
    );
}

#[test]
fn reset_without_transactions_restarts_at_once() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        h.csms_call_ok("Reset", json!({"type": "Hard"})),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::Reset {
            kind: ResetType::Hard
        }]
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
    // The station stops the transaction itself when it has a lock to open.
    assert_eq!(
        h.commands(),
        vec![StationCommand::UnlockConnector { connector: 1 }]
    );
    h.event(StationEvent::UnlockResult {
        connector: 1,
        status: UnlockStatus::Unlocked,
    });
    assert_eq!(
        h.frames(),
        vec![Frame::Result {
            id: h.csms_id(),
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

#[test]
fn without_a_lock_the_transaction_goes_on_unless_stop_transaction_if_unlock_not_supported() {
    use ocpp_types::core::UnlockStatus;
    for stop in [false, true] {
        let mut h = Harness::registered(
            json!({"Internal": {"StopTransactionIfUnlockNotSupported": stop}}),
            1,
        );
        start_transaction(&mut h, 1);
        h.commands();
        assert_eq!(
            h.csms_call("UnlockConnector", json!({"connectorId": 1})),
            vec![]
        );
        assert_eq!(
            h.commands(),
            vec![StationCommand::UnlockConnector { connector: 1 }]
        );
        h.event(StationEvent::UnlockResult {
            connector: 1,
            status: UnlockStatus::NotSupported,
        });
        assert_eq!(
            h.frames(),
            vec![Frame::Result {
                id: h.csms_id(),
                payload: json!({"status": "NotSupported"})
            }]
        );
        let expected = if stop {
            vec![StationCommand::StopTransaction {
                connector: 1,
                reason: Reason::UnlockCommand,
            }]
        } else {
            vec![]
        };
        assert_eq!(
            h.commands(),
            expected,
            "StopTransactionIfUnlockNotSupported {stop}"
        );
    }
}

#[test]
fn unlock_of_an_idle_connector_asks_the_station_only() {
    use ocpp_types::core::UnlockStatus;
    let mut h = Harness::registered(json!({}), 2);
    assert_eq!(
        h.csms_call("UnlockConnector", json!({"connectorId": 2})),
        vec![]
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::UnlockConnector { connector: 2 }]
    );
    h.event(StationEvent::UnlockResult {
        connector: 2,
        status: UnlockStatus::UnlockFailed,
    });
    assert_eq!(
        h.frames(),
        vec![Frame::Result {
            id: h.csms_id(),
            payload: json!({"status": "UnlockFailed"})
        }]
    );
    assert_eq!(
        h.csms_call_ok("UnlockConnector", json!({"connectorId": 3})),
        json!({"status": "NotSupported"})
    );
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn remote_start_without_connector_takes_the_free_connector_with_a_car() {
    let mut h = Harness::registered(json!({}), 2);
    h.event(StationEvent::PluggedIn { connector: 2 });
    assert_eq!(h.pump(), vec![h.status(2, "Preparing", 0)]);
    assert_eq!(
        h.csms_call_ok("RemoteStartTransaction", json!({"idTag": "APP"})),
        json!({"status": "Accepted"})
    );
    assert_eq!(h.commands(), vec![remote_start(2, "APP")]);
    h.assert_silent();
}

#[test]
fn remote_start_without_connector_waits_for_the_next_car() {
    let mut h = Harness::registered(json!({"Core": {"ConnectionTimeOut": 30}}), 2);
    assert_eq!(
        h.csms_call_ok("RemoteStartTransaction", json!({"idTag": "APP"})),
        json!({"status": "Accepted"})
    );
    assert_eq!(h.commands(), vec![]);
    h.assert_silent();
    // A second one while the first waits is refused.
    assert_eq!(
        h.csms_call_ok("RemoteStartTransaction", json!({"idTag": "APP2"})),
        json!({"status": "Rejected"})
    );
    h.advance(10);
    h.event(StationEvent::PluggedIn { connector: 2 });
    assert_eq!(h.commands(), vec![remote_start(2, "APP")]);
    assert_eq!(h.pump(), vec![h.status(2, "Preparing", 10)]);

    // Nobody plugs in within ConnectionTimeOut: the remote start is dropped.
    let mut h = Harness::registered(json!({"Core": {"ConnectionTimeOut": 30}}), 2);
    h.csms_call_ok("RemoteStartTransaction", json!({"idTag": "APP"}));
    h.advance(30);
    h.event(StationEvent::PluggedIn { connector: 1 });
    assert_eq!(h.commands(), vec![]);
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 30)]);
}

#[test]
fn remote_start_without_connector_is_authorized_first_then_waits_for_the_car() {
    let mut h = Harness::registered(json!({"Core": {"AuthorizeRemoteTxRequests": true}}), 2);
    h.csms_call_ok("RemoteStartTransaction", json!({"idTag": "APP"}));
    let (id, action, payload) = h.call();
    assert_eq!(
        (action.as_str(), payload),
        ("Authorize", json!({"idTag": "APP"}))
    );
    h.answer(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    assert_eq!(
        h.commands(),
        vec![StationCommand::AuthorizationResult {
            id_tag: tag("APP"),
            connector: None,
            usable_connectors: vec![],
            accepted: true,
            id_tag_info: Some(IdTagInfo::with_status(AuthorizationStatus::Accepted)),
        }]
    );
    h.assert_silent();
    h.event(StationEvent::PluggedIn { connector: 1 });
    assert_eq!(h.commands(), vec![remote_start(1, "APP")]);
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)]);
}

fn tx_profile(extra: serde_json::Value) -> serde_json::Value {
    let mut profile = json!({"chargingProfileId": 5, "stackLevel": 1,
        "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.0}]}});
    crate::config::merge_patch::apply(&mut profile, &extra);
    profile
}

#[test]
fn a_tx_profile_goes_with_the_remote_start_and_stays_with_its_transaction() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 1);
    let profile = tx_profile(json!({}));
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "APP", "chargingProfile": profile})
        ),
        json!({"status": "Accepted"})
    );
    let expected: ocpp_types::charging_profile::ChargingProfile =
        serde_json::from_value(profile).unwrap();
    assert_eq!(
        h.commands(),
        vec![StationCommand::RemoteStart {
            connector: 1,
            id_tag: tag("APP"),
            charging_profile: Some(expected.clone()),
        }]
    );
    assert_eq!(h.cp.tx_profile(1), Some(&expected));
    h.event(StationEvent::PluggedIn { connector: 1 });
    start_transaction(&mut h, 1);
    assert_eq!(h.cp.tx_profile(1), Some(&expected));
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 10,
        reason: Reason::Local,
        id_tag: None,
    });
    assert_eq!(h.cp.tx_profile(1), None);
}

#[test]
fn a_tx_profile_libocpp_would_refuse_rejects_the_remote_start() {
    let mut h = Harness::registered(
        json!({"SmartCharging": {"ChargeProfileMaxStackLevel": 3},
            "Internal": {"AllowChargingProfileWithoutStartSchedule": false}}),
        1,
    );
    for (connector, profile) in [
        (None, tx_profile(json!({}))),
        (Some(1), tx_profile(json!({"stackLevel": 4}))),
        (Some(1), tx_profile(json!({"stackLevel": -1}))),
        (Some(1), tx_profile(json!({"transactionId": 42}))),
        (
            Some(1),
            tx_profile(json!({"chargingProfileKind": "Absolute"})),
        ),
        (
            Some(1),
            tx_profile(json!({"chargingProfileKind": "Recurring",
            "chargingSchedule": {"startSchedule": "2026-11-24T00:00:00Z"}})),
        ),
        (
            Some(1),
            tx_profile(json!({"chargingSchedule": {"chargingSchedulePeriod":
            [{"startPeriod": 0, "limit": -1.0}]}})),
        ),
    ] {
        let mut payload = json!({"idTag": "APP", "chargingProfile": profile});
        if let Some(c) = connector {
            payload["connectorId"] = json!(c);
        }
        assert_eq!(
            h.csms_call_ok("RemoteStartTransaction", payload.clone()),
            json!({"status": "Rejected"}),
            "{payload}"
        );
    }
    assert_eq!(h.commands(), vec![]);
    h.assert_silent();
    // At the limit it is fine.
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "APP",
                "chargingProfile": tx_profile(json!({"stackLevel": 3}))})
        ),
        json!({"status": "Accepted"})
    );
}

#[test]
fn remote_start_is_rejected_on_faulted_finishing_or_reserved_connectors() {
    use ocpp_types::core::ChargePointErrorCode;
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 3);
    h.event(StationEvent::Fault {
        connector: 1,
        error_code: ChargePointErrorCode::GroundFailure,
        info: None,
        vendor_error_code: None,
    });
    h.event(StationEvent::PluggedIn { connector: 2 });
    start_transaction(&mut h, 2);
    h.event(StationEvent::TransactionStopped {
        connector: 2,
        meter_stop_wh: 1,
        reason: Reason::Local,
        id_tag: None,
    });
    h.pump();
    h.csms_call_ok(
        "ReserveNow",
        json!({"connectorId": 3, "expiryDate": h.at(600), "idTag": "OTHER", "reservationId": 1}),
    );
    h.pump();
    h.commands();
    for connector in [1, 2, 3] {
        assert_eq!(
            h.csms_call_ok(
                "RemoteStartTransaction",
                json!({"connectorId": connector, "idTag": "APP"})
            ),
            json!({"status": "Rejected"}),
            "connector {connector}"
        );
    }
    assert_eq!(
        h.csms_call_ok("RemoteStartTransaction", json!({"idTag": "APP"})),
        json!({"status": "Rejected"})
    );
    // The reservation's own identifier may start there.
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 3, "idTag": "OTHER"})
        ),
        json!({"status": "Accepted"})
    );
}

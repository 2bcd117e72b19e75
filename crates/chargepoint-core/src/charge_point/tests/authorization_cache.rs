//! The authorization cache: LocalPreAuthorize, LocalAuthorizeOffline,
//! AllowOfflineTxForUnknownId, expiry and ClearCache.

use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};
use ocpp_types::DateTime;
use serde_json::json;

use super::{tag, Harness};
use crate::charge_point::{StationCommand, StationEvent};

pub(super) fn present(h: &mut Harness, id_tag: &str) {
    h.event(StationEvent::TokenPresented {
        id_tag: tag(id_tag),
        connector: None,
    });
}

pub(super) fn result(id_tag: &str, accepted: bool, info: Option<IdTagInfo>) -> StationCommand {
    StationCommand::AuthorizationResult {
        id_tag: tag(id_tag),
        connector: None,
        // The harnesses here have one connector.
        usable_connectors: if accepted { vec![1] } else { vec![] },
        accepted,
        id_tag_info: info,
    }
}

/// Presents `id_tag` online and answers its Authorize with `info`.
fn authorize(h: &mut Harness, id_tag: &str, info: serde_json::Value) {
    present(h, id_tag);
    let (id, action, _) = h.call();
    assert_eq!(action, "Authorize");
    h.answer(&id, json!({ "idTagInfo": info }));
    h.pump();
    h.commands();
}

fn accepted_info() -> IdTagInfo {
    IdTagInfo::with_status(AuthorizationStatus::Accepted)
}

#[test]
fn local_pre_authorize_accepts_a_cached_identifier_without_asking_until_it_expires() {
    let mut h = Harness::registered(json!({"Core": {"LocalPreAuthorize": true}}), 1);
    let expiry = h.at(60);
    authorize(
        &mut h,
        "RFID1",
        json!({"status": "Accepted", "expiryDate": expiry}),
    );
    present(&mut h, "rfid1");
    h.assert_silent();
    let mut cached = accepted_info();
    cached.expiry_date = Some(DateTime::parse(&expiry).unwrap());
    assert_eq!(h.commands(), vec![result("rfid1", true, Some(cached))]);
    h.advance(60);
    h.commands();
    // ConnectionTimeOut ended the first authorization meanwhile.
    assert_eq!(h.pump(), vec![h.status(1, "Available", 60)]);
    present(&mut h, "RFID1");
    assert_eq!(
        h.call().1,
        "Authorize",
        "expired: the central system is asked"
    );
}

#[test]
fn offline_the_cache_decides_with_local_authorize_offline() {
    let mut h = Harness::registered(json!({"Core": {"LocalAuthorizeOffline": true}}), 1);
    authorize(&mut h, "RFID1", json!({"status": "Accepted"}));
    authorize(&mut h, "BLOCKED", json!({"status": "Blocked"}));
    h.disconnect();
    present(&mut h, "RFID1");
    present(&mut h, "BLOCKED");
    present(&mut h, "NEW");
    assert_eq!(
        h.commands(),
        vec![
            result("RFID1", true, Some(accepted_info())),
            result("BLOCKED", false, None),
            result("NEW", false, None),
        ]
    );

    let mut h = Harness::registered(
        json!({"Core": {"LocalAuthorizeOffline": true, "AllowOfflineTxForUnknownId": true}}),
        1,
    );
    authorize(&mut h, "BLOCKED", json!({"status": "Blocked"}));
    h.disconnect();
    present(&mut h, "NEW");
    present(&mut h, "BLOCKED");
    assert_eq!(
        h.commands(),
        vec![result("NEW", true, None), result("BLOCKED", false, None)]
    );
}

#[test]
fn clear_cache_empties_it_and_is_rejected_without_a_cache() {
    let mut h = Harness::registered(json!({"Core": {"LocalAuthorizeOffline": true}}), 1);
    authorize(&mut h, "RFID1", json!({"status": "Accepted"}));
    assert_eq!(
        h.csms_call_ok("ClearCache", json!({})),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.cp.store().cached_authorization(&tag("RFID1")).unwrap(),
        None
    );
    h.disconnect();
    present(&mut h, "RFID1");
    assert_eq!(h.commands(), vec![result("RFID1", false, None)]);

    let mut h = Harness::registered(
        json!({"Core": {"AuthorizationCacheEnabled": false, "LocalAuthorizeOffline": true}}),
        1,
    );
    authorize(&mut h, "RFID1", json!({"status": "Accepted"}));
    assert_eq!(
        h.cp.store().cached_authorization(&tag("RFID1")).unwrap(),
        None
    );
    assert_eq!(
        h.csms_call_ok("ClearCache", json!({})),
        json!({"status": "Rejected"})
    );
}

#[test]
fn transaction_answers_update_the_cache() {
    let mut h = Harness::registered(json!({}), 1);
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("OLD"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Blocked"}, "transactionId": 3}),
    );
    assert_eq!(
        h.cp.store().cached_authorization(&tag("OLD")).unwrap(),
        Some(IdTagInfo::with_status(AuthorizationStatus::Blocked))
    );
    h.pump();
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 0,
        reason: ocpp_types::core::Reason::DeAuthorized,
        id_tag: Some(tag("OLD")),
    });
    let (id, action, _) = h.call();
    assert_eq!(action, "StopTransaction");
    h.answer(&id, json!({"idTagInfo": {"status": "Expired"}}));
    assert_eq!(
        h.cp.store().cached_authorization(&tag("OLD")).unwrap(),
        Some(IdTagInfo::with_status(AuthorizationStatus::Expired))
    );
}

#[test]
fn an_accepted_entry_found_expired_is_stored_as_expired() {
    let mut h = Harness::registered(
        json!({"Core": {"LocalPreAuthorize": true, "ConnectionTimeOut": 10}}),
        1,
    );
    let expiry = h.at(60);
    authorize(
        &mut h,
        "RFID1",
        json!({"status": "Accepted", "expiryDate": expiry, "parentIdTag": "P"}),
    );
    h.advance(61);
    h.pump();
    h.commands();
    present(&mut h, "RFID1");
    let mut expired = IdTagInfo::with_status(AuthorizationStatus::Expired);
    expired.expiry_date = Some(DateTime::parse(&expiry).unwrap());
    expired.parent_id_tag = Some(tag("P"));
    assert_eq!(
        h.cp.store().cached_authorization(&tag("RFID1")).unwrap(),
        Some(expired)
    );
    let (id, action, payload) = h.call();
    assert_eq!(
        (action.as_str(), payload),
        ("Authorize", json!({"idTag": "RFID1"}))
    );
    // The central system's new word replaces it.
    h.answer(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    assert_eq!(
        h.cp.store().cached_authorization(&tag("RFID1")).unwrap(),
        Some(accepted_info())
    );
    assert_eq!(
        h.commands(),
        vec![result("RFID1", true, Some(accepted_info()))]
    );
}

#[test]
fn an_authorize_cut_off_by_the_lost_connection_is_decided_as_offline() {
    let mut h = Harness::registered(json!({"Core": {"AllowOfflineTxForUnknownId": true}}), 1);
    present(&mut h, "NEW");
    assert_eq!(h.call().1, "Authorize");
    h.disconnect();
    assert_eq!(h.commands(), vec![result("NEW", true, None)]);

    // A CALLERROR while online is a refusal, not an outage.
    h.connect();
    h.pump();
    present(&mut h, "NEW");
    let (id, _, _) = h.call();
    h.answer_error(&id);
    assert_eq!(h.commands(), vec![result("NEW", false, None)]);
}

#[test]
fn without_local_authorize_offline_the_cache_is_not_consulted_offline() {
    // As libocpp: AllowOfflineTxForUnknownId alone decides, even for a cached Blocked.
    let mut h = Harness::registered(
        json!({"Core": {"LocalAuthorizeOffline": false, "AllowOfflineTxForUnknownId": true}}),
        1,
    );
    authorize(&mut h, "BLOCKED", json!({"status": "Blocked"}));
    authorize(&mut h, "RFID1", json!({"status": "Accepted"}));
    h.disconnect();
    present(&mut h, "BLOCKED");
    present(&mut h, "RFID1");
    assert_eq!(
        h.commands(),
        vec![result("BLOCKED", true, None), result("RFID1", true, None)]
    );
}

#[test]
fn every_id_tag_info_updates_the_cache_with_its_parent() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 1);
    authorize(
        &mut h,
        "RFID1",
        json!({"status": "Accepted", "parentIdTag": "P1"}),
    );
    let mut info = accepted_info();
    info.parent_id_tag = Some(tag("P1"));
    assert_eq!(
        h.cp.store().cached_authorization(&tag("RFID1")).unwrap(),
        Some(info)
    );
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "ConcurrentTx", "parentIdTag": "P2"}, "transactionId": 1}),
    );
    let mut info = IdTagInfo::with_status(AuthorizationStatus::ConcurrentTx);
    info.parent_id_tag = Some(tag("P2"));
    assert_eq!(
        h.cp.store().cached_authorization(&tag("RFID1")).unwrap(),
        Some(info)
    );
}

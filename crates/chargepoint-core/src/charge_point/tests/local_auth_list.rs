//! The local authorization list: SendLocalList, GetLocalListVersion, its place before the cache
//! online and offline, LocalListConflict, and persistence.

use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};
use serde_json::{json, Value};

use super::authorization_cache::{present, result};
use super::{tag, Frame, Harness};
use crate::charge_point::{MemoryStore, Store};

fn send(h: &mut Harness, request: Value) -> Value {
    h.csms_call_ok("SendLocalList", request)
}

fn version(h: &mut Harness) -> Value {
    h.csms_call_ok("GetLocalListVersion", json!({}))
}

/// A list of RFID1 Accepted (parent FLEET) and RFID2 Blocked, version 3.
fn full_list(h: &mut Harness) {
    let answer = send(
        h,
        json!({"listVersion": 3, "updateType": "Full", "localAuthorizationList": [
            {"idTag": "RFID1", "idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}},
            {"idTag": "RFID2", "idTagInfo": {"status": "Blocked"}}]}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
}

fn listed_accepted() -> IdTagInfo {
    let mut info = IdTagInfo::with_status(AuthorizationStatus::Accepted);
    info.parent_id_tag = Some(tag("FLEET"));
    info
}

#[test]
fn version_is_zero_when_empty_and_follows_full_and_differential_updates() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(version(&mut h), json!({"listVersion": 0}));
    full_list(&mut h);
    assert_eq!(version(&mut h), json!({"listVersion": 3}));
    let answer = send(
        &mut h,
        json!({"listVersion": 4, "updateType": "Differential", "localAuthorizationList": [
            {"idTag": "RFID2"}]}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
    assert_eq!(version(&mut h), json!({"listVersion": 4}));
    let answer = send(
        &mut h,
        json!({"listVersion": 4, "updateType": "Differential", "localAuthorizationList": [
            {"idTag": "RFID3", "idTagInfo": {"status": "Accepted"}}]}),
    );
    assert_eq!(answer, json!({"status": "VersionMismatch"}));
    let stored = h.cp.store().local_list().unwrap();
    assert_eq!(stored.version, 4);
    assert_eq!(stored.entries, vec![(tag("RFID1"), listed_accepted())]);
    // A Full update without entries empties the list: version 0 again.
    assert_eq!(
        send(&mut h, json!({"listVersion": 5, "updateType": "Full"})),
        json!({"status": "Accepted"})
    );
    assert_eq!(version(&mut h), json!({"listVersion": 0}));
    h.assert_silent();
}

#[test]
fn disabled_or_unsupported_lists_answer_not_supported_and_minus_one() {
    for patch in [
        json!({"LocalAuthListManagement": {"LocalAuthListEnabled": false}}),
        json!({"Core": {"SupportedFeatureProfiles": "Core,RemoteTrigger"}}),
    ] {
        let mut h = Harness::registered(patch.clone(), 1);
        assert_eq!(
            send(&mut h, json!({"listVersion": 1, "updateType": "Full"})),
            json!({"status": "NotSupported"}),
            "{patch}"
        );
        assert_eq!(version(&mut h), json!({"listVersion": -1}), "{patch}");
    }
}

#[test]
fn an_update_over_the_limits_fails_and_changes_nothing() {
    let mut h = Harness::registered(
        json!({"LocalAuthListManagement": {"LocalAuthListMaxLength": 2,
            "SendLocalListMaxLength": 2}}),
        1,
    );
    full_list(&mut h);
    let three = json!({"listVersion": 9, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "A", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "B", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "C", "idTagInfo": {"status": "Accepted"}}]});
    assert_eq!(send(&mut h, three), json!({"status": "Failed"}));
    let grows = json!({"listVersion": 9, "updateType": "Differential",
        "localAuthorizationList": [{"idTag": "A", "idTagInfo": {"status": "Accepted"}}]});
    assert_eq!(send(&mut h, grows), json!({"status": "Failed"}));
    assert_eq!(version(&mut h), json!({"listVersion": 3}));
    assert_eq!(h.cp.store().local_list().unwrap().entries.len(), 2);
}

#[test]
fn a_store_failure_answers_failed() {
    let mut h = Harness::with_store(
        json!({}),
        1,
        MemoryStore {
            fail_writes: true,
            ..MemoryStore::default()
        },
        &[],
    );
    h.connect();
    h.pump();
    assert_eq!(
        send(
            &mut h,
            json!({"listVersion": 1, "updateType": "Full", "localAuthorizationList": [
                {"idTag": "A", "idTagInfo": {"status": "Accepted"}}]})
        ),
        json!({"status": "Failed"})
    );
    assert_eq!(version(&mut h), json!({"listVersion": 0}));
}

#[test]
fn online_with_local_pre_authorize_a_listed_identifier_starts_without_authorize() {
    let mut h = Harness::registered(json!({"Core": {"LocalPreAuthorize": true}}), 1);
    full_list(&mut h);
    present(&mut h, "rfid1");
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)], "no Authorize");
    assert_eq!(
        h.commands(),
        vec![result("rfid1", true, Some(listed_accepted()))]
    );
    // A listed identifier that is not accepted is asked about, as one in the cache.
    let mut h = Harness::registered(json!({"Core": {"LocalPreAuthorize": true}}), 1);
    full_list(&mut h);
    present(&mut h, "RFID2");
    assert_eq!(h.call().1, "Authorize");
}

#[test]
fn offline_the_list_decides_before_the_cache() {
    let mut h = Harness::registered(
        json!({"Core": {"LocalAuthorizeOffline": true, "AllowOfflineTxForUnknownId": true}}),
        1,
    );
    // The cache says RFID2 is Accepted, the list (sent later) says Blocked.
    present(&mut h, "RFID2");
    let (id, action, _) = h.call();
    assert_eq!(action, "Authorize");
    h.answer(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    h.commands();
    full_list(&mut h);
    h.disconnect();
    present(&mut h, "RFID1");
    present(&mut h, "RFID2");
    present(&mut h, "UNKNOWN");
    assert_eq!(
        h.commands(),
        vec![
            result("RFID1", true, Some(listed_accepted())),
            result("RFID2", false, None),
            result("UNKNOWN", true, None),
        ]
    );
}

#[test]
fn a_central_system_disagreeing_with_the_list_gets_local_list_conflict_and_no_cache_entry() {
    let mut h = Harness::registered(json!({}), 1);
    full_list(&mut h);
    present(&mut h, "RFID2");
    let (id, action, _) = h.call();
    assert_eq!(action, "Authorize");
    h.answer(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    let frames = h.frames();
    let [Frame::Call {
        action, payload, ..
    }] = frames.as_slice()
    else {
        panic!("one StatusNotification expected, got {frames:?}");
    };
    assert_eq!(action, "StatusNotification");
    assert_eq!(
        payload,
        &json!({"connectorId": 0, "errorCode": "LocalListConflict", "info": "idTag RFID2",
                "status": "Available", "timestamp": h.at(0)})
    );
    assert_eq!(
        h.cp.store().cached_authorization(&tag("RFID2")).unwrap(),
        None,
        "listed identifiers are not cached"
    );
    // An agreeing answer is silent.
    let mut h = Harness::registered(json!({}), 1);
    full_list(&mut h);
    present(&mut h, "RFID1");
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}}),
    );
    assert_eq!(h.pump(), vec![h.status(1, "Preparing", 0)]);
}

#[test]
fn the_list_survives_a_restart() {
    let mut h = Harness::registered(json!({"Core": {"LocalAuthorizeOffline": true}}), 1);
    full_list(&mut h);
    let stored = h.cp.store().local_list().unwrap();
    let mut store = MemoryStore::default();
    store
        .replace_local_list(stored.version, &stored.entries)
        .unwrap();
    let mut after = Harness::with_store(
        json!({"Core": {"LocalAuthorizeOffline": true}}),
        1,
        store,
        &[],
    );
    present(&mut after, "RFID1");
    assert_eq!(
        after.commands(),
        vec![result("RFID1", true, Some(listed_accepted()))],
        "not connected yet: decided by the restored list"
    );
    after.connect();
    after.pump();
    assert_eq!(version(&mut after), json!({"listVersion": 3}));
}

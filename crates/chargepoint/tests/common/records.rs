//! Records of every kind the core stores, for the store tests: one of each written by
//! [`fill`] and checked by [`assert_filled`].

use chargepoint::charge_point::{Store, StoredMessage, StoredReservation, StoredTransaction};
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo, IdToken};
use ocpp_types::meter::MeterValue;
use ocpp_types::{Action, DateTime};
use serde_json::json;

/// An idTag.
pub fn tag(s: &str) -> IdToken {
    IdToken::new(s).unwrap()
}

/// A transaction at `connector`, every field given.
pub fn transaction(connector: u32, placeholder_id: i32) -> StoredTransaction {
    let at = DateTime::parse("2026-11-24T06:00:00.000Z").unwrap();
    let sample: MeterValue = serde_json::from_value(json!({
        "timestamp": "2026-11-24T06:01:00.000Z",
        "sampledValue": [{"value": "1234", "measurand": "Energy.Active.Import.Register"}]
    }))
    .unwrap();
    StoredTransaction {
        connector,
        placeholder_id,
        transaction_id: Some(7),
        id_tag: tag("RFID1"),
        meter_start_wh: 10,
        started_at: at,
        reservation_id: Some(3),
        meter_last_wh: 1234,
        meter_last_at: at,
        transaction_data: vec![sample],
        parent_id_tag: None,
        energy_limit_wh: None,
    }
}

/// A queued message with a nested payload.
pub fn message(key: u64, action: Action, starts_transaction: Option<i32>) -> StoredMessage {
    StoredMessage {
        key,
        action,
        payload: json!({"connectorId": 1, "nested": {"list": [1, 2.5, "x", null]}}),
        attempts: 2,
        starts_transaction,
    }
}

/// Writes one of everything.
pub fn fill(store: &mut dyn Store) {
    store.save_transaction(&transaction(1, -1)).unwrap();
    store.save_transaction(&transaction(2, -2)).unwrap();
    store.save_availability(0, true).unwrap();
    store.save_availability(2, false).unwrap();
    let info = IdTagInfo {
        expiry_date: Some(DateTime::parse("2027-01-01T00:00:00Z").unwrap()),
        parent_id_tag: Some(tag("PARENT")),
        status: AuthorizationStatus::Accepted,
    };
    store.save_cached_authorization(&tag("abc"), &info).unwrap();
    store
        .save_message(&message(5, Action::StopTransaction, None))
        .unwrap();
    store
        .save_message(&message(2, Action::StartTransaction, Some(-1)))
        .unwrap();
    store
        .replace_local_list(4, &[(tag("LISTED"), info.clone())])
        .unwrap();
}

/// What [`fill`] wrote.
pub fn assert_filled(store: &dyn Store) {
    assert_eq!(
        store.transactions().unwrap(),
        vec![transaction(1, -1), transaction(2, -2)]
    );
    assert_eq!(
        store
            .availability()
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        vec![(0, true), (2, false)]
    );
    let cached = store.cached_authorization(&tag("ABC")).unwrap().unwrap();
    assert_eq!(cached.parent_id_tag, Some(tag("PARENT")));
    assert_eq!(
        store.messages().unwrap(),
        vec![
            message(2, Action::StartTransaction, Some(-1)),
            message(5, Action::StopTransaction, None)
        ],
        "smallest key first"
    );
    let list = store.local_list().unwrap();
    assert_eq!(list.version, 4);
    assert_eq!(list.entries.len(), 1);
    assert_eq!(list.entries[0].0, tag("LISTED"));
}

/// A charging profile as SetChargingProfile sends one, every optional field given.
pub fn charging_profile(id: i32, limit: f64) -> ocpp_types::charging_profile::ChargingProfile {
    serde_json::from_value(json!({
        "chargingProfileId": id, "transactionId": 42, "stackLevel": 3,
        "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Recurring",
        "recurrencyKind": "Daily", "validFrom": "2026-11-24T00:00:00Z",
        "validTo": "2026-12-24T00:00:00Z",
        "chargingSchedule": {"duration": 3600, "startSchedule": "2026-11-24T06:00:00Z",
            "chargingRateUnit": "W", "minChargingRate": 1380.5,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit},
                {"startPeriod": 1800, "limit": 2300.0, "numberPhases": 1}]}
    }))
    .unwrap()
}

/// A reservation of `connector` for OWNER.
pub fn reservation(id: i32, connector: u32, parent: Option<&str>) -> StoredReservation {
    StoredReservation {
        id,
        connector,
        id_tag: tag("OWNER"),
        parent_id_tag: parent.map(tag),
        expiry_date: DateTime::parse("2026-11-24T07:00:00.000Z").unwrap(),
    }
}

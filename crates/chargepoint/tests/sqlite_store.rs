//! The SQLite store on its own: every method round-trips, the data survives closing and
//! reopening, a process killed mid-way (SIGKILL, no shutdown) keeps every committed record,
//! `write_all` stores all of its writes or none, and the schema version is kept and checked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chargepoint::charge_point::sqlite_store::{SqliteStore, MIGRATIONS};
use chargepoint::charge_point::{
    Store, StoreError, StoreWrite, StoredMessage, StoredReservation, StoredTransaction,
};
use common::{kill_child_after, Scratch};
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo, IdToken};
use ocpp_types::meter::MeterValue;
use ocpp_types::{Action, DateTime};
use serde_json::json;

fn tag(s: &str) -> IdToken {
    IdToken::new(s).unwrap()
}

fn transaction(connector: u32, placeholder_id: i32) -> StoredTransaction {
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

fn message(key: u64, action: Action, starts_transaction: Option<i32>) -> StoredMessage {
    StoredMessage {
        key,
        action,
        payload: json!({"connectorId": 1, "nested": {"list": [1, 2.5, "x", null]}}),
        attempts: 2,
        starts_transaction,
    }
}

/// Writes one of everything.
fn fill(store: &mut dyn Store) {
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
fn assert_filled(store: &dyn Store) {
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

#[test]
fn every_method_round_trips() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    assert_eq!(store.transactions().unwrap(), vec![]);
    assert_eq!(store.messages().unwrap(), vec![]);
    assert!(store.availability().unwrap().is_empty());
    assert_eq!(store.cached_authorization(&tag("abc")).unwrap(), None);
    fill(&mut store);
    assert_filled(&store);

    // Replacing and removing.
    let mut changed = transaction(1, -1);
    changed.transaction_id = Some(99);
    store.save_transaction(&changed).unwrap();
    store.remove_transaction(2).unwrap();
    assert_eq!(store.transactions().unwrap(), vec![changed]);
    store.save_availability(2, true).unwrap();
    assert_eq!(store.availability().unwrap().get(&2), Some(&true));
    // The cache compares idTags ignoring case: "ABC" replaces "abc".
    let blocked = IdTagInfo::with_status(AuthorizationStatus::Blocked);
    store
        .save_cached_authorization(&tag("ABC"), &blocked)
        .unwrap();
    assert_eq!(
        store.cached_authorization(&tag("aBc")).unwrap(),
        Some(blocked.clone())
    );
    store.clear_authorization_cache().unwrap();
    assert_eq!(store.cached_authorization(&tag("abc")).unwrap(), None);
    let mut retried = message(2, Action::StartTransaction, Some(-1));
    retried.attempts = 3;
    store.save_message(&retried).unwrap();
    store.remove_message(5).unwrap();
    assert_eq!(store.messages().unwrap(), vec![retried]);
    store.remove_message(2).unwrap();
    assert_eq!(store.messages().unwrap(), vec![]);

    // The local list: a Differential update adds, replaces (case-insensitively) and removes
    // in one write; a Full one replaces everything.
    store
        .update_local_list(
            5,
            &[
                (tag("listed"), blocked.clone()),
                (
                    tag("NEW"),
                    IdTagInfo::with_status(AuthorizationStatus::Accepted),
                ),
            ],
            &[tag("GONE")],
        )
        .unwrap();
    let mut list = store.local_list().unwrap();
    list.entries.sort_by_key(|(t, _)| t.as_str().to_uppercase());
    assert_eq!(list.version, 5);
    assert_eq!(
        list.entries
            .iter()
            .map(|(t, i)| (t.as_str().to_uppercase(), i.status))
            .collect::<Vec<_>>(),
        vec![
            ("LISTED".to_string(), AuthorizationStatus::Blocked),
            ("NEW".to_string(), AuthorizationStatus::Accepted)
        ]
    );
    store.update_local_list(6, &[], &[tag("new")]).unwrap();
    assert_eq!(store.local_list().unwrap().entries.len(), 1);
    store.replace_local_list(7, &[]).unwrap();
    let list = store.local_list().unwrap();
    assert_eq!((list.version, list.entries.len()), (7, 0));
}

#[test]
fn data_survives_closing_and_reopening() {
    let dir = Scratch::new("sqlite-reopen");
    let path = dir.file("ferrocharge.db");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        fill(&mut store);
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.path(), path);
    assert_filled(&store);
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as u32);
}

#[test]
fn a_store_leaked_without_closing_keeps_its_writes() {
    // No Drop at all: the connection is never closed and the WAL never checkpointed.
    let dir = Scratch::new("sqlite-leak");
    let path = dir.file("ferrocharge.db");
    let mut store = SqliteStore::open(&path).unwrap();
    fill(&mut store);
    std::mem::forget(store);
    assert_filled(&SqliteStore::open(&path).unwrap());
}

#[test]
fn write_all_stores_all_of_its_writes_or_none() {
    let dir = Scratch::new("sqlite-write-all");
    let path = dir.file("ferrocharge.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let start = message(3, Action::StartTransaction, Some(-1));
    store
        .write_all(&[
            StoreWrite::SaveTransaction(transaction(1, -1)),
            StoreWrite::SaveMessage(start.clone()),
        ])
        .unwrap();
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.transactions().unwrap(), vec![transaction(1, -1)]);
    assert_eq!(store.messages().unwrap(), vec![start.clone()]);
    drop(store);

    // The second write fails inside the SQLite transaction: the first is undone with it.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'refused'); END;",
    )
    .unwrap();
    drop(conn);
    let mut store = SqliteStore::open(&path).unwrap();
    let result = store.write_all(&[
        StoreWrite::SaveTransaction(transaction(2, -2)),
        StoreWrite::SaveMessage(message(4, Action::StartTransaction, Some(-2))),
    ]);
    assert!(
        matches!(&result, Err(StoreError::Backend(e)) if e.contains("refused")),
        "{result:?}"
    );
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.transactions().unwrap(), vec![transaction(1, -1)]);
    assert_eq!(store.messages().unwrap(), vec![start]);
}

#[test]
fn the_database_is_in_wal_mode_with_full_sync() {
    let dir = Scratch::new("sqlite-pragmas");
    let path = dir.file("ferrocharge.db");
    let mut store = SqliteStore::open(&path).unwrap();
    store.save_availability(1, false).unwrap();
    assert!(dir.file("ferrocharge.db-wal").exists());
    drop(store);
    // The journal mode is a property of the file.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_database_from_newer_software_is_refused() {
    let dir = Scratch::new("sqlite-version");
    let path = dir.file("ferrocharge.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", MIGRATIONS.len() as u32 + 1)
        .unwrap();
    drop(conn);
    match SqliteStore::open(&path) {
        Err(StoreError::Backend(reason)) => assert!(reason.contains("newer"), "{reason}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_corrupt_record_is_reported_with_its_key() {
    let dir = Scratch::new("sqlite-corrupt");
    let path = dir.file("ferrocharge.db");
    let mut store = SqliteStore::open(&path).unwrap();
    store
        .save_message(&message(4, Action::MeterValues, None))
        .unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE messages SET action = 'Teleport'", [])
        .unwrap();
    match store.messages() {
        Err(StoreError::Corrupt { key, .. }) => assert_eq!(key, "messages/4"),
        other => panic!("expected a corrupt record, got {other:?}"),
    }
}

const CHILD_DB: &str = "FERROCHARGE_SQLITE_CHILD_DB";

/// Not a test on its own: the writer process of
/// [`a_killed_process_keeps_every_committed_record`], which writes messages one after the other
/// and prints each key once its write has returned.
#[test]
fn child_writer() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let mut store = SqliteStore::open(path).unwrap();
    for key in 0.. {
        store
            .save_message(&message(key, Action::MeterValues, None))
            .unwrap();
        store.save_availability(key as u32, key % 2 == 0).unwrap();
        println!("committed {key}");
    }
}

#[test]
fn a_killed_process_keeps_every_committed_record() {
    let dir = Scratch::new("sqlite-kill");
    let path = dir.file("ferrocharge.db");
    // SIGKILL in the middle of the writes: no destructor, no checkpoint.
    let last = kill_child_after("child_writer", CHILD_DB, &path, "committed ", 30)
        .expect("the writer committed nothing");
    let store = SqliteStore::open(&path).unwrap();
    let keys: Vec<u64> = store.messages().unwrap().iter().map(|m| m.key).collect();
    assert!(
        keys.len() as u64 > last,
        "{} keys, {last} reported",
        keys.len()
    );
    assert_eq!(keys, (0..keys.len() as u64).collect::<Vec<_>>(), "no gap");
    let availability = store.availability().unwrap();
    for key in 0..=last {
        assert_eq!(availability.get(&(key as u32)), Some(&(key % 2 == 0)));
    }
}

/// A charging profile as SetChargingProfile sends one, every optional field given.
fn charging_profile(id: i32, limit: f64) -> ocpp_types::charging_profile::ChargingProfile {
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

#[test]
fn charging_profiles_round_trip_and_survive_reopening() {
    let dir = Scratch::new("sqlite-charging-profiles");
    let path = dir.file("ferrocharge.db");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.charging_profiles().unwrap(), vec![]);
        store
            .save_charging_profile(1, &charging_profile(7, 11000.0))
            .unwrap();
        store
            .save_charging_profile(0, &charging_profile(3, 22000.0))
            .unwrap();
        store
            .save_charging_profile(2, &charging_profile(9, 7000.0))
            .unwrap();
        // Same id: replaced, connector included.
        store
            .save_charging_profile(2, &charging_profile(7, 4000.0))
            .unwrap();
        store.remove_charging_profile(9).unwrap();
        // An unknown id is not an error.
        store.remove_charging_profile(1234).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.charging_profiles().unwrap(),
        vec![
            (0, charging_profile(3, 22000.0)),
            (2, charging_profile(7, 4000.0))
        ],
        "by chargingProfileId"
    );
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as u32);
}

fn reservation(id: i32, connector: u32, parent: Option<&str>) -> StoredReservation {
    StoredReservation {
        id,
        connector,
        id_tag: tag("OWNER"),
        parent_id_tag: parent.map(tag),
        expiry_date: DateTime::parse("2026-11-24T07:00:00.000Z").unwrap(),
    }
}

#[test]
fn reservations_round_trip_and_survive_reopening() {
    let dir = Scratch::new("sqlite-reservations");
    let path = dir.file("ferrocharge.db");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.reservations().unwrap(), vec![]);
        store
            .save_reservation(&reservation(7, 1, Some("GROUP")))
            .unwrap();
        store.save_reservation(&reservation(3, 0, None)).unwrap();
        store.save_reservation(&reservation(9, 2, None)).unwrap();
        // Same id: replaced (moved to another connector).
        store.save_reservation(&reservation(7, 2, None)).unwrap();
        store.remove_reservation(9).unwrap();
        // An unknown id is not an error.
        store.remove_reservation(1234).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.reservations().unwrap(),
        vec![reservation(3, 0, None), reservation(7, 2, None)],
        "by reservationId"
    );
}

#[test]
fn a_database_of_before_reservations_gets_their_table() {
    let dir = Scratch::new("sqlite-reservations-migration");
    let path = dir.file("ferrocharge.db");
    let before = MIGRATIONS.len() - 1;
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for step in &MIGRATIONS[..before] {
            conn.execute_batch(step).unwrap();
        }
        conn.pragma_update(None, "user_version", before as u32)
            .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as u32);
    store.save_reservation(&reservation(1, 1, None)).unwrap();
    assert_eq!(store.reservations().unwrap(), vec![reservation(1, 1, None)]);
}

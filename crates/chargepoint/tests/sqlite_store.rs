//! The SQLite stores on their own, each test run for a station's own file (`SqliteStore`) and
//! for one station's rows of a file shared by many (`SharedSqliteStore`): every method
//! round-trips, the data survives closing and reopening, a process killed mid-way (SIGKILL, no
//! shutdown) keeps every committed record, `write_all` stores all of its writes or none, and
//! the schema version is kept and checked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chargepoint::charge_point::sqlite_store::SqliteStore;
use chargepoint::charge_point::{StoreError, StoreWrite};
use common::layouts::{file_schema_version, for_each_layout, Layout};
use common::records::{
    assert_filled, charging_profile, fill, message, reservation, tag, transaction,
};
use common::{kill_child_after, Scratch};
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};
use ocpp_types::Action;

for_each_layout!(
    every_method_round_trips,
    data_survives_closing_and_reopening,
    a_store_leaked_without_closing_keeps_its_writes,
    write_all_stores_all_of_its_writes_or_none,
    the_database_is_in_wal_mode_with_full_sync,
    a_database_from_newer_software_is_refused,
    a_corrupt_record_is_reported_with_its_key,
    child_writer,
    a_killed_process_keeps_every_committed_record,
    charging_profiles_round_trip_and_survive_reopening,
    reservations_round_trip_and_survive_reopening,
    a_database_one_step_behind_is_brought_up_to_date,
);

fn every_method_round_trips<L: Layout>() {
    let mut store = L::open_in_memory();
    assert_eq!(store.transactions().unwrap(), vec![]);
    assert_eq!(store.messages().unwrap(), vec![]);
    assert!(store.availability().unwrap().is_empty());
    assert_eq!(store.cached_authorization(&tag("abc")).unwrap(), None);
    fill(store.as_mut());
    assert_filled(store.as_ref());

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
    // Several at once, in one write each.
    let batch = [
        message(7, Action::MeterValues, None),
        message(6, Action::MeterValues, None),
        message(8, Action::StopTransaction, None),
    ];
    store.save_messages(&batch).unwrap();
    store.remove_messages(&[6, 8, 100]).unwrap();
    assert_eq!(store.messages().unwrap(), vec![batch[0].clone()]);

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

fn data_survives_closing_and_reopening<L: Layout>() {
    let dir = Scratch::new("sqlite-reopen");
    let path = dir.file("ferrocharge.db");
    {
        let mut store = L::open(&path).unwrap();
        fill(store.as_mut());
    }
    let store = L::open(&path).unwrap();
    assert_filled(store.as_ref());
    assert_eq!(file_schema_version(&path), L::migrations().len() as u32);
}

#[test]
fn the_own_file_store_names_its_file() {
    let dir = Scratch::new("sqlite-path");
    let path = dir.file("ferrocharge.db");
    assert_eq!(SqliteStore::open(&path).unwrap().path(), path);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), file_schema_version(&path));
}

fn a_store_leaked_without_closing_keeps_its_writes<L: Layout>() {
    // No Drop at all: the connection is never closed and the WAL never checkpointed.
    let dir = Scratch::new("sqlite-leak");
    let path = dir.file("ferrocharge.db");
    let mut store = L::open(&path).unwrap();
    fill(store.as_mut());
    std::mem::forget(store);
    assert_filled(L::open(&path).unwrap().as_ref());
}

fn write_all_stores_all_of_its_writes_or_none<L: Layout>() {
    let dir = Scratch::new("sqlite-write-all");
    let path = dir.file("ferrocharge.db");
    let mut store = L::open(&path).unwrap();
    let start = message(3, Action::StartTransaction, Some(-1));
    store
        .write_all(&[
            StoreWrite::SaveTransaction(transaction(1, -1)),
            StoreWrite::SaveMessage(start.clone()),
            StoreWrite::SaveMessage(message(9, Action::MeterValues, None)),
            StoreWrite::RemoveMessage(9),
        ])
        .unwrap();
    drop(store);
    let store = L::open(&path).unwrap();
    assert_eq!(store.transactions().unwrap(), vec![transaction(1, -1)]);
    assert_eq!(store.messages().unwrap(), vec![start.clone()], "in order");
    drop(store);

    // The second write fails inside the SQLite transaction: the first is undone with it.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'refused'); END;",
    )
    .unwrap();
    drop(conn);
    let mut store = L::open(&path).unwrap();
    let result = store.write_all(&[
        StoreWrite::SaveTransaction(transaction(2, -2)),
        StoreWrite::SaveMessage(message(4, Action::StartTransaction, Some(-2))),
    ]);
    assert!(
        matches!(&result, Err(StoreError::Backend(e)) if e.contains("refused")),
        "{result:?}"
    );
    drop(store);
    let store = L::open(&path).unwrap();
    assert_eq!(store.transactions().unwrap(), vec![transaction(1, -1)]);
    assert_eq!(store.messages().unwrap(), vec![start]);
}

fn the_database_is_in_wal_mode_with_full_sync<L: Layout>() {
    let dir = Scratch::new("sqlite-pragmas");
    let path = dir.file("ferrocharge.db");
    let mut store = L::open(&path).unwrap();
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

fn a_database_from_newer_software_is_refused<L: Layout>() {
    let dir = Scratch::new("sqlite-version");
    let path = dir.file("ferrocharge.db");
    drop(L::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", L::migrations().len() as u32 + 1)
        .unwrap();
    drop(conn);
    match L::open(&path) {
        Err(StoreError::Backend(reason)) => assert!(reason.contains("newer"), "{reason}"),
        Err(other) => panic!("expected a refusal, got {other:?}"),
        Ok(_) => panic!("expected a refusal, got a store"),
    }
}

fn a_corrupt_record_is_reported_with_its_key<L: Layout>() {
    let dir = Scratch::new("sqlite-corrupt");
    let path = dir.file("ferrocharge.db");
    let mut store = L::open(&path).unwrap();
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
fn child_writer<L: Layout>() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let mut store = L::open(path.as_ref()).unwrap();
    for key in 0.. {
        store
            .save_message(&message(key, Action::MeterValues, None))
            .unwrap();
        store.save_availability(key as u32, key % 2 == 0).unwrap();
        println!("committed {key}");
    }
}

fn a_killed_process_keeps_every_committed_record<L: Layout>() {
    let dir = Scratch::new("sqlite-kill");
    let path = dir.file("ferrocharge.db");
    // SIGKILL in the middle of the writes: no destructor, no checkpoint.
    let child = format!("{}::child_writer", L::MODULE);
    let last = kill_child_after(&child, CHILD_DB, &path, "committed ", 30)
        .expect("the writer committed nothing");
    let store = L::open(&path).unwrap();
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

fn charging_profiles_round_trip_and_survive_reopening<L: Layout>() {
    let dir = Scratch::new("sqlite-charging-profiles");
    let path = dir.file("ferrocharge.db");
    {
        let mut store = L::open(&path).unwrap();
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
    let store = L::open(&path).unwrap();
    assert_eq!(
        store.charging_profiles().unwrap(),
        vec![
            (0, charging_profile(3, 22000.0)),
            (2, charging_profile(7, 4000.0))
        ],
        "by chargingProfileId"
    );
    assert_eq!(file_schema_version(&path), L::migrations().len() as u32);
}

fn reservations_round_trip_and_survive_reopening<L: Layout>() {
    let dir = Scratch::new("sqlite-reservations");
    let path = dir.file("ferrocharge.db");
    {
        let mut store = L::open(&path).unwrap();
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
    let store = L::open(&path).unwrap();
    assert_eq!(
        store.reservations().unwrap(),
        vec![reservation(3, 0, None), reservation(7, 2, None)],
        "by reservationId"
    );
}

/// The own file's last step added the reservations; the shared file's only step is the
/// whole schema (an empty file at version 0 gets it).
fn a_database_one_step_behind_is_brought_up_to_date<L: Layout>() {
    let dir = Scratch::new("sqlite-migration");
    let path = dir.file("ferrocharge.db");
    let before = L::migrations().len() - 1;
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for step in &L::migrations()[..before] {
            conn.execute_batch(step).unwrap();
        }
        conn.pragma_update(None, "user_version", before as u32)
            .unwrap();
    }
    let mut store = L::open(&path).unwrap();
    assert_eq!(file_schema_version(&path), L::migrations().len() as u32);
    store.save_reservation(&reservation(1, 1, None)).unwrap();
    assert_eq!(store.reservations().unwrap(), vec![reservation(1, 1, None)]);
}

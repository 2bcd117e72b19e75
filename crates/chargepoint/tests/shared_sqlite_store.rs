//! Many stations in one SQLite file (`SharedSqliteDb`, a fleet's): each station's store sees
//! its own rows only, whatever keys the stations have in common (the same connector, message
//! keys, idTags, charging profile and reservation ids), a station's clearing or replacing
//! leaves the others' records, a station whose store is opened again on the file finds
//! exactly its data, and `write_all` is all or none for the station that wrote. What every
//! store must do besides is tested for this one with the others (sqlite_store.rs,
//! store_recovery.rs, sqlite_core.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chargepoint::charge_point::shared_sqlite_store::SharedSqliteDb;
use chargepoint::charge_point::{Store, StoreError, StoreWrite, StoredLocalList};
use common::records::{
    assert_filled, charging_profile, fill, message, reservation, tag, transaction,
};
use common::Scratch;
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};
use ocpp_types::Action;

fn status(status: AuthorizationStatus) -> IdTagInfo {
    IdTagInfo::with_status(status)
}

/// The local list of `store`, its entries in idTag order.
fn sorted_list(store: &dyn Store) -> StoredLocalList {
    let mut list = store.local_list().unwrap();
    list.entries
        .sort_by_key(|(t, _)| t.as_str().to_ascii_uppercase());
    list
}

/// Station B's records: the same keys as [`fill`]'s for station A, other contents.
fn fill_other(store: &mut dyn Store) {
    let mut other = transaction(1, -9);
    other.meter_start_wh = 5000;
    store.save_transaction(&other).unwrap();
    store.save_availability(2, true).unwrap();
    store
        .save_cached_authorization(&tag("ABC"), &status(AuthorizationStatus::Blocked))
        .unwrap();
    store
        .save_message(&message(5, Action::MeterValues, None))
        .unwrap();
    store
        .replace_local_list(
            11,
            &[
                (tag("listed"), status(AuthorizationStatus::Expired)),
                (tag("ONLY-B"), status(AuthorizationStatus::Accepted)),
            ],
        )
        .unwrap();
    store
        .save_charging_profile(2, &charging_profile(7, 1.0))
        .unwrap();
    store.save_reservation(&reservation(7, 2, None)).unwrap();
}

/// What [`fill_other`] wrote.
fn assert_other(store: &dyn Store) {
    let mut other = transaction(1, -9);
    other.meter_start_wh = 5000;
    assert_eq!(store.transactions().unwrap(), vec![other]);
    assert_eq!(
        store
            .availability()
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        vec![(2, true)]
    );
    assert_eq!(
        store.cached_authorization(&tag("abc")).unwrap(),
        Some(status(AuthorizationStatus::Blocked))
    );
    assert_eq!(
        store.messages().unwrap(),
        vec![message(5, Action::MeterValues, None)]
    );
    let list = sorted_list(store);
    assert_eq!(list.version, 11);
    assert_eq!(
        list.entries,
        vec![
            (tag("listed"), status(AuthorizationStatus::Expired)),
            (tag("ONLY-B"), status(AuthorizationStatus::Accepted)),
        ]
    );
    assert_eq!(
        store.charging_profiles().unwrap(),
        vec![(2, charging_profile(7, 1.0))]
    );
    assert_eq!(store.reservations().unwrap(), vec![reservation(7, 2, None)]);
}

#[test]
fn two_stations_on_one_file_never_see_each_others_rows() {
    let db = SharedSqliteDb::open_in_memory().unwrap();
    let mut a = db.store_for("cp001");
    let mut b = db.store_for("cp002");
    fill(&mut a);
    a.save_charging_profile(1, &charging_profile(7, 11000.0))
        .unwrap();
    a.save_reservation(&reservation(7, 1, Some("GROUP")))
        .unwrap();
    fill_other(&mut b);
    assert_filled(&a);
    assert_other(&b);
    assert_eq!(
        a.charging_profiles().unwrap(),
        vec![(1, charging_profile(7, 11000.0))]
    );
    assert_eq!(
        a.reservations().unwrap(),
        vec![reservation(7, 1, Some("GROUP"))]
    );

    // A's ClearCache, Full list update, removals of the same keys leave B's records.
    a.clear_authorization_cache().unwrap();
    assert_eq!(a.cached_authorization(&tag("abc")).unwrap(), None);
    a.replace_local_list(20, &[]).unwrap();
    assert_eq!(
        a.local_list().unwrap(),
        StoredLocalList {
            version: 20,
            entries: vec![]
        }
    );
    a.update_local_list(21, &[], &[tag("ONLY-B")]).unwrap();
    a.remove_message(5).unwrap();
    a.remove_messages(&[5, 2]).unwrap();
    assert_eq!(a.messages().unwrap(), vec![]);
    a.remove_transaction(1).unwrap();
    a.remove_charging_profile(7).unwrap();
    a.remove_reservation(7).unwrap();
    a.save_availability(2, false).unwrap();
    assert_other(&b);

    // And B's of A's.
    let mut fresh = db.store_for("cp003");
    fill(&mut fresh);
    b.clear_authorization_cache().unwrap();
    b.replace_local_list(12, &[]).unwrap();
    b.remove_messages(&[2, 5]).unwrap();
    assert_filled(&fresh);
    assert_eq!(b.messages().unwrap(), vec![]);
    assert_eq!(b.local_list().unwrap().version, 12);
    assert_eq!(a.local_list().unwrap().version, 21);
}

#[test]
fn a_station_reopened_on_the_file_finds_exactly_its_data() {
    let dir = Scratch::new("shared-reopen");
    let path = dir.file("fleet.db");
    {
        let db = SharedSqliteDb::open(&path).unwrap();
        assert_eq!(db.path(), path);
        fill(&mut db.store_for("cp001"));
        fill_other(&mut db.store_for("cp002"));
    }
    let db = SharedSqliteDb::open(&path).unwrap();
    assert_eq!(
        db.schema_version().unwrap(),
        chargepoint::charge_point::shared_sqlite_store::SHARED_MIGRATIONS.len() as u32
    );
    let a = db.store_for("cp001");
    assert_eq!(a.station(), "cp001");
    assert_filled(&a);
    assert_other(&db.store_for("cp002"));
    // A station the file has never seen starts empty; ids are not case-folded.
    for new in ["cp004", "CP001"] {
        let store = db.store_for(new);
        assert_eq!(store.transactions().unwrap(), vec![]);
        assert_eq!(store.messages().unwrap(), vec![]);
        assert!(store.availability().unwrap().is_empty());
        assert_eq!(store.cached_authorization(&tag("abc")).unwrap(), None);
        assert_eq!(store.local_list().unwrap(), StoredLocalList::default());
        assert_eq!(store.charging_profiles().unwrap(), vec![]);
        assert_eq!(store.reservations().unwrap(), vec![]);
    }
    // Two stores of the same station on the file (a station started again while its old
    // store is still held) are views of the same rows.
    let mut again = db.store_for("cp001");
    again.remove_message(2).unwrap();
    assert_eq!(
        a.messages().unwrap(),
        vec![message(5, Action::StopTransaction, None)]
    );
    // The stores keep the file open: the handle is not needed.
    drop(db);
    assert_eq!(
        again.messages().unwrap(),
        vec![message(5, Action::StopTransaction, None)]
    );
}

#[test]
fn write_all_is_all_or_none_for_the_station_that_wrote() {
    let dir = Scratch::new("shared-write-all");
    let path = dir.file("fleet.db");
    let db = SharedSqliteDb::open(&path).unwrap();
    let mut a = db.store_for("cp001");
    let mut b = db.store_for("cp002");
    // Inserts into the queue fail for cp002 only, inside the SQLite transaction.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.station = 'cp002'
         BEGIN SELECT RAISE(ABORT, 'refused'); END;",
    )
    .unwrap();
    drop(conn);
    let writes = |connector, placeholder| {
        vec![
            StoreWrite::SaveTransaction(transaction(connector, placeholder)),
            StoreWrite::SaveMessage(message(3, Action::StartTransaction, Some(placeholder))),
        ]
    };
    let result = b.write_all(&writes(1, -1));
    assert!(
        matches!(&result, Err(StoreError::Backend(e)) if e.contains("refused")),
        "{result:?}"
    );
    assert_eq!(b.transactions().unwrap(), vec![], "undone with the message");
    a.write_all(&writes(1, -1)).unwrap();
    assert_eq!(a.transactions().unwrap(), vec![transaction(1, -1)]);
    assert_eq!(
        a.messages().unwrap(),
        vec![message(3, Action::StartTransaction, Some(-1))]
    );
    assert_eq!(b.messages().unwrap(), vec![]);
    // B's failed write left the connection usable for every station.
    b.save_transaction(&transaction(2, -2)).unwrap();
    assert_eq!(b.transactions().unwrap(), vec![transaction(2, -2)]);
}

//! The OCPP core's database found unreadable at start (`SqliteStore::open_checked`): a file
//! that is empty, not SQLite, truncated, garbled (SQLite's integrity check fails) or holds
//! tables of another shape is moved aside under a timestamped name with its `-wal` and `-shm`,
//! reported with what was lost as far as it can be counted, and the store starts empty; a sound
//! file with records that do not decode keeps its good records, the bad ones are dropped after
//! a full copy was put aside. A sound file, and one whose content is still all in its
//! write-ahead log, are opened as they are; a file of newer software, or a path SQLite cannot
//! open, is refused and left where it is. Each test runs for a station's own file
//! (`SqliteStore`) and for a file shared by many stations (`SharedSqliteStore`), which a fleet
//! opens checked the same way.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use chargepoint::charge_point::{ChargePoint, Store, StoredMessage};
use chargepoint::recovery::Recovered;
use chrono::{DateTime, TimeZone, Utc};
use common::layouts::{for_each_layout, Layout};
use common::{core_config, energy, started, stopped, t0, tick, Scratch};
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo, IdToken};
use ocpp_types::Action;
use serde_json::json;

/// When the broken files are found (names the files kept aside).
fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 9, 15, 0).unwrap()
}

const ASIDE: &str = "cp001.db.corrupt-20261206T091500Z";

for_each_layout!(
    a_sound_database_is_opened_as_it_is,
    a_missing_database_is_a_fresh_store_not_a_recovery,
    an_empty_database_file_is_moved_aside_and_reported,
    a_file_that_is_not_sqlite_is_moved_aside_with_its_wal_and_shm,
    a_database_whose_content_is_all_in_its_write_ahead_log_is_sound,
    a_truncated_database_is_moved_aside_and_reported,
    a_garbled_database_is_moved_aside_with_the_queued_messages_it_held_counted,
    a_sqlite_file_with_tables_of_another_shape_is_moved_aside,
    records_that_do_not_decode_are_dropped_and_the_good_ones_kept,
    a_database_of_newer_software_is_refused_and_left_in_place,
    a_path_sqlite_cannot_open_is_an_error_not_a_recovery,
    a_second_recovery_in_the_same_second_gets_a_name_of_its_own,
);

/// A station that charged offline: its database holds a StartTransaction, two MeterValues and
/// a StopTransaction waiting for the CSMS, and `cached` authorization cache entries. Closed
/// (all in the main file), or with `killed` left as a killed process leaves it (no checkpoint:
/// the records are in the `-wal`).
fn station_database<L: Layout>(path: &Path, cached: usize, killed: bool) {
    let mut store = L::open(path).unwrap();
    for n in 0..cached {
        let tag = IdToken::new(format!("CACHED{n:05}")).unwrap();
        store
            .save_cached_authorization(&tag, &IdTagInfo::with_status(AuthorizationStatus::Accepted))
            .unwrap();
    }
    let now = t0();
    let patch = json!({"Core": {"MeterValueSampleInterval": 60,
        "MeterValuesSampledData": "Energy.Active.Import.Register"}});
    let mut cp = ChargePoint::new(core_config(patch), store, 1, now);
    cp.handle_station_event(energy(100.0), now);
    cp.handle_station_event(started(100), now);
    let now = tick(&mut cp, now, 60);
    cp.handle_station_event(energy(200.0), now);
    let now = tick(&mut cp, now, 60);
    cp.handle_station_event(stopped(300), now);
    assert_eq!(cp.queued_transaction_messages(), 4);
    if killed {
        std::mem::forget(cp);
    }
}

/// Opens `path` checked, at [`at`].
fn open_checked<L: Layout>(path: &Path) -> (Box<dyn Store>, Option<Recovered>) {
    L::open_checked(path, at()).unwrap()
}

/// Opens `db` checked, which must recover it: checks what every recovery has (the file named,
/// the aside path given and there, a fresh, empty, working store) and returns the report.
fn moved_aside<L: Layout>(db: &Path) -> Recovered {
    let (mut store, recovered) = open_checked::<L>(db);
    let recovered = recovered.expect("a recovery");
    assert_eq!(recovered.file, db.display().to_string());
    let aside = db.with_file_name(ASIDE);
    assert_eq!(recovered.moved_to, aside.display().to_string());
    assert!(aside.exists(), "{aside:?} kept");
    assert!(
        recovered.what.ends_with("the store starts empty"),
        "{recovered:?}"
    );
    assert_eq!(store.messages().unwrap(), vec![]);
    assert_eq!(store.transactions().unwrap(), vec![]);
    let message = StoredMessage {
        key: 1,
        action: Action::StopTransaction,
        payload: json!({"transactionId": 7}),
        attempts: 0,
        starts_transaction: None,
    };
    store.save_message(&message).unwrap();
    assert_eq!(store.messages().unwrap(), vec![message]);
    recovered
}

fn a_sound_database_is_opened_as_it_is<L: Layout>() {
    let dir = Scratch::new("recovery-sound");
    let db = dir.file("cp001.db");
    station_database::<L>(&db, 3, false);
    let (store, recovered) = open_checked::<L>(&db);
    assert_eq!(recovered, None);
    assert_eq!(store.messages().unwrap().len(), 4);
    assert_eq!(store.transactions().unwrap(), vec![]);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        3,
        "db, -wal, -shm only"
    );
}

fn a_missing_database_is_a_fresh_store_not_a_recovery<L: Layout>() {
    let dir = Scratch::new("recovery-missing");
    let (store, recovered) = open_checked::<L>(&dir.file("cp001.db"));
    assert_eq!(recovered, None);
    assert_eq!(store.messages().unwrap(), vec![]);
}

fn an_empty_database_file_is_moved_aside_and_reported<L: Layout>() {
    let dir = Scratch::new("recovery-empty");
    let db = dir.file("cp001.db");
    std::fs::write(&db, b"").unwrap();
    let recovered = moved_aside::<L>(&db);
    let aside = db.with_file_name(ASIDE);
    assert!(
        recovered.what.starts_with("the file is empty (0 bytes)"),
        "{recovered:?}"
    );
    assert_eq!(std::fs::metadata(aside).unwrap().len(), 0);
}

fn a_file_that_is_not_sqlite_is_moved_aside_with_its_wal_and_shm<L: Layout>() {
    let dir = Scratch::new("recovery-not-sqlite");
    let db = dir.file("cp001.db");
    let text = "not a database, something else's file\n".repeat(200);
    std::fs::write(&db, &text).unwrap();
    let wal = vec![0x5a; 4096];
    std::fs::write(dir.file("cp001.db-wal"), &wal).unwrap();
    std::fs::write(dir.file("cp001.db-shm"), b"").unwrap();

    let recovered = moved_aside::<L>(&db);
    let aside = db.with_file_name(ASIDE);
    assert_eq!(
        recovered.what,
        "SQLite cannot read it: file is not a database; as far as can be told: queued \
         transaction messages cannot be counted, transactions in progress cannot be counted, \
         connector availabilities set by ChangeAvailability cannot be counted, authorization \
         cache entries cannot be counted, local authorization list entries cannot be counted, \
         local authorization list versions cannot be counted, charging profiles cannot be \
         counted, reservations cannot be counted; the store starts empty"
    );
    assert_eq!(
        std::fs::read_to_string(&aside).unwrap(),
        text,
        "kept as it was"
    );
    assert_eq!(
        std::fs::read(dir.file(&format!("{ASIDE}-wal"))).unwrap(),
        wal,
        "its write-ahead log goes with it, unchanged"
    );
    assert!(dir.file(&format!("{ASIDE}-shm")).exists());
}

fn a_database_whose_content_is_all_in_its_write_ahead_log_is_sound<L: Layout>() {
    // A killed process: every page written since the last checkpoint is in the -wal, page 1
    // included, and SQLite reads them from there: the main file may be empty (not "empty"), or
    // hold anything at all in its header (it is not looked at).
    for garbled in [false, true] {
        let dir = Scratch::new("recovery-wal");
        let db = dir.file("cp001.db");
        station_database::<L>(&db, 0, true);
        if garbled {
            let mut bytes = std::fs::read(&db).unwrap();
            bytes.resize(bytes.len().max(4096), 0);
            bytes[..100].copy_from_slice(&[b'x'; 100]);
            std::fs::write(&db, &bytes).unwrap();
        }
        let (store, recovered) = open_checked::<L>(&db);
        assert_eq!(recovered, None, "garbled: {garbled}");
        assert_eq!(store.messages().unwrap().len(), 4);
    }
}

fn a_truncated_database_is_moved_aside_and_reported<L: Layout>() {
    let dir = Scratch::new("recovery-truncated");
    let db = dir.file("cp001.db");
    station_database::<L>(&db, 500, false);
    let len = std::fs::metadata(&db).unwrap().len();
    assert!(len > 8 * 4096, "{len} bytes");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .unwrap()
        .set_len(len / 3)
        .unwrap();

    let recovered = moved_aside::<L>(&db);
    let aside = db.with_file_name(ASIDE);
    assert!(
        recovered
            .what
            .starts_with("SQLite cannot read it: database disk image is malformed; "),
        "{recovered:?}"
    );
    assert_eq!(std::fs::metadata(aside).unwrap().len(), len / 3);
}

/// Changes the first idTag key in the top page of the authorization cache's index, in the
/// database at `path` (closed, checkpointed): the pages still parse, but the index no longer
/// matches the table, as a flipped bit on the disk leaves it.
fn garble_cache_index(path: &Path) {
    let (page, page_size): (usize, usize) = {
        let conn = rusqlite::Connection::open(path).unwrap();
        let page = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = ?1",
                ["sqlite_autoindex_authorization_cache_1"],
                |r| r.get(0),
            )
            .unwrap();
        let size = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        (page, size)
    };
    let mut bytes = std::fs::read(path).unwrap();
    let start = (page - 1) * page_size;
    let top = &mut bytes[start..start + page_size];
    // The b-tree page header (8 bytes on a leaf, 12 on an interior page), then the offsets of
    // its cells: the first cell holds the first key.
    let header = if top[0] == 0x0a { 8 } else { 12 };
    let cell = usize::from(u16::from_be_bytes([top[header], top[header + 1]]));
    let at = cell
        + top[cell..]
            .windows(6)
            .position(|w| w == b"CACHED")
            .expect("a key in the first cell");
    top[at + 6..at + 11].copy_from_slice(b"99999");
    std::fs::write(path, bytes).unwrap();
}

fn a_garbled_database_is_moved_aside_with_the_queued_messages_it_held_counted<L: Layout>() {
    let dir = Scratch::new("recovery-garbled");
    let db = dir.file("cp001.db");
    station_database::<L>(&db, 500, false);
    garble_cache_index(&db);

    let recovered = moved_aside::<L>(&db);
    assert!(
        recovered
            .what
            .starts_with("SQLite's integrity check fails: row "),
        "{recovered:?}"
    );
    // What the station lost, as far as the broken file lets it be counted.
    assert!(
        recovered.what.ends_with(
            "; lost with it, as far as can be told: queued transaction messages 4 \
             (MeterValues 2, StartTransaction 1, StopTransaction 1), authorization cache \
             entries 500; the store starts empty"
        ),
        "{recovered:?}"
    );
}

fn a_sqlite_file_with_tables_of_another_shape_is_moved_aside<L: Layout>() {
    let dir = Scratch::new("recovery-foreign");
    let db = dir.file("cp001.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE messages (id TEXT); INSERT INTO messages VALUES ('someone else''s');",
    )
    .unwrap();
    drop(conn);
    let recovered = moved_aside::<L>(&db);
    assert!(
        recovered
            .what
            .starts_with("its tables are not those of this software's store"),
        "{recovered:?}"
    );
}

fn records_that_do_not_decode_are_dropped_and_the_good_ones_kept<L: Layout>() {
    let dir = Scratch::new("recovery-rows");
    let db = dir.file("cp001.db");
    station_database::<L>(&db, 2, false);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let keys: Vec<i64> = conn
        .prepare("SELECT key FROM messages ORDER BY key")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    conn.execute(
        "UPDATE messages SET action = 'Teleport' WHERE key = ?1",
        [keys[1]],
    )
    .unwrap();
    conn.execute(
        "UPDATE messages SET attempts = 'many' WHERE key = ?1",
        [keys[2]],
    )
    .unwrap();
    conn.execute(
        "UPDATE authorization_cache SET info = '{\"status\": ' WHERE id_tag = 'CACHED00000'",
        [],
    )
    .unwrap();
    drop(conn);

    let (store, recovered) = open_checked::<L>(&db);
    let recovered = recovered.expect("a recovery");
    assert_eq!(recovered.file, db.display().to_string());
    assert_eq!(
        recovered.moved_to,
        db.with_file_name(ASIDE).display().to_string()
    );
    assert!(
        recovered.what.starts_with(&format!(
            "3 record(s) cannot be decoded and are dropped, every other record is kept: \
             2 of 4 queued transaction messages (messages/{}: ",
            keys[1]
        )),
        "{recovered:?}"
    );
    assert!(
        recovered
            .what
            .contains("1 of 2 authorization cache entries (authorization_cache/CACHED00000: "),
        "{recovered:?}"
    );
    // The good records stay, in order; the StopTransaction still goes.
    let left: Vec<(u64, Action)> = store
        .messages()
        .unwrap()
        .iter()
        .map(|m| (m.key, m.action))
        .collect();
    assert_eq!(
        left,
        [
            (keys[0] as u64, Action::StartTransaction),
            (keys[3] as u64, Action::StopTransaction)
        ]
    );
    let cached = store
        .cached_authorization(&IdToken::new("CACHED00001").unwrap())
        .unwrap();
    assert_eq!(
        cached,
        Some(IdTagInfo::with_status(AuthorizationStatus::Accepted))
    );
    // The copy keeps every record as it was, the bad ones too.
    let copy = rusqlite::Connection::open(db.with_file_name(ASIDE)).unwrap();
    let actions: Vec<String> = copy
        .prepare("SELECT action FROM messages ORDER BY key")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        actions,
        [
            "StartTransaction",
            "Teleport",
            "MeterValues",
            "StopTransaction"
        ]
    );
    drop(store);
    // Reported once: the next start finds a sound file.
    let (_, again) = open_checked::<L>(&db);
    assert_eq!(again, None);
}

fn a_database_of_newer_software_is_refused_and_left_in_place<L: Layout>() {
    let dir = Scratch::new("recovery-newer");
    let db = dir.file("cp001.db");
    station_database::<L>(&db, 0, false);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", L::migrations().len() as u32 + 1)
        .unwrap();
    drop(conn);
    let err = L::open_checked(&db, at()).err().unwrap();
    assert!(err.to_string().contains("newer"), "{err}");
    assert!(!db.with_file_name(ASIDE).exists());
    assert_eq!(L::open(&db).err().unwrap().to_string(), err.to_string());
}

fn a_path_sqlite_cannot_open_is_an_error_not_a_recovery<L: Layout>() {
    let dir = Scratch::new("recovery-folder");
    // A folder where the file should be: the disk's or the installer's problem, not the file's.
    let db = dir.file("cp001.db");
    std::fs::create_dir(&db).unwrap();
    let err = L::open_checked(&db, at()).err().unwrap();
    assert!(err.to_string().contains("cp001.db"), "{err}");
    assert!(db.is_dir());
    assert!(!db.with_file_name(ASIDE).exists());
}

fn a_second_recovery_in_the_same_second_gets_a_name_of_its_own<L: Layout>() {
    let dir = Scratch::new("recovery-twice");
    let db = dir.file("cp001.db");
    for _ in 0..2 {
        std::fs::write(&db, b"").unwrap();
        let (store, recovered) = open_checked::<L>(&db);
        assert!(recovered.is_some());
        drop(store);
        std::fs::remove_file(&db).unwrap();
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.file(&format!("cp001.db{suffix}")));
        }
    }
    assert!(dir.file(ASIDE).exists());
    assert!(dir.file(&format!("{ASIDE}-2")).exists());
}

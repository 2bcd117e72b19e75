//! Store files found unreadable when the station starts: a PersistentStore database that is
//! empty, not SQLite or garbled is moved aside and the module's store starts empty; one with
//! values that are not JSON keeps its good values (the bad ones dropped, a copy put aside); and
//! a station started over a broken OCPP database (with queued messages in it), an empty user
//! config and a broken PersistentStore starts with fresh files, and lists all three, with where
//! each went, in its state's `store_recovered`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chargepoint::charge_point::sqlite_store::SqliteStore;
use chargepoint::charge_point::{Store, StoredMessage};
use chargepoint::recovery::Recovered;
use chrono::{DateTime, TimeZone, Utc};
use ocpp_types::Action;
use serde_json::json;
use station::persistent_store::PersistentStore;
use station::runtime::Station;
use station::StationConfig;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 9, 15, 0).unwrap()
}

fn open(path: &Path) -> (PersistentStore, Option<Recovered>) {
    PersistentStore::open_checked(path, at()).unwrap()
}

/// `recovered` moved `path` aside to its timestamped name, and `store` is fresh and works.
fn assert_moved_aside(path: &Path, store: &PersistentStore, recovered: &Recovered) {
    let aside = path.with_file_name("kvs.db.corrupt-20261206T091500Z");
    assert_eq!(recovered.file, path.display().to_string());
    assert_eq!(recovered.moved_to, aside.display().to_string());
    assert!(aside.exists());
    assert!(
        recovered.what.ends_with("; the store starts empty"),
        "{recovered:?}"
    );
    assert_eq!(store.load("plugged").unwrap(), None);
    store.store("plugged", &json!(true)).unwrap();
    assert_eq!(store.load("plugged").unwrap(), Some(json!(true)));
}

#[test]
fn a_sound_persistent_store_is_opened_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kvs.db");
    open(&path).0.store("plugged", &json!(true)).unwrap();
    let (store, recovered) = open(&path);
    assert_eq!(recovered, None);
    assert_eq!(store.load("plugged").unwrap(), Some(json!(true)));
}

#[test]
fn an_empty_persistent_store_is_moved_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kvs.db");
    std::fs::write(&path, b"").unwrap();
    let (store, recovered) = open(&path);
    let recovered = recovered.expect("a recovery");
    assert_moved_aside(&path, &store, &recovered);
    assert!(
        recovered.what.starts_with("the file is empty (0 bytes)"),
        "{recovered:?}"
    );
}

#[test]
fn a_persistent_store_that_is_not_sqlite_is_moved_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kvs.db");
    std::fs::write(&path, vec![7u8; 4096]).unwrap();
    let (store, recovered) = open(&path);
    let recovered = recovered.expect("a recovery");
    assert_moved_aside(&path, &store, &recovered);
    assert_eq!(
        recovered.what,
        "SQLite cannot read it: file is not a database; as far as can be told: stored values \
         cannot be counted; the store starts empty"
    );
}

#[test]
fn a_truncated_persistent_store_is_moved_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kvs.db");
    {
        let (store, _) = open(&path);
        for n in 0..300 {
            store
                .store(&format!("key{n}"), &json!("a value of some length"))
                .unwrap();
        }
    }
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let (store, recovered) = open(&path);
    let recovered = recovered.expect("a recovery");
    assert_moved_aside(&path, &store, &recovered);
    assert!(
        recovered
            .what
            .starts_with("SQLite cannot read it: database disk image is malformed; "),
        "{recovered:?}"
    );
}

#[test]
fn values_that_are_not_json_are_dropped_and_the_good_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kvs.db");
    {
        let (store, _) = open(&path);
        store.store("plugged", &json!(true)).unwrap();
        store.store("session", &json!({"id": "abc"})).unwrap();
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE kvs SET value = '{\"id\": ' WHERE key = 'session'",
        [],
    )
    .unwrap();
    drop(conn);
    let (store, recovered) = open(&path);
    let recovered = recovered.expect("a recovery");
    assert_eq!(
        recovered.moved_to,
        path.with_file_name("kvs.db.corrupt-20261206T091500Z")
            .display()
            .to_string()
    );
    assert!(
        recovered.what.starts_with(
            "1 record(s) cannot be decoded and are dropped, every other record is kept: 1 of 2 \
             stored values (kvs/session: EOF while parsing"
        ),
        "{recovered:?}"
    );
    assert_eq!(store.load("plugged").unwrap(), Some(json!(true)));
    assert_eq!(store.load("session").unwrap(), None);
    drop(store);
    assert_eq!(open(&path).1, None, "reported once");
}

/// The shipped SIL station with its files in `dir`: no control API, a CSMS that is not there.
fn sil_station(dir: &Path) -> StationConfig {
    let mut ocpp: serde_json::Value =
        serde_json::from_str(station::config::shipped::OCPP_CONFIG.text).unwrap();
    ocpp["Internal"]["CentralSystemURI"] = json!("ws://127.0.0.1:9/ocpp/");
    std::fs::write(dir.join("ocpp-config.json"), ocpp.to_string()).unwrap();
    let yaml = station::config::shipped::SIL_OCPP
        .text
        .replacen(
            "  data_dir: /tmp/ferrocharge",
            &format!("  data_dir: {}", dir.join("data").display()),
            1,
        )
        .replacen("  control_api: 127.0.0.1:8849", "  control_api: \"\"", 1);
    let path = dir.join("station.yaml");
    std::fs::write(&path, yaml).unwrap();
    StationConfig::load(&path).unwrap()
}

#[tokio::test]
async fn a_station_on_broken_files_starts_fresh_and_lists_them_in_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let config = sil_station(dir.path());
    let data = dir.path().join("data");
    // The OCPP database with three queued messages, its header then overwritten.
    let db = data.join("ocpp").join("cp001.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    {
        let mut store = SqliteStore::open(&db).unwrap();
        for (key, action) in [
            (1, Action::StartTransaction),
            (2, Action::MeterValues),
            (3, Action::StopTransaction),
        ] {
            store
                .save_message(&StoredMessage {
                    key,
                    action,
                    payload: json!({"connectorId": 1}),
                    attempts: 0,
                    starts_transaction: None,
                })
                .unwrap();
        }
    }
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[..16].copy_from_slice(b"not SQLite at al");
    std::fs::write(&db, bytes).unwrap();
    // The user config lost its content; the PersistentStore is not a database.
    std::fs::write(data.join("user_config.json"), b"").unwrap();
    let kvs = data.join("everest_persistent_store.db");
    std::fs::write(&kvs, b"garbage").unwrap();

    let station = Station::start(&config).await.unwrap();
    let state = station.handle().watch_state().borrow().clone();
    let recovered: Vec<(&str, &str)> = state
        .store_recovered
        .iter()
        .map(|r| (r.file.as_str(), r.what.as_str()))
        .collect();
    let user_config = data.join("user_config.json").display().to_string();
    let db_name = db.display().to_string();
    let kvs_name = kvs.display().to_string();
    assert_eq!(
        recovered.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
        [user_config.as_str(), db_name.as_str(), kvs_name.as_str()]
    );
    assert!(recovered[0].1.starts_with("the file is empty (0 bytes)"));
    assert!(recovered[1]
        .1
        .starts_with("SQLite cannot read it: file is not a database"));
    for r in &state.store_recovered {
        assert!(
            r.moved_to.starts_with(&format!("{}.corrupt-", r.file)),
            "{r:?}"
        );
        assert!(Path::new(&r.moved_to).exists(), "{r:?}");
    }
    // The fresh database holds only what this start queued (the boot's security event), none
    // of the old messages.
    let queued: Vec<Action> = SqliteStore::open(&db)
        .unwrap()
        .messages()
        .unwrap()
        .iter()
        .map(|m| m.action)
        .collect();
    assert_eq!(queued, [Action::SecurityEventNotification]);
    // The state document carries it as the control API serves it.
    let document = serde_json::to_value(&state).unwrap();
    assert_eq!(document["store_recovered"][1]["file"], json!(db_name));
    drop(station);
}

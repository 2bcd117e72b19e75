//! The PersistentStore module (everest-core's `modules/Misc/PersistentStore`): the `kvs`
//! interface (store, load, delete, exists of a key with a JSON value) over one SQLite file,
//! `sqlite_db_file_path` (default `everest_persistent_store.db`; a relative path resolves
//! against the station's `settings.data_dir`, where its databases live, DESIGN §4).
//!
//! Its users are the modules whose `kvs` / `store` requirement connects to it: the EvManager
//! (the car's cross-boot plug-in state, [`crate::sim::kvs::CarKvs`]) and the EvseManager (the
//! running session, [`crate::sim::kvs::SessionStore`]). One file is opened once per
//! PersistentStore module and shared by every module connected to it ([`StoreHandle`],
//! [`Stores`]); the station loop is one tokio task and SQLite calls are quick, so a mutex
//! around one connection is all the sharing needed.
//!
//! - WAL journal and `synchronous=FULL`, as the OCPP core's database: what is written here
//!   exists to survive a power loss, so a write is on disk when it returns `Ok`.
//! - One table `kvs` (key → JSON text). EVerest's table keeps a value and its type name in two
//!   columns; JSON carries the type itself (`true` stays a boolean, `"true"` a string).
//! - The table is created on first use (at open).
//! - A station among others (a fleet, docs/fleet.md) may keep every module's values in one file
//!   shared by all stations instead ([`SharedKvs`], [`Stores::shared`]): the same operations on
//!   the station's and module's rows of one table.
//! - At start the file is checked ([`PersistentStore::open_checked`], chargepoint's
//!   `recovery::open_sqlite`): one that is empty, not SQLite or fails SQLite's integrity check
//!   is moved aside and the store starts empty; values that are not JSON are dropped after a
//!   copy of the file was put aside. Either is reported (docs/store-recovery.md).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chargepoint::recovery::{self, InitError, Recovered, SqliteFile, Table};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

use crate::{module_types, StationConfig};

mod shared;

use shared::Owner;
pub use shared::SharedKvs;

/// The file name a PersistentStore module uses when `sqlite_db_file_path` is not given
/// (its manifest's default).
pub const DEFAULT_DB_FILE: &str = "everest_persistent_store.db";

/// What the label of an in-memory store reads as in errors.
const IN_MEMORY: &str = ":memory:";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database's folder cannot be created.
    #[error("the PersistentStore folder {path} cannot be created: {source}")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database cannot be opened or set up.
    #[error("the PersistentStore database {path} cannot be opened: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// A read or write failed.
    #[error("PersistentStore {path}: {source}")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The file is unreadable and cannot be replaced, or cannot be checked.
    #[error("the PersistentStore database: {0}")]
    Recovery(#[from] recovery::RecoveryError),
    /// A stored value is not JSON (written by something else).
    #[error("PersistentStore {path}: the value of key `{key}` is not JSON: {source}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// Why.
        source: serde_json::Error,
    },
}

/// A key-value store over one SQLite file. See the module docs.
#[derive(Debug)]
pub struct PersistentStore {
    conn: Connection,
    path: PathBuf,
}

impl PersistentStore {
    /// Opens (or creates, with its folder and table) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<PersistentStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        create_parent(&path)?;
        let conn = Connection::open(&path).map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        PersistentStore::init(conn, path)
    }

    /// Opens the database at `path` as [`PersistentStore::open`] does, after checking it: an
    /// unreadable file is moved aside (named after `at`) and the store starts empty; values that
    /// are not JSON are dropped after a copy of the file was put aside. Either is logged at
    /// error level and returned.
    pub fn open_checked(
        path: impl AsRef<Path>,
        at: DateTime<Utc>,
    ) -> Result<(PersistentStore, Option<Recovered>), StoreError> {
        let path = path.as_ref();
        create_parent(path)?;
        Ok(recovery::open_sqlite(path, at)?)
    }

    /// A store in memory: nothing survives it (for tests).
    pub fn open_in_memory() -> Result<PersistentStore, StoreError> {
        let path = PathBuf::from(IN_MEMORY);
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        PersistentStore::init(conn, path)
    }

    fn init(conn: Connection, path: PathBuf) -> Result<PersistentStore, StoreError> {
        PersistentStore::set_up(conn, path.clone())
            .map_err(|source| StoreError::Open { path, source })
    }

    fn set_up(conn: Connection, path: PathBuf) -> Result<PersistentStore, rusqlite::Error> {
        // Another process (a diagnostics tool) may hold the file briefly: wait, do not fail.
        conn.busy_timeout(Duration::from_secs(5))?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") && path != Path::new(IN_MEMORY) {
            tracing::warn!(database = %path.display(), %mode, "SQLite refused WAL mode");
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS kvs (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
            [],
        )?;
        tracing::debug!(database = %path.display(), "PersistentStore opened");
        Ok(PersistentStore { conn, path })
    }

    /// The database file (`:memory:` for one in memory).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sqlite(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Stores `value` under `key`, replacing what was there (kvs `store`).
    pub fn store(&self, key: &str, value: &Value) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO kvs (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value.to_string()],
            )
            .map_err(|e| self.sqlite(e))?;
        Ok(())
    }

    /// The value under `key`, `None` when there is none (kvs `load`, which answers null).
    pub fn load(&self, key: &str) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM kvs WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .map_err(|e| self.sqlite(e))?;
        parse_stored(&self.path, key, text)
    }

    /// Removes `key`; whether it was there (kvs `delete`).
    pub fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM kvs WHERE key = ?1", [key])
            .map_err(|e| self.sqlite(e))?;
        Ok(n > 0)
    }

    /// Whether `key` has a value (kvs `exists`).
    pub fn exists(&self, key: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row("SELECT 1 FROM kvs WHERE key = ?1", [key], |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
            .map_err(|e| self.sqlite(e))
    }
}

/// As EVerest's kvsImpl::init: a missing folder is created, not an error.
fn create_parent(path: &Path) -> Result<(), StoreError> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        }),
        None => Ok(()),
    }
}

/// A stored value's text read back as JSON: `None` stays `None`, text that is not JSON is
/// [`StoreError::Corrupt`] (written by something else than this store).
fn parse_stored(path: &Path, key: &str, text: Option<String>) -> Result<Option<Value>, StoreError> {
    text.map(|t| {
        serde_json::from_str(&t).map_err(|source| StoreError::Corrupt {
            path: path.to_owned(),
            key: key.to_owned(),
            source,
        })
    })
    .transpose()
}

/// A value as [`PersistentStore::load`] reads it: JSON text.
fn decode_value(row: &Row<'_>) -> Result<Value, String> {
    let text: String = row.get(1).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

impl SqliteFile for PersistentStore {
    const TABLES: &'static [Table] = &[Table {
        name: "kvs",
        rows: "stored values",
        columns: "key, value",
        count_by: None,
        decode: |row| decode_value(row).map(drop),
    }];

    fn init(conn: Connection, path: &Path) -> Result<PersistentStore, InitError> {
        Ok(PersistentStore::set_up(conn, path.to_path_buf())?)
    }

    fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// A PersistentStore module's store, shared by the modules connected to it: its own file, or
/// its rows of a file shared by many stations ([`SharedKvs`], a fleet's).
#[derive(Debug, Clone)]
pub struct StoreHandle {
    module_id: String,
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    /// The module's own file.
    Own(Arc<Mutex<PersistentStore>>),
    /// Station `station`'s rows of a shared file.
    Shared {
        kvs: Arc<SharedKvs>,
        station: String,
    },
}

impl StoreHandle {
    /// The store of PersistentStore module `module_id`.
    pub fn new(module_id: impl Into<String>, store: PersistentStore) -> StoreHandle {
        StoreHandle {
            module_id: module_id.into(),
            backend: Backend::Own(Arc::new(Mutex::new(store))),
        }
    }

    /// The store of station `station`'s PersistentStore module `module_id` in `kvs`.
    pub fn shared(
        module_id: impl Into<String>,
        kvs: Arc<SharedKvs>,
        station: impl Into<String>,
    ) -> StoreHandle {
        StoreHandle {
            module_id: module_id.into(),
            backend: Backend::Shared {
                kvs,
                station: station.into(),
            },
        }
    }

    /// An in-memory store (for tests).
    pub fn in_memory(module_id: impl Into<String>) -> Result<StoreHandle, StoreError> {
        Ok(StoreHandle::new(
            module_id,
            PersistentStore::open_in_memory()?,
        ))
    }

    /// The PersistentStore module's id.
    pub fn module_id(&self) -> &str {
        &self.module_id
    }

    /// Runs `own` on the module's own file or `shared` on its rows of a shared one.
    fn with<R>(
        &self,
        own: impl FnOnce(&PersistentStore) -> R,
        shared: impl FnOnce(&SharedKvs, Owner<'_>) -> R,
    ) -> R {
        match &self.backend {
            // A panic while holding the lock cannot leave SQLite half-written (every statement
            // is its own transaction), so a poisoned lock is still a usable store.
            Backend::Own(store) => own(&store.lock().unwrap_or_else(|e| e.into_inner())),
            Backend::Shared { kvs, station } => shared(
                kvs,
                Owner {
                    station,
                    module: &self.module_id,
                },
            ),
        }
    }

    /// [`PersistentStore::store`].
    pub fn store(&self, key: &str, value: &Value) -> Result<(), StoreError> {
        self.with(|s| s.store(key, value), |kvs, o| kvs.store(o, key, value))
    }

    /// [`PersistentStore::load`].
    pub fn load(&self, key: &str) -> Result<Option<Value>, StoreError> {
        self.with(|s| s.load(key), |kvs, o| kvs.load(o, key))
    }

    /// [`PersistentStore::delete`].
    pub fn delete(&self, key: &str) -> Result<bool, StoreError> {
        self.with(|s| s.delete(key), |kvs, o| kvs.delete(o, key))
    }

    /// [`PersistentStore::exists`].
    pub fn exists(&self, key: &str) -> Result<bool, StoreError> {
        self.with(|s| s.exists(key), |kvs, o| kvs.exists(o, key))
    }

    /// The database file.
    pub fn path(&self) -> PathBuf {
        self.with(
            |s| s.path().to_path_buf(),
            |kvs, _| kvs.path().to_path_buf(),
        )
    }
}

/// Where PersistentStore module `module_id` of `config` keeps its database: its
/// `sqlite_db_file_path`, a relative one under `settings.data_dir`. `None` when there is no
/// such PersistentStore module.
pub fn db_path(config: &StationConfig, module_id: &str) -> Option<PathBuf> {
    let module = config
        .modules_of_type(module_types::PERSISTENT_STORE.name)
        .find(|m| m.id == module_id)?;
    let file = module
        .parameters
        .str("sqlite_db_file_path")
        .filter(|f| !f.is_empty())
        .unwrap_or(DEFAULT_DB_FILE);
    Some(config.settings.data_dir.join(file))
}

/// The PersistentStore modules of a station, each opened at most once, when a module first
/// asks for it.
#[derive(Debug, Default)]
pub struct Stores {
    open: HashMap<String, StoreHandle>,
    recovered: Vec<Recovered>,
    /// Every module's values in this file, under this station, instead of a file each.
    shared: Option<(Arc<SharedKvs>, String)>,
}

impl Stores {
    /// No store opened yet.
    pub fn new() -> Stores {
        Stores::default()
    }

    /// For station `station` among others (a fleet): every PersistentStore module keeps its
    /// values in `kvs`, under the station's id and the module's, instead of in its own file.
    pub fn shared(kvs: Arc<SharedKvs>, station: impl Into<String>) -> Stores {
        Stores {
            shared: Some((kvs, station.into())),
            ..Stores::default()
        }
    }

    /// The files found unreadable when the stores were opened, moved aside ([`Recovered`]).
    pub fn recovered(&self) -> &[Recovered] {
        &self.recovered
    }

    /// The store requirement `requirement` of module `module_id` connects to, opened on first
    /// use; `None` when it connects to none (the requirements are 0..1).
    pub fn connected(
        &mut self,
        config: &StationConfig,
        module_id: &str,
        requirement: &str,
    ) -> Result<Option<StoreHandle>, StoreError> {
        let Some(target) = config
            .connected_module(module_id, requirement)
            .map(|m| m.id.clone())
        else {
            return Ok(None);
        };
        if let Some(handle) = self.open.get(&target) {
            return Ok(Some(handle.clone()));
        }
        // The loader has checked that the connection's interface is `kvs`, which only
        // PersistentStore provides.
        let Some(path) = db_path(config, &target) else {
            return Ok(None);
        };
        let handle = match &self.shared {
            Some((kvs, station)) => StoreHandle::shared(target.clone(), kvs.clone(), station),
            None => {
                let (store, recovered) = PersistentStore::open_checked(&path, Utc::now())?;
                self.recovered.extend(recovered);
                StoreHandle::new(target.clone(), store)
            }
        };
        let database = handle.path();
        tracing::debug!(module = %target, database = %database.display(), "PersistentStore opened");
        self.open.insert(target, handle.clone());
        Ok(Some(handle))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_and_values_round_trip_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/folder/store.db");
        let values = [
            ("bool", json!(true)),
            ("string", json!("iec_wait_pwr_ready;sleep 60")),
            ("empty", json!("")),
            ("int", json!(42)),
            ("number", json!(1.5)),
            ("null", json!(null)),
            ("array", json!([1, "a", false])),
            ("object", json!({"a": {"b": [1, 2]}})),
            ("key with spaces ünd ✓", json!("x")),
        ];
        {
            let store = PersistentStore::open(&path).unwrap();
            assert_eq!(store.path(), path);
            for (key, value) in &values {
                assert!(!store.exists(key).unwrap());
                store.store(key, value).unwrap();
            }
            store.store("bool", &json!(false)).unwrap();
            store.store("bool", &json!(true)).unwrap();
        }
        let store = PersistentStore::open(&path).unwrap();
        for (key, value) in &values {
            assert_eq!(store.load(key).unwrap().as_ref(), Some(value), "{key}");
            assert!(store.exists(key).unwrap(), "{key}");
        }
        // A boolean stays a boolean, not the string "true".
        assert_ne!(store.load("bool").unwrap(), Some(json!("true")));
        assert_eq!(store.load("missing").unwrap(), None);
        assert!(store.delete("int").unwrap());
        assert!(!store.delete("int").unwrap());
        assert!(!store.exists("int").unwrap());
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn open_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should be.
        let path = dir.path().join("is-a-folder.db");
        std::fs::create_dir(&path).unwrap();
        let err = PersistentStore::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
        assert!(err.to_string().contains("is-a-folder.db"), "{err}");
        // A file where the folder should be.
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let err = PersistentStore::open(file.join("store.db")).unwrap_err();
        assert!(err.to_string().contains("file"), "{err}");
        // Not a database.
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, vec![7u8; 4096]).unwrap();
        let err = PersistentStore::open(&junk).unwrap_err();
        assert!(err.to_string().contains("junk.db"), "{err}");
    }

    #[test]
    fn a_value_that_is_not_json_is_a_typed_error() {
        let store = PersistentStore::open_in_memory().unwrap();
        store
            .conn
            .execute("INSERT INTO kvs VALUES ('k', 'not json')", [])
            .unwrap();
        let err = store.load("k").unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { ref key, .. } if key == "k"));
    }

    const YAML: &str = "
settings:
  data_dir: DATA
active_modules:
  store_a:
    module: PersistentStore
  store_b:
    module: PersistentStore
    config_module:
      sqlite_db_file_path: sub/b.db
  car_1:
    module: EvManager
    config_module: {connector_id: 1}
    connections:
      ev_board_support: [{module_id: board, implementation_id: ev_board_support}]
      kvs: [{module_id: store_a, implementation_id: main}]
  car_2:
    module: EvManager
    config_module: {connector_id: 2}
    connections:
      ev_board_support: [{module_id: board, implementation_id: ev_board_support}]
      kvs: [{module_id: store_a, implementation_id: main}]
  car_3:
    module: EvManager
    config_module: {connector_id: 3}
    connections:
      ev_board_support: [{module_id: board, implementation_id: ev_board_support}]
  board:
    module: YetiSimulator
    config_module: {connector_id: 1}
";

    #[test]
    fn stores_open_once_per_module_under_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = YAML.replace("DATA", &dir.path().display().to_string());
        let config = StationConfig::from_yaml(&yaml, "station.yaml").unwrap();
        assert_eq!(
            db_path(&config, "store_a"),
            Some(dir.path().join(DEFAULT_DB_FILE))
        );
        assert_eq!(
            db_path(&config, "store_b"),
            Some(dir.path().join("sub/b.db"))
        );
        assert_eq!(db_path(&config, "car_1"), None);
        let mut stores = Stores::new();
        let a1 = stores.connected(&config, "car_1", "kvs").unwrap().unwrap();
        let a2 = stores.connected(&config, "car_2", "kvs").unwrap().unwrap();
        assert!(stores.connected(&config, "car_3", "kvs").unwrap().is_none());
        assert!(stores.connected(&config, "nope", "kvs").unwrap().is_none());
        assert_eq!(a1.module_id(), "store_a");
        let (Backend::Own(s1), Backend::Own(s2)) = (&a1.backend, &a2.backend) else {
            panic!("own files expected");
        };
        assert!(Arc::ptr_eq(s1, s2), "one connection, shared");
        a1.store("k", &json!(1)).unwrap();
        assert_eq!(a2.load("k").unwrap(), Some(json!(1)));
        assert_eq!(a1.path(), dir.path().join(DEFAULT_DB_FILE));
        assert!(!dir.path().join("sub").exists(), "store_b is not used");
    }

    #[test]
    fn stores_of_a_station_among_others_are_its_rows_of_the_shared_file() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = YAML.replace("DATA", &dir.path().join("data").display().to_string());
        let config = StationConfig::from_yaml(&yaml, "station.yaml").unwrap();
        let kvs = SharedKvs::open(dir.path().join("fleet.db")).unwrap();
        let mut stores = Stores::shared(kvs.clone(), "cp001");
        let a1 = stores.connected(&config, "car_1", "kvs").unwrap().unwrap();
        let a2 = stores.connected(&config, "car_2", "kvs").unwrap().unwrap();
        assert!(stores.connected(&config, "car_3", "kvs").unwrap().is_none());
        assert_eq!(a1.module_id(), "store_a");
        a1.store("k", &json!(1)).unwrap();
        assert_eq!(
            a2.load("k").unwrap(),
            Some(json!(1)),
            "one module, one set of values"
        );
        assert_eq!(a1.path(), dir.path().join("fleet.db"));
        // Another station with the same config has its own values.
        let mut other = Stores::shared(kvs, "cp002");
        let b1 = other.connected(&config, "car_1", "kvs").unwrap().unwrap();
        assert_eq!(b1.load("k").unwrap(), None);
        // No file of the module's own, nor its folder.
        assert!(!dir.path().join("data").exists());
        assert!(stores.recovered().is_empty());
    }
}

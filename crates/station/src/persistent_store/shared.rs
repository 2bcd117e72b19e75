//! The PersistentStore modules of many stations in one SQLite file (a fleet's `fleet.db`,
//! docs/fleet.md), instead of one file per module and station: one table `station_kvs` whose
//! key is the station (its ChargePointId), the PersistentStore module's id and the key, so a
//! station reads and writes only its own modules' values, and a station started again finds
//! them. Values are JSON text, as in a module's own file.
//!
//! One connection behind a mutex, WAL and `synchronous=FULL`, as a module's own file: a write is
//! on disk when it returns `Ok`. Every operation is one statement (its own SQLite transaction),
//! so a lock poisoned by a panic elsewhere leaves a usable connection ([`SharedKvs::lock`]).
//! The file may be the one of the stations' core stores too (chargepoint's
//! `SharedSqliteDb`, another connection): SQLite serialises the writers of a file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::{create_parent, parse_stored, StoreError};

/// The table of every station's values (created on first use, as a module's own `kvs`).
const CREATE: &str = "CREATE TABLE IF NOT EXISTS station_kvs (
    station TEXT NOT NULL,
    module TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (station, module, key)
)";

/// The PersistentStore values of many stations in one SQLite file; see the module docs.
#[derive(Debug)]
pub struct SharedKvs {
    conn: Mutex<Connection>,
    path: PathBuf,
}

/// Whose values: a station's PersistentStore module.
#[derive(Debug, Clone, Copy)]
pub(super) struct Owner<'a> {
    pub station: &'a str,
    pub module: &'a str,
}

impl SharedKvs {
    /// Opens (or creates, with its folder and table) the shared file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Arc<SharedKvs>, StoreError> {
        let path = path.as_ref().to_path_buf();
        create_parent(&path)?;
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open(&path)?;
            // The stations' core stores may hold the file for a moment: wait, do not fail.
            conn.busy_timeout(Duration::from_secs(5))?;
            conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get::<_, String>(0))?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.execute(CREATE, [])?;
            Ok(conn)
        };
        let conn = open().map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        tracing::debug!(database = %path.display(), "shared PersistentStore opened");
        Ok(Arc::new(SharedKvs {
            conn: Mutex::new(conn),
            path,
        }))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // Every operation is one statement, its own transaction: a panic elsewhere while the
        // lock was held cannot have left a write half-done (as `StoreHandle::lock`).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sqlite(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Stores `value` under `key` for `owner`, replacing what was there.
    pub(super) fn store(
        &self,
        owner: Owner<'_>,
        key: &str,
        value: &Value,
    ) -> Result<(), StoreError> {
        self.lock()
            .prepare_cached(
                "INSERT INTO station_kvs (station, module, key, value) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(station, module, key) DO UPDATE SET value = excluded.value",
            )
            .and_then(|mut s| {
                s.execute(params![owner.station, owner.module, key, value.to_string()])
            })
            .map_err(|e| self.sqlite(e))?;
        Ok(())
    }

    /// `owner`'s value under `key`, `None` when there is none.
    pub(super) fn load(&self, owner: Owner<'_>, key: &str) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = self
            .lock()
            .prepare_cached(
                "SELECT value FROM station_kvs WHERE station = ?1 AND module = ?2 AND key = ?3",
            )
            .and_then(|mut s| {
                s.query_row(params![owner.station, owner.module, key], |row| row.get(0))
                    .optional()
            })
            .map_err(|e| self.sqlite(e))?;
        parse_stored(&self.path, key, text)
    }

    /// Removes `owner`'s `key`; whether it was there.
    pub(super) fn delete(&self, owner: Owner<'_>, key: &str) -> Result<bool, StoreError> {
        let n = self
            .lock()
            .prepare_cached(
                "DELETE FROM station_kvs WHERE station = ?1 AND module = ?2 AND key = ?3",
            )
            .and_then(|mut s| s.execute(params![owner.station, owner.module, key]))
            .map_err(|e| self.sqlite(e))?;
        Ok(n > 0)
    }

    /// Whether `owner`'s `key` has a value.
    pub(super) fn exists(&self, owner: Owner<'_>, key: &str) -> Result<bool, StoreError> {
        self.lock()
            .prepare_cached(
                "SELECT 1 FROM station_kvs WHERE station = ?1 AND module = ?2 AND key = ?3",
            )
            .and_then(|mut s| {
                s.query_row(params![owner.station, owner.module, key], |_| Ok(()))
                    .optional()
            })
            .map(|found| found.is_some())
            .map_err(|e| self.sqlite(e))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::persistent_store::StoreHandle;

    #[test]
    fn stations_and_modules_keep_their_own_values_and_find_them_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.db");
        {
            let kvs = SharedKvs::open(&path).unwrap();
            assert_eq!(kvs.path(), path);
            let a = StoreHandle::shared("store", kvs.clone(), "cp001");
            let b = StoreHandle::shared("store", kvs.clone(), "cp002");
            let a_other = StoreHandle::shared("other_store", kvs.clone(), "cp001");
            // The same key in each: three values.
            a.store("k", &json!(true)).unwrap();
            b.store("k", &json!("true")).unwrap();
            a_other.store("k", &json!({"n": [1, 2]})).unwrap();
            a.store("only_a", &json!(1)).unwrap();
            assert!(!b.exists("only_a").unwrap());
            assert_eq!(b.load("only_a").unwrap(), None);
            assert!(!b.delete("only_a").unwrap(), "not B's to delete");
            assert!(a.exists("only_a").unwrap());
            assert_eq!(b.path(), path);
        }
        // Opened again (a fleet run again; a station started again is a new handle).
        let kvs = SharedKvs::open(&path).unwrap();
        let a = StoreHandle::shared("store", kvs.clone(), "cp001");
        let b = StoreHandle::shared("store", kvs.clone(), "cp002");
        let a_other = StoreHandle::shared("other_store", kvs.clone(), "cp001");
        assert_eq!(a.load("k").unwrap(), Some(json!(true)));
        assert_eq!(b.load("k").unwrap(), Some(json!("true")));
        assert_eq!(a_other.load("k").unwrap(), Some(json!({"n": [1, 2]})));
        assert_eq!(a.load("only_a").unwrap(), Some(json!(1)));
        assert!(a.delete("only_a").unwrap());
        assert!(!a.exists("only_a").unwrap());
        a.store("k", &json!(false)).unwrap();
        assert_eq!(b.load("k").unwrap(), Some(json!("true")), "B's unchanged");
        let mode: String = kvs
            .lock()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_value_that_is_not_json_is_a_typed_error_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let kvs = SharedKvs::open(dir.path().join("fleet.db")).unwrap();
        kvs.lock()
            .execute(
                "INSERT INTO station_kvs VALUES ('cp001', 'store', 'k', 'not json')",
                [],
            )
            .unwrap();
        let a = StoreHandle::shared("store", kvs.clone(), "cp001");
        let err = a.load("k").unwrap_err();
        assert!(
            matches!(err, StoreError::Corrupt { ref key, .. } if key == "k"),
            "{err:?}"
        );
        // Another station's same key is not it.
        let b = StoreHandle::shared("store", kvs, "cp002");
        assert_eq!(b.load("k").unwrap(), None);
    }
}

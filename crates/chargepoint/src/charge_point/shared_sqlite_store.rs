//! Many stations' [`Store`]s in one SQLite file (a fleet, docs/fleet.md): one
//! [`SharedSqliteDb`] per file, one [`SharedSqliteStore`] per station on it.
//!
//! - The file has the tables of a station's own file ([`super::sqlite_store`]) with one more
//!   column, `station` (the ChargePointId), first in every primary key, and every statement is
//!   restricted to one station's rows: stations never see each other's records, and a station
//!   started again opens its view of the same file and finds exactly its own data. The SQL and
//!   the decoding of rows are those of the station's own file (the private `sqlite_rows`
//!   module).
//! - One connection behind a mutex, WAL and `synchronous=FULL`, as a station's own file: a write
//!   is durable when it returns `Ok`, each write (and each [`Store::write_all`]) is one SQLite
//!   transaction. SQLite allows one writer per file, so the mutex costs nothing SQLite would not
//!   serialise anyway, and saves a connection (page cache, schema) per station.
//! - A station that panicked while holding the lock leaves it poisoned: every store of the file
//!   then answers a [`StoreError`] rather than panic in turn (the core sees a store that cannot
//!   write, as after a disk failure).
//! - The schema is versioned with `PRAGMA user_version` ([`SHARED_MIGRATIONS`]), as the
//!   station's own file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use ocpp_types::charging_profile::ChargingProfile;
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use rusqlite::Connection;

use super::sqlite_rows::{self, store_through_rows, Rows};
use super::sqlite_tables::tables;
#[cfg(doc)]
use super::store::Store;
use super::store::{
    StoreError, StoreWrite, StoredLocalList, StoredMessage, StoredReservation, StoredTransaction,
};
use crate::recovery::{self, InitError, Recovered, SqliteFile, Table};

/// The schema of a shared file, one step per version (as
/// [`MIGRATIONS`](super::sqlite_store::MIGRATIONS)): the tables of a station's own file, each
/// with the `station` column first in its primary key.
pub const SHARED_MIGRATIONS: &[&str] = &["
    CREATE TABLE transactions (
        station TEXT NOT NULL,
        connector INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (station, connector)
    );
    CREATE TABLE messages (
        station TEXT NOT NULL,
        key INTEGER NOT NULL,
        action TEXT NOT NULL,
        payload TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        starts_transaction INTEGER,
        PRIMARY KEY (station, key)
    );
    CREATE TABLE availability (
        station TEXT NOT NULL,
        connector INTEGER NOT NULL,
        operative INTEGER NOT NULL,
        PRIMARY KEY (station, connector)
    );
    -- idTags compare ignoring ASCII case (CiString20); so does NOCASE, in the key's index too.
    CREATE TABLE authorization_cache (
        station TEXT NOT NULL,
        id_tag TEXT NOT NULL COLLATE NOCASE,
        info TEXT NOT NULL,
        PRIMARY KEY (station, id_tag)
    );
    CREATE TABLE local_list (
        station TEXT NOT NULL,
        id_tag TEXT NOT NULL COLLATE NOCASE,
        info TEXT NOT NULL,
        PRIMARY KEY (station, id_tag)
    );
    -- One row per station.
    CREATE TABLE local_list_version (
        station TEXT NOT NULL,
        id INTEGER NOT NULL CHECK (id = 0),
        version INTEGER NOT NULL,
        PRIMARY KEY (station, id)
    );
    CREATE TABLE charging_profiles (
        station TEXT NOT NULL,
        id INTEGER NOT NULL,
        connector INTEGER NOT NULL,
        profile TEXT NOT NULL,
        PRIMARY KEY (station, id)
    );
    CREATE TABLE reservations (
        station TEXT NOT NULL,
        id INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (station, id)
    );
"];

/// One SQLite file holding the stores of many stations; see the [module docs](self).
#[derive(Debug)]
pub struct SharedSqliteDb {
    conn: Mutex<Connection>,
    path: PathBuf,
}

/// The connection while the file is opened and checked ([`recovery::open_sqlite`] wants the
/// connection itself; the mutex comes after).
struct Opening {
    conn: Connection,
    path: PathBuf,
}

impl Opening {
    fn set_up(mut conn: Connection, path: PathBuf) -> Result<Opening, InitError> {
        let label = path.display().to_string();
        sqlite_rows::configure(&conn, &label, path == Path::new(":memory:"))?;
        sqlite_rows::migrate(&mut conn, SHARED_MIGRATIONS)?;
        let version = SHARED_MIGRATIONS.len();
        tracing::debug!(database = %label, version, "shared store opened");
        Ok(Opening { conn, path })
    }

    fn shared(self) -> Arc<SharedSqliteDb> {
        Arc::new(SharedSqliteDb {
            conn: Mutex::new(self.conn),
            path: self.path,
        })
    }
}

impl SqliteFile for Opening {
    // The columns read are those of a station's own file: a record that one of them could not
    // read is one the shared file could not read either.
    const TABLES: &'static [Table] = tables::ALL;

    fn init(conn: Connection, path: &Path) -> Result<Opening, InitError> {
        Opening::set_up(conn, path.to_path_buf())
    }

    fn connection(&self) -> &Connection {
        &self.conn
    }
}

impl SharedSqliteDb {
    /// Opens (or creates) the shared file at `path`, sets WAL and `synchronous=FULL`, and brings
    /// its schema up to date, without checking it (see [`SharedSqliteDb::open_checked`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Arc<SharedSqliteDb>, StoreError> {
        let path = path.as_ref().to_path_buf();
        let label = path.display().to_string();
        let conn = Connection::open(&path).map_err(|e| sqlite_rows::backend(&label, e))?;
        let opening =
            Opening::set_up(conn, path).map_err(|e| sqlite_rows::init_error(&label, e))?;
        Ok(opening.shared())
    }

    /// Opens the shared file at `path` as [`SharedSqliteDb::open`] does, after the checks a
    /// station's own file gets at start ([`recovery::open_sqlite`], docs/store-recovery.md): an
    /// unreadable file is moved aside (named after `at`) and the stores start empty; records that
    /// do not decode are dropped after a full copy of the file was put aside. Either is logged at
    /// error level and returned.
    pub fn open_checked(
        path: impl AsRef<Path>,
        at: DateTime<Utc>,
    ) -> Result<(Arc<SharedSqliteDb>, Option<Recovered>), StoreError> {
        let (opening, recovered) = recovery::open_sqlite::<Opening>(path.as_ref(), at)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok((opening.shared(), recovered))
    }

    /// A shared database in memory (nothing survives it; for tests).
    pub fn open_in_memory() -> Result<Arc<SharedSqliteDb>, StoreError> {
        let conn = Connection::open_in_memory().map_err(|e| sqlite_rows::backend(":memory:", e))?;
        let opening = Opening::set_up(conn, PathBuf::from(":memory:"))
            .map_err(|e| sqlite_rows::init_error(":memory:", e))?;
        Ok(opening.shared())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the file (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.with_connection(|conn| {
            sqlite_rows::user_version(conn).map_err(|e| sqlite_rows::backend("user_version", e))
        })
    }

    /// Station `station`'s store in this file (its ChargePointId: the rows it reads and writes
    /// are those whose `station` is this text, exactly).
    pub fn store_for(self: &Arc<Self>, station: impl Into<String>) -> SharedSqliteStore {
        SharedSqliteStore {
            db: self.clone(),
            station: station.into(),
        }
    }

    /// Runs `f` on the connection, under the lock; a poisoned lock is an error (module docs).
    fn with_connection<R>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let conn = self.conn.lock().map_err(|_| {
            StoreError::Backend(format!(
                "{}: a station panicked while using the shared store; it is not used again",
                self.path.display()
            ))
        })?;
        f(&conn)
    }
}

/// One station's [`Store`] in a [`SharedSqliteDb`]; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct SharedSqliteStore {
    db: Arc<SharedSqliteDb>,
    station: String,
}

impl SharedSqliteStore {
    /// The station whose rows these are.
    pub fn station(&self) -> &str {
        &self.station
    }

    /// The shared file.
    pub fn db(&self) -> &Arc<SharedSqliteDb> {
        &self.db
    }

    fn with_rows<R>(
        &self,
        f: impl FnOnce(&Rows<'_>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.db
            .with_connection(|conn| f(&Rows::new(conn, Some(&self.station))))
    }
}

store_through_rows!(SharedSqliteStore);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::charge_point::Store;

    #[test]
    fn a_poisoned_lock_is_a_store_error_not_a_panic() {
        let db = SharedSqliteDb::open_in_memory().unwrap();
        let mut store = db.store_for("cp1");
        store.save_availability(1, false).unwrap();
        let poisoner = db.clone();
        let panicked = std::thread::spawn(move || {
            let _conn = poisoner.conn.lock().unwrap();
            panic!("a station panics while holding the lock");
        })
        .join();
        assert!(panicked.is_err());
        for result in [
            store.save_availability(2, true),
            store.availability().map(drop),
            store.messages().map(drop),
        ] {
            match result {
                Err(StoreError::Backend(reason)) => {
                    assert!(reason.contains("a station panicked"), "{reason}")
                }
                other => panic!("expected a store error, got {other:?}"),
            }
        }
        assert!(db.schema_version().is_err());
    }
}

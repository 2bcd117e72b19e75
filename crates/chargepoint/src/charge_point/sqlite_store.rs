//! The production [`Store`]: one SQLite database file (as libocpp keeps its charge point's
//! data in one SQLite file under its DatabasePath), through rusqlite with SQLite compiled in
//! (feature `bundled`), so no system library is needed.
//!
//! - WAL journal: a write appends to the `-wal` file instead of rewriting pages, so a crash in
//!   the middle of a write leaves the last committed state readable, and readers never block
//!   the writer.
//! - `synchronous=FULL`: every commit fsyncs the WAL before it returns. With WAL, SQLite's
//!   usual `NORMAL` survives a crash of the process but may lose the last commits on a power
//!   loss — exactly the event this store exists for ([`Store`] promises that a write is durable
//!   when it returns `Ok`, and the core acts on it only afterwards). The price is one sync per
//!   write, a handful per transaction: nothing next to a charging session; draining a queue
//!   filled offline, one per message (docs/core/delivery-guarantees.md). The bundled SQLite
//!   syncs with `fdatasync`, as SQLite's own Linux builds (the workspace's
//!   `.cargo/config.toml`; why: docs/performance.md, "Queue drain").
//! - The schema is versioned with `PRAGMA user_version`; [`MIGRATIONS`] brings an older file up
//!   to date at open, and a file from newer software is refused rather than misread.
//! - Every write runs in its own SQLite transaction.
//! - The rows, their SQL and their decoding are those of the private `sqlite_rows` module,
//!   shared with the store of many stations in one file ([`super::shared_sqlite_store`]).
//!
//! Records are kept as JSON where the core has a serde form ([`StoredTransaction`],
//! [`IdTagInfo`], [`ChargingProfile`], message payloads), so that a field added later needs no
//! migration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

/// The schema, one step per version: `MIGRATIONS[n]` takes a database from `user_version` n
/// to n + 1. Steps are only ever appended.
pub const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE transactions (
        connector INTEGER PRIMARY KEY,
        record TEXT NOT NULL
    );
    CREATE TABLE messages (
        key INTEGER PRIMARY KEY,
        action TEXT NOT NULL,
        payload TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        starts_transaction INTEGER
    );
    CREATE TABLE availability (
        connector INTEGER PRIMARY KEY,
        operative INTEGER NOT NULL
    );
    -- idTags compare ignoring ASCII case (CiString20); so does NOCASE.
    CREATE TABLE authorization_cache (
        id_tag TEXT PRIMARY KEY COLLATE NOCASE,
        info TEXT NOT NULL
    );
",
    "
    -- The local authorization list (SendLocalList) and its version, one row.
    CREATE TABLE local_list (
        id_tag TEXT PRIMARY KEY COLLATE NOCASE,
        info TEXT NOT NULL
    );
    CREATE TABLE local_list_version (
        id INTEGER PRIMARY KEY CHECK (id = 0),
        version INTEGER NOT NULL
    );
",
    "
    -- The installed charging profiles (Smart Charging), as libocpp's CHARGING_PROFILES table
    -- (config/v16/core_migrations/1_up-initial.sql): the chargingProfileId, the connector it was
    -- installed on, the profile as JSON.
    CREATE TABLE charging_profiles (
        id INTEGER PRIMARY KEY,
        connector INTEGER NOT NULL,
        profile TEXT NOT NULL
    );
",
    "
    -- The reservations in force (ReserveNow), by reservationId, the record as JSON.
    CREATE TABLE reservations (
        id INTEGER PRIMARY KEY,
        record TEXT NOT NULL
    );
",
];

/// A [`Store`] in one SQLite file; see the [module docs](self).
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (or creates) the database at `path`, sets WAL and `synchronous=FULL`, and brings
    /// its schema up to date. It does not check the file: a station starting uses
    /// [`SqliteStore::open_checked`].
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let label = path.display().to_string();
        let conn = Connection::open(&path).map_err(|e| sqlite_rows::backend(&label, e))?;
        SqliteStore::set_up(conn, path).map_err(|e| sqlite_rows::init_error(&label, e))
    }

    /// Opens the database at `path` as [`SqliteStore::open`] does, after checking it: a file
    /// that is empty, not SQLite, fails SQLite's integrity check or has tables that are not this
    /// store's is moved aside (named after `at`) and the store starts empty; records that do not
    /// decode are dropped after a full copy of the file was put aside. Either is logged at error
    /// level and returned ([`recovery::open_sqlite`]; why: docs/store-recovery.md).
    pub fn open_checked(
        path: impl AsRef<Path>,
        at: DateTime<Utc>,
    ) -> Result<(SqliteStore, Option<Recovered>), StoreError> {
        recovery::open_sqlite(path.as_ref(), at).map_err(|e| StoreError::Backend(e.to_string()))
    }

    /// A database in memory (nothing survives the store; for tests and stations without a
    /// disk that still want SQL).
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let conn = Connection::open_in_memory().map_err(|e| sqlite_rows::backend(":memory:", e))?;
        SqliteStore::set_up(conn, PathBuf::from(":memory:"))
            .map_err(|e| sqlite_rows::init_error(":memory:", e))
    }

    fn set_up(mut conn: Connection, path: PathBuf) -> Result<SqliteStore, InitError> {
        let label = path.display().to_string();
        sqlite_rows::configure(&conn, &label, path == Path::new(":memory:"))?;
        sqlite_rows::migrate(&mut conn, MIGRATIONS)?;
        tracing::debug!(database = %label, version = MIGRATIONS.len(), "store opened");
        Ok(SqliteStore { conn, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        sqlite_rows::user_version(&self.conn).map_err(|e| sqlite_rows::backend("user_version", e))
    }

    /// Every row of the file is this station's.
    fn with_rows<R>(
        &self,
        f: impl FnOnce(&Rows<'_>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        f(&Rows::new(&self.conn, None))
    }
}

impl SqliteFile for SqliteStore {
    const TABLES: &'static [Table] = tables::ALL;

    fn init(conn: Connection, path: &Path) -> Result<SqliteStore, InitError> {
        SqliteStore::set_up(conn, path.to_path_buf())
    }

    fn connection(&self) -> &Connection {
        &self.conn
    }
}

store_through_rows!(SqliteStore);

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
//!
//! Records are kept as JSON where the core has a serde form ([`StoredTransaction`],
//! [`IdTagInfo`], [`ChargingProfile`], message payloads), so that a field added later needs no
//! migration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ocpp_types::charging_profile::ChargingProfile;
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use ocpp_types::Action;
use rusqlite::types::FromSql;
use rusqlite::{params, Connection, Row, Transaction};
use serde::de::DeserializeOwned;

use super::store::{
    Store, StoreError, StoreWrite, StoredLocalList, StoredMessage, StoredReservation,
    StoredTransaction,
};
use crate::recovery::{self, row_key, InitError, Recovered, SqliteFile, Table};

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

fn backend(context: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("{context}: {e}"))
}

fn corrupt(key: String, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        key,
        reason: e.to_string(),
    }
}

/// A column of a row being decoded; a value of the wrong type makes the record unreadable.
fn column<T: FromSql>(row: &Row<'_>, index: usize) -> Result<T, String> {
    row.get(index).map_err(|e| e.to_string())
}

/// A record kept as JSON.
fn json_column<T: DeserializeOwned>(row: &Row<'_>, index: usize) -> Result<T, String> {
    let text: String = column(row, index)?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// How one row of a table becomes a record.
type Decode<T> = fn(&Row<'_>) -> Result<T, String>;

fn decode_transaction(row: &Row<'_>) -> Result<StoredTransaction, String> {
    json_column(row, 1)
}

fn decode_message(row: &Row<'_>) -> Result<StoredMessage, String> {
    let key: i64 = column(row, 0)?;
    let action: String = column(row, 1)?;
    Ok(StoredMessage {
        key: u64::try_from(key).map_err(|e| e.to_string())?,
        action: action
            .parse()
            .map_err(|e: <Action as std::str::FromStr>::Err| e.to_string())?,
        payload: json_column(row, 2)?,
        attempts: column(row, 3)?,
        starts_transaction: column(row, 4)?,
    })
}

fn decode_availability(row: &Row<'_>) -> Result<(u32, bool), String> {
    Ok((column(row, 0)?, column(row, 1)?))
}

fn decode_id_tag_info(row: &Row<'_>) -> Result<IdTagInfo, String> {
    json_column(row, 1)
}

fn decode_local_list_entry(row: &Row<'_>) -> Result<(IdToken, IdTagInfo), String> {
    let id_tag: String = column(row, 0)?;
    let id = IdToken::new(&id_tag).map_err(|e| e.to_string())?;
    Ok((id, json_column(row, 1)?))
}

fn decode_local_list_version(row: &Row<'_>) -> Result<i32, String> {
    column(row, 1)
}

fn decode_charging_profile(row: &Row<'_>) -> Result<(u32, ChargingProfile), String> {
    Ok((column(row, 1)?, json_column(row, 2)?))
}

fn decode_reservation(row: &Row<'_>) -> Result<StoredReservation, String> {
    json_column(row, 1)
}

/// The tables as the store reads them: the columns of each, and how a row becomes a record.
/// [`SqliteStore::load`] reads through these and [`recovery::open_sqlite`] checks every row
/// with them at start, so a record the store could not read is found before the core needs it.
mod tables {
    use super::*;

    /// A table whose rows a report counts in all (not by a column).
    const fn table(
        name: &'static str,
        rows: &'static str,
        columns: &'static str,
        decode: fn(&Row<'_>) -> Result<(), String>,
    ) -> Table {
        Table {
            name,
            rows,
            columns,
            count_by: None,
            decode,
        }
    }

    pub const TRANSACTIONS: Table = table(
        "transactions",
        "transactions in progress",
        "connector, record",
        |row| decode_transaction(row).map(drop),
    );
    pub const MESSAGES: Table = Table {
        count_by: Some("action"),
        ..table(
            "messages",
            "queued transaction messages",
            "key, action, payload, attempts, starts_transaction",
            |row| decode_message(row).map(drop),
        )
    };
    pub const AVAILABILITY: Table = table(
        "availability",
        "connector availabilities set by ChangeAvailability",
        "connector, operative",
        |row| decode_availability(row).map(drop),
    );
    pub const AUTHORIZATION_CACHE: Table = table(
        "authorization_cache",
        "authorization cache entries",
        "id_tag, info",
        |row| decode_id_tag_info(row).map(drop),
    );
    pub const LOCAL_LIST: Table = table(
        "local_list",
        "local authorization list entries",
        "id_tag, info",
        |row| decode_local_list_entry(row).map(drop),
    );
    pub const LOCAL_LIST_VERSION: Table = table(
        "local_list_version",
        "local authorization list versions",
        "id, version",
        |row| decode_local_list_version(row).map(drop),
    );
    pub const CHARGING_PROFILES: Table = table(
        "charging_profiles",
        "charging profiles",
        "id, connector, profile",
        |row| decode_charging_profile(row).map(drop),
    );
    pub const RESERVATIONS: Table = table("reservations", "reservations", "id, record", |row| {
        decode_reservation(row).map(drop)
    });
}

impl SqliteStore {
    /// Opens (or creates) the database at `path`, sets WAL and `synchronous=FULL`, and brings
    /// its schema up to date. It does not check the file: a station starting uses
    /// [`SqliteStore::open_checked`].
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let label = path.display().to_string();
        let conn = Connection::open(&path).map_err(|e| backend(&label, e))?;
        SqliteStore::init(conn, path)
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
        let conn = Connection::open_in_memory().map_err(|e| backend(":memory:", e))?;
        SqliteStore::init(conn, PathBuf::from(":memory:"))
    }

    fn init(conn: Connection, path: PathBuf) -> Result<SqliteStore, StoreError> {
        let label = path.display().to_string();
        SqliteStore::set_up(conn, path).map_err(|e| match e {
            InitError::Sqlite(e) => backend(&label, e),
            InitError::Refused(reason) => StoreError::Backend(format!("{label}: {reason}")),
        })
    }

    fn set_up(mut conn: Connection, path: PathBuf) -> Result<SqliteStore, InitError> {
        let label = path.display().to_string();
        // Another process (a diagnostics tool) may hold the file briefly: wait, do not fail.
        conn.busy_timeout(Duration::from_secs(5))?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") && path != Path::new(":memory:") {
            tracing::warn!(database = %label, %mode, "SQLite refused WAL mode");
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrate(&mut conn).map_err(|e| match e {
            MigrateError::Sqlite(e) => InitError::Sqlite(e),
            MigrateError::TooNew(found) => InitError::Refused(format!(
                "schema version {found} is newer than this software knows ({})",
                MIGRATIONS.len()
            )),
        })?;
        tracing::debug!(database = %label, version = MIGRATIONS.len(), "store opened");
        Ok(SqliteStore { conn, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        user_version(&self.conn).map_err(|e| backend("user_version", e))
    }

    /// Every row of `table` (in the order `order`, an `ORDER BY` clause or nothing), made a
    /// record by `decode`. Every table is loaded through here, so that a failed query is
    /// reported as a backend failure and an unreadable record as corrupt, named by its table
    /// and key, the same way.
    fn load<T>(&self, table: &Table, order: &str, decode: Decode<T>) -> Result<Vec<T>, StoreError> {
        let err = |e| backend(table.name, e);
        let sql = format!("SELECT {} FROM {} {order}", table.columns, table.name);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(err)?;
        let mut rows = stmt.query([]).map_err(err)?;
        let mut records = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let record = decode(row)
                .map_err(|reason| corrupt(format!("{}/{}", table.name, row_key(row)), reason))?;
            records.push(record);
        }
        Ok(records)
    }

    /// Runs `write` in one SQLite transaction and commits it; nothing is written if it fails.
    fn write(
        &mut self,
        what: &str,
        write: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(|e| backend(what, e))?;
        write(&tx).map_err(|e| backend(what, e))?;
        tx.commit().map_err(|e| backend(what, e))
    }
}

impl SqliteFile for SqliteStore {
    const TABLES: &'static [Table] = &[
        tables::MESSAGES,
        tables::TRANSACTIONS,
        tables::AVAILABILITY,
        tables::AUTHORIZATION_CACHE,
        tables::LOCAL_LIST,
        tables::LOCAL_LIST_VERSION,
        tables::CHARGING_PROFILES,
        tables::RESERVATIONS,
    ];

    fn init(conn: Connection, path: &Path) -> Result<SqliteStore, InitError> {
        SqliteStore::set_up(conn, path.to_path_buf())
    }

    fn connection(&self) -> &Connection {
        &self.conn
    }
}

enum MigrateError {
    Sqlite(rusqlite::Error),
    TooNew(u32),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sqlite(e)
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Applies the missing [`MIGRATIONS`], each with its version bump in one transaction, so a
/// power loss during a migration leaves the file at the previous version, not half-way.
fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let found = user_version(conn)?;
    let latest = MIGRATIONS.len() as u32;
    if found > latest {
        return Err(MigrateError::TooNew(found));
    }
    for (version, step) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version as u32 + 1)?;
        tx.commit()?;
        tracing::debug!(version = version + 1, "store schema migrated");
    }
    Ok(())
}

fn message_key(key: u64) -> Result<i64, StoreError> {
    i64::try_from(key).map_err(|_| StoreError::Backend(format!("message key {key} is too large")))
}

const SAVE_TRANSACTION: &str =
    "INSERT OR REPLACE INTO transactions (connector, record) VALUES (?1, ?2)";
const REMOVE_MESSAGE: &str = "DELETE FROM messages WHERE key = ?1";
const SAVE_MESSAGE: &str =
    "INSERT OR REPLACE INTO messages (key, action, payload, attempts, starts_transaction)
     VALUES (?1, ?2, ?3, ?4, ?5)";

/// A queued message as the row [`SAVE_MESSAGE`] writes: its key and payload checked and
/// encoded before the SQLite transaction begins.
struct MessageRow<'a> {
    key: i64,
    message: &'a StoredMessage,
    payload: String,
}

fn message_row(m: &StoredMessage) -> Result<MessageRow<'_>, StoreError> {
    Ok(MessageRow {
        key: message_key(m.key)?,
        message: m,
        payload: serde_json::to_string(&m.payload).map_err(|e| backend("save_message", e))?,
    })
}

impl MessageRow<'_> {
    fn execute(&self, stmt: &mut rusqlite::CachedStatement<'_>) -> rusqlite::Result<()> {
        let m = self.message;
        stmt.execute(params![
            self.key,
            m.action.as_str(),
            self.payload,
            m.attempts,
            m.starts_transaction
        ])
        .map(drop)
    }
}

impl Store for SqliteStore {
    fn save_transaction(&mut self, transaction: &StoredTransaction) -> Result<(), StoreError> {
        let record =
            serde_json::to_string(transaction).map_err(|e| backend("save_transaction", e))?;
        self.write("save_transaction", |tx| {
            tx.execute(SAVE_TRANSACTION, params![transaction.connector, record])
                .map(drop)
        })
    }

    fn remove_transaction(&mut self, connector: u32) -> Result<(), StoreError> {
        self.write("remove_transaction", |tx| {
            tx.execute(
                "DELETE FROM transactions WHERE connector = ?1",
                params![connector],
            )
            .map(drop)
        })
    }

    fn transactions(&self) -> Result<Vec<StoredTransaction>, StoreError> {
        self.load(
            &tables::TRANSACTIONS,
            "ORDER BY connector",
            decode_transaction,
        )
    }

    fn save_availability(&mut self, connector: u32, operative: bool) -> Result<(), StoreError> {
        self.write("save_availability", |tx| {
            tx.execute(
                "INSERT OR REPLACE INTO availability (connector, operative) VALUES (?1, ?2)",
                params![connector, operative],
            )
            .map(drop)
        })
    }

    fn availability(&self) -> Result<BTreeMap<u32, bool>, StoreError> {
        let rows = self.load(&tables::AVAILABILITY, "", decode_availability)?;
        Ok(rows.into_iter().collect())
    }

    fn save_cached_authorization(
        &mut self,
        id_tag: &IdToken,
        info: &IdTagInfo,
    ) -> Result<(), StoreError> {
        let info =
            serde_json::to_string(info).map_err(|e| backend("save_cached_authorization", e))?;
        self.write("save_cached_authorization", |tx| {
            tx.execute(
                "INSERT OR REPLACE INTO authorization_cache (id_tag, info) VALUES (?1, ?2)",
                params![id_tag.as_str(), info],
            )
            .map(drop)
        })
    }

    fn cached_authorization(&self, id_tag: &IdToken) -> Result<Option<IdTagInfo>, StoreError> {
        let table = &tables::AUTHORIZATION_CACHE;
        let sql = format!(
            "SELECT {} FROM {} WHERE id_tag = ?1",
            table.columns, table.name
        );
        let err = |e| backend("cached_authorization", e);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(err)?;
        let mut rows = stmt.query(params![id_tag.as_str()]).map_err(err)?;
        let Some(row) = rows.next().map_err(err)? else {
            return Ok(None);
        };
        decode_id_tag_info(row)
            .map(Some)
            .map_err(|reason| corrupt(format!("{}/{}", table.name, row_key(row)), reason))
    }

    fn clear_authorization_cache(&mut self) -> Result<(), StoreError> {
        self.write("clear_authorization_cache", |tx| {
            tx.execute("DELETE FROM authorization_cache", []).map(drop)
        })
    }

    fn replace_local_list(
        &mut self,
        version: i32,
        entries: &[(IdToken, IdTagInfo)],
    ) -> Result<(), StoreError> {
        let rows = local_list_rows(entries)?;
        self.write("replace_local_list", |tx| {
            tx.execute("DELETE FROM local_list", [])?;
            write_local_list(tx, version, &rows, &[])
        })
    }

    fn update_local_list(
        &mut self,
        version: i32,
        upserts: &[(IdToken, IdTagInfo)],
        removals: &[IdToken],
    ) -> Result<(), StoreError> {
        let rows = local_list_rows(upserts)?;
        self.write("update_local_list", |tx| {
            write_local_list(tx, version, &rows, removals)
        })
    }

    fn local_list(&self) -> Result<StoredLocalList, StoreError> {
        // One row, id 0 (the table's CHECK).
        let version = self
            .load(
                &tables::LOCAL_LIST_VERSION,
                "WHERE id = 0",
                decode_local_list_version,
            )?
            .first()
            .copied();
        let entries = self.load(&tables::LOCAL_LIST, "", decode_local_list_entry)?;
        Ok(StoredLocalList {
            version: version.unwrap_or(0),
            entries,
        })
    }

    fn save_charging_profile(
        &mut self,
        connector: u32,
        profile: &ChargingProfile,
    ) -> Result<(), StoreError> {
        let record =
            serde_json::to_string(profile).map_err(|e| backend("save_charging_profile", e))?;
        self.write("save_charging_profile", |tx| {
            tx.execute(
                "INSERT OR REPLACE INTO charging_profiles (id, connector, profile) VALUES (?1, ?2, ?3)",
                params![profile.charging_profile_id, connector, record],
            )
            .map(drop)
        })
    }

    fn remove_charging_profile(&mut self, id: i32) -> Result<(), StoreError> {
        self.write("remove_charging_profile", |tx| {
            tx.execute("DELETE FROM charging_profiles WHERE id = ?1", params![id])
                .map(drop)
        })
    }

    fn charging_profiles(&self) -> Result<Vec<(u32, ChargingProfile)>, StoreError> {
        self.load(
            &tables::CHARGING_PROFILES,
            "ORDER BY id",
            decode_charging_profile,
        )
    }

    fn save_reservation(&mut self, reservation: &StoredReservation) -> Result<(), StoreError> {
        let record =
            serde_json::to_string(reservation).map_err(|e| backend("save_reservation", e))?;
        self.write("save_reservation", |tx| {
            tx.execute(
                "INSERT OR REPLACE INTO reservations (id, record) VALUES (?1, ?2)",
                params![reservation.id, record],
            )
            .map(drop)
        })
    }

    fn remove_reservation(&mut self, id: i32) -> Result<(), StoreError> {
        self.write("remove_reservation", |tx| {
            tx.execute("DELETE FROM reservations WHERE id = ?1", params![id])
                .map(drop)
        })
    }

    fn reservations(&self) -> Result<Vec<StoredReservation>, StoreError> {
        self.load(&tables::RESERVATIONS, "ORDER BY id", decode_reservation)
    }

    fn save_message(&mut self, message: &StoredMessage) -> Result<(), StoreError> {
        self.save_messages(std::slice::from_ref(message))
    }

    fn save_messages(&mut self, messages: &[StoredMessage]) -> Result<(), StoreError> {
        let rows = messages
            .iter()
            .map(message_row)
            .collect::<Result<Vec<_>, StoreError>>()?;
        // One transaction, so one fsync, however many.
        self.write("save_messages", |tx| {
            let mut stmt = tx.prepare_cached(SAVE_MESSAGE)?;
            for row in &rows {
                row.execute(&mut stmt)?;
            }
            Ok(())
        })
    }

    fn write_all(&mut self, writes: &[StoreWrite]) -> Result<(), StoreError> {
        enum Encoded<'a> {
            Transaction(u32, String),
            Message(MessageRow<'a>),
            Remove(i64),
        }
        let rows = writes
            .iter()
            .map(|w| match w {
                StoreWrite::SaveTransaction(t) => serde_json::to_string(t)
                    .map(|record| Encoded::Transaction(t.connector, record))
                    .map_err(|e| backend("write_all", e)),
                StoreWrite::SaveMessage(m) => message_row(m).map(Encoded::Message),
                StoreWrite::RemoveMessage(key) => message_key(*key).map(Encoded::Remove),
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // One transaction: all of them are durable after the one fsync of its commit, or none.
        self.write("write_all", |tx| {
            for row in &rows {
                match row {
                    Encoded::Transaction(connector, record) => {
                        tx.prepare_cached(SAVE_TRANSACTION)?
                            .execute(params![connector, record])?;
                    }
                    Encoded::Message(row) => row.execute(&mut tx.prepare_cached(SAVE_MESSAGE)?)?,
                    Encoded::Remove(key) => {
                        tx.prepare_cached(REMOVE_MESSAGE)?.execute(params![key])?;
                    }
                }
            }
            Ok(())
        })
    }

    fn remove_message(&mut self, key: u64) -> Result<(), StoreError> {
        let key = message_key(key)?;
        // The one write of a drained message (docs/core/delivery-guarantees.md): its statement
        // is prepared once, not parsed again for each of thousands.
        self.write("remove_message", |tx| {
            tx.prepare_cached(REMOVE_MESSAGE)?
                .execute(params![key])
                .map(drop)
        })
    }

    fn remove_messages(&mut self, keys: &[u64]) -> Result<(), StoreError> {
        let keys = keys
            .iter()
            .map(|key| message_key(*key))
            .collect::<Result<Vec<_>, _>>()?;
        // One transaction, so one fsync, however many: dropping thousands of MeterValues one
        // commit at a time would stall the core for seconds.
        self.write("remove_messages", |tx| {
            let mut stmt = tx.prepare_cached(REMOVE_MESSAGE)?;
            for key in keys {
                stmt.execute(params![key])?;
            }
            Ok(())
        })
    }

    fn messages(&self) -> Result<Vec<StoredMessage>, StoreError> {
        self.load(&tables::MESSAGES, "ORDER BY key", decode_message)
    }
}

/// The rows of local list entries: idTag and the idTagInfo as JSON.
fn local_list_rows(entries: &[(IdToken, IdTagInfo)]) -> Result<Vec<(String, String)>, StoreError> {
    entries
        .iter()
        .map(|(id_tag, info)| {
            serde_json::to_string(info)
                .map(|info| (id_tag.as_str().to_string(), info))
                .map_err(|e| backend("local_list", e))
        })
        .collect()
}

/// Writes local list rows, removals and the version inside `tx`.
fn write_local_list(
    tx: &Transaction<'_>,
    version: i32,
    rows: &[(String, String)],
    removals: &[IdToken],
) -> rusqlite::Result<()> {
    let mut remove = tx.prepare_cached("DELETE FROM local_list WHERE id_tag = ?1")?;
    for id_tag in removals {
        remove.execute(params![id_tag.as_str()])?;
    }
    let mut insert =
        tx.prepare_cached("INSERT OR REPLACE INTO local_list (id_tag, info) VALUES (?1, ?2)")?;
    for (id_tag, info) in rows {
        insert.execute(params![id_tag, info])?;
    }
    tx.execute(
        "INSERT OR REPLACE INTO local_list_version (id, version) VALUES (0, ?1)",
        params![version],
    )?;
    Ok(())
}

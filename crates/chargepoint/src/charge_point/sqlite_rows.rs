//! The core's [`Store`] as rows of SQLite tables, for both layouts of them:
//!
//! - a station's own file ([`SqliteStore`](super::sqlite_store::SqliteStore), `ferrocharge
//!   run`): every row of the file is the station's;
//! - a file shared by many stations ([`SharedSqliteStore`](super::shared_sqlite_store), a fleet):
//!   every table has a `station` column, part of every primary key, and every statement is
//!   restricted to one station's rows.
//!
//! Both layouts have the same tables, columns and meanings besides `station`, so one set of SQL
//! templates serves both: the parts in `[...]` are the station's (`[station = :station AND ]`),
//! kept for a shared file and dropped for a station's own ([`Template`]). The station is a
//! bound parameter, never text in the SQL, so the stations of a shared file share one prepared
//! statement per template. Records are decoded by the same functions either way
//! ([`super::sqlite_tables`]),
//! which the start-up check of a file (`recovery::open_sqlite`) uses too.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use ocpp_types::charging_profile::ChargingProfile;
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use rusqlite::types::ToSql;
use rusqlite::{CachedStatement, Connection};

use super::sqlite_tables::{
    decode_availability, decode_charging_profile, decode_id_tag_info, decode_local_list_entry,
    decode_local_list_version, decode_message, decode_reservation, decode_transaction, tables,
    Decode,
};
use super::store::{
    StoreError, StoreWrite, StoredLocalList, StoredMessage, StoredReservation, StoredTransaction,
};
use crate::recovery::{row_key, InitError, Table};

/// Statements kept prepared per connection: every template below, with room to spare (rusqlite's
/// default, 16, is fewer than the templates, and a shared file's one connection serves them all
/// for every station).
const STATEMENT_CACHE: usize = 48;

/// Sets a connection up as every store file is: a busy timeout, WAL, `synchronous=FULL` (why:
/// the [`sqlite_store`](super::sqlite_store) module docs), and the statement cache.
pub(crate) fn configure(conn: &Connection, label: &str, in_memory: bool) -> rusqlite::Result<()> {
    // Another process (a diagnostics tool) may hold the file briefly: wait, do not fail.
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") && !in_memory {
        tracing::warn!(database = %label, %mode, "SQLite refused WAL mode");
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// The schema version of `conn`'s file (`PRAGMA user_version`).
pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Applies the steps of `migrations` the file lacks (`migrations[n]` takes it from
/// `user_version` n to n + 1), each with its version bump in one transaction, so a power loss
/// during a migration leaves the file at the previous version, not half-way. A file of newer
/// software is refused rather than misread.
pub(crate) fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), InitError> {
    let found = user_version(conn)?;
    let latest = migrations.len() as u32;
    if found > latest {
        return Err(InitError::Refused(format!(
            "schema version {found} is newer than this software knows ({latest})"
        )));
    }
    for (version, step) in migrations.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version as u32 + 1)?;
        tx.commit()?;
        tracing::debug!(version = version + 1, "store schema migrated");
    }
    Ok(())
}

/// An [`InitError`] as the store's error, named by the file's `label`.
pub(crate) fn init_error(label: &str, e: InitError) -> StoreError {
    match e {
        InitError::Sqlite(e) => backend(label, e),
        InitError::Refused(reason) => StoreError::Backend(format!("{label}: {reason}")),
    }
}

pub(crate) fn backend(context: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("{context}: {e}"))
}

fn corrupt(key: String, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        key,
        reason: e.to_string(),
    }
}

/// An SQL statement for both layouts: `[...]` is the station's part, kept for a shared file and
/// dropped for a station's own; each form is made once, when first used.
struct Template {
    text: &'static str,
    own_file: OnceLock<String>,
    shared_file: OnceLock<String>,
}

impl Template {
    const fn new(text: &'static str) -> Template {
        Template {
            text,
            own_file: OnceLock::new(),
            shared_file: OnceLock::new(),
        }
    }

    /// The statement for a shared file (`shared`) or a station's own.
    fn sql(&self, shared: bool) -> &str {
        let form = if shared {
            &self.shared_file
        } else {
            &self.own_file
        };
        form.get_or_init(|| {
            let mut sql = String::with_capacity(self.text.len());
            let mut in_station_part = false;
            for c in self.text.chars() {
                match c {
                    '[' => in_station_part = true,
                    ']' => in_station_part = false,
                    c if shared || !in_station_part => sql.push(c),
                    _ => {}
                }
            }
            sql
        })
    }
}

/// The SQL of the stores ([`Template`]).
mod sql {
    use super::Template;

    pub static SAVE_TRANSACTION: Template = Template::new(
        "INSERT OR REPLACE INTO transactions ([station, ]connector, record)
         VALUES ([:station, ]:connector, :record)",
    );
    pub static REMOVE_TRANSACTION: Template = Template::new(
        "DELETE FROM transactions WHERE [station = :station AND ]connector = :connector",
    );
    pub static TRANSACTIONS: Template = Template::new(
        "SELECT connector, record FROM transactions[ WHERE station = :station] ORDER BY connector",
    );
    pub static SAVE_AVAILABILITY: Template = Template::new(
        "INSERT OR REPLACE INTO availability ([station, ]connector, operative)
         VALUES ([:station, ]:connector, :operative)",
    );
    pub static AVAILABILITY: Template =
        Template::new("SELECT connector, operative FROM availability[ WHERE station = :station]");
    pub static SAVE_CACHED: Template = Template::new(
        "INSERT OR REPLACE INTO authorization_cache ([station, ]id_tag, info)
         VALUES ([:station, ]:id_tag, :info)",
    );
    pub static CACHED: Template = Template::new(
        "SELECT id_tag, info FROM authorization_cache
         WHERE [station = :station AND ]id_tag = :id_tag",
    );
    pub static CLEAR_CACHE: Template =
        Template::new("DELETE FROM authorization_cache[ WHERE station = :station]");
    pub static CLEAR_LOCAL_LIST: Template =
        Template::new("DELETE FROM local_list[ WHERE station = :station]");
    pub static REMOVE_LISTED: Template =
        Template::new("DELETE FROM local_list WHERE [station = :station AND ]id_tag = :id_tag");
    pub static SAVE_LISTED: Template = Template::new(
        "INSERT OR REPLACE INTO local_list ([station, ]id_tag, info)
         VALUES ([:station, ]:id_tag, :info)",
    );
    pub static LOCAL_LIST: Template =
        Template::new("SELECT id_tag, info FROM local_list[ WHERE station = :station]");
    // One row per station, id 0 (the table's CHECK).
    pub static SAVE_LOCAL_LIST_VERSION: Template = Template::new(
        "INSERT OR REPLACE INTO local_list_version ([station, ]id, version)
         VALUES ([:station, ]0, :version)",
    );
    pub static LOCAL_LIST_VERSION: Template = Template::new(
        "SELECT id, version FROM local_list_version WHERE [station = :station AND ]id = 0",
    );
    pub static SAVE_CHARGING_PROFILE: Template = Template::new(
        "INSERT OR REPLACE INTO charging_profiles ([station, ]id, connector, profile)
         VALUES ([:station, ]:id, :connector, :profile)",
    );
    pub static REMOVE_CHARGING_PROFILE: Template =
        Template::new("DELETE FROM charging_profiles WHERE [station = :station AND ]id = :id");
    pub static CHARGING_PROFILES: Template = Template::new(
        "SELECT id, connector, profile FROM charging_profiles[ WHERE station = :station]
         ORDER BY id",
    );
    pub static SAVE_RESERVATION: Template = Template::new(
        "INSERT OR REPLACE INTO reservations ([station, ]id, record)
         VALUES ([:station, ]:id, :record)",
    );
    pub static REMOVE_RESERVATION: Template =
        Template::new("DELETE FROM reservations WHERE [station = :station AND ]id = :id");
    pub static RESERVATIONS: Template =
        Template::new("SELECT id, record FROM reservations[ WHERE station = :station] ORDER BY id");
    pub static SAVE_MESSAGE: Template = Template::new(
        "INSERT OR REPLACE INTO messages
         ([station, ]key, action, payload, attempts, starts_transaction)
         VALUES ([:station, ]:key, :action, :payload, :attempts, :starts_transaction)",
    );
    pub static REMOVE_MESSAGE: Template =
        Template::new("DELETE FROM messages WHERE [station = :station AND ]key = :key");
    pub static MESSAGES: Template = Template::new(
        "SELECT key, action, payload, attempts, starts_transaction
         FROM messages[ WHERE station = :station] ORDER BY key",
    );
}

/// Named parameters of a statement (besides `:station`, which [`Rows`] binds).
type Params<'p> = [(&'static str, &'p dyn ToSql)];

/// One station's rows over a connection: all of the file's (`station: None`, a station's own
/// file) or those of one station of a shared file. Every [`Store`](super::Store) method of both
/// stores is one of these.
pub(crate) struct Rows<'c> {
    conn: &'c Connection,
    station: Option<&'c str>,
}

fn message_key(key: u64) -> Result<i64, StoreError> {
    i64::try_from(key).map_err(|_| StoreError::Backend(format!("message key {key} is too large")))
}

/// A queued message as the row [`sql::SAVE_MESSAGE`] writes: its key and payload checked and
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

fn json(what: &str, record: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|e| backend(what, e))
}

/// The rows of local list entries: idTag and the idTagInfo as JSON.
fn local_list_rows(entries: &[(IdToken, IdTagInfo)]) -> Result<Vec<(String, String)>, StoreError> {
    entries
        .iter()
        .map(|(id_tag, info)| Ok((id_tag.as_str().to_string(), json("local_list", info)?)))
        .collect()
}

impl<'c> Rows<'c> {
    /// The rows of `conn`: all of them (`station: None`), or those of `station` in a shared file.
    pub(crate) fn new(conn: &'c Connection, station: Option<&'c str>) -> Rows<'c> {
        Rows { conn, station }
    }

    /// The prepared statement of `template`, with the station and `params` bound.
    fn statement(
        &self,
        template: &Template,
        params: &Params<'_>,
    ) -> rusqlite::Result<CachedStatement<'c>> {
        let mut stmt = self
            .conn
            .prepare_cached(template.sql(self.station.is_some()))?;
        let index = |stmt: &CachedStatement<'c>, name: &str| {
            stmt.parameter_index(name)?
                .ok_or_else(|| rusqlite::Error::InvalidParameterName(name.to_string()))
        };
        if let Some(station) = self.station {
            let at = index(&stmt, ":station")?;
            stmt.raw_bind_parameter(at, station)?;
        }
        for (name, value) in params {
            let at = index(&stmt, name)?;
            stmt.raw_bind_parameter(at, value)?;
        }
        Ok(stmt)
    }

    fn execute(&self, template: &Template, params: &Params<'_>) -> rusqlite::Result<()> {
        self.statement(template, params)?.raw_execute().map(drop)
    }

    /// Runs `write` in one SQLite transaction and commits it; nothing is written if it fails.
    fn write(
        &self,
        what: &str,
        write: impl FnOnce(&Rows<'c>) -> rusqlite::Result<()>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| backend(what, e))?;
        write(self).map_err(|e| backend(what, e))?;
        tx.commit().map_err(|e| backend(what, e))
    }

    /// The rows of `table` that `template` selects, made records by `decode`. Every read goes
    /// through here, so that a failed query is reported as a backend failure and an unreadable
    /// record as corrupt, named by its table and key, the same way.
    fn load<T>(
        &self,
        table: &Table,
        template: &Template,
        params: &Params<'_>,
        decode: Decode<T>,
    ) -> Result<Vec<T>, StoreError> {
        let err = |e| backend(table.name, e);
        let mut stmt = self.statement(template, params).map_err(err)?;
        let mut rows = stmt.raw_query();
        let mut records = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let record = decode(row)
                .map_err(|reason| corrupt(format!("{}/{}", table.name, row_key(row)), reason))?;
            records.push(record);
        }
        Ok(records)
    }

    fn save_message_row(&self, row: &MessageRow<'_>) -> rusqlite::Result<()> {
        let m = row.message;
        self.execute(
            &sql::SAVE_MESSAGE,
            &[
                (":key", &row.key),
                (":action", &m.action.as_str()),
                (":payload", &row.payload),
                (":attempts", &m.attempts),
                (":starts_transaction", &m.starts_transaction),
            ],
        )
    }

    fn write_local_list(
        &self,
        version: i32,
        rows: &[(String, String)],
        removals: &[IdToken],
    ) -> rusqlite::Result<()> {
        for id_tag in removals {
            self.execute(&sql::REMOVE_LISTED, &[(":id_tag", &id_tag.as_str())])?;
        }
        for (id_tag, info) in rows {
            self.execute(&sql::SAVE_LISTED, &[(":id_tag", id_tag), (":info", info)])?;
        }
        self.execute(&sql::SAVE_LOCAL_LIST_VERSION, &[(":version", &version)])
    }

    /// [`Store::save_transaction`](super::Store::save_transaction).
    pub(crate) fn save_transaction(&self, t: &StoredTransaction) -> Result<(), StoreError> {
        let record = json("save_transaction", t)?;
        self.write("save_transaction", |rows| {
            rows.execute(
                &sql::SAVE_TRANSACTION,
                &[(":connector", &t.connector), (":record", &record)],
            )
        })
    }

    /// [`Store::remove_transaction`](super::Store::remove_transaction).
    pub(crate) fn remove_transaction(&self, connector: u32) -> Result<(), StoreError> {
        self.write("remove_transaction", |rows| {
            rows.execute(&sql::REMOVE_TRANSACTION, &[(":connector", &connector)])
        })
    }

    /// [`Store::transactions`](super::Store::transactions).
    pub(crate) fn transactions(&self) -> Result<Vec<StoredTransaction>, StoreError> {
        let table = &tables::TRANSACTIONS;
        self.load(table, &sql::TRANSACTIONS, &[], decode_transaction)
    }

    /// [`Store::save_availability`](super::Store::save_availability).
    pub(crate) fn save_availability(
        &self,
        connector: u32,
        operative: bool,
    ) -> Result<(), StoreError> {
        self.write("save_availability", |rows| {
            rows.execute(
                &sql::SAVE_AVAILABILITY,
                &[(":connector", &connector), (":operative", &operative)],
            )
        })
    }

    /// [`Store::availability`](super::Store::availability).
    pub(crate) fn availability(&self) -> Result<BTreeMap<u32, bool>, StoreError> {
        let table = &tables::AVAILABILITY;
        let rows = self.load(table, &sql::AVAILABILITY, &[], decode_availability)?;
        Ok(rows.into_iter().collect())
    }

    /// [`Store::save_cached_authorization`](super::Store::save_cached_authorization).
    pub(crate) fn save_cached_authorization(
        &self,
        id_tag: &IdToken,
        info: &IdTagInfo,
    ) -> Result<(), StoreError> {
        let info = json("save_cached_authorization", info)?;
        self.write("save_cached_authorization", |rows| {
            rows.execute(
                &sql::SAVE_CACHED,
                &[(":id_tag", &id_tag.as_str()), (":info", &info)],
            )
        })
    }

    /// [`Store::cached_authorization`](super::Store::cached_authorization).
    pub(crate) fn cached_authorization(
        &self,
        id_tag: &IdToken,
    ) -> Result<Option<IdTagInfo>, StoreError> {
        let table = &tables::AUTHORIZATION_CACHE;
        let params: &Params<'_> = &[(":id_tag", &id_tag.as_str())];
        let found = self.load(table, &sql::CACHED, params, decode_id_tag_info)?;
        Ok(found.into_iter().next())
    }

    /// [`Store::clear_authorization_cache`](super::Store::clear_authorization_cache).
    pub(crate) fn clear_authorization_cache(&self) -> Result<(), StoreError> {
        self.write("clear_authorization_cache", |rows| {
            rows.execute(&sql::CLEAR_CACHE, &[])
        })
    }

    /// [`Store::replace_local_list`](super::Store::replace_local_list).
    pub(crate) fn replace_local_list(
        &self,
        version: i32,
        entries: &[(IdToken, IdTagInfo)],
    ) -> Result<(), StoreError> {
        let list = local_list_rows(entries)?;
        self.write("replace_local_list", |rows| {
            rows.execute(&sql::CLEAR_LOCAL_LIST, &[])?;
            rows.write_local_list(version, &list, &[])
        })
    }

    /// [`Store::update_local_list`](super::Store::update_local_list).
    pub(crate) fn update_local_list(
        &self,
        version: i32,
        upserts: &[(IdToken, IdTagInfo)],
        removals: &[IdToken],
    ) -> Result<(), StoreError> {
        let list = local_list_rows(upserts)?;
        self.write("update_local_list", |rows| {
            rows.write_local_list(version, &list, removals)
        })
    }

    /// [`Store::local_list`](super::Store::local_list).
    pub(crate) fn local_list(&self) -> Result<StoredLocalList, StoreError> {
        let version = self
            .load(
                &tables::LOCAL_LIST_VERSION,
                &sql::LOCAL_LIST_VERSION,
                &[],
                decode_local_list_version,
            )?
            .first()
            .copied();
        let entries = self.load(
            &tables::LOCAL_LIST,
            &sql::LOCAL_LIST,
            &[],
            decode_local_list_entry,
        )?;
        Ok(StoredLocalList {
            version: version.unwrap_or(0),
            entries,
        })
    }

    /// [`Store::save_charging_profile`](super::Store::save_charging_profile).
    pub(crate) fn save_charging_profile(
        &self,
        connector: u32,
        profile: &ChargingProfile,
    ) -> Result<(), StoreError> {
        let record = json("save_charging_profile", profile)?;
        self.write("save_charging_profile", |rows| {
            rows.execute(
                &sql::SAVE_CHARGING_PROFILE,
                &[
                    (":id", &profile.charging_profile_id),
                    (":connector", &connector),
                    (":profile", &record),
                ],
            )
        })
    }

    /// [`Store::remove_charging_profile`](super::Store::remove_charging_profile).
    pub(crate) fn remove_charging_profile(&self, id: i32) -> Result<(), StoreError> {
        self.write("remove_charging_profile", |rows| {
            rows.execute(&sql::REMOVE_CHARGING_PROFILE, &[(":id", &id)])
        })
    }

    /// [`Store::charging_profiles`](super::Store::charging_profiles).
    pub(crate) fn charging_profiles(&self) -> Result<Vec<(u32, ChargingProfile)>, StoreError> {
        let table = &tables::CHARGING_PROFILES;
        self.load(table, &sql::CHARGING_PROFILES, &[], decode_charging_profile)
    }

    /// [`Store::save_reservation`](super::Store::save_reservation).
    pub(crate) fn save_reservation(
        &self,
        reservation: &StoredReservation,
    ) -> Result<(), StoreError> {
        let record = json("save_reservation", reservation)?;
        self.write("save_reservation", |rows| {
            rows.execute(
                &sql::SAVE_RESERVATION,
                &[(":id", &reservation.id), (":record", &record)],
            )
        })
    }

    /// [`Store::remove_reservation`](super::Store::remove_reservation).
    pub(crate) fn remove_reservation(&self, id: i32) -> Result<(), StoreError> {
        self.write("remove_reservation", |rows| {
            rows.execute(&sql::REMOVE_RESERVATION, &[(":id", &id)])
        })
    }

    /// [`Store::reservations`](super::Store::reservations).
    pub(crate) fn reservations(&self) -> Result<Vec<StoredReservation>, StoreError> {
        let table = &tables::RESERVATIONS;
        self.load(table, &sql::RESERVATIONS, &[], decode_reservation)
    }

    /// [`Store::save_messages`](super::Store::save_messages) (and `save_message`).
    pub(crate) fn save_messages(&self, messages: &[StoredMessage]) -> Result<(), StoreError> {
        let encoded = messages
            .iter()
            .map(message_row)
            .collect::<Result<Vec<_>, StoreError>>()?;
        // One transaction, so one fsync, however many.
        self.write("save_messages", |rows| {
            encoded
                .iter()
                .try_for_each(|row| rows.save_message_row(row))
        })
    }

    /// [`Store::write_all`](super::Store::write_all).
    pub(crate) fn write_all(&self, writes: &[StoreWrite]) -> Result<(), StoreError> {
        enum Encoded<'a> {
            Transaction(u32, String),
            Message(MessageRow<'a>),
            Remove(i64),
        }
        let encoded = writes
            .iter()
            .map(|w| match w {
                StoreWrite::SaveTransaction(t) => {
                    json("write_all", t).map(|record| Encoded::Transaction(t.connector, record))
                }
                StoreWrite::SaveMessage(m) => message_row(m).map(Encoded::Message),
                StoreWrite::RemoveMessage(key) => message_key(*key).map(Encoded::Remove),
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // One transaction: all of them are durable after the one fsync of its commit, or none.
        self.write("write_all", |rows| {
            encoded.iter().try_for_each(|row| match row {
                Encoded::Transaction(connector, record) => rows.execute(
                    &sql::SAVE_TRANSACTION,
                    &[(":connector", connector), (":record", record)],
                ),
                Encoded::Message(row) => rows.save_message_row(row),
                Encoded::Remove(key) => rows.execute(&sql::REMOVE_MESSAGE, &[(":key", key)]),
            })
        })
    }

    /// [`Store::remove_messages`](super::Store::remove_messages) (and `remove_message`: the
    /// one write of a drained message, docs/core/delivery-guarantees.md; its statement is
    /// prepared once, not parsed again for each of thousands).
    pub(crate) fn remove_messages(&self, keys: &[u64]) -> Result<(), StoreError> {
        let keys = keys
            .iter()
            .map(|key| message_key(*key))
            .collect::<Result<Vec<_>, _>>()?;
        // One transaction, so one fsync, however many: dropping thousands of MeterValues one
        // commit at a time would stall the core for seconds.
        self.write("remove_messages", |rows| {
            keys.iter()
                .try_for_each(|key| rows.execute(&sql::REMOVE_MESSAGE, &[(":key", key)]))
        })
    }

    /// [`Store::messages`](super::Store::messages).
    pub(crate) fn messages(&self) -> Result<Vec<StoredMessage>, StoreError> {
        self.load(&tables::MESSAGES, &sql::MESSAGES, &[], decode_message)
    }
}

/// Implements [`Store`](super::Store) for `$store`, a type with a method
/// `with_rows(&self, f: impl FnOnce(&Rows<'_>) -> Result<R, StoreError>) -> Result<R, StoreError>`:
/// every method is the [`Rows`] method of the same name, so both layouts behave alike by
/// construction.
macro_rules! store_through_rows {
    ($store:ty) => {
        impl $crate::charge_point::store::Store for $store {
            fn save_transaction(&mut self, t: &StoredTransaction) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.save_transaction(t))
            }
            fn remove_transaction(&mut self, connector: u32) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.remove_transaction(connector))
            }
            fn transactions(&self) -> Result<Vec<StoredTransaction>, StoreError> {
                self.with_rows(|rows| rows.transactions())
            }
            fn save_availability(&mut self, connector: u32, on: bool) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.save_availability(connector, on))
            }
            fn availability(&self) -> Result<BTreeMap<u32, bool>, StoreError> {
                self.with_rows(|rows| rows.availability())
            }
            fn save_cached_authorization(
                &mut self,
                id_tag: &IdToken,
                info: &IdTagInfo,
            ) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.save_cached_authorization(id_tag, info))
            }
            fn cached_authorization(&self, id: &IdToken) -> Result<Option<IdTagInfo>, StoreError> {
                self.with_rows(|rows| rows.cached_authorization(id))
            }
            fn clear_authorization_cache(&mut self) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.clear_authorization_cache())
            }
            fn replace_local_list(
                &mut self,
                version: i32,
                entries: &[(IdToken, IdTagInfo)],
            ) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.replace_local_list(version, entries))
            }
            fn update_local_list(
                &mut self,
                version: i32,
                upserts: &[(IdToken, IdTagInfo)],
                removals: &[IdToken],
            ) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.update_local_list(version, upserts, removals))
            }
            fn local_list(&self) -> Result<StoredLocalList, StoreError> {
                self.with_rows(|rows| rows.local_list())
            }
            fn save_charging_profile(
                &mut self,
                connector: u32,
                profile: &ChargingProfile,
            ) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.save_charging_profile(connector, profile))
            }
            fn remove_charging_profile(&mut self, id: i32) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.remove_charging_profile(id))
            }
            fn charging_profiles(&self) -> Result<Vec<(u32, ChargingProfile)>, StoreError> {
                self.with_rows(|rows| rows.charging_profiles())
            }
            fn save_reservation(&mut self, r: &StoredReservation) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.save_reservation(r))
            }
            fn remove_reservation(&mut self, id: i32) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.remove_reservation(id))
            }
            fn reservations(&self) -> Result<Vec<StoredReservation>, StoreError> {
                self.with_rows(|rows| rows.reservations())
            }
            fn write_all(&mut self, writes: &[StoreWrite]) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.write_all(writes))
            }
            fn save_message(&mut self, message: &StoredMessage) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.save_messages(std::slice::from_ref(message)))
            }
            fn save_messages(&mut self, messages: &[StoredMessage]) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.save_messages(messages))
            }
            fn remove_message(&mut self, key: u64) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.remove_messages(&[key]))
            }
            fn remove_messages(&mut self, keys: &[u64]) -> Result<(), StoreError> {
                self.with_rows(|rows| rows.remove_messages(keys))
            }
            fn messages(&self) -> Result<Vec<StoredMessage>, StoreError> {
                self.with_rows(|rows| rows.messages())
            }
        }
    };
}
pub(crate) use store_through_rows;

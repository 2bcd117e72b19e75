//! The CSMS's SQLite database (`<data_dir>/csms.db`, or in memory without a data dir): what
//! must outlive a restart of the CSMS.
//!
//! | table | holds |
//! |---|---|
//! | `tags` | the tags and what they are answered ([`TagEntry`]), in the order they were added |
//! | `charge_points` | every charge point seen or configured, with its registration answer |
//! | `transactions` | every transaction: start, stop, reason, the status its idTag got |
//! | `meter_values` | the meter values of each transaction, as OCPP JSON, in arrival order |
//! | `meta` | whether the tag list was ever seeded; the pricing settings (JSON) |
//!
//! The in-memory [`State`](crate::State) is loaded from it at start and written through to it
//! as things happen; the state answers every read. A write that fails is reported through
//! `tracing` and the CSMS goes on (a dev tool should not stop charging over a full disk).
//! The file is written with WAL and `synchronous=NORMAL`: a crash of the process loses
//! nothing, a power cut at worst the last transaction changes.

use std::path::{Path, PathBuf};

use ocpp_types::core::Reason;
use ocpp_types::meter::MeterValue;
use ocpp_types::DateTime;
use rusqlite::{params, Connection, OptionalExtension};

use crate::options::TagEntry;
use crate::pricing::Pricing;
use crate::state::{RegistrationAnswer, Transaction, TransactionStop};

/// The database file's name inside the data dir.
pub const FILE_NAME: &str = "csms.db";

/// The schema version this code writes (`PRAGMA user_version`).
const VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tags (
    id_tag TEXT PRIMARY KEY COLLATE NOCASE,
    status TEXT NOT NULL,
    expiry_date TEXT,
    parent_id_tag TEXT
);
CREATE TABLE IF NOT EXISTS charge_points (
    id TEXT PRIMARY KEY,
    registration_status TEXT,
    heartbeat_interval INTEGER
);
CREATE TABLE IF NOT EXISTS transactions (
    id INTEGER PRIMARY KEY,
    charge_point_id TEXT NOT NULL,
    connector_id INTEGER NOT NULL,
    id_tag TEXT NOT NULL,
    id_tag_status TEXT NOT NULL,
    meter_start INTEGER NOT NULL,
    started TEXT NOT NULL,
    reservation_id INTEGER,
    meter_stop INTEGER,
    stopped TEXT,
    stop_reason TEXT,
    stop_id_tag TEXT
);
CREATE TABLE IF NOT EXISTS meter_values (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id INTEGER NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS meter_values_of ON meter_values (transaction_id, seq);
";

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data dir cannot be created.
    #[error("cannot create the CSMS data dir {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// SQLite refused (open, schema, query).
    #[error("CSMS database {path}: {source}")]
    Sqlite {
        /// The file, or `:memory:`.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The file was written by a newer ferrocharge.
    #[error("CSMS database {path} has schema version {found}; this ferrocharge knows {VERSION}")]
    Version {
        /// The file.
        path: String,
        /// Its `user_version`.
        found: i64,
    },
    /// A row holds what this code never writes (edited by hand?).
    #[error("CSMS database {path}: {what}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong, naming the table and row.
        what: String,
    },
}

/// What the database holds, read at start.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The tags.
    pub tags: Vec<TagEntry>,
    /// The charge points, with their registration answer if one is set.
    pub charge_points: Vec<(String, Option<RegistrationAnswer>)>,
    /// The transactions with their meter values, by id.
    pub transactions: Vec<Transaction>,
    /// The pricing settings, once they were saved.
    pub pricing: Option<Pricing>,
}

/// The open database.
pub struct Store {
    conn: Connection,
    label: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("file", &self.label).finish()
    }
}

impl Store {
    /// Opens (creating it if needed) `<dir>/csms.db`, or an in-memory database without `dir`.
    pub fn open(dir: Option<&Path>) -> Result<Store, StoreError> {
        let (conn, label) = match dir {
            Some(dir) => {
                create_private_dir(dir)?;
                let path = dir.join(FILE_NAME);
                let label = path.display().to_string();
                let conn = Connection::open(&path).map_err(sqlite(&label))?;
                (conn, label)
            }
            None => {
                let label = ":memory:".to_owned();
                let conn = Connection::open_in_memory().map_err(sqlite(&label))?;
                (conn, label)
            }
        };
        let store = Store { conn, label };
        store.setup()?;
        Ok(store)
    }

    /// Where the database is (`:memory:` without a data dir).
    pub fn label(&self) -> &str {
        &self.label
    }

    fn setup(&self) -> Result<(), StoreError> {
        let found: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(sqlite(&self.label))?;
        if found > VERSION {
            return Err(StoreError::Version {
                path: self.label.clone(),
                found,
            });
        }
        // WAL is refused for an in-memory database (it stays "memory"): nothing to check.
        let _: String = self
            .conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(sqlite(&self.label))?;
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(sqlite(&self.label))?;
        self.conn
            .execute_batch(SCHEMA)
            .map_err(sqlite(&self.label))?;
        self.conn
            .pragma_update(None, "user_version", VERSION)
            .map_err(sqlite(&self.label))
    }

    /// Puts `tags` in the table when it was never seeded (a new database), or in place of
    /// every tag when `replace`.
    pub fn seed_tags(&mut self, tags: &[TagEntry], replace: bool) -> Result<(), StoreError> {
        let label = self.label.clone();
        let tx = self.conn.transaction().map_err(sqlite(&label))?;
        let seeded: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'tags_seeded'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(sqlite(&label))?;
        if seeded.is_some() && !replace {
            return Ok(());
        }
        tx.execute("DELETE FROM tags", []).map_err(sqlite(&label))?;
        for tag in tags {
            put_tag(&tx, tag).map_err(sqlite(&label))?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('tags_seeded', '1')",
            [],
        )
        .map_err(sqlite(&label))?;
        tx.commit().map_err(sqlite(&label))
    }

    /// Adds each of `tags` that the database does not hold (idTags compare
    /// case-insensitively); a tag already there is left as it is.
    pub fn add_missing_tags(&mut self, tags: &[TagEntry]) -> Result<(), StoreError> {
        let label = self.label.clone();
        let tx = self.conn.transaction().map_err(sqlite(&label))?;
        for tag in tags {
            let known: Option<String> = tx
                .query_row(
                    "SELECT id_tag FROM tags WHERE id_tag = ?1",
                    [tag.id_tag.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sqlite(&label))?;
            if known.is_none() {
                put_tag(&tx, tag).map_err(sqlite(&label))?;
            }
        }
        tx.commit().map_err(sqlite(&label))
    }

    /// Reads everything.
    pub fn load(&self) -> Result<Loaded, StoreError> {
        Ok(Loaded {
            tags: self.tags()?,
            charge_points: self.charge_points()?,
            transactions: self.transactions()?,
            pricing: self.pricing()?,
        })
    }

    fn pricing(&self) -> Result<Option<Pricing>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'pricing'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sqlite(&self.label))?;
        text.map(|text| {
            serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                path: self.label.clone(),
                what: format!("the pricing settings: {e}"),
            })
        })
        .transpose()
    }

    /// Saves the pricing settings.
    pub fn put_pricing(&mut self, pricing: &Pricing) -> Result<(), StoreError> {
        let text = serde_json::to_string(pricing).map_err(|e| StoreError::Corrupt {
            path: self.label.clone(),
            what: format!("the pricing settings: {e}"),
        })?;
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('pricing', ?1)",
                [text],
            )
            .map(drop)
            .map_err(sqlite(&self.label))
    }

    fn tags(&self) -> Result<Vec<TagEntry>, StoreError> {
        let rows = self.rows(
            "SELECT id_tag, status, expiry_date, parent_id_tag FROM tags ORDER BY rowid",
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(id_tag, status, expiry, parent_id_tag)| {
                let where_ = format!("tag {id_tag}");
                Ok(TagEntry {
                    status: self.enum_value(&status, &where_)?,
                    expiry_date: expiry.map(|e| self.date(&e, &where_)).transpose()?,
                    parent_id_tag,
                    id_tag,
                })
            })
            .collect()
    }

    fn charge_points(&self) -> Result<Vec<(String, Option<RegistrationAnswer>)>, StoreError> {
        let rows = self.rows(
            "SELECT id, registration_status, heartbeat_interval FROM charge_points ORDER BY id",
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<i32>>(2)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(id, status, interval)| {
                let answer = match (status, interval) {
                    (Some(status), Some(interval)) => Some(RegistrationAnswer {
                        status: self.enum_value(&status, &format!("charge point {id}"))?,
                        interval,
                    }),
                    _ => None,
                };
                Ok((id, answer))
            })
            .collect()
    }

    fn transactions(&self) -> Result<Vec<Transaction>, StoreError> {
        type Row = (
            i32,
            String,
            i32,
            String,
            String,
            i32,
            String,
            Option<i32>,
            Option<i32>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = self.rows(
            "SELECT id, charge_point_id, connector_id, id_tag, id_tag_status, meter_start, \
             started, reservation_id, meter_stop, stopped, stop_reason, stop_id_tag \
             FROM transactions ORDER BY id",
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                ))
            },
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let (id, cp, connector, id_tag, tag_status, meter_start, started, reservation) =
                (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7);
            let where_ = format!("transaction {id}");
            let stop = match (row.8, row.9) {
                (Some(meter_stop), Some(stopped)) => Some(TransactionStop {
                    meter_stop,
                    timestamp: self.date(&stopped, &where_)?,
                    reason: row
                        .10
                        .map(|r| self.enum_value::<Reason>(&r, &where_))
                        .transpose()?,
                    id_tag: row.11,
                }),
                _ => None,
            };
            out.push(Transaction {
                id,
                charge_point_id: cp,
                connector_id: connector,
                id_tag,
                id_tag_status: self.enum_value(&tag_status, &where_)?,
                meter_start,
                started: self.date(&started, &where_)?,
                reservation_id: reservation,
                meter_values: self.meter_values(id)?,
                stop,
            });
        }
        Ok(out)
    }

    fn meter_values(&self, transaction_id: i32) -> Result<Vec<MeterValue>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT value FROM meter_values WHERE transaction_id = ?1 ORDER BY seq")
            .map_err(sqlite(&self.label))?;
        let texts = stmt
            .query_map([transaction_id], |r| r.get::<_, String>(0))
            .and_then(Iterator::collect::<Result<Vec<String>, _>>)
            .map_err(sqlite(&self.label))?;
        texts
            .iter()
            .map(|text| {
                ocpp_types::decode_str(text).map_err(|e| StoreError::Corrupt {
                    path: self.label.clone(),
                    what: format!("a meter value of transaction {transaction_id}: {e}"),
                })
            })
            .collect()
    }

    /// Adds or replaces a tag.
    pub fn put_tag(&mut self, tag: &TagEntry) -> Result<(), StoreError> {
        put_tag(&self.conn, tag).map_err(sqlite(&self.label))
    }

    /// Removes a tag (nothing if it is not there).
    pub fn delete_tag(&mut self, id_tag: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM tags WHERE id_tag = ?1", [id_tag])
            .map(drop)
            .map_err(sqlite(&self.label))
    }

    /// Records a charge point and its registration answer (`None`: the CSMS's default).
    pub fn put_charge_point(
        &mut self,
        id: &str,
        answer: Option<RegistrationAnswer>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO charge_points (id, registration_status, heartbeat_interval) \
                 VALUES (?1, ?2, ?3)",
                params![
                    id,
                    answer.map(|a| enum_text(&a.status)),
                    answer.map(|a| a.interval)
                ],
            )
            .map(drop)
            .map_err(sqlite(&self.label))
    }

    /// Records a new transaction (replacing one of the same id: ids wrap around after
    /// `i32::MAX`).
    pub fn insert_transaction(&mut self, t: &Transaction) -> Result<(), StoreError> {
        let label = self.label.clone();
        let tx = self.conn.transaction().map_err(sqlite(&label))?;
        tx.execute("DELETE FROM meter_values WHERE transaction_id = ?1", [t.id])
            .map_err(sqlite(&label))?;
        tx.execute(
            "INSERT OR REPLACE INTO transactions (id, charge_point_id, connector_id, id_tag, \
             id_tag_status, meter_start, started, reservation_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                t.id,
                t.charge_point_id,
                t.connector_id,
                t.id_tag,
                enum_text(&t.id_tag_status),
                t.meter_start,
                t.started.to_string(),
                t.reservation_id
            ],
        )
        .map_err(sqlite(&label))?;
        tx.commit().map_err(sqlite(&label))
    }

    /// Appends meter values to a transaction.
    pub fn add_meter_values(
        &mut self,
        transaction_id: i32,
        values: &[MeterValue],
    ) -> Result<(), StoreError> {
        let label = self.label.clone();
        let tx = self.conn.transaction().map_err(sqlite(&label))?;
        {
            // Prepared once for the connection: a station draining its queue sends thousands of
            // MeterValues, and parsing the statement again for each was a tenth of the CSMS's
            // time per message.
            let mut insert = tx
                .prepare_cached("INSERT INTO meter_values (transaction_id, value) VALUES (?1, ?2)")
                .map_err(sqlite(&label))?;
            for value in values {
                let text = ocpp_types::encode(value).to_string();
                insert
                    .execute(params![transaction_id, text])
                    .map_err(sqlite(&label))?;
            }
        }
        tx.commit().map_err(sqlite(&label))
    }

    /// Records the end of a transaction.
    pub fn stop_transaction(
        &mut self,
        transaction_id: i32,
        stop: &TransactionStop,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE transactions SET meter_stop = ?2, stopped = ?3, stop_reason = ?4, \
                 stop_id_tag = ?5 WHERE id = ?1",
                params![
                    transaction_id,
                    stop.meter_stop,
                    stop.timestamp.to_string(),
                    stop.reason.map(|r| enum_text(&r)),
                    stop.id_tag
                ],
            )
            .map(drop)
            .map_err(sqlite(&self.label))
    }

    fn rows<T>(
        &self,
        sql: &str,
        f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare(sql).map_err(sqlite(&self.label))?;
        let rows = stmt
            .query_map([], f)
            .and_then(Iterator::collect::<Result<Vec<T>, _>>)
            .map_err(sqlite(&self.label))?;
        Ok(rows)
    }

    fn enum_value<T: serde::de::DeserializeOwned>(
        &self,
        text: &str,
        where_: &str,
    ) -> Result<T, StoreError> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| {
            StoreError::Corrupt {
                path: self.label.clone(),
                what: format!("{where_}: unknown value {text:?}"),
            }
        })
    }

    fn date(&self, text: &str, where_: &str) -> Result<DateTime, StoreError> {
        DateTime::parse(text).map_err(|e| StoreError::Corrupt {
            path: self.label.clone(),
            what: format!("{where_}: {e}"),
        })
    }
}

/// Adds a tag or, keeping its place (its rowid: tags load in the order they were added),
/// replaces the one with the same idTag (any case).
fn put_tag(conn: &Connection, tag: &TagEntry) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO tags (id_tag, status, expiry_date, parent_id_tag) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id_tag) DO UPDATE SET id_tag = excluded.id_tag, status = excluded.status, \
         expiry_date = excluded.expiry_date, parent_id_tag = excluded.parent_id_tag",
        params![
            tag.id_tag,
            enum_text(&tag.status),
            tag.expiry_date.map(|d| d.to_string()),
            tag.parent_id_tag
        ],
    )
    .map(drop)
}

/// An OCPP enum value as its JSON string (`Accepted`, `EVDisconnected`, ...).
fn enum_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn sqlite(label: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: label.to_owned(),
        source,
    }
}

/// Creates `dir` (and its parents); the folder itself is the CSMS's only (0700 on Unix): the
/// database names idTags and what they may do.
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let folder = |source| StoreError::Folder {
        path: dir.to_path_buf(),
        source,
    };
    if dir.is_dir() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(folder)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).map_err(folder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpp_types::core::RegistrationStatus;
    use ocpp_types::id_tag::AuthorizationStatus;

    fn answer(status: RegistrationStatus, interval: i32) -> RegistrationAnswer {
        RegistrationAnswer { status, interval }
    }

    fn at(text: &str) -> DateTime {
        DateTime::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn transaction(id: i32) -> Transaction {
        Transaction {
            id,
            charge_point_id: "cp001".to_owned(),
            connector_id: 1,
            id_tag: "DEADBEEF".to_owned(),
            id_tag_status: AuthorizationStatus::Accepted,
            meter_start: 100,
            started: at("2026-11-24T07:00:00Z"),
            reservation_id: Some(4),
            meter_values: Vec::new(),
            stop: None,
        }
    }

    #[test]
    fn everything_survives_a_reopen() {
        let dir = std::env::temp_dir().join(format!("csms-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let mut store = Store::open(Some(&dir)).unwrap_or_else(|e| panic!("{e}"));
            let mut blocked = TagEntry::with_parent("B1", "GROUP");
            blocked.status = AuthorizationStatus::Blocked;
            blocked.expiry_date = Some(at("2027-01-01T00:00:00Z"));
            let ok = store
                .seed_tags(&[TagEntry::new("A1"), blocked], false)
                .and_then(|()| {
                    store.put_charge_point("cp001", Some(answer(RegistrationStatus::Pending, 7)))
                })
                .and_then(|()| store.put_charge_point("cp002", None))
                .and_then(|()| store.insert_transaction(&transaction(1)))
                .and_then(|()| {
                    store.add_meter_values(
                        1,
                        &[ocpp_types::decode_str(
                            r#"{"timestamp":"2026-11-24T07:30:00Z","sampledValue":[{"value":"700"}]}"#,
                        )
                        .unwrap_or_else(|e| panic!("{e}"))],
                    )
                })
                .and_then(|()| {
                    store.stop_transaction(
                        1,
                        &TransactionStop {
                            meter_stop: 1600,
                            timestamp: at("2026-11-24T08:00:00Z"),
                            reason: Some(Reason::EVDisconnected),
                            id_tag: None,
                        },
                    )
                })
                .and_then(|()| store.insert_transaction(&transaction(2)));
            ok.unwrap_or_else(|e| panic!("{e}"));
        }
        let mut store = Store::open(Some(&dir)).unwrap_or_else(|e| panic!("{e}"));
        // Seeded once: a second seed without `replace` keeps what is there.
        store
            .seed_tags(&[TagEntry::new("OTHER")], false)
            .unwrap_or_else(|e| panic!("{e}"));
        let loaded = store.load().unwrap_or_else(|e| panic!("{e}"));
        let tags: Vec<(&str, AuthorizationStatus, Option<&str>)> = loaded
            .tags
            .iter()
            .map(|t| (t.id_tag.as_str(), t.status, t.parent_id_tag.as_deref()))
            .collect();
        assert_eq!(
            tags,
            [
                ("A1", AuthorizationStatus::Accepted, None),
                ("B1", AuthorizationStatus::Blocked, Some("GROUP"))
            ]
        );
        assert_eq!(loaded.tags[1].expiry_date, Some(at("2027-01-01T00:00:00Z")));
        assert_eq!(
            loaded.charge_points,
            [
                (
                    "cp001".to_owned(),
                    Some(answer(RegistrationStatus::Pending, 7))
                ),
                ("cp002".to_owned(), None)
            ]
        );
        assert_eq!(loaded.transactions.len(), 2);
        let t1 = &loaded.transactions[0];
        assert_eq!(t1.meter_values.len(), 1);
        assert_eq!(t1.energy_wh(), Some(1500));
        assert_eq!(
            t1.stop.as_ref().and_then(|s| s.reason),
            Some(Reason::EVDisconnected)
        );
        assert_eq!(t1.reservation_id, Some(4));
        assert!(loaded.transactions[1].stop.is_none());
        store
            .seed_tags(&[TagEntry::new("OTHER")], true)
            .unwrap_or_else(|e| panic!("{e}"));
        let tags = store.load().unwrap_or_else(|e| panic!("{e}")).tags;
        assert_eq!(tags, [TagEntry::new("OTHER")]);
        // A tag the database lacks is added; one it holds (any case) keeps its state.
        let mut blocked = TagEntry::new("OTHER");
        blocked.status = AuthorizationStatus::Blocked;
        store
            .add_missing_tags(&[blocked, TagEntry::new("emaid1")])
            .unwrap_or_else(|e| panic!("{e}"));
        store
            .add_missing_tags(&[TagEntry::new("EMAID1")])
            .unwrap_or_else(|e| panic!("{e}"));
        let tags = store.load().unwrap_or_else(|e| panic!("{e}")).tags;
        assert_eq!(tags, [TagEntry::new("OTHER"), TagEntry::new("emaid1")]);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = std::env::temp_dir().join(format!("csms-store-v-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        drop(Store::open(Some(&dir)).unwrap_or_else(|e| panic!("{e}")));
        let conn = Connection::open(dir.join(FILE_NAME)).unwrap_or_else(|e| panic!("{e}"));
        conn.pragma_update(None, "user_version", 9)
            .unwrap_or_else(|e| panic!("{e}"));
        drop(conn);
        let refused = Store::open(Some(&dir)).err().map(|e| e.to_string());
        assert!(
            refused
                .as_deref()
                .is_some_and(|e| e.ends_with("has schema version 9; this ferrocharge knows 1")),
            "{refused:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

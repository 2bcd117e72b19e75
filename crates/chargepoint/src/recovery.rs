//! Store and configuration files found unreadable when the station starts: kept (moved aside
//! under a timestamped name, never deleted), reported loudly (an error-level log line and a
//! [`Recovered`] record, which the station shows in its state), and replaced by a fresh file, so
//! that nothing a broken disk takes is lost without a word.
//!
//! - [`open_sqlite`] opens a store in one SQLite file ([`SqliteFile`]: the OCPP core's database,
//!   the PersistentStore module's): a file that is empty, not SQLite, fails SQLite's
//!   `integrity_check`, or whose tables are not the store's is moved aside with its `-wal` and
//!   `-shm`; a sound file in which some records do not decode keeps its good records, the bad
//!   ones are dropped after a full copy of the file was put aside.
//! - [`move_aside`] renames a file (and its SQLite companions) to `<name>.corrupt-<UTC time>`;
//!   the user config uses it too (`config::load_with_user_config`).
//!
//! The rules and why they are what they are: docs/store-recovery.md.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::config::DbConfig;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, Row};
use serde::{Deserialize, Serialize};

/// A file found unreadable at start: where it is kept now and what was lost with it. The
/// station lists these in its state (`store_recovered`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovered {
    /// The file, as the station uses it (a fresh one is there now).
    pub file: String,
    /// Where the unreadable content is kept: the file renamed, or, when only some records of a
    /// sound database could not be decoded, a full copy made before they were dropped.
    pub moved_to: String,
    /// What was wrong, and what was lost as far as can be told.
    pub what: String,
}

impl Recovered {
    fn new(file: &Path, moved_to: &Path, what: String) -> Recovered {
        Recovered {
            file: file.display().to_string(),
            moved_to: moved_to.display().to_string(),
            what,
        }
    }

    /// Logs it at error level, in one line that names the file, where it went and what was
    /// lost: whoever reads the log of a start must not miss it.
    pub fn report(&self) {
        tracing::error!(
            file = %self.file,
            moved_to = %self.moved_to,
            "unreadable file {} moved aside to {}: {}",
            self.file,
            self.moved_to,
            self.what
        );
    }
}

/// Why a file could not be opened, checked or recovered. An unreadable file is not an error
/// (it is moved aside); these are what a fresh start cannot fix either.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// SQLite failed for a reason that is not the file's content (permissions, a full disk, a
    /// lock held too long): the file stays where it is.
    #[error("{path}: {source}")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is sound but this software must not use it (a schema from newer software).
    #[error("{path}: {reason}")]
    Refused {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file is unreadable, and moving (or copying) it aside failed, so no fresh one can
    /// take its place without destroying it.
    #[error("{path} is unreadable ({what}) and cannot be kept aside: {source}")]
    KeepAside {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
        /// Why it cannot be kept.
        #[source]
        source: io::Error,
    },
    /// The file's metadata cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// `path` with `suffix` appended to its file name (`cp001.db` + `-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// SQLite's companion files of a database, which belong to it: the write-ahead log holds
/// committed transactions not yet copied into the main file.
const COMPANIONS: [&str; 2] = ["-wal", "-shm"];

/// Where `path` is kept aside when found unreadable at `at`: `<path>.corrupt-<UTC time>`
/// (`cp001.db.corrupt-20261206T091500Z`), with `-2`, `-3`, ... when that name is taken (a
/// station restarting in a loop on a disk that keeps breaking).
pub fn aside_path(path: &Path, at: DateTime<Utc>) -> PathBuf {
    let base = with_suffix(path, &format!(".corrupt-{}", at.format("%Y%m%dT%H%M%SZ")));
    let taken = |p: &Path| {
        fs::symlink_metadata(p).is_ok()
            || COMPANIONS
                .iter()
                .any(|s| fs::symlink_metadata(with_suffix(p, s)).is_ok())
    };
    if !taken(&base) {
        return base;
    }
    (2..u32::MAX)
        .map(|n| with_suffix(&base, &format!("-{n}")))
        .find(|p| !taken(p))
        .unwrap_or(base)
}

/// Renames `path` and its `-wal` / `-shm` (when there) to [`aside_path`], and flushes the
/// folder so that the renames survive a power loss; returns the new path.
///
/// The companions go first: a `-wal` left behind under the old name would be replayed into
/// the fresh database that takes the old name (SQLite checks a log against itself, not
/// against the main file), bringing back pages of the broken one.
pub fn move_aside(path: &Path, at: DateTime<Utc>) -> io::Result<PathBuf> {
    let to = aside_path(path, at);
    for suffix in COMPANIONS {
        let from = with_suffix(path, suffix);
        if fs::symlink_metadata(&from).is_ok() {
            fs::rename(&from, with_suffix(&to, suffix))?;
        }
    }
    fs::rename(path, &to)?;
    sync_folder(path)?;
    Ok(to)
}

/// Flushes the folder of `path`, so that a rename in it is on disk.
fn sync_folder(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// One table of a store in a SQLite file, as [`open_sqlite`] checks it at open.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// The table's name.
    pub name: &'static str,
    /// What its rows are, plural, for reports ("queued transaction messages").
    pub rows: &'static str,
    /// The columns the store reads, in the order `decode` takes them; the first names a row in
    /// reports (its key).
    pub columns: &'static str,
    /// A column whose values a report counts the rows by (`action`: "StartTransaction 2"), if
    /// any.
    pub count_by: Option<&'static str>,
    /// Whether a row (its `columns`, in order) decodes as the store reads it; if not, why.
    pub decode: fn(&Row<'_>) -> Result<(), String>,
}

impl Table {
    /// The query of every row of the table: its `columns`, then `rowid` (for dropping a row).
    fn select_all(&self) -> String {
        format!("SELECT {}, rowid FROM {}", self.columns, self.name)
    }
}

/// Why a store could not set a connection up.
#[derive(Debug)]
pub enum InitError {
    /// SQLite failed.
    Sqlite(rusqlite::Error),
    /// The file is sound but must not be used (e.g. a schema newer than this software).
    Refused(String),
}

impl From<rusqlite::Error> for InitError {
    fn from(e: rusqlite::Error) -> Self {
        InitError::Sqlite(e)
    }
}

/// A store in one SQLite file that [`open_sqlite`] opens, checks and, if need be, recovers.
pub trait SqliteFile: Sized {
    /// Every table the store reads at start.
    const TABLES: &'static [Table];

    /// Sets a connection to the file up for the store: pragmas (WAL, `synchronous=FULL`) and
    /// schema (migrations).
    fn init(conn: Connection, path: &Path) -> Result<Self, InitError>;

    /// The store's connection.
    fn connection(&self) -> &Connection;
}

/// SQLite's error code of `e`, also of an error that points into the SQL text.
fn error_code(e: &rusqlite::Error) -> Option<ErrorCode> {
    match e {
        rusqlite::Error::SqlInputError { error, .. } => Some(error.code),
        _ => e.sqlite_error_code(),
    }
}

/// Whether `e` says the file's content is broken (rather than the disk, a lock or the rights).
fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        error_code(e),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    )
}

/// Whether `e`, from our own statements on our own schema, says the file is not ours: a table or
/// column missing, a table of that name already there in another shape (SQLITE_ERROR).
fn is_foreign_schema(e: &rusqlite::Error) -> bool {
    matches!(error_code(e), Some(ErrorCode::Unknown))
}

/// What the check at open found.
enum Found<S> {
    /// Nothing wrong.
    Sound(S),
    /// The file cannot be used: why.
    Broken(String),
    /// The file is sound, but some records do not decode.
    BadRows(S, Vec<TableRows>),
}

/// The records of one table that do not decode.
struct TableRows {
    table: &'static Table,
    total: usize,
    bad: Vec<BadRow>,
}

struct BadRow {
    rowid: i64,
    key: String,
    reason: String,
}

/// Opens the store `S` in the SQLite file `path`, checking it first (module docs); a file found
/// unreadable is kept aside and reported ([`Recovered::report`], and returned), and the store
/// starts afresh. `at` names the file kept aside. A missing file is a fresh store, not a
/// recovery.
pub fn open_sqlite<S: SqliteFile>(
    path: &Path,
    at: DateTime<Utc>,
) -> Result<(S, Option<Recovered>), RecoveryError> {
    let why = match empty_file(path)? {
        Some(why) => why,
        None => match check::<S>(path)? {
            Found::Sound(store) => return Ok((store, None)),
            Found::BadRows(store, tables) => {
                let recovered = drop_bad_rows(&store, path, &tables, at)?;
                recovered.report();
                return Ok((store, Some(recovered)));
            }
            Found::Broken(why) => format!("{why}; {}", held::<S>(path)),
        },
    };
    let moved = move_aside(path, at).map_err(|source| RecoveryError::KeepAside {
        path: path.to_path_buf(),
        what: why.clone(),
        source,
    })?;
    let recovered = Recovered::new(path, &moved, format!("{why}; the store starts empty"));
    recovered.report();
    let store = open_fresh::<S>(path)?;
    Ok((store, Some(recovered)))
}

/// Why the file at `path` is empty (zero bytes, and no write-ahead log holding its content),
/// or `None` when it is missing or not empty. A database this software made is never empty:
/// its first statement writes the header.
fn empty_file(path: &Path) -> Result<Option<String>, RecoveryError> {
    let io = |source| RecoveryError::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = match fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let wal = match fs::metadata(with_suffix(path, "-wal")) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(e) => return Err(io(e)),
    };
    Ok((len == 0 && wal == 0).then(|| {
        "the file is empty (0 bytes): nothing in it can be read, so what it held cannot be told"
            .to_string()
    }))
}

fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> RecoveryError + '_ {
    move |source| RecoveryError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// A connection for looking at a file not known to be sound: closing it must not copy the
/// write-ahead log into the main file (it may be the log that is broken, and the file is
/// evidence either way).
fn inspect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    // Another process (a diagnostics tool) may hold the file briefly: wait, do not fail.
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    Ok(conn)
}

/// SQLite's `integrity_check` of the file: `None` when sound, else its first findings.
fn integrity(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check(20)")?;
    let findings = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if findings.len() == 1 && findings[0] == "ok" {
        return Ok(None);
    }
    let text = findings.join("; ").replace('\n', " ");
    Ok(Some(shorten(&text, 300)))
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// Classifies an error met while checking: broken content, or a failure to pass on.
fn broken_or_error<S>(
    path: &Path,
    e: rusqlite::Error,
    foreign_is_broken: bool,
) -> Result<Found<S>, RecoveryError> {
    if is_corruption(&e) {
        return Ok(Found::Broken(format!("SQLite cannot read it: {e}")));
    }
    if foreign_is_broken && is_foreign_schema(&e) {
        return Ok(Found::Broken(format!(
            "its tables are not those of this software's store: {e}"
        )));
    }
    Err(sqlite_error(path)(e))
}

/// The check at open: SQLite's integrity check on a connection that does not write, then the
/// store's own set-up (migrations), then every record of every table decoded.
fn check<S: SqliteFile>(path: &Path) -> Result<Found<S>, RecoveryError> {
    let conn = match inspect(path) {
        Ok(conn) => conn,
        Err(e) => return broken_or_error(path, e, false),
    };
    match integrity(&conn) {
        Ok(None) => {}
        Ok(Some(findings)) => {
            return Ok(Found::Broken(format!(
                "SQLite's integrity check fails: {findings}"
            )))
        }
        Err(e) => return broken_or_error(path, e, false),
    }
    // Sound: from here on the connection is the store's, and closes as usual.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)
        .map_err(sqlite_error(path))?;
    let store = match S::init(conn, path) {
        Ok(store) => store,
        Err(InitError::Sqlite(e)) => return broken_or_error(path, e, true),
        Err(InitError::Refused(reason)) => {
            return Err(RecoveryError::Refused {
                path: path.to_path_buf(),
                reason,
            })
        }
    };
    let mut tables = Vec::new();
    for table in S::TABLES {
        match scan(store.connection(), table) {
            Ok(rows) if rows.bad.is_empty() => {}
            Ok(rows) => tables.push(rows),
            Err(e) => {
                let found = broken_or_error(path, e, true);
                if matches!(found, Ok(Found::Broken(_))) {
                    // Going aside: closing must not write into it.
                    let _ = store
                        .connection()
                        .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true);
                }
                return found;
            }
        }
    }
    Ok(if tables.is_empty() {
        Found::Sound(store)
    } else {
        Found::BadRows(store, tables)
    })
}

/// Every row of `table`, decoded as the store reads it.
fn scan(conn: &Connection, table: &'static Table) -> rusqlite::Result<TableRows> {
    let mut stmt = conn.prepare(&table.select_all())?;
    let rowid_column = stmt.column_count() - 1;
    let mut rows = stmt.query([])?;
    let mut found = TableRows {
        table,
        total: 0,
        bad: Vec::new(),
    };
    while let Some(row) = rows.next()? {
        found.total += 1;
        if let Err(reason) = (table.decode)(row) {
            found.bad.push(BadRow {
                rowid: row.get(rowid_column)?,
                key: row_key(row),
                reason,
            });
        }
    }
    Ok(found)
}

/// The first column of `row` as a report names the row (`messages/7`).
pub fn row_key(row: &Row<'_>) -> String {
    match row.get_ref(0) {
        Ok(ValueRef::Integer(n)) => n.to_string(),
        Ok(ValueRef::Real(x)) => x.to_string(),
        Ok(ValueRef::Text(t)) => shorten(&String::from_utf8_lossy(t), 40),
        Ok(ValueRef::Blob(b)) => format!("<{} bytes>", b.len()),
        Ok(ValueRef::Null) | Err(_) => "?".to_string(),
    }
}

/// A sound file with records that do not decode: a full copy goes aside (it keeps them), then
/// they leave the file in one transaction. Why not the whole file: docs/store-recovery.md.
fn drop_bad_rows<S: SqliteFile>(
    store: &S,
    path: &Path,
    tables: &[TableRows],
    at: DateTime<Utc>,
) -> Result<Recovered, RecoveryError> {
    let summary = tables
        .iter()
        .map(|t| {
            let examples = t
                .bad
                .iter()
                .take(3)
                .map(|b| format!("{}/{}: {}", t.table.name, b.key, shorten(&b.reason, 120)))
                .collect::<Vec<_>>()
                .join("; ");
            let more = t.bad.len().saturating_sub(3);
            let more = if more > 0 {
                format!("; {more} more")
            } else {
                String::new()
            };
            format!(
                "{} of {} {} ({examples}{more})",
                t.bad.len(),
                t.total,
                t.table.rows
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let count: usize = tables.iter().map(|t| t.bad.len()).sum();
    let what = format!(
        "{count} record(s) cannot be decoded and are dropped, every other record is kept: {summary}"
    );
    let keep_aside = |source| RecoveryError::KeepAside {
        path: path.to_path_buf(),
        what: what.clone(),
        source,
    };
    let copy = aside_path(path, at);
    let copy_name = copy.to_str().ok_or_else(|| {
        keep_aside(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the file name is not UTF-8",
        ))
    })?;
    let conn = store.connection();
    conn.execute("VACUUM INTO ?1", [copy_name])
        .map_err(|e| keep_aside(io::Error::other(e)))?;
    sync_folder(&copy).map_err(keep_aside)?;
    let result: rusqlite::Result<()> = (|| {
        let tx = conn.unchecked_transaction()?;
        for t in tables {
            let sql = format!("DELETE FROM {} WHERE rowid = ?1", t.table.name);
            for bad in &t.bad {
                tx.execute(&sql, [bad.rowid])?;
            }
        }
        tx.commit()
    })();
    result.map_err(sqlite_error(path))?;
    Ok(Recovered::new(path, &copy, what))
}

/// What a file about to go aside holds, table by table, as far as it can be counted.
fn held<S: SqliteFile>(path: &Path) -> String {
    let Ok(conn) = inspect(path) else {
        return "what it held cannot be told (it cannot be opened)".to_string();
    };
    let mut parts = Vec::new();
    let mut anything = false;
    for table in S::TABLES {
        match count(&conn, table) {
            Ok((0, _)) => {}
            Ok((n, detail)) => {
                anything = true;
                parts.push(format!("{} {n}{detail}", table.rows));
            }
            Err(_) => parts.push(format!("{} cannot be counted", table.rows)),
        }
    }
    if parts.is_empty() {
        return "as far as can be told it held nothing (every table reads as empty)".to_string();
    }
    let lead = if anything {
        "lost with it, as far as can be told"
    } else {
        "as far as can be told"
    };
    format!("{lead}: {}", parts.join(", "))
}

/// The number of rows of `table`, and, with its `count_by` column, a " (A 2, B 1)" detail.
fn count(conn: &Connection, table: &Table) -> rusqlite::Result<(u64, String)> {
    let Some(column) = table.count_by else {
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| {
            r.get(0)
        })?;
        return Ok((u64::try_from(n).unwrap_or(0), String::new()));
    };
    let sql = format!(
        "SELECT {column}, count(*) FROM {} GROUP BY {column} ORDER BY {column}",
        table.name
    );
    let mut stmt = conn.prepare(&sql)?;
    let groups = stmt
        .query_map([], |row| Ok((row_key(row), row.get::<_, i64>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let total = groups
        .iter()
        .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
        .sum();
    let detail = groups
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok((total, format!(" ({detail})")))
}

/// A fresh store in the file `path`, which is gone (moved aside).
fn open_fresh<S: SqliteFile>(path: &Path) -> Result<S, RecoveryError> {
    let conn = Connection::open(path).map_err(sqlite_error(path))?;
    S::init(conn, path).map_err(|e| match e {
        InitError::Sqlite(source) => sqlite_error(path)(source),
        InitError::Refused(reason) => RecoveryError::Refused {
            path: path.to_path_buf(),
            reason,
        },
    })
}

//! The two SQLite layouts of the core's store, for tests that every store must pass: a
//! station's own file ([`OwnFile`]: `SqliteStore`) and one station's rows in a file shared by
//! many ([`SharedFile`]: `SharedSqliteStore`). A test written once as a generic function over
//! [`Layout`] runs for both through [`for_each_layout`].

use std::path::Path;

use chargepoint::charge_point::shared_sqlite_store::{SharedSqliteDb, SHARED_MIGRATIONS};
use chargepoint::charge_point::sqlite_store::{SqliteStore, MIGRATIONS};
use chargepoint::charge_point::{Store, StoreError};
use chargepoint::recovery::Recovered;
use chrono::{DateTime, Utc};

/// The station a [`SharedFile`] store is the view of.
pub const SHARED_STATION: &str = "cp001";

/// How a test opens the store of a file.
pub trait Layout {
    /// The test module its tests are generated in (the name a child process is run by).
    const MODULE: &'static str;
    /// Opens the file without checking it.
    fn open(path: &Path) -> Result<Box<dyn Store>, StoreError>;
    /// Opens the file checked, as a starting station does (docs/store-recovery.md).
    fn open_checked(
        path: &Path,
        at: DateTime<Utc>,
    ) -> Result<(Box<dyn Store>, Option<Recovered>), StoreError>;
    /// A store in memory.
    fn open_in_memory() -> Box<dyn Store>;
    /// The file's schema steps.
    fn migrations() -> &'static [&'static str];
}

/// `SqliteStore`: the file is the station's.
pub struct OwnFile;

impl Layout for OwnFile {
    const MODULE: &'static str = "own_file";
    fn open(path: &Path) -> Result<Box<dyn Store>, StoreError> {
        Ok(Box::new(SqliteStore::open(path)?))
    }
    fn open_checked(
        path: &Path,
        at: DateTime<Utc>,
    ) -> Result<(Box<dyn Store>, Option<Recovered>), StoreError> {
        let (store, recovered) = SqliteStore::open_checked(path, at)?;
        Ok((Box::new(store), recovered))
    }
    fn open_in_memory() -> Box<dyn Store> {
        Box::new(SqliteStore::open_in_memory().unwrap())
    }
    fn migrations() -> &'static [&'static str] {
        MIGRATIONS
    }
}

/// `SharedSqliteStore`: [`SHARED_STATION`]'s rows of a file shared by many.
pub struct SharedFile;

impl Layout for SharedFile {
    const MODULE: &'static str = "shared_file";
    fn open(path: &Path) -> Result<Box<dyn Store>, StoreError> {
        Ok(Box::new(
            SharedSqliteDb::open(path)?.store_for(SHARED_STATION),
        ))
    }
    fn open_checked(
        path: &Path,
        at: DateTime<Utc>,
    ) -> Result<(Box<dyn Store>, Option<Recovered>), StoreError> {
        let (db, recovered) = SharedSqliteDb::open_checked(path, at)?;
        Ok((Box::new(db.store_for(SHARED_STATION)), recovered))
    }
    fn open_in_memory() -> Box<dyn Store> {
        Box::new(
            SharedSqliteDb::open_in_memory()
                .unwrap()
                .store_for(SHARED_STATION),
        )
    }
    fn migrations() -> &'static [&'static str] {
        SHARED_MIGRATIONS
    }
}

/// The schema version of the file at `path`, read apart from any store.
pub fn file_schema_version(path: &Path) -> u32 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

/// Runs each generic test `fn name<L: Layout>()` listed once per layout, as
/// `own_file::name` and `shared_file::name`.
#[allow(unused_macros)] // not every test file that shares `common` has generic tests
macro_rules! for_each_layout {
    ($($test:ident),* $(,)?) => {
        mod own_file {
            $( #[test] fn $test() { super::$test::<crate::common::layouts::OwnFile>() } )*
        }
        mod shared_file {
            $( #[test] fn $test() { super::$test::<crate::common::layouts::SharedFile>() } )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use for_each_layout;

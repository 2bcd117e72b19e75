//! The charge-point core: everything of [`chargepoint_core::charge_point`] (re-exported here, so
//! `chargepoint::charge_point::ChargePoint` and the rest keep their paths), plus the production
//! [`Store`]s: [`sqlite_store::SqliteStore`], one SQLite file for one station, and
//! [`shared_sqlite_store::SharedSqliteStore`], one station's rows in a SQLite file shared by
//! many (a fleet).

pub mod shared_sqlite_store;
mod sqlite_rows;
pub mod sqlite_store;
mod sqlite_tables;

pub use chargepoint_core::charge_point::*;

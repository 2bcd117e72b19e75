//! The charge-point core: everything of [`chargepoint_core::charge_point`] (re-exported here, so
//! `chargepoint::charge_point::ChargePoint` and the rest keep their paths), plus the production
//! [`Store`]: [`sqlite_store::SqliteStore`], one SQLite file.

pub mod sqlite_store;

pub use chargepoint_core::charge_point::*;

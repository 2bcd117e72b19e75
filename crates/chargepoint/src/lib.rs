//! The OCPP brain of one charging station (libocpp's ChargePoint): the sans-IO core of the
//! `chargepoint-core` crate, re-exported at the same paths, and the IO it needs to run, as
//! quinn is to quinn-proto.
//!
//! What this crate adds to the core:
//!
//! - [`charge_point::sqlite_store`]: the production [`charge_point::Store`], one SQLite file
//!   (WAL, fsync on every commit).
//! - [`config::FileOverlay`]: the user config file, replaced atomically on every change; and
//!   [`config::ReadDocument`]: configuration files read from disk.
//! - [`driver`]: the tokio task that owns a [`ChargePoint`] and an ocpp-ws connection, sleeps
//!   until the core's deadlines, and links the core to the station through channels whose
//!   bounds and policies its docs list (none loses a transaction message).
//! - [`recovery`]: store and config files found unreadable at start, kept aside under a
//!   timestamped name, reported, and replaced by fresh ones (docs/store-recovery.md).
//!
//! Everything else ([`config`], [`charge_point`], [`smart_charging`], [`ChargePoint`]) is the
//! core's; see `chargepoint_core` for why it is a crate of its own.

pub mod charge_point;
pub mod config;
pub mod driver;
pub mod recovery;

pub use chargepoint_core::smart_charging;
pub use chargepoint_core::ChargePoint;

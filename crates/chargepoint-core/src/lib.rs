//! The sans-IO OCPP 1.6J charge-point core (DESIGN.md §3), libocpp's ChargePoint without its
//! sockets, timers, threads and files: a plain struct driven by calls, which takes the time as
//! an argument and hands back frames, deadlines and commands for its caller to carry out.
//!
//! - [`config`]: the OCPP 1.6 configuration (libocpp-compatible), validated against the
//!   profile schemas shipped in this crate, the user config behind a trait, GetConfiguration
//!   and ChangeConfiguration.
//! - [`charge_point`]: the charge-point core ([`ChargePoint`]): registration, heartbeat,
//!   connector status, authorization and the local list, transactions and meter values, remote
//!   start/stop, availability, reservations, configuration messages, DataTransfer, the Smart
//!   Charging messages, firmware, diagnostics and security events, and the persistent queue of
//!   transaction messages; persistence through the [`charge_point::Store`] trait
//!   ([`charge_point::MemoryStore`] here). Its files are listed in its docs.
//! - [`smart_charging`]: the charging profiles and the composite schedule they make.
//!
//! # Why a crate of its own
//!
//! So that the compiler keeps the core free of IO. This crate depends on the OCPP types and
//! framing, serde, chrono, thiserror and tracing, and on nothing that opens a socket, a
//! database or a runtime: code here that tried to would not build. The alternative, one crate
//! with its tokio and SQLite parts behind a cargo feature, does not hold: features are unified
//! across a build, so any dependent that turns the feature on turns IO on for every other
//! user of the crate, the core's own unit tests included, and nothing would notice a core
//! module starting to use it. This is the split of quinn-proto (the protocol) and quinn (its
//! tokio driver).
//!
//! The IO lives beside it in the `chargepoint` crate, which re-exports this one at the same
//! paths: the SQLite store, the configuration and user-config files, and the tokio driver.
//! `scripts/check-core-deps` (run by `scripts/test`) fails if tokio, rusqlite, rustls or
//! tungstenite ever appears among this crate's normal dependencies.

pub mod charge_point;
pub mod config;
pub mod smart_charging;

pub use charge_point::ChargePoint;

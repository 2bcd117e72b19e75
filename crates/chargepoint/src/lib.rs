//! The OCPP brain of one charging station (libocpp's ChargePoint), growing module by module.
//!
//! - [`config`]: the OCPP 1.6 configuration file (libocpp-compatible), the user config that
//!   records changes, GetConfiguration and ChangeConfiguration.
//! - [`charge_point`]: the sans-IO charge-point core ([`ChargePoint`]): registration,
//!   heartbeat, connector status, authorization, transactions and meter values, remote
//!   start/stop, configuration messages and the persistent queue of transaction messages.

pub mod charge_point;
pub mod config;
pub mod driver;
pub mod smart_charging;

pub use charge_point::ChargePoint;

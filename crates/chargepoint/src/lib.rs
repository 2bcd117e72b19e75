//! The OCPP brain of one charging station (libocpp's ChargePoint), growing module by module.
//!
//! - [`config`]: the OCPP 1.6 configuration file (libocpp-compatible), the user config that
//!   records changes, GetConfiguration and ChangeConfiguration.

pub mod config;

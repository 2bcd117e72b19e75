//! The station runtime of ferrocharge: [`runtime::Station`] runs a station config (the OCPP
//! core and its driver, the simulated EVSEs, message logs and the control API).
//!
//! - [`config`]: the EVerest-shaped station YAML loaded and checked into a [`StationConfig`].
//! - [`module_types`]: every module type as data (implementations, requirements, parameters).
//! - [`runtime`]: the running station, wiring the charge-point core to everything below.
//! - [`sim`]: the simulated board, meter, car and EvseManager of each EVSE.
//! - [`energy`]: the energy tree (EnergyManager, EnergyNode) sharing the current among EVSEs.
//! - [`system`]: the System module's firmware downloads and diagnostics uploads.
//! - [`error_history`]: the ErrorHistory module: every error raised and cleared, in SQLite.
//! - [`evse_security`]: the OCPP module's certificate store, from the EvseSecurity module.
//! - [`persistent_store`]: the PersistentStore module's key-value store in SQLite.
//! - [`display`]: the TerminalDisplayMessage module: the station's display.
//! - [`data_transfer`]: the DataTransferResponder module: answers the CSMS's DataTransfers.
//! - [`session_cost`]: the OCPP module's `session_cost` interface (California Pricing);
//!   [`cost_and_price_message`]: the TerminalCostAndPriceMessage module that logs it.
//! - [`session_log`]: the EvseManager's session log (`session_logging`).
//! - [`message_log`]: the OCPP message logs, in the formats `Internal.LogMessagesFormat` selects.
//! - [`control_api`]: the HTTP control API and web UI.
//! - [`mqtt`]: EVerest's external MQTT API (API, EvAPI and the modules' own topics).
//! - [`private_files`]: files and folders only the station's user may read (logs, archives).

// Loading a config is a cold path: a large error type costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

pub mod config;
pub mod control_api;
pub mod cost_and_price_message;
pub mod data_transfer;
pub mod display;
pub mod energy;
pub mod error_history;
pub mod evse_security;
pub mod message_log;
pub mod module_types;
pub mod mqtt;
pub mod persistent_store;
pub mod private_files;
pub mod runtime;
pub mod session_cost;
pub mod session_log;
pub mod sim;
pub mod system;

pub use config::{ConfigError, ConfigFile, ModuleInstance, ParamValue, Parameters, StationConfig};

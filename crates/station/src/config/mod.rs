//! Loading the EVerest-shaped station YAML (`settings`, `active_modules` with `module`,
//! `mapping`, `config_module`, `config_implementation` and `connections`; `x-...` keys ignored)
//! into a checked graph of module instances, [`StationConfig`].
//!
//! Every module type is declared as data in [`crate::module_types`] (the implementations it
//! provides, its requirements with cardinality, its parameters with types and defaults),
//! transcribed from everest-core's manifests so that EVerest's own station configs load
//! unchanged. Loading checks every module type, parameter, mapping and connection, and refuses a
//! broken config with one [`ConfigError`] whose `Display` is one line naming the module, the
//! requirement (or parameter) and the problem, e.g.
//! `ocpp: requirement evse_manager needs 1..128 connections, found 0`.
//!
//! Module types ferrocharge does not provide (EvseV2G, PyEvJosev, SlacSimulator, API, EvAPI,
//! ErrorHistory, TerminalCostAndPriceMessage, ...) are refused, all of them in one line that names
//! the modules, their types and the supported types. There is deliberately no class of "accepted
//! but inert" types: a module that would silently do nothing (an API that answers no one, a
//! SLAC stack that never runs) makes a config look like it works when it does not.
//!
//! - `model`: the loaded config as data ([`StationConfig`], [`ModuleInstance`], [`Settings`],
//!   [`Parameters`], ...).
//! - `load`: reading and parsing the YAML, `settings` (`data_dir`, `control_api`,
//!   `control_api_token`, `mqtt`, `mqtt_external_prefix`), module types and mappings, and where relative input paths resolve
//!   ([`resolve_input`]).
//! - [`shipped`]: the station YAMLs and the OCPP configuration built into the binary.
//! - `parameters`: the parameters given against the declared ones, defaults filled in.
//! - `connections`: connections against requirements (interfaces, cardinality), and the EVSEs
//!   and energy sinks the OCPP module's connections make.
//! - `raw`: the YAML's shape as parsed, before any check; `error`: [`ConfigError`].
//!
//! ```
//! use station::config::shipped;
//!
//! let cfg = station::StationConfig::shipped(&shipped::SIL_ONE_EVSE).unwrap();
//! let ocpp = cfg.module("ocpp").unwrap();
//! assert_eq!(ocpp.parameters.str("ChargePointConfigPath"), Some("ocpp-config.json"));
//! assert_eq!(cfg.evses.len(), 1);
//! ```

mod connections;
mod error;
mod load;
mod model;
mod parameters;
mod raw;
pub mod shipped;

pub use error::ConfigError;
pub use load::resolve_input;
pub use model::{
    ConfigFile, Connection, ControlApiToken, Evse, Implementation, Mapping, ModuleInstance,
    MqttBroker, MqttSetting, ParamValue, Parameters, Requirement, Settings, StationConfig,
    CONTROL_API_TOKEN_MIN_LEN, DEFAULT_CONTROL_API, DEFAULT_DATA_DIR, DEFAULT_MQTT_BROKER,
    MAX_EVSES,
};

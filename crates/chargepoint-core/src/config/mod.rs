//! The OCPP 1.6 configuration (DESIGN.md §5): libocpp's configuration file format, validated
//! against our profile schemas (config/profile_schemas/ in this crate, embedded), the user
//! config (a JSON merge patch) that receives every change, GetConfiguration and
//! ChangeConfiguration.
//!
//! - [`Registry`] (`registry.rs`) describes every key (section, type, constraints, default,
//!   readonly, write-only, reboot-required), read from the schema files: the one source of
//!   truth. [`schema`] is the JSON-schema subset they are written in, and its validator;
//!   [`Section`] and [`ProfileName`] (`section.rs`) name the sections and feature profiles.
//! - [`Configuration::load`] (`load.rs`, with [`merge_patch`] and [`validate`]) merges the user
//!   config over the base config, fills in defaults and validates everything; each problem
//!   names the file, the JSON path and the reason.
//! - [`Configuration`] (`configuration.rs`) is the running configuration;
//!   [`Configuration::typed`] ([`typed`]) is the typed view the station reads
//!   (`cfg.core().heartbeat_interval`).
//! - [`Configuration::get_configuration`] (`get_configuration.rs`) and
//!   [`Configuration::change_configuration`] (`change_configuration.rs`, with the value forms of
//!   [`formats`]) answer the two OCPP messages, values in OCPP's string form ([`ConfigValue`],
//!   `value.rs`); a change is written to the user config (through an [`OverlayStore`],
//!   `user_overlay.rs`: the chargepoint crate's `FileOverlay` in production, [`MemoryOverlay`]
//!   in tests) before it is applied, and returns a [`ConfigChange`] for the runtime to act on.
//! - [`render`]: the effective configuration as readable JSON, for `ferrocharge config show`.
//!
//! Reading a file ([`Document::parse`] takes the text) and writing the user config are IO, so
//! they are the chargepoint crate's (`chargepoint::config::ReadDocument`, `FileOverlay`).
//!
//! ```
//! use chargepoint_core::config::{ChangeContext, Configuration, Document, MemoryOverlay, Registry};
//! use ocpp_types::core::{ChangeConfigurationRequest, ConfigurationStatus};
//!
//! let base = Document::parse("ocpp-config.json", chargepoint_core::config::DEFAULT_CONFIG).unwrap();
//! let registry = Registry::embedded().unwrap().clone();
//! let mut cfg = Configuration::load(registry, &base, Box::new(MemoryOverlay::default())).unwrap();
//! assert_eq!(cfg.core().heartbeat_interval, 86400);
//!
//! let request: ChangeConfigurationRequest =
//!     ocpp_types::decode_str(r#"{"key": "HeartbeatInterval", "value": "60"}"#).unwrap();
//! let no_profile_switch = |_: u8| Err("not in this example".to_string());
//! let context = ChangeContext { now: chrono::Utc::now(), security_profile: &no_profile_switch };
//! let outcome = cfg.change_configuration(&request, &context);
//! assert_eq!(outcome.status, ConfigurationStatus::Accepted);
//! assert!(outcome.change.unwrap().is("HeartbeatInterval"));
//! assert_eq!(cfg.core().heartbeat_interval, 60);
//! ```

mod change_configuration;
mod configuration;
pub mod formats;
mod get_configuration;
mod load;
pub mod merge_patch;
mod registry;
pub mod render;
pub mod schema;
mod section;
mod shared_document;
pub mod typed;
mod user_overlay;
pub mod validate;
mod value;

pub use change_configuration::{
    ChangeContext, ChangeOutcome, SecurityProfileGate, AUTHORIZATION_KEY_MIN_BYTES,
};
pub use configuration::{ChangeError, ChangeOrigin, ConfigChange, Configuration};
pub use get_configuration::GetConfigurationError;
pub use load::{effective, ConfigError, Document, Problem};
pub use registry::{KeySpec, Registry, SectionSpec, CONFIG_SCHEMA, SECTION_SCHEMAS};
pub use schema::SchemaError;
pub use section::{ProfileName, Section};
pub use shared_document::SharedDocument;
pub use typed::OcppConfig;
pub use user_overlay::{MemoryOverlay, OverlayError, OverlayStore};
pub use value::{parse_ocpp_string, to_ocpp_string, ConfigValue};

/// The shipped default configuration: SteVe's default URL and ChargePointId cp001, like
/// libocpp's config-docker.json. The file is this crate's config/ocpp-config.json, so that the
/// crate packages on its own; the repository's top-level config/ocpp-config.json, which the
/// station YAMLs and the tests name, links to it.
pub const DEFAULT_CONFIG: &str = include_str!("../../config/ocpp-config.json");

//! The OCPP 1.6 configuration: everything of the core's [`chargepoint_core::config`]
//! (re-exported here, so `chargepoint::config::Configuration` and the rest keep their paths),
//! plus the parts that touch files: [`FileOverlay`] (`file_overlay.rs`), the user config file
//! replaced atomically on every change, [`ReadDocument`] (`read.rs`), a configuration file
//! read from disk, and [`load_with_user_config`] (`user_config.rs`), the configuration loaded
//! with a user config file that is moved aside when it cannot be used.

mod file_overlay;
mod read;
mod user_config;

pub use chargepoint_core::config::*;
pub use file_overlay::FileOverlay;
pub use read::ReadDocument;
pub use user_config::load_with_user_config;

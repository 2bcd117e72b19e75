//! The OCPP 1.6 configuration: everything of the core's [`chargepoint_core::config`]
//! (re-exported here, so `chargepoint::config::Configuration` and the rest keep their paths),
//! plus the parts that touch files: [`FileOverlay`] (`file_overlay.rs`), the user config file
//! replaced atomically on every change, and [`ReadDocument`] (`read.rs`), a configuration file
//! read from disk.

mod file_overlay;
mod read;

pub use chargepoint_core::config::*;
pub use file_overlay::FileOverlay;
pub use read::ReadDocument;

//! The EvAPI module type: the declarations of everest-core's `modules/API/EvAPI/manifest.yaml`.

use super::{ModuleType, Require};

/// The EVerest EV API module, exposing some internal functionality on an external MQTT
/// connection.
pub const EV_API: ModuleType = ModuleType {
    name: "EvAPI",
    provides: &[],
    requires: &[Require::new("ev_manager", "ev_manager", 1, 128)],
    parameters: &[],
};

//! The YetiSimulator module type: the declarations of everest-core's `modules/Simulation/YetiSimulator/manifest.yaml`.

use super::{ModuleType, Param, Provide};

/// SIL simulator for YETI hardware v1.0
pub const YETI_SIMULATOR: ModuleType = ModuleType {
    name: "YetiSimulator",
    provides: &[
        Provide::new("powermeter", "powermeter"),
        Provide::new("board_support", "evse_board_support"),
        Provide::new("ev_board_support", "ev_board_support"),
        Provide::new("rcd", "ac_rcd"),
        Provide::new("connector_lock", "connector_lock"),
    ],
    requires: &[],
    parameters: &[
        Param::integer("connector_id"),
        Param::bool("reset_powermeter_on_session_start").default_bool(true),
    ],
};

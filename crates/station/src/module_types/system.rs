//! The System module type: the declarations of everest-core's `modules/Misc/System/manifest.yaml`.

use super::{ModuleType, Param, Provide, Require};

/// This module implements system wide operations
pub const SYSTEM: ModuleType = ModuleType {
    name: "System",
    provides: &[Provide::new("main", "system")],
    requires: &[Require::new("store", "kvs", 0, 1)],
    parameters: &[
        Param::number("DefaultRetries").default_num(1.0),
        Param::number("DefaultRetryInterval").default_num(1.0),
        Param::integer("ResetDelay").default_int(0).minimum(0.0),
    ],
};

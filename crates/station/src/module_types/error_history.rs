//! The ErrorHistory module type: the declarations of everest-core's `modules/Misc/ErrorHistory/manifest.yaml`.

use super::{ModuleType, Param, Provide};

/// This module provides a persistent error history.
pub const ERROR_HISTORY: ModuleType = ModuleType {
    name: "ErrorHistory",
    provides: &[Provide::new("error_history", "error_history")
        .parameters(&[Param::string("database_path")])],
    requires: &[],
    parameters: &[],
};

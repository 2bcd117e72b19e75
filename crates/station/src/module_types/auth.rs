//! The Auth module type: the declarations of everest-core's `modules/EVSE/Auth/manifest.yaml`.

use super::{ModuleType, Param, Provide, Require};

/// This module implements the authentication handling for the EVerest. It is responsible for providing authorization to the connected evse managers. In addition to that, it handles the reservation management.
pub const AUTH: ModuleType = ModuleType {
    name: "Auth",
    provides: &[
        Provide::new("main", "auth"),
        Provide::new("reservation", "reservation"),
    ],
    requires: &[
        Require::new("token_provider", "auth_token_provider", 1, 128),
        Require::new("token_validator", "auth_token_validator", 1, 128),
        Require::new("evse_manager", "evse_manager", 1, 128),
        Require::new("kvs", "kvs", 0, 1),
    ],
    parameters: &[
        Param::string("selection_algorithm").default_str("FindFirst"),
        Param::integer("connection_timeout"),
        Param::string("master_pass_group_id").default_str(""),
        Param::bool("prioritize_authorization_over_stopping_transaction").default_bool(true),
        Param::bool("ignore_connector_faults").default_bool(false),
        Param::bool("plug_in_timeout_enabled").default_bool(false),
    ],
};
